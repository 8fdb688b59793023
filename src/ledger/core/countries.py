"""Country names to ISO 3166-1 alpha-2 codes, in English and local languages.

Records store the code (``KZ``); people type names: ``Kazakhstan``,
``Казахстан``, ``Қазақстан``, ``Kasachstan``.  Names come from pycountry
(the Debian iso-codes data and its translations), so no list is kept here.
Which codes a ledger allows is still its schema's business: a name only
turns into a code, which the caller then checks against the vocabulary.
"""

from __future__ import annotations

import difflib
import gettext
import os
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from ledger.core.normalize import fold


def name(code: str) -> str:
    """The English short name of a code (the common name where ISO's is
    awkward: "Taiwan", "South Korea"), or "" for a code pycountry lacks."""
    country = _by_code().get(code.upper())
    return _display(country) if country is not None else ""


def code_for(text: str, names: Mapping[str, str] | None = None) -> str | None:
    """The alpha-2 code a name (any case, any of pycountry's languages, or
    one of names: code -> name, e.g. a schema's descriptions) or an
    alpha-2/alpha-3 code stands for; None when it names no country."""
    key = fold(text)
    if not key:
        return None
    for code, known in (names or {}).items():
        if fold(known) == key:
            return code
    index = _index()
    return index.get(key) or index.get(_plain(key))


def suggest(text: str, n: int = 3, names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(code, name) of the countries whose names are closest to text."""
    key = _plain(fold(text))
    index = dict(_index())
    for code, known in (names or {}).items():
        index.setdefault(_plain(fold(known)), code)
    out: list[tuple[str, str]] = []
    candidates = [k for k in index if len(k) > 3]
    for close in difflib.get_close_matches(key, candidates, n=n * 3, cutoff=0.75):
        code = index[close]
        if all(code != c for c, _ in out):
            out.append((code, name(code) or (names or {}).get(code, code)))
    return out[:n]


def complete(typed: str, allowed: Iterable[str], names: Mapping[str, str] | None = None,
             ) -> list[tuple[str, str]]:
    """Shell completions (value, description) for a country: codes whose
    start is typed, described by their names ("K" offers KZ Kazakhstan), and
    else names whose start is typed, described by their codes ("Kaz" offers
    Kazakhstan KZ, which --country takes as well).  Values start with what
    is typed, as shells require; English names only, to stay quick."""
    key = fold(typed)
    codes = []
    spelt: list[tuple[str, str]] = []
    for code in allowed:
        shown = (names or {}).get(code) or name(code)
        if fold(code).startswith(key):
            codes.append((code if code.startswith(typed) else code.lower(), shown))
            continue
        country = _by_code().get(code)
        common = [str(getattr(country, attr, "") or "") for attr in ("name", "common_name")]
        for word in dict.fromkeys([*common, shown]):
            if word and (fold(word).startswith(key) or _plain(fold(word)).startswith(key)):
                spelt.append((typed + word[len(typed):], code))
                break
    return codes or spelt


@lru_cache(maxsize=1)
def _by_code() -> dict[str, object]:
    import pycountry

    return {c.alpha_2: c for c in pycountry.countries}


def _display(country: object) -> str:
    return str(getattr(country, "common_name", None) or getattr(country, "name", ""))


def _plain(key: str) -> str:
    """Without accents, for names typed on a keyboard that lacks them."""
    decomposed = unicodedata.normalize("NFD", key)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _english_names(country: object | None) -> list[str]:
    return [str(v) for v in (getattr(country, attr, None)
                             for attr in ("name", "common_name", "official_name")) if v]


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """Folded name or code -> alpha-2.  Codes and English names come first;
    a translated name that two countries share in different languages is
    kept for the first, and no later entry replaces an earlier one.  Built
    only when a value is not a code (about 0.3 s for pycountry's ~160
    languages)."""
    index = dict(_english_index())
    for catalog in _catalogs():
        for code, english in _english_pairs():
            translated = catalog.gettext(english)
            if translated != english:
                _put(index, translated, code)
    return index


@lru_cache(maxsize=1)
def _english_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in _by_code().values():
        code = str(getattr(country, "alpha_2", ""))
        _put(index, code, code)
        _put(index, str(getattr(country, "alpha_3", "")), code)
    for code, english in _english_pairs():
        _put(index, english, code)
    return index


@lru_cache(maxsize=1)
def _english_pairs() -> list[tuple[str, str]]:
    return [(str(getattr(country, "alpha_2", "")), english)
            for country in _by_code().values() for english in _english_names(country)]


def _put(index: dict[str, str], text: str, code: str) -> None:
    key = fold(text)
    index.setdefault(key, code)
    if not key.isascii():
        index.setdefault(_plain(key), code)


def _catalogs() -> list[gettext.GNUTranslations]:
    """pycountry's translations of country names, one per language."""
    import pycountry

    folder = pycountry.LOCALES_DIR
    out = []
    for locale in _locales(folder):
        try:
            with open(os.path.join(folder, locale, "LC_MESSAGES", "iso3166-1.mo"), "rb") as fh:
                out.append(gettext.GNUTranslations(fh))
        except (OSError, ValueError):  # a damaged catalogue costs its language only
            continue
    return out


def _locales(folder: str) -> list[str]:
    try:
        found = sorted(os.listdir(folder))
    except OSError:
        return []
    return [loc for loc in found if os.path.exists(os.path.join(folder, loc, "LC_MESSAGES", "iso3166-1.mo"))]
