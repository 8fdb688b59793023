"""The text a new record starts from in $EDITOR, and the help lines in it.

The template is made from the ledger's schema: every field that is asked
straight away (see ``compose.QUIET_FIELDS``), in canonical order, with its
description, whether it is required and, for a short vocabulary, the
allowed values.  Help lines start with ``#:`` and are removed before the
text is read, so they never end up in a record; the user's own ``#``
comments are kept.  When a record does not validate, the problems are put
at the top of the file as help lines too, and the editor opens again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ledger.core.problems import Problem
from ledger.core.schema import Schema
from ledger.editing.compose import AUTO_FIELDS, QUIET_FIELDS

HELP = "#:"
# A vocabulary longer than this (countries) is described, not listed.
MAX_LISTED = 60
_INTRO = (
    "New incident: fill in what you know, then save and close the editor.",
    "Empty fields are left out. id, schema_version and recorded are filled in for you.",
    "Lines starting with #: are help and are removed; your own # comments are kept.",
    "To give up, delete everything (or leave the template as it is) and save.",
)
_EDTF_HELP = ("EDTF: 2020-04-18; 2020-04 means sometime in April 2020; '2020' (quote a year); "
              "2020-04-18/2020-04-20 an interval; 2020-04~ about April; 2020-04-18? uncertain.")


def strip_help(text: str, *, keep_lines: bool = False, everywhere: bool = True) -> str:
    """text without its help lines: all of them (a template), or with
    everywhere=False only those heading the file (problems put above an
    existing record, whose own text is left exactly as it was).  With
    keep_lines they become empty lines, so line numbers still match what the
    user sees in the editor."""
    lines = text.split("\n")
    out = []
    heading = True
    for line in lines:
        heading = heading and _is_help(line)
        if _is_help(line) and (everywhere or heading):
            if keep_lines:
                out.append("")
            continue
        out.append(line)
    return "\n".join(out)


def _is_help(line: str) -> bool:
    return line.lstrip().startswith(HELP)


def with_problems(text: str, problems: list[Problem]) -> str:
    """text headed by help lines listing why it was not saved (replacing any
    such heading from before).  Line numbers in the heading are those of the
    returned text."""
    lines = text.split("\n")
    old = 0
    while old < len(lines) and _is_help(lines[old]):
        old += 1
    entries = [(p, [f"{p.severity}: {p.message} [{p.code}]", *([f"  hint: {p.hint}"] if p.hint else [])])
               for p in problems]
    size = 2 + sum(len(body) for _, body in entries)
    head = [f"{HELP} Not saved yet: fix the problems below, then save and close again.",
            f"{HELP} (Delete everything and save to give up.)"]
    for p, body in entries:
        where = f"line {p.line - old + size}: " if p.line > old else ""
        head += [f"{HELP}   {where}{body[0]}", *(f"{HELP}   {line}" for line in body[1:])]
    return "\n".join([*head, *lines[old:]])


def new_record(schema: Schema, schema_ref: str, prefill: Mapping[str, Any]) -> str:
    """The commented template for a new record, with prefill's values in it."""
    from ledger.core.fmt import modeline

    lines = [modeline(schema_ref), "---", *(f"{HELP} {line}" for line in _INTRO)]
    root = schema.resolve(schema.document)
    required = set(root.get("required", []))
    for key, sub in root.get("properties", {}).items():
        if key in AUTO_FIELDS or (key in QUIET_FIELDS and key not in prefill):
            continue
        lines += _field(schema, (key,), schema.resolve(sub), key in required, prefill.get(key), 0)
    return "\n".join(lines) + "\n"


def _describe(schema: Schema, path: tuple[str, ...], sub: dict[str, Any], required: bool) -> str:
    name = ".".join(p for p in path if p != "*")
    text = f"{HELP} {path[-1]}{' (required)' if required else ''}: {sub.get('description', '')}".rstrip()
    vocab = schema.vocabulary_for(path)
    if vocab is not None:
        values = list(vocab.values)
        if len(values) <= MAX_LISTED:
            text += f" One of: {', '.join(values)}."
    elif sub.get("format") == "edtf":
        text += " " + _EDTF_HELP
    elif sub.get("format") == "date":
        text += " YYYY-MM-DD."
    if sub.get("type") == "array" and sub.get("minItems"):
        text += f" At least {sub['minItems']}."
    if name in ("acts.victims", "acts.perpetrators"):
        text += " Names or refs: a name not under actors yet is added there."
    if name in ("actors.ref", "sources.ref"):
        text += " Leave it empty to have one made for you."
    return text


def _field(schema: Schema, path: tuple[str, ...], sub: dict[str, Any], required: bool,
           value: Any, indent: int) -> list[str]:
    pad = " " * indent
    key = path[-1]
    out = [pad + _describe(schema, path, sub, required)]
    if sub.get("type") == "object" and "properties" in sub:
        out.append(f"{pad}{key}:")
        out += _object(schema, path, sub, value if isinstance(value, Mapping) else {}, indent + 2)
        return out
    if sub.get("type") == "array":
        items = schema.resolve(sub.get("items", {}))
        if items.get("type") == "object" and "properties" in items:
            out.append(f"{pad}{key}:")
            entries = value if isinstance(value, list) and value else [{}]
            for entry in entries:
                body = _object(schema, (*path, "*"), items, entry if isinstance(entry, Mapping) else {},
                               indent + 4)
                out += _as_list_item(body, indent + 2)
            return out
        out.append(f"{pad}{key}: {_scalar(value if isinstance(value, list) else [])}")
        return out
    out.append(f"{pad}{key}:{' ' + _scalar(value) if value is not None else ''}")
    return out


def _object(schema: Schema, path: tuple[str, ...], sub: dict[str, Any], value: Mapping[str, Any],
            indent: int) -> list[str]:
    required = set(sub.get("required", []))
    out: list[str] = []
    for key, child in sub.get("properties", {}).items():
        name = ".".join(p for p in (*path, key) if p != "*")
        if name in QUIET_FIELDS and key not in value:
            continue
        out += _field(schema, (*path, key), schema.resolve(child), key in required, value.get(key), indent)
    return out


def _as_list_item(body: list[str], indent: int) -> list[str]:
    """Turn an object's lines (indented by indent + 2) into one '- ' list item:
    the dash goes on its first non-help line."""
    out = []
    placed = False
    for line in body:
        if not placed and not _is_help(line):
            line = " " * indent + "- " + line[indent + 2:]
            placed = True
        out.append(line)
    return out


def _scalar(value: Any) -> str:
    # JSON text is valid YAML flow: quoting and escapes come out right for
    # any value; `ledger fmt` turns it into the plain canonical style later.
    return json.dumps(value, ensure_ascii=False)
