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
# exception), so such text goes to the pure-Python parser, which stops cleanly.
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


class _Rejected(Exception):
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


@lru_cache(maxsize=2)
def _loader(pure: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class _Constructor(SafeConstructor):  # type: ignore[misc]
        pass

    # Dates stay the strings the user wrote: the schema says "string", and EDTF
    # values such as 2020-04 were never timestamps anyway.
    _Constructor.add_constructor("tag:yaml.org,2002:timestamp",
                                 SafeConstructor.construct_yaml_str)
    yaml = YAML(typ="safe", pure=pure)
    yaml.Constructor = _Constructor
    if pure:
        yaml.max_depth = MAX_DEPTH
    return yaml


def _flow_depth(text: str) -> int:
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


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
    pure = _flow_depth(text) > MAX_DEPTH
    try:
        data = _loader(pure).load(text)
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
    if data is None:
        return None, YamlIssue(1, 1, "empty", "the file holds no record",
                               "a record is a YAML mapping starting with schema_version: 1")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        return None, YamlIssue(1, 1, "not-a-mapping",
                               f"a record must be a mapping of fields, not {kind}")
    try:
        _check_plain(data, 0, set())
    except _Rejected as rej:
        if rej.issue.code == "alias":
            line, col = find_alias(text)
            return None, YamlIssue(line, col, rej.issue.code, rej.issue.message, rej.issue.hint)
        return None, rej.issue
    return data, None


def _tab_error(exc: Exception, text: str) -> bool:
    line, col = _mark(exc, text)
    lines = text.split("\n")
    if 0 < line <= len(lines):
        around = lines[line - 1]
        return "\t" in around[: max(col, 1)] or (line > 1 and "\t" in lines[line - 2][:1])
    return False


def _check_plain(value: Any, depth: int, seen: set[int]) -> None:
    """Records are JSON-like trees: no shared nodes (aliases), bytes, sets or NaN."""
    if depth > MAX_DEPTH:
        raise _Rejected(YamlIssue(1, 1, "too-deep", f"nested more than {MAX_DEPTH} levels deep"))
    if isinstance(value, (dict, list)):
        if id(value) in seen:
            # An alias re-uses a node; expanding it is how "billion laughs" bombs
            # blow up, and records never need one.
            raise _Rejected(YamlIssue(1, 1, "alias",
                                      "anchors and aliases (&name / *name) are not allowed",
                                      "write the value out in full"))
        seen.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _Rejected(YamlIssue(1, 1, "key-type",
                                              f"key {key!r} is not text",
                                              f"quote it: '{key}':"))
                _check_plain(item, depth + 1, seen)
        else:
            for item in value:
                _check_plain(item, depth + 1, seen)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Rejected(YamlIssue(1, 1, "bad-number", "NaN and infinity are not allowed"))
    elif value is not None and not isinstance(value, (str, int, bool)):
        raise _Rejected(YamlIssue(1, 1, "value-type",
                                  f"values of type {type(value).__name__} are not allowed",
                                  "use plain text, numbers, lists and mappings"))


def compose(text: str) -> Any:
    """The node tree of text (for positions), or None if it does not parse."""
    try:
        return _loader(_flow_depth(text) > MAX_DEPTH).compose(text)
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


def find_alias(text: str) -> tuple[int, int]:
    m = re.search(r"(?m)(?:^|[\s\[{,:-])[&*][^\s\[\]{},]+", text)
    if not m:
        return 1, 1
    pos = m.start() + (0 if text[m.start()] in "&*" else 1)
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
