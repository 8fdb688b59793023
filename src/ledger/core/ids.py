"""Incident ids: readable, permanent, and made without shared state.

An id is ``<date>-<slug>-<suffix>``: the start of the incident's EDTF date as
precisely as it was given (``2020-04-18``, ``2020-04``, ``2020``), a slug of
the title (ASCII, lower case, at most ~40 characters) and four random
characters.  Nothing is counted, so two researchers adding records at the
same moment, or on two git branches, cannot pick the same id except by a
1-in-1.7-million chance per same date and slug, and that collision is caught
by the exclusive create that writes the file (the caller draws again).

Everything here is pure except the random source, which callers may inject.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,99}$")
SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SUFFIX_LENGTH = 4
SLUG_MAX = 40
FALLBACK_SLUG = "incident"
UNDATED_FOLDER = "undated"

Choose = Callable[[str], str]

# Letters NFKD does not take apart into ASCII.  Cyrillic follows the common
# passport-style romanisation (Russian, Ukrainian, Belarusian and Kazakh
# letters), so that "Ильяшев" reads "ilyashev" in an id.
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
    "ә": "a", "ғ": "g", "қ": "k", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
    "ł": "l", "ı": "i", "ħ": "h",
}
# "ь" and "ъ" between letters mark softness, which reads best as nothing, except
# in "ья"/"ье"/"ью" where English readers expect the y: Ильяшев -> Ilyashev.
_SOFT_Y = re.compile(r"[ьъ](?=[яеёю])")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# The date's start as written: year, then month and day while they are plain
# digits (an unspecified "X" digit ends the precision; 21-24 are seasons).
_DATE_START = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(\d{2}))?)?(?![\dX])")


def transliterate(text: str) -> str:
    """ASCII approximation of text, lower case."""
    text = _SOFT_Y.sub("", text.lower())
    out = []
    for char in text:
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if c.isascii()))
    return "".join(out)


def slugify(text: str, *, max_length: int = SLUG_MAX, separator: str = "-") -> str:
    """Lower-case ASCII words joined by separator, cut at a word boundary.

    Only [a-z0-9] and the separator survive, so no slug can hold '/', '.',
    upper case or anything a file name or an id pattern would reject.
    """
    words = [w for w in _NOT_SLUG.split(transliterate(text)) if w]
    slug = ""
    for word in words:
        candidate = f"{slug}{separator}{word}" if slug else word
        if len(candidate) > max_length:
            if not slug:  # one very long word: cut it rather than lose it
                slug = word[:max_length]
            break
        slug = candidate
    return slug


def date_prefix(date: str) -> str:
    """The start of an EDTF date as precisely as given, or "" when there is
    no plain year to start from (20XX, Y170000002, an open start ../..)."""
    text = date.strip()
    start, _, end = text.partition("/")
    if start in ("", ".."):
        start = end
    m = _DATE_START.match(start)
    if not m:
        return ""
    parts = [p for p in m.groups() if p]
    if len(parts) == 3 and not 1 <= int(parts[2]) <= 31:
        parts = parts[:2]
    return "-".join(parts)


def folder_for(date: str) -> str:
    """The year folder a new record goes to: incidents/<year>/."""
    prefix = date_prefix(date)
    return prefix[:4] if prefix else UNDATED_FOLDER


def suffix(choose: Choose = secrets.choice) -> str:
    return "".join(choose(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def new_id(date: str, words: str, *, choose: Choose = secrets.choice) -> str:
    """``<date prefix>-<slug of words>-<4 random chars>``; always matches ID_PATTERN."""
    slug = slugify(words) or FALLBACK_SLUG
    parts = [p for p in (date_prefix(date), slug, suffix(choose)) if p]
    return "-".join(parts)


def redraw(rid: str, *, choose: Choose = secrets.choice) -> str:
    """The same id with a fresh random suffix (after a create collision)."""
    stem = rid[: -SUFFIX_LENGTH - 1] if len(rid) > SUFFIX_LENGTH + 1 else rid
    return f"{stem}-{suffix(choose)}"


def is_valid(rid: object) -> bool:
    return isinstance(rid, str) and bool(ID_PATTERN.match(rid))


def needle(id_or_prefix: str) -> str:
    """What a user typed for an id (a file name or path is fine too)."""
    return id_or_prefix.strip().removesuffix(".yaml").rsplit("/", 1)[-1]


def pick(rows: Iterable[tuple[str, dict[str, Any]]], id_or_prefix: str, *,
         listing: str = "ledger list --format ids") -> tuple[str, dict[str, Any]]:
    """The row whose record has this id, or the only one whose id starts with
    it; LedgerError (exit 1) when none does, UsageError when several do."""
    from ledger.core.problems import ExitCode, LedgerError, UsageError

    wanted = needle(id_or_prefix)
    if not wanted:
        raise UsageError("give an incident id (or the start of one)")
    rows = list(rows)
    exact = [row for row in rows if row[1].get("id") == wanted]
    if exact:
        return exact[0]
    hits = [row for row in rows if str(row[1].get("id", "")).startswith(wanted)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise LedgerError(f"no incident with id {wanted!r}", hint=f"`{listing}` shows every id",
                          exit_code=ExitCode.INVALID)
    shown = ", ".join(str(r.get("id")) for _, r in hits[:8])
    raise UsageError(f"{wanted!r} matches {len(hits)} incidents: {shown}", hint="give more of the id")
