"""Characters that can hide, reorder or steer what a reader sees.

One definition for both sides: ``validate`` warns about them in records,
and every human output shows them as visible escapes (ledger.render.neutral).
"""

from __future__ import annotations

import re

# C0 except tab and newline, DEL, C1 (ESC starts every escape sequence, and
# CSI/OSC have C1 forms of their own); bidi overrides and isolates (Trojan
# Source); zero-width space, word joiner, BOM; line and paragraph separators,
# which some viewers break lines on; lone surrogates (git text decoded with
# surrogateescape), which no output stream can encode.  ZWNJ and ZWJ (U+200C, U+200D) are part
# of Persian, Kurdish, Indic scripts and emoji, so they count only next to
# ASCII (or at an end), where no script needs them and they only hide a join.
HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff\u2028\u2029\ud800-\udfff]"
    "|(?<![^\x00-\x7f])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f])")

# Whether a record's text can hold any of them in a value at all: raw, or
# written as a YAML escape ("\e", "\u202e"), which needs a backslash.  A raw
# CR is a line end, which YAML turns into a newline in values.
MAYBE_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2060"
                          "\u2066-\u2069\ufeff\u2028\u2029\ud800-\udfff\\\\]")

_SHORT = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def escape(char: str) -> str:
    """One character as a visible escape: \\r, \\x1b, \\u202e."""
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
