"""Person and organisation names compared across scripts and spelling systems.

One person is written Шураев in a Russian source, Shuraev in a passport
(ICAO 9303), Shurayev by the BGN/PCGN system an English newspaper uses and
Šuraev in a scholarly text.  Each name is turned into the Latin spellings
the common systems give it (``iuliia`` implements them), then into a
*loose* form that irons out what the systems disagree on (y/j/i, kh/h/x,
ts/c, doubled letters, apostrophes for soft signs), so that those spellings
compare equal, and a *skeleton* (first letter and consonants) that blocks
candidates cheaply.  Pure functions, cached: names repeat across records.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Romanisation systems people meet in sources: passports (ICAO 9303 since
# 2013 in Russia, the ministry's 1997 rules before it), BGN/PCGN (English
# press and maps), ISO 9 (GOST 7.79, libraries), scholarly, Wikipedia.
_SYSTEMS = ("ICAO_DOC_9303", "MVD_782", "BGN_PCGN", "GOST_779", "SCIENTIFIC", "WIKIPEDIA")
SYSTEM_NAMES = {"ICAO_DOC_9303": "passport", "MVD_782": "passport 1997", "BGN_PCGN": "BGN/PCGN",
                "GOST_779": "ISO 9", "SCIENTIFIC": "scholarly", "WIKIPEDIA": "Wikipedia"}
# iuliia knows the Russian alphabet: Kazakh, Ukrainian and Belarusian letters
# are first read as the Russian letter they are usually romanised like.
_TO_RUSSIAN = str.maketrans({"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у",
                             "һ": "х", "і": "и", "ї": "йи", "є": "е", "ґ": "г", "ў": "у"})
# Letters of scholarly and ISO 9 spellings that NFKD would cut to a bare letter.
_DIACRITICS = str.maketrans({"š": "sh", "ž": "zh", "č": "ch", "ŝ": "shch", "â": "ya", "û": "yu",
                             "ë": "yo", "ǎ": "a", "ʹ": "", "ʺ": "", "’": "", "'": "", "`": "", "ʼ": ""})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# What romanisations disagree on, ironed out (applied in order).
_LOOSE = [(re.compile(p), r) for p, r in (
    (r"shch|sch", "s"), (r"kh|x", "h"), (r"ts|tz", "c"), (r"zh", "j"), (r"ck", "k"), (r"w", "v"),
    (r"j", "y"), (r"y", "i"), (r"ie", "e"), (r"(.)\1+", r"\1"))]
_VOWELS = re.compile(r"[aeiouh]")


@dataclass(frozen=True)
class Spelling:
    """One way of writing a name: as given, or romanised by a system."""

    given: str  # the name as the record holds it
    system: str  # "" when given in Latin script, else the system's label
    loose: str  # the comparison form
    plain: str = ""  # lower-case ASCII, before the loose rules

    @property
    def words(self) -> str:
        """The loose form with its words in order: "Шураев Арман" meets "Arman Shuraev"."""
        return _sorted_words(self.loose)


@lru_cache(maxsize=65536)
def plain(text: str) -> str:
    """Lower-case ASCII words of a Latin-script name."""
    if text.isascii():  # most romanisations: no Unicode work to do
        return " ".join(w for w in _NOT_WORD.split(text.lower().replace("'", "").replace("`", "")) if w)
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DIACRITICS)
    ascii_ = "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii())
    return " ".join(w for w in _NOT_WORD.split(ascii_) if w)


@lru_cache(maxsize=65536)
def _loose_word(word: str) -> str:
    for pattern, repl in _LOOSE:
        word = pattern.sub(repl, word)
    return word


def loose(text: str) -> str:
    """The comparison form of a Latin-script name (see the module's docstring)."""
    return " ".join(_loose_word(w) for w in plain(text).split())


@lru_cache(maxsize=65536)
def _romanised(word: str) -> tuple[str, ...]:
    """One Cyrillic word as each system in _SYSTEMS writes it (names share
    their words, so this is where the cache pays)."""
    import iuliia

    text = unicodedata.normalize("NFC", word).lower().translate(_TO_RUSSIAN)
    return tuple(getattr(iuliia, system).translate(text) for system in _SYSTEMS)


@lru_cache(maxsize=65536)
def spellings(name: str) -> tuple[Spelling, ...]:
    """The name and, when it holds Cyrillic letters, its romanisations."""
    if not _CYRILLIC.search(name):
        form = loose(name)
        return (Spelling(name, "", form, plain(name)),) if form else ()
    words = [_romanised(w) if _CYRILLIC.search(w) else (w,) * len(_SYSTEMS) for w in name.split()]
    out: dict[str, Spelling] = {}
    for i, system in enumerate(_SYSTEMS):
        latin = " ".join(w[i] for w in words)
        form, exact = loose(latin), plain(latin)
        if form and exact in out:  # one spelling, several systems: name them all
            seen = out[exact]
            out[exact] = Spelling(name, f"{seen.system}, {SYSTEM_NAMES[system]}", form, exact)
        elif form:
            out[exact] = Spelling(name, SYSTEM_NAMES[system], form, exact)
    return tuple(out.values())


def skeleton(word: str) -> str:
    """A blocking key for one loose word: its first letter and its consonants."""
    if len(word) < 3:
        return ""
    key = word[0] + _VOWELS.sub("", word[1:])
    return key if len(key) >= 2 else ""


@lru_cache(maxsize=65536)
def _name_keys(name: str) -> frozenset[str]:
    return frozenset(k for s in spellings(name) for w in s.loose.split() if (k := skeleton(w)))


def keys(names: list[str]) -> set[str]:
    """Blocking keys of every word of every spelling of names."""
    return {k for name in names for k in _name_keys(name)}


@dataclass(frozen=True)
class NameMatch:
    score: float  # 0..1
    a: str  # the spelling of the first name that matched
    b: str
    how: str  # "same name", "transliteration (BGN/PCGN)", "spelling, 93% similar"


EXACT = 1.0
TRANSLITERATED = 0.95
# Below this similarity two names are not taken for one.
SIMILAR = 0.85


@lru_cache(maxsize=65536)
def _fold(name: str) -> str:
    from ledger.core.normalize import fold

    return fold(name)


@lru_cache(maxsize=65536)
def _sorted_words(form: str) -> str:
    return " ".join(sorted(form.split()))


def best_match(a_names: list[str], b_names: list[str]) -> NameMatch | None:
    """How well the best pair of names (any script, any system) agrees, or None
    when no pair is similar enough to count."""
    from rapidfuzz import fuzz

    folded = {_fold(n): n for n in b_names}
    for n in a_names:
        if _fold(n) in folded:
            return NameMatch(EXACT, n, folded[_fold(n)], "same name")
    a_sp = [s for n in a_names for s in spellings(n)]
    b_sp = [s for n in b_names for s in spellings(n)]
    by_plain = {s.plain: s for s in b_sp}
    for x in a_sp:
        y = by_plain.get(x.plain)
        if y is not None and (x.system or y.system):
            return NameMatch(TRANSLITERATED, x.given, y.given, f"transliteration ({x.system or y.system})")
    by_words = {s.words: s for s in b_sp}
    for x in a_sp:
        y = by_words.get(x.words)
        if y is not None:
            system = x.system or y.system
            how = f"transliteration ({system})" if system else "spelling variant"
            if x.loose != y.loose:
                how += ", words in another order"
            return NameMatch(TRANSLITERATED, x.given, y.given, how)
    best: NameMatch | None = None
    a_forms = {s.loose: s for s in a_sp}
    b_forms = {s.loose: s for s in b_sp}
    for xf, x in a_forms.items():
        for yf, y in b_forms.items():
            ratio = fuzz.token_sort_ratio(xf, yf, score_cutoff=SIMILAR * 100) / 100
            xw, yw = xf.split(), yf.split()
            if min(len(xw), len(yw)) == 1 and len(min(xw, yw, key=len)[0]) >= 4:
                # A surname alone against a full name: the surname must be there.
                ratio = max(ratio, 0.9 * fuzz.token_set_ratio(xf, yf) / 100)
            if ratio >= SIMILAR and (best is None or ratio > best.score):
                how = f"spelling, {round(ratio * 100)}% similar"
                best = NameMatch(round(ratio, 3), x.given, y.given, how)
    return best
