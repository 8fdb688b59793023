"""YAML text in, plain data out, and node positions.

Records are built straight from the events of ruamel.yaml's C parser, typed
by YAML 1.2's core schema (``country: NO`` stays a string), with dates kept
as the strings the user wrote.  Positions for error messages (and fmt's
layout) come from composing the node tree of the text, only where needed.
Nothing here touches the file system.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Deeper flow nesting crashes libyaml's recursive composer (a segfault, not an
# exception), so such text is refused before it reaches the parser.
MAX_DEPTH = 64
_BRACKETS = re.compile(r"[\[\]{}]")
BOM = "\ufeff"


@dataclass(frozen=True)
class YamlIssue:
    line: int  # 1-based, 0 = whole file
    column: int
    code: str
    message: str
    hint: str = ""


class _Rejected(Exception):  # internal control flow, never escapes this module
    def __init__(self, issue: YamlIssue) -> None:
        self.issue = issue


def decode(raw: bytes) -> tuple[str | None, YamlIssue | None]:
    """UTF-8 (with or without BOM), any line ends -> text with \\n line ends."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, YamlIssue(line, column, "encoding",
                               f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                               hint="save the file as UTF-8")
    if text.startswith(BOM):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


_RESOLVED: dict[str, str] = {}

# YAML 1.2.2's core schema (spec 10.3.2), exactly: ruamel's 1.2 resolver also
# takes 0b101, 1_000, +0o17 and 0.1_2 as numbers, which the spec makes text.
_CORE_KINDS = {
    "null": r"~|null|Null|NULL|",
    "bool": r"true|True|TRUE|false|False|FALSE",
    "int": r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+",
    "float": (r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"),
}
_CORE = re.compile("|".join(f"(?P<{kind}>{rx})" for kind, rx in _CORE_KINDS.items()))
_CORE_ONE = {kind: re.compile(rx) for kind, rx in _CORE_KINDS.items()}
# No core type but text starts with anything else, so most text needs no regex.
_TYPED_FIRST = frozenset("~nNtTfF+-.0123456789")


def _plain_tag(value: str) -> str:
    """The YAML 1.2 core tag of a plain scalar.  Memoised: keys and vocabulary
    values repeat in every record."""
    tag = _RESOLVED.get(value)
    if tag is not None:
        return tag
    if value and value[0] not in _TYPED_FIRST:
        return _STR
    m = _CORE.fullmatch(value)
    tag = _Y + m.lastgroup if m is not None and m.lastgroup else _STR
    if len(_RESOLVED) < 50_000 and len(value) < 64:
        _RESOLVED[value] = tag
    return tag


@lru_cache(maxsize=1)
def _fast_loader_class() -> Any:
    """A composer on ruamel's C parser (for node positions), built once:
    ruamel builds a new loader class on every YAML.compose()."""
    from ruamel.yaml.main import CParser  # type: ignore[attr-defined]  # None without the C extension
    from ruamel.yaml.resolver import VersionedResolver

    if CParser is None:  # the pure-Python path still works, four times slower
        return None

    class _CLoader(CParser, _composing_resolver()):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            VersionedResolver.__init__(self, version=None, loadumper=self)

    return _CLoader


@lru_cache(maxsize=1)
def _composing_resolver() -> Any:
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    tags: dict[str, Any] = {}

    class _Resolver(VersionedResolver):
        """Types plain scalars as _plain_tag does, so positions are found in
        the same tree the data was built from."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                name = _plain_tag(value)
                tag = tags.get(name)
                if tag is None:
                    tag = tags[name] = Tag(suffix=name)
                return tag
            return super().resolve(kind, value, implicit)

    return _Resolver


def _refuse_deep(text: str) -> None:
    depth, where = _flow_depth(text)
    if depth > MAX_DEPTH:
        line = text.count("\n", 0, where) + 1
        raise _Rejected(YamlIssue(line, where - (text.rfind("\n", 0, where) + 1) + 1, "too-deep",
                                  f"nested more than {MAX_DEPTH} levels deep"))


def _compose(text: str) -> Any:
    _refuse_deep(text)
    cls = _fast_loader_class()
    if cls is None:
        from ruamel.yaml import YAML

        yaml = YAML(typ="safe", pure=True)
        yaml.Resolver = _composing_resolver()
        return yaml.compose(text)
    loader = cls(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _flow_depth(text: str) -> tuple[int, int]:
    """Deepest bracket nesting (an upper bound on flow nesting) and where it
    first passes MAX_DEPTH."""
    depth = deepest = 0
    where = 0
    for m in _BRACKETS.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth == MAX_DEPTH + 1:
                    where = m.start()
        else:
            depth = max(0, depth - 1)
    return deepest, where


def _mark(exc: Any, text: str) -> tuple[int, int]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None and getattr(mark, "line", None) is not None:
        return mark.line + 1, mark.column + 1
    pos = getattr(exc, "position", None)
    if isinstance(pos, int):
        line = text.count("\n", 0, pos) + 1
        return line, pos - (text.rfind("\n", 0, pos) + 1) + 1
    return 1, 1


def _describe(exc: Exception) -> tuple[str, str, str]:
    """(code, message, hint) for a ruamel exception, without its file banner."""
    name = type(exc).__name__
    problem = getattr(exc, "problem", None) or ""
    context = getattr(exc, "context", None) or ""
    if name == "DuplicateKeyError":
        detail = str(problem).split(" with value")[0]
        return "duplicate-key", detail, "each key may appear once per mapping; merge the two"
    if name == "ReaderError":
        return ("control-character", str(exc).split("\n")[0].strip(),
                "the file looks binary or holds control characters; save it as plain UTF-8 text")
    if name == "MaxDepthExceededError" or isinstance(exc, RecursionError):
        return "too-deep", f"nested more than {MAX_DEPTH} levels deep", ""
    if name == "ConstructorError" and "could not determine a constructor" in str(problem):
        tag = str(problem).split("tag", 1)[-1].strip(" '")
        return ("unsafe-tag", f"tag {tag} is not allowed",
                "records hold plain data only; remove the !! tag")
    if name == "ComposerError" and "single document" in str(context):
        return ("multiple-documents", "a record file holds exactly one YAML document",
                "split it into one file per incident")
    message = " ".join(p for p in (str(context), str(problem)) if p) or str(exc)
    return "yaml-syntax", f"YAML syntax error: {message}", _syntax_hint(message)


# What most often causes each parser complaint, in the words of someone
# editing a record; the first matching fragment wins.
_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed",
     "a value holding ': ' must be quoted (title: \"Arrest: day 2\"), or a key is indented "
     "deeper than the line above"),
    ("quoted scalar", "a quote is opened and never closed; close it, or remove it"),
    ("flow", "a [ or { is opened and never closed; close it, or write the list one '- item' per line"),
    ("did not find expected key",
     "the indentation is off: keys of one mapping start in the same column"),
    ("did not find expected '-'",
     "the indentation is off: items of one list start with '-' in the same column"),
    ("cannot start any token",
     "a value starting with @, ` or % must be quoted"),
    ("could not find expected ':'", "a key needs ':' and a space after it (key: value)"),
)


def _syntax_hint(message: str) -> str:
    if "\\t" in message or "'\\t'" in message or "tab" in message.lower():
        return "YAML does not allow tabs for indentation; use spaces"
    for fragment, hint in _SYNTAX_HINTS:
        if fragment in message:
            return hint
    return "check this line and the one above it: indentation, quotes and brackets must match"


def parse(text: str) -> tuple[Any, YamlIssue | None]:
    """Parse one record; returns (data, None) or (None, issue)."""
    data, issue = parse_value(text)
    if issue is not None:
        return None, issue
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        return None, YamlIssue(1, 1, "not-a-mapping",
                               f"a record must be a mapping of fields, not {kind}")
    return data, None


def parse_value(text: str) -> tuple[Any, YamlIssue | None]:
    """One YAML document of any shape (what parse reads before asking for a
    mapping); returns (data, None) or (None, issue)."""
    try:
        _refuse_deep(text)
        # libyaml drops the last line break of a block scalar whose last line
        # has no line end (yaml-test-suite JEF9/02, L24T/01).
        data = _loader()(text if not text or text[-1] == "\n" else text + "\n")
        if _suspect(text):
            _refuse_lenient(text)
    except _Rejected as rej:
        return None, rej.issue
    except RecursionError:
        return None, YamlIssue(1, 1, "too-deep", f"nested more than {MAX_DEPTH} levels deep")
    except Exception as exc:  # ruamel raises many unrelated types; all are user faults here
        if "\t" in text and _tab_error(exc, text):
            line, col = _mark(exc, text)
            return None, YamlIssue(line, col, "tab",
                                   "tab character where YAML expects spaces",
                                   "indent with spaces; YAML does not allow tabs")
        code, message, hint = _describe(exc)
        line, col = _mark(exc, text)
        return None, YamlIssue(line, col, code, message, hint)
    if data is _NOTHING:
        return None, YamlIssue(1, 1, "empty", "the file holds no record",
                               "a record is a YAML mapping starting with schema_version: 1")
    return data, None


_Y = "tag:yaml.org,2002:"
_STR = _Y + "str"
# Timestamps stay the text the user wrote (the core schema has none, and EDTF
# values such as 2020-04 were never timestamps anyway), even tagged !!timestamp.
_PLAIN_SCALARS = {_STR, _Y + "timestamp", _Y + "value"}
_OTHER_SCALARS = {_Y + "int", _Y + "float", _Y + "bool", _Y + "null"}
_NOTHING = object()  # a stream with no document


def _at(mark: Any, code: str, message: str, hint: str = "") -> _Rejected:
    return _Rejected(YamlIssue(mark.line + 1, mark.column + 1, code, message, hint))


def _events(text: str) -> tuple[Callable[[], Any], Callable[[], None]]:
    """(next event, dispose) of ruamel's C parser, or its pure-Python one."""
    from ruamel.yaml.main import CParser  # type: ignore[attr-defined]

    if CParser is not None:
        parser = CParser(text)
        return parser.get_event, parser.dispose
    from ruamel.yaml import YAML

    return iter(YAML(typ="safe", pure=True).parse(text)).__next__, lambda: None


@lru_cache(maxsize=1)
def _loader() -> Callable[[str], Any]:
    """Plain data straight from the parser's events.

    Records are JSON-like, so no node tree is composed and no general
    constructor runs (together two thirds of the time a load took).  The
    shape is enforced as the events come: no aliases (how "billion laughs"
    bombs expand), no tags beyond YAML 1.2's core schema (so no
    !!python/...), text keys only, no duplicate keys, no NaN, bounded depth.
    When the shape is refused the rest of the document is still parsed, so a
    syntax error anywhere in it, or a second document, is what gets reported,
    as a parse of the whole text would.
    """
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentEndEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )

    resolved = _RESOLVED

    def scalar_tag(ev: Any) -> str:
        tag = ev.ctag  # .tag is a property that formats ctag
        if tag is None:
            return _plain_tag(ev.value) if ev.implicit[0] else _STR
        tag = str(tag)  # a Tag from the pure-Python parser
        return _STR if tag == "!" else tag  # "! 12" is text (the non-specific tag)

    def value(get: Callable[[], Any], ev: Any, depth: int) -> Any:
        cls = ev.__class__
        if depth > MAX_DEPTH:
            raise _at(ev.start_mark, "too-deep", f"nested more than {MAX_DEPTH} levels deep")
        if cls is AliasEvent:
            raise _at(ev.start_mark, "alias", "anchors and aliases (&name / *name) are not allowed",
                      "write the value out in full")
        if ev.anchor is not None:
            raise _anchored(ev)
        if cls is ScalarEvent:
            tag = scalar_tag(ev)
            if tag in _PLAIN_SCALARS:
                return ev.value
            if tag in _OTHER_SCALARS:
                return _scalar(ev, tag, explicit=ev.ctag is not None)
            raise _at(ev.start_mark, "unsafe-tag", f"tag {tag} is not allowed",
                      "records hold plain data only; remove the !! tag")
        if cls is MappingStartEvent:
            if ev.tag not in (None, "!", _Y + "map"):
                raise _at(ev.start_mark, "unsafe-tag", f"tag {ev.tag} is not allowed", "remove the !! tag")
            out: dict[str, Any] = {}
            shallow = depth < MAX_DEPTH
            while True:
                key = get()
                kind = key.__class__
                if kind is MappingEndEvent:
                    return out
                if kind is not ScalarEvent or scalar_tag(key) not in _PLAIN_SCALARS or key.anchor is not None:
                    _bad_key(key, kind is ScalarEvent, kind is AliasEvent, scalar_tag)
                name = key.value
                if name in out:
                    raise _at(key.start_mark, "duplicate-key", f'found duplicate key "{name}"',
                              "each key may appear once per mapping; merge the two")
                item = get()
                # Most values are untagged text: taken here without a call per value.
                if item.__class__ is ScalarEvent and item.ctag is None and item.anchor is None and shallow:
                    text = item.value
                    if not item.implicit[0] or (resolved.get(text) or _plain_tag(text)) in _PLAIN_SCALARS:
                        out[name] = text
                        continue
                out[name] = value(get, item, depth + 1)
        if cls is SequenceStartEvent:
            if ev.tag not in (None, "!", _Y + "seq"):
                raise _at(ev.start_mark, "unsafe-tag", f"tag {ev.tag} is not allowed", "remove the !! tag")
            items: list[Any] = []
            while True:
                item = get()
                if item.__class__ is SequenceEndEvent:
                    return items
                items.append(value(get, item, depth + 1))
        raise _at(ev.start_mark, "yaml-syntax", "unexpected YAML event")  # pragma: no cover

    def load(text: str) -> Any:
        get, dispose = _events(text)
        try:
            get()  # the stream's start
            if get().__class__ is StreamEndEvent:
                return _NOTHING
            try:
                data = value(get, get(), 0)
            except _Rejected:
                while get().__class__ is not DocumentEndEvent:
                    pass
                _one_document(get, StreamEndEvent)
                raise
            get()  # the document's end
            _one_document(get, StreamEndEvent)
            return data
        finally:
            dispose()

    return load


def _one_document(get: Callable[[], Any], end: type) -> None:
    ev = get()
    if ev.__class__ is not end:
        raise _at(ev.start_mark, "multiple-documents", "a record file holds exactly one YAML document",
                  "split it into one file per incident")


def _anchored(ev: Any) -> _Rejected:
    """An anchor is refused even with no alias: it has no use without one,
    and a record that only breaks once someone adds the *alias is a trap."""
    return _at(ev.start_mark, "alias", f"anchors and aliases are not allowed (found &{ev.anchor})",
               "remove the anchor; records hold every value written out in full")


def _bad_key(key: Any, is_scalar: bool, is_alias: bool, scalar_tag: Callable[[Any], str]) -> None:
    if is_alias:
        raise _at(key.start_mark, "alias", "anchors and aliases (&name / *name) are not allowed",
                  "write the key out in full")
    if key.anchor is not None:
        raise _anchored(key)
    shown = key.value if is_scalar else "a list or mapping"
    raise _at(key.start_mark, "key-type", f"key {shown!s} is not text",
              f"quote it: '{shown}':" if is_scalar else "")


def _scalar(ev: Any, tag: str, *, explicit: bool) -> Any:
    """Value of a scalar typed by the core schema, or tagged !!int, !!float,
    !!bool or !!null, whose text must then be one the core schema gives that
    type (so `!!bool yes` is refused, not read as false)."""
    kind = tag.rsplit(":", 1)[1]
    text = str(ev.value)
    if explicit and not _CORE_ONE[kind].fullmatch(text):
        raise _at(ev.start_mark, "bad-value", f"{text!r} is not a valid {kind} for its tag !!{kind}",
                  "remove the !! tag, or write the value as YAML 1.2 spells that type")
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        body = text.lstrip("+-")
        return int(text, 0 if body[:2] in ("0o", "0x") else 10)
    if text[-1] in "fFnN":  # .inf, .nan: JSON has neither
        raise _at(ev.start_mark, "bad-number", "NaN and infinity are not allowed")
    return float(text)


# libyaml accepts a few texts that YAML 1.2 forbids (yaml-test-suite cases
# SU5Z, X4QW, 9JBA, CVW2, MUS6/00, G5U8, YJV2): a "#" that touches the token
# before it (so it starts no comment), and a plain "-", "?" or ":" alone in a
# flow collection.  It also reads "[?x]" as a key x, not the text "?x" (652Z,
# HM87/01).  Only text that could hold one of these is scanned again.
_FLOW_SUSPECT = re.compile(r"[\[{,]\s*(?:[-?:][\s,\]}]|\?\S)")
_BEFORE_HASH = frozenset("\"'[]{},|>")
_HEADER_DIGITS = frozenset("-+0123456789")


def _suspect(text: str) -> bool:
    """Whether text could hold what _refuse_lenient looks for (a cheap test:
    it runs on every record, the token scan only on the few it lets by)."""
    if text.startswith("%") or "\n%" in text:
        return True
    at = text.find("#", 1)
    while at != -1:
        before = at - 1
        while before > 0 and text[before] in _HEADER_DIGITS:  # a block scalar header: >-#, |2#
            before -= 1
        if text[before] in _BEFORE_HASH:
            return True
        at = text.find("#", at + 1)
    return ("[" in text or "{" in text) and _FLOW_SUSPECT.search(text) is not None
_HEADER = re.compile(r"[|>][-+0-9]*#")
_FLOW_WORD = re.compile(r"[^\s,\[\]{}]*")
_SPACE = ("", " ", "\t", "\n")
_LONE = (*_SPACE, ",", "[", "]", "{", "}")


def _tokens(text: str) -> Any:
    from ruamel.yaml.main import CParser  # type: ignore[attr-defined]

    if CParser is not None:
        parser = CParser(text)
        try:
            while not parser.check_token(_stream_end()):
                yield parser.get_token()
        finally:
            parser.dispose()
        return
    from ruamel.yaml import YAML

    yield from YAML(typ="safe", pure=True).scan(text)


@lru_cache(maxsize=1)
def _stream_end() -> type:
    from ruamel.yaml.tokens import StreamEndToken

    return StreamEndToken


def _refuse_lenient(text: str) -> None:
    for token in _tokens(text):
        start, end = token.start_mark.index, token.end_mark.index
        if end <= start:
            continue
        style = getattr(token, "style", False)
        after = text[end:end + 1]
        if after == "#" or (style in ("|", ">") and _HEADER.match(text, start)):
            where = end if after == "#" else text.index("#", start)
            line = text.count("\n", 0, where) + 1
            raise _Rejected(YamlIssue(line, where - (text.rfind("\n", 0, where) + 1) + 1, "yaml-syntax",
                                      "YAML syntax error: a comment's # needs a space before it",
                                      "put a space before the #, or quote the text"))
        if token.id == "?" and after not in _SPACE:
            word = _FLOW_WORD.match(text, start)
            raise _at(token.start_mark, "yaml-syntax", "YAML syntax error: a plain scalar starting with ? "
                      "in a flow collection (libyaml would misread it)",
                      f"quote it: '{word and word.group()}'")
        if style in (None, "") and text[start] in "-?:" and text[start + 1:start + 2] in _LONE:
            raise _at(token.start_mark, "yaml-syntax",
                      f"YAML syntax error: a plain {text[start]!r} alone is not a value",
                      f"quote it: '{text[start]}'")


def _tab_error(exc: Exception, text: str) -> bool:
    line, col = _mark(exc, text)
    lines = text.split("\n")
    if 0 < line <= len(lines):
        around = lines[line - 1]
        return "\t" in around[: max(col, 1)] or (line > 1 and "\t" in lines[line - 2][:1])
    return False


def compose(text: str) -> Any:
    """The node tree of text (for positions), or None if it does not parse."""
    try:
        return _compose(text)
    except Exception:
        return None


def locate(node: Any, pointer: str, *, key: bool = True) -> tuple[int, int]:
    """1-based (line, column) of a JSON pointer in a composed node tree.

    For a mapping member the position of its key is given (where a reader
    looks); for a pointer that does not exist (a missing field), the deepest
    existing parent.
    """
    if node is None:
        return 1, 1
    best = node.start_mark
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    current = node
    for part in parts:
        nxt = None
        tag = getattr(current, "id", "")
        if tag == "mapping":
            for knode, vnode in current.value:
                if str(knode.value) == part:
                    best = knode.start_mark if key else vnode.start_mark
                    nxt = vnode
                    break
        elif tag == "sequence" and part.isdigit() and int(part) < len(current.value):
            nxt = current.value[int(part)]
            best = nxt.start_mark
        if nxt is None:
            break
        current = nxt
    return best.line + 1, best.column + 1
