"""The canonical layout of a record: a pure text -> text function.

Canonical means: the modeline and ``---`` header, keys in the schema's order
(unknown keys after the known ones, in their original order), two-space
indentation with list items indented under their key, block style, plain
scalars where YAML allows them, unquoted dates, prose with line breaks as
``|`` blocks, LF line ends and one final newline.  Comments and values are
kept: only the layout changes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from ledger import yamlio

MODELINE = "# yaml-language-server: $schema="
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Never re-wrap long lines: re-wrapping on every save would make noisy diffs.
WIDTH = 1 << 30

KeyOrder = Callable[[tuple[str, ...]], list[str]]


class FormatError(ValueError):
    def __init__(self, issue: yamlio.YamlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def modeline(schema_ref: str) -> str:
    return f"{MODELINE}{schema_ref}"


def _rt_yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor

    class _Constructor(RoundTripConstructor):
        pass

    # Keep dates as the text written: an impossible date (2021-02-30) must not
    # crash the formatter, and _canonical writes valid ones back unquoted.
    _Constructor.add_constructor("tag:yaml.org,2002:timestamp",
                                 RoundTripConstructor.construct_yaml_str)
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = WIDTH
    yaml.explicit_start = True
    yaml.allow_unicode = True
    yaml.preserve_quotes = False
    return yaml


def _split_header(text: str) -> str:
    """Drop the old modeline and document marker; keep any other comment."""
    lines = text.split("\n")
    i = 0
    kept: list[str] = []
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith("# yaml-language-server:") or stripped == "---":
            i += 1
            continue
        if stripped == "" or stripped.startswith("#"):
            if stripped:
                kept.append(lines[i])
            i += 1
            continue
        break
    return "\n".join([*kept, *lines[i:]])


def format_text(text: str, schema_ref: str, key_order: KeyOrder,
                transform: Callable[[Any], None] | None = None) -> str:
    """Canonical form of one record's text.

    Raises FormatError (never touching anything) when the text is not a
    record that parses; the same rules as validation apply, so a file that
    validate cannot read is never rewritten.  transform, when given, changes
    the loaded mapping in place first (``ledger add`` completes a record
    this way, so the comments the user wrote survive).
    """
    data, issue = yamlio.parse(text)
    if data is None:
        assert issue is not None
        raise FormatError(issue)
    yaml = _rt_yaml()
    body = _split_header(text)
    doc = yaml.load(body)
    if transform is not None:
        transform(doc)
    doc = _canonical(doc, (), key_order)
    out = io.StringIO()
    yaml.dump(doc, out)
    result = out.getvalue()
    result = "\n".join(line.rstrip() for line in result.split("\n")).rstrip("\n") + "\n"
    result = modeline(schema_ref) + "\n" + result
    return result


def append_item(text: str, key: str, item: dict[str, Any]) -> str:
    """The record's text with item added at the end of its top-level list key
    (created if absent), every comment kept.  Not canonical yet: pass the
    result through format_text.  Raises FormatError like format_text."""
    data, issue = yamlio.parse(text)
    if data is None:
        assert issue is not None
        raise FormatError(issue)
    yaml = _rt_yaml()
    doc = yaml.load(_split_header(text))
    if key not in doc:
        doc[key] = []
    if not isinstance(doc[key], list):
        raise FormatError(yamlio.YamlIssue(1, 1, "not-a-list", f"{key} is not a list"))
    doc[key].append(item)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _canonical(node: Any, path: tuple[str, ...], key_order: KeyOrder, column: int = 0) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(node, CommentedMap):
        node.fa.set_block_style()
        order = key_order(path)
        keys = list(node.keys())
        wanted = [k for k in order if k in node] + [k for k in keys if k not in order]
        if wanted != keys:
            _reorder(node, wanted, column)
        for k in list(node.keys()):
            node[k] = _canonical(node[k], (*path, str(k)), key_order, column + 2)
        return node
    if isinstance(node, CommentedSeq):
        node.fa.set_block_style()
        for i in range(len(node)):
            node[i] = _canonical(node[i], (*path, "*"), key_order, column + 2)
        return node
    if isinstance(node, str):
        if "\n" in node and not isinstance(node, LiteralScalarString):
            return LiteralScalarString(node)
        if _DATE.match(node) and not isinstance(node, LiteralScalarString):
            return _as_date(node)
    return node


def _as_date(value: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _trailing(value: Any) -> tuple[Any, int] | None:
    """Where ruamel keeps the comment lines that follow a value: the entry of
    the value's last (deepest) element, and the slot in it."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, CommentedMap) and len(value):
        last = list(value.keys())[-1]
        inner = _trailing(value[last])
        if inner is not None:
            return inner
        entry = value.ca.items.get(last)
        return (entry, 2) if entry and len(entry) > 2 and entry[2] is not None else None
    if isinstance(value, CommentedSeq) and len(value):
        inner = _trailing(value[-1])
        if inner is not None:
            return inner
        entry = value.ca.items.get(len(value) - 1)
        return (entry, 0) if entry and entry[0] is not None else None
    return None


def _detach_lines(node: Any, key: Any) -> str:
    """Remove and return the whole-line comments that follow key's value
    (they introduce the next key); an end-of-line comment stays put."""
    value = node[key]
    holder = _trailing(value)
    if holder is None:
        entry = node.ca.items.get(key)
        holder = (entry, 2) if entry and len(entry) > 2 and entry[2] is not None else None
    if holder is None:
        return ""
    entry, slot = holder
    token = entry[slot]
    text = token.value
    nl = text.find("\n")
    if nl == -1 or not text[nl + 1:].strip():
        return ""
    token.value = text[: nl + 1]
    return str(text[nl + 1:])


def _reorder(node: Any, wanted: list[Any], column: int) -> None:
    """Reorder a CommentedMap in place.  Comment lines written above a key
    travel with that key; end-of-line comments stay on their line."""
    old = list(node.keys())
    before: dict[Any, str] = {}
    for i, key in enumerate(old):
        lines = _detach_lines(node, key)
        if lines:
            before[old[i + 1] if i + 1 < len(old) else None] = lines
    items = [(k, node[k], node.ca.items.get(k)) for k in wanted]
    for k in old:
        del node[k]
    for k, v, entry in items:
        node[k] = v
        if entry is not None:
            node.ca.items[k] = entry
    for key, lines in before.items():
        text = "\n".join(line.strip()[1:].removeprefix(" ") if line.strip().startswith("#") else ""
                         for line in lines.rstrip("\n").split("\n")).strip("\n")
        if not text:
            continue
        if key is None or key == wanted[0]:
            # Comments at the very end, or above what is now the first key: keep
            # them at the end of the mapping rather than lose them.
            key = wanted[-1]
            holder = _trailing(node[key])
            if holder is not None:
                entry, slot = holder
                entry[slot].value = entry[slot].value.rstrip("\n") + "\n" + lines
                continue
            node.yaml_set_comment_before_after_key(key, after=text, after_indent=column)
            continue
        node.yaml_set_comment_before_after_key(key, before=text, indent=column)
