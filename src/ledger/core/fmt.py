"""The canonical layout of a record: a pure text -> text function.

Canonical means: the modeline and ``---`` header, keys in the schema's order
(other keys after them, sorted), two-space indentation with list items
indented under their key, block style, plain
scalars where YAML allows them, unquoted dates, prose with line breaks as
``|`` blocks, LF line ends and one final newline.  Comments and values are
kept: only the layout changes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ledger.core import yaml11, yamlio

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
    yaml.Representer = _representer()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = WIDTH
    yaml.explicit_start = True
    yaml.allow_unicode = True
    yaml.preserve_quotes = False
    return yaml


@lru_cache(maxsize=1)
def _representer() -> Any:
    from ruamel.yaml.representer import RoundTripRepresenter

    class _Representer(RoundTripRepresenter):
        pass

    def float_(rep: Any, value: float) -> Any:
        # repr() writes 1e-05; YAML 1.1 takes a float only with a dot in it
        # (1.0e-05), so a YAML 1.1 reader would get the text "1e-05".
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"
        return rep.represent_scalar("tag:yaml.org,2002:float", text)

    _Representer.add_representer(float, float_)
    return _Representer


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

    The layout is made from the data alone (so it cannot depend on how the
    file was written); comments are then put back by position: a comment
    line belongs to the key or list item below it, an end-of-line comment to
    the key on its line, a block separated from the first key by a blank
    line is the file's header, and comments after the last value stay last.
    """
    data, issue = yamlio.parse(text)
    if data is None:
        assert issue is not None
        raise FormatError(issue)
    comments = _collect_comments(text)
    if transform is not None:
        transform(data)
    body = _dump(_canonical(data, (), key_order))
    body = _put_back(body, comments)
    result = modeline(schema_ref) + "\n" + body.rstrip("\n") + "\n"
    again, _ = yamlio.parse(result)
    if again != data:
        # Never write something that reads differently from what was there.
        raise FormatError(yamlio.YamlIssue(
            1, 1, "fmt-unsafe", "could not lay this file out canonically without changing it",
            "please report this file; meanwhile it is left as it is"))
    return result


Path_ = tuple[Any, ...]


@dataclass
class _Comments:
    header: list[str] = field(default_factory=list)
    before: dict[Path_, list[str]] = field(default_factory=dict)
    eol: dict[Path_, str] = field(default_factory=dict)
    order: list[Path_] = field(default_factory=list)  # paths in the order of the input
    trailing: list[str] = field(default_factory=list)


def _anchors(root: Any) -> tuple[dict[int, list[Path_]], set[int], dict[int, int]]:
    """Per line: the keys and list items that start there (outer first);
    the lines inside multi-line scalars (never comments); and per line the
    column where the last node on it ends."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    starts: dict[int, list[Path_]] = {}
    inside: set[int] = set()
    ends: dict[int, int] = {}

    def end(node: Any) -> None:
        mark = node.end_mark
        ends[mark.line] = max(ends.get(mark.line, 0), mark.column)

    def walk(node: Any, path: Path_) -> None:
        if isinstance(node, MappingNode):
            for knode, vnode in node.value:
                here = (*path, knode.value)
                starts.setdefault(knode.start_mark.line, []).append(here)
                end(knode)
                walk(vnode, here)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                here = (*path, i)
                starts.setdefault(item.start_mark.line, []).append(here)
                walk(item, here)
            if node.flow_style:
                end(node)
        elif isinstance(node, ScalarNode):
            first, last = node.start_mark.line, node.end_mark.line
            # Lines a multi-line scalar covers are text, even if they start
            # with '#'; its last line may still end with a comment.
            inside.update(range(first + 1, last))
            if node.style in ("|", ">"):
                inside.add(last) if node.end_mark.column else None
            else:
                end(node)
        if isinstance(node, MappingNode) and node.flow_style:
            end(node)

    if root is not None:
        walk(root, ())
    return starts, inside, ends


def _eol_comment(line: str, after: int) -> str:
    for i in range(after, len(line)):
        if line[i] == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i:].rstrip()
    return ""


def _collect_comments(text: str) -> _Comments:
    root = yamlio.compose(text)
    starts, inside, ends = _anchors(root)
    out = _Comments()
    pending: list[str] = []
    blank_after_pending = False
    seen_content = False
    last_path: Path_ | None = None
    lines = text.split("\n")
    anchor_lines = sorted(starts)
    for number, raw in enumerate(lines):
        if number in inside:
            continue
        stripped = raw.strip()
        if not stripped or stripped == "---" or stripped == "...":
            if pending and not stripped:
                blank_after_pending = True
            continue
        if stripped.startswith("#") and number not in ends:
            if stripped.startswith("# yaml-language-server:"):
                continue
            if blank_after_pending and not seen_content:
                out.header += pending
                pending = []
            blank_after_pending = False
            pending.append(stripped)
            continue
        # A content line.
        target_line = number if number in starts else next(
            (n for n in anchor_lines if n > number), None)
        if pending:
            if not seen_content and blank_after_pending:
                out.header += pending
            elif target_line is not None:
                out.before.setdefault(starts[target_line][0], []).extend(pending)
            else:
                out.trailing += pending
            pending = []
        blank_after_pending = False
        seen_content = True
        for path in starts.get(number, []):
            out.order.append(path)
            last_path = path
        comment = _eol_comment(raw, ends.get(number, 0))
        if comment and last_path is not None:
            out.eol[last_path] = comment
    out.trailing += pending
    return out


def _put_back(body: str, comments: _Comments) -> str:
    if not (comments.header or comments.before or comments.eol or comments.trailing):
        return body
    starts, _, _ = _anchors(yamlio.compose(body))
    line_of: dict[Path_, int] = {}
    for number, paths in starts.items():
        for path in paths:
            line_of.setdefault(path, number)
    lines = body.rstrip("\n").split("\n")
    before: dict[int, list[str]] = {}
    eol: dict[int, str] = {}
    trailing = list(comments.trailing)
    order = comments.order
    for path, texts in comments.before.items():
        where = line_of.get(path)
        if where is None:  # its key was dropped: go to the next one that is left
            later = order[order.index(path) + 1:] if path in order else []
            where = next((line_of[p] for p in later if p in line_of), None)
        if where is None:
            trailing += texts
        else:
            before.setdefault(where, []).extend(texts)
    for path, text in comments.eol.items():
        where = line_of.get(path)
        if where is None:
            trailing.append(text)
        else:
            eol[where] = (eol[where] + " " + text) if where in eol else text
    out: list[str] = []
    for number, line in enumerate(lines):
        if number == 0 and line == "---" and comments.header:
            out += [line, *comments.header, ""]
            continue
        indent = len(line) - len(line.lstrip(" "))
        out += [" " * indent + text for text in before.get(number, [])]
        out.append(f"{line}  {eol[number]}" if number in eol else line)
    out += trailing
    return "\n".join(out) + "\n"


def _dump(doc: Any) -> str:
    out = io.StringIO()
    _rt_yaml().dump(doc, out)
    return out.getvalue()


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


def _canonical(node: Any, path: tuple[str, ...], key_order: KeyOrder) -> Any:
    """Plain data -> ruamel's types in canonical order and style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    if isinstance(node, dict):
        order = key_order(path)
        keys = list(node)
        # Keys the schema does not order (a names map, a typo) are sorted, so
        # the canonical bytes never depend on the order they were typed in.
        wanted = [k for k in order if k in node] + sorted((k for k in keys if k not in order), key=str)
        out = CommentedMap()
        for k in wanted:
            key = SingleQuotedScalarString(k) if isinstance(k, str) and yaml11.misread(k) else k
            out[key] = _canonical(node[k], (*path, str(k)), key_order)
        out.fa.set_block_style()
        return out
    if isinstance(node, list):
        seq = CommentedSeq(_canonical(v, (*path, "*"), key_order) for v in node)
        seq.fa.set_block_style()
        return seq
    if isinstance(node, bool) or node is None or isinstance(node, int):
        return node
    if isinstance(node, float):
        # A plain float is written with repr(), which round-trips exactly.
        return float(node)
    if isinstance(node, str):
        if "\n" in node:
            return LiteralScalarString(node)
        if _DATE.match(node):
            written = _as_date(node)
            if not isinstance(written, str):
                return written  # a real date, unquoted: both YAML versions read the same text
        if yaml11.misread(node):
            return SingleQuotedScalarString(node)
    return node


def _as_date(value: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value
