"""Text from records, file names and git, made harmless for where it goes.

A ledger is often read from a pull request someone else wrote, so nothing
in it may steer the terminal, the CI runner, a rendered page or a
spreadsheet.  One function per channel:

- ``terminal``: human text (tables, panels, reports).  Control characters,
  escape sequences, bidi overrides and zero-width characters (the set in
  ledger.core.hidden) are shown as visible escapes (``\\x1b``, ``\\u202e``),
  never dropped, so a reviewer sees that something was there.  Tabs and
  newlines stay; no line can be read as a GitHub workflow command.
- ``line``: one field in line-oriented output (validate, fmt, diff, log,
  diagnostics), which GitHub Actions reads: as ``terminal``, and a newline
  or carriage return is shown as ``\\n``/``\\r``, so user text can never
  begin a line of its own.
- ``markdown`` (and ``code``): text in a job summary or pull-request comment,
  literal: no link, image, HTML or table cell can come out of it.
- ``csv_cell``: a spreadsheet cell, kept from being read as a formula
  (OWASP), unless the user asks for ``--raw``.

Machine formats (json, jsonl, yaml, sqlite) keep values exactly; JSON and
YAML only choose escapes (``\\u202e``) where a raw character could steer a
terminal or a CI runner (``dumps``, ``yaml_text``).
"""

from __future__ import annotations

import re
from typing import Any

from ledger.core.hidden import HIDDEN, escape

# The GitHub runner still reads its legacy commands (##[name]data) anywhere in a line.
_LEGACY_COMMAND = "##["
# What the runner reads as a workflow command: "::" at the start of a line,
# after any leading white space (it trims before it looks); it splits lines
# at CR as well as LF.
_COMMAND_START = re.compile(r"(?:\A|(?<=[\r\n]))([^\S\r\n]*)(?=::)")


def visible(text: str) -> str:
    """Every hidden or controlling character as a visible escape, nothing else changed."""
    return HIDDEN.sub(lambda m: escape(m.group()), text)


def _no_commands(text: str) -> str:
    if _LEGACY_COMMAND in text:
        text = text.replace(_LEGACY_COMMAND, "##\\[")
    if "::" in text:
        text = _COMMAND_START.sub(lambda m: m.group(1) + "\\", text)
    return text


def terminal(text: str) -> str:
    """Multi-line text for a person: control characters escaped, and no line
    of it readable as a GitHub workflow command."""
    return _no_commands(visible(text))


def line(text: str) -> str:
    """One field on one output line: as ``terminal``, with CR and LF shown as
    escapes, so the text cannot start a new line."""
    if "\n" in text:
        text = text.replace("\n", "\\n")
    return _no_commands(visible(text))


def lines(text: str) -> list[str]:
    """Multi-line text, one neutral line each, for output that prefixes each line itself."""
    return [line(part) for part in text.split("\n")]


# -- JSON -----------------------------------------------------------------------

def json_text(text: str) -> str:
    """JSON as written, made safe to print without changing one value: the
    characters ``terminal`` escapes, and the "#" of a legacy ``##[`` command,
    become \\u escapes, which only occur inside strings."""
    text = HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace(_LEGACY_COMMAND, "\\u0023#[") if _LEGACY_COMMAND in text else text


def dumps(value: Any, **options: Any) -> str:
    """json.dumps for output: UTF-8 text as itself, hidden characters escaped."""
    import json

    options.setdefault("ensure_ascii", False)
    return json_text(json.dumps(value, **options))


# -- YAML -----------------------------------------------------------------------

# Strings that must be written double-quoted, where yaml_text can escape them.
_YAML_RISKY = re.compile(HIDDEN.pattern + r"|##\[|[\r\n]|^\s*::")


def yaml_quote(value: str) -> bool:
    """Whether a string goes out double-quoted: on one line, and with room
    for the escapes yaml_text writes."""
    return _YAML_RISKY.search(value) is not None


def yaml_text(text: str) -> str:
    """YAML as written (every risky string double-quoted), made safe to
    print without changing one value: hidden characters and the "#" of
    ``##[`` become \\u/\\x escapes, which only occur inside those strings."""
    text = HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace(_LEGACY_COMMAND, "\\x23#[") if _LEGACY_COMMAND in text else text


# -- markdown -----------------------------------------------------------------

# Everything that can start markup, a link, an image, HTML, a code span or a
# table cell; CommonMark lets any ASCII punctuation be escaped with "\".
_MARKDOWN = re.compile(r"[\\`*_\[\]<>!|~&]")
# Block markup where the text starts a line: a heading, a list, a quote
# (">" is escaped anyway), a setext underline or a workflow command.
_MARKDOWN_START = re.compile(r"^(\s*\d*)((?<=\d)[.)]|(?<!\d)[#+=:-])")
_BREAK = re.compile(r"\r\n|\r|\n")


def markdown(text: str) -> str:
    """Literal text inside markdown, on one line (breaks become ``<br>``)."""
    text = _MARKDOWN.sub(lambda m: "\\" + m.group(), visible(_BREAK.sub("\n", text)))
    text = _MARKDOWN_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text, count=1)
    return text.replace("\n", "<br>")


# Plain enough to be only a name or path; anything else is shown as escaped text.
_CODE_SAFE = re.compile(r"[A-Za-z0-9._/@+-]+")


def code(text: str) -> str:
    """An id, path or field as inline code when that is safe, else as escaped
    text: nothing can be escaped inside a code span, and a "|" there still
    ends a table cell."""
    return f"`{text}`" if _CODE_SAFE.fullmatch(text) else markdown(text)


# -- CSV ------------------------------------------------------------------------

# OWASP "CSV Injection": a cell starting with one of these is a formula (or
# a DDE call) to Excel, LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# "-3.5" and "+7" stay numbers: a spreadsheet reads them as the number only.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text, never runs as a formula;
    and, as a cell may span lines, none of its lines a workflow command."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        value = "'" + value
    return _no_commands(value) if ("::" in value or _LEGACY_COMMAND in value) else value


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: csv_cell(value) for key, value in row.items()}
