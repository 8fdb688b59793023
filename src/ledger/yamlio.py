"""YAML text in, plain data out: the fast safe loader, and node positions.

Bulk reads use ruamel.yaml's C-based safe loader (YAML 1.2: ``country: NO``
stays a string) with dates kept as the strings the user wrote.  Positions
for error messages come from composing the text again, only for files that
have problems.  Nothing here touches the file system.
"""

from __future__ import annotations

import re
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


_RESOLVED: dict[str, Any] = {}


@lru_cache(maxsize=1)
def _classes() -> tuple[Any, Any]:
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    class _Constructor(SafeConstructor):
        pass

    # Dates stay the strings the user wrote: the schema says "string", and EDTF
    # values such as 2020-04 were never timestamps anyway.
    _Constructor.add_constructor("tag:yaml.org,2002:timestamp",
                                 SafeConstructor.construct_yaml_str)

    class _Resolver(VersionedResolver):
        """Memoises the tag of plain scalars: keys and vocabulary values repeat
        in every record, and resolving them by regex was a third of load time.
        A scalar whose first character starts no implicit type (most text) is
        a string without asking."""

        _first: frozenset[Any] | None = None

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                tag = _RESOLVED.get(value)
                if tag is not None:
                    return tag
                first = _Resolver._first
                if first is None:
                    first = _Resolver._first = frozenset(self.versioned_resolver)
                if value and value[0] not in first:
                    return super().resolve(kind, "", (False, True))
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < 50_000 and len(value) < 64:
                    _RESOLVED[value] = tag
                return tag
            return super().resolve(kind, value, implicit)

    return _Constructor, _Resolver


@lru_cache(maxsize=1)
def _fast_loader_class() -> Any:
    """ruamel builds a new loader class on every YAML.load(); build ours once."""
    from ruamel.yaml.main import CParser  # type: ignore[attr-defined]  # None without the C extension

    if CParser is None:  # the pure-Python path still works, four times slower
        return None
    constructor, resolver = _classes()

    class _CLoader(CParser, constructor, resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            constructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False
            resolver.__init__(self, version=None, loadumper=self)

    return _CLoader


def _compose(text: str) -> Any:
    depth, where = _flow_depth(text)
    if depth > MAX_DEPTH:
        line = text.count("\n", 0, where) + 1
        raise _Rejected(YamlIssue(line, where - (text.rfind("\n", 0, where) + 1) + 1, "too-deep",
                                  f"nested more than {MAX_DEPTH} levels deep"))
    cls = _fast_loader_class()
    if cls is None:
        from ruamel.yaml import YAML

        constructor, resolver = _classes()
        yaml = YAML(typ="safe", pure=True)
        yaml.Constructor, yaml.Resolver = constructor, resolver
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
    hint = ""
    if "\\t" in message or "'\\t'" in message or "tab" in message.lower():
        hint = "YAML does not allow tabs for indentation; use spaces"
    return "yaml-syntax", f"YAML syntax error: {message}", hint


def parse(text: str) -> tuple[Any, YamlIssue | None]:
    """Parse one record; returns (data, None) or (None, issue)."""
    try:
        node = _compose(text)
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
    if node is None:
        return None, YamlIssue(1, 1, "empty", "the file holds no record",
                               "a record is a YAML mapping starting with schema_version: 1")
    try:
        data = _Builder().build(node, 0)
    except _Rejected as rej:
        return None, rej.issue
    except RecursionError:
        return None, YamlIssue(1, 1, "too-deep", f"nested more than {MAX_DEPTH} levels deep")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        return None, YamlIssue(1, 1, "not-a-mapping",
                               f"a record must be a mapping of fields, not {kind}")
    return data, None


_Y = "tag:yaml.org,2002:"
_PLAIN_SCALARS = {_Y + "str", _Y + "timestamp"}
_OTHER_SCALARS = {_Y + "int", _Y + "float", _Y + "bool", _Y + "null"}


def _tag(node: Any) -> str:
    ctag = node.ctag
    return str(ctag.suffix) if ctag.handle is None else str(ctag)


def _at(node: Any, code: str, message: str, hint: str = "") -> _Rejected:
    mark = node.start_mark
    return _Rejected(YamlIssue(mark.line + 1, mark.column + 1, code, message, hint))


class _Builder:
    """Builds plain data from a composed node tree.

    Records are JSON-like, so this replaces ruamel's general constructor
    (about three times slower) and enforces the shape as it goes: no aliases
    (how "billion laughs" bombs expand), no tags beyond YAML 1.2's core schema
    (so no !!python/...), text keys only, no duplicate keys, no NaN, bounded
    depth.  Dates stay the text the user wrote.
    """

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def build(self, node: Any, depth: int) -> Any:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        if depth > MAX_DEPTH:
            raise _at(node, "too-deep", f"nested more than {MAX_DEPTH} levels deep")
        cls = node.__class__
        tag = _tag(node)
        if cls is ScalarNode:
            if tag in _PLAIN_SCALARS:
                return node.value
            if tag in _OTHER_SCALARS:
                return self._scalar(node, tag)
            raise _at(node, "unsafe-tag", f"tag {tag} is not allowed",
                      "records hold plain data only; remove the !! tag")
        if id(node) in self.seen:
            raise _at(node, "alias", "anchors and aliases (&name / *name) are not allowed",
                      "write the value out in full")
        self.seen.add(id(node))
        if cls is SequenceNode:
            if tag != _Y + "seq":
                raise _at(node, "unsafe-tag", f"tag {tag} is not allowed", "remove the !! tag")
            return [self.build(item, depth + 1) for item in node.value]
        if cls is MappingNode:
            if tag != _Y + "map":
                raise _at(node, "unsafe-tag", f"tag {tag} is not allowed", "remove the !! tag")
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                if knode.__class__ is not ScalarNode or _tag(knode) not in _PLAIN_SCALARS:
                    if _tag(knode) == _Y + "merge":
                        raise _at(knode, "alias", "merge keys (<<) are not allowed",
                                  "write the fields out in full")
                    shown = knode.value if knode.__class__ is ScalarNode else "a list or mapping"
                    raise _at(knode, "key-type", f"key {shown!s} is not text",
                              f"quote it: '{shown}':" if knode.__class__ is ScalarNode else "")
                key = knode.value
                if key in out:
                    raise _at(knode, "duplicate-key", f'found duplicate key "{key}"',
                              "each key may appear once per mapping; merge the two")
                out[key] = self.build(vnode, depth + 1)
            return out
        raise _at(node, "yaml-syntax", "unexpected YAML node")  # pragma: no cover

    @staticmethod
    def _scalar(node: Any, tag: str) -> Any:
        """Value of a scalar the resolver has already typed (YAML 1.2 core schema)."""
        kind = tag.rsplit(":", 1)[1]
        text = str(node.value)
        if kind == "null":
            return None
        if kind == "bool":
            return text.lower() == "true"
        digits = text.replace("_", "")
        try:
            if kind == "int":
                body = digits.lstrip("+-")
                base = 0 if body[:2].lower() in ("0o", "0x", "0b") else 10
                return int(digits, base)
            value = float(digits)
        except ValueError:
            raise _at(node, "bad-number", f"{text!r} is not a valid {kind}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise _at(node, "bad-number", "NaN and infinity are not allowed")
        return value


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
