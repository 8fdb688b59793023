"""Text folded for matching: the one rule every search and merge shares.

Names arrive in every script and from every keyboard: "Ильяшев" typed on a
phone may be composed differently from the one in the record, full-width
letters come from East Asian input methods, and line breaks sit wherever a
block scalar wrapped.  Folding makes all of those compare equal while
leaving letters themselves alone (no transliteration, no accent stripping:
"Ilyashev" and "Ильяшев" are matched through the record's ``names``, not by
guessing).
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """NFKC case-folded text with runs of whitespace collapsed to one space."""
    # NFKC again after casefold: folding can undo normalisation (e.g. "ẞ").
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())
