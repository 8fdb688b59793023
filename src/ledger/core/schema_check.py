"""What a ledger's schema may hold, checked when it is loaded, before
anything reads it.

The schema comes with the ledger, from whoever sent it (section 7 of the
spec): it must not make ledger fetch anything, loop, or crash the code that
reads its structure.  So:

- every `$ref` / `$dynamicRef` resolves inside the schema file itself (a JSON
  pointer or anchor in it, or the URI of the file's own `$id` or of a subschema
  carrying an `$id`); anything else, another file or a URL, is refused and
  never fetched;
- no chain of `$ref`s and in-place applicators (`allOf`, `anyOf`, `oneOf`,
  `not`, `if`/`then`/`else`, `dependentSchemas`) leads back to where it
  started without going into a field or list item: validating against such a
  schema never ends;
- the keywords that hold subschemas hold them in the right shape (an object
  for `properties`, a list for `allOf`, ...), which is what the prompts,
  filters and summaries walk.

Everything here is plain Python over the parsed JSON (no jsonschema import)
so every command can afford it; the full meta-schema check runs when the
validator is compiled.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin

from ledger.core.problems import LedgerError

Parts = tuple[str, ...]  # a JSON pointer, as its unescaped parts

# Draft 2020-12 keywords by the shape of what they hold (with the older
# spellings jsonschema still understands).
ONE_SCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
              "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalItems",
              "contentSchema")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Applied to the same value, not to a field or item of it: a cycle through
# only these (and $ref) never reaches the end of the data.
IN_PLACE = frozenset({"not", "if", "then", "else", "allOf", "anyOf", "oneOf", "dependentSchemas"})
REF_KEYWORDS = ("$ref", "$dynamicRef")
TEXT_KEYWORDS = ("title", "description", "$id", "$anchor", "$dynamicAnchor")


def pointer_text(parts: Parts) -> str:
    """A JSON pointer as the URI fragment schema authors write: #/properties/title."""
    return "#" + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class _Walk:
    source: str
    # id(node) -> (node, pointer parts); the node is kept so its id stays unique.
    nodes: dict[int, tuple[Any, Parts]] = field(default_factory=dict)
    edges: dict[int, list[int]] = field(default_factory=dict)  # in-place successors
    resources: dict[str, Any] = field(default_factory=dict)  # base URI -> node carrying the $id
    anchors: dict[tuple[str, str], Any] = field(default_factory=dict)
    refs: list[tuple[Any, Parts, str, str, str]] = field(default_factory=list)
    patterns: list[tuple[Parts, str]] = field(default_factory=list)
    unevaluated: list[Parts] = field(default_factory=list)  # where unevaluatedProperties is

    def fail(self, parts: Parts, message: str) -> LedgerError:
        return LedgerError(f"{self.source}: broken schema at {pointer_text(parts)}: {message}")

    def visit(self, node: Any, parts: Parts, base: str) -> None:
        """Record node and everything under it that is a schema."""
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            raise self.fail(parts, f"a schema must be an object or true/false, not {_kind(node)}")
        if id(node) in self.nodes:
            return
        self.nodes[id(node)] = (node, parts)
        self.edges[id(node)] = []
        for key in TEXT_KEYWORDS:
            if key in node and not isinstance(node[key], str):
                raise self.fail((*parts, key), f"{key} must be text, not {_kind(node[key])}")
        if "$id" in node:
            base = _drop_fragment(urljoin(base, node["$id"]))
            self.resources.setdefault(base, node)
        for key in ("$anchor", "$dynamicAnchor"):
            if key in node:
                self.anchors.setdefault((base, node[key]), node)
        for key in REF_KEYWORDS:
            if key in node:
                if not isinstance(node[key], str):
                    raise self.fail((*parts, key), f"{key} must be text, not {_kind(node[key])}")
                self.refs.append((node, parts, key, node[key], base))
        required = node.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise self.fail((*parts, "required"), "required must be a list of field names")
        if "pattern" in node:
            if not isinstance(node["pattern"], str):
                raise self.fail((*parts, "pattern"), f"pattern must be text, not {_kind(node['pattern'])}")
            self.patterns.append(((*parts, "pattern"), node["pattern"]))
        for key, child, child_parts in self._children(node, parts):
            self.visit(child, child_parts, base)
            if key in IN_PLACE and not isinstance(child, bool):
                self.edges[id(node)].append(id(child))

    def _children(self, node: dict[str, Any], parts: Parts) -> Iterator[tuple[str, Any, Parts]]:
        if "unevaluatedProperties" in node:
            self.unevaluated.append((*parts, "unevaluatedProperties"))
        for key in ONE_SCHEMA:
            if key in node:
                yield key, node[key], (*parts, key)
        for key in SCHEMA_LISTS:
            if key in node:
                value = node[key]
                if not isinstance(value, list) or not value:
                    raise self.fail((*parts, key), f"{key} must be a non-empty list of schemas, "
                                                   f"not {_kind(value)}")
                for i, child in enumerate(value):
                    yield key, child, (*parts, key, str(i))
        for key in SCHEMA_MAPS:
            if key in node:
                value = node[key]
                if not isinstance(value, dict):
                    raise self.fail((*parts, key), f"{key} must be an object (name: schema), "
                                                   f"not {_kind(value)}")
                for name, child in value.items():
                    if key == "patternProperties":
                        self.patterns.append(((*parts, key, name), name))
                    yield key, child, (*parts, key, name)

    def resolve(self, ref: str, base: str, parts: Parts, key: str) -> tuple[Any, Parts, str]:
        """The node a reference names, its pointer and its resource's URI; LedgerError when it is
        not inside the schema file or names nothing there."""
        target = base + ref if ref.startswith("#") else urljoin(base, ref)
        uri, _, fragment = target.partition("#")
        where = f"{self.source}: {key} {ref!r} at {pointer_text(parts)}"
        resource = self.resources.get(uri)
        if resource is None:
            raise LedgerError(
                f"{where} points outside the schema file; ledger never fetches schemas "
                "from other files or the network",
                hint="keep shared definitions under $defs in the schema file and refer to them as "
                     "#/$defs/NAME")
        if fragment and not fragment.startswith("/"):
            anchored = self.anchors.get((uri, fragment))
            if anchored is None:
                raise LedgerError(f"{where} points nowhere: no $anchor {fragment!r} in the schema")
            return anchored, self.nodes[id(anchored)][1], uri
        node: Any = resource
        trail = self.nodes[id(resource)][1]
        for raw in fragment.split("/")[1:] if fragment else []:
            step = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
                node = node[int(step)]
            else:
                raise LedgerError(f"{where} points nowhere in the schema file")
            trail = (*trail, step)
        if not isinstance(node, (dict, bool)):
            raise LedgerError(f"{where} points to {_kind(node)}, not to a schema")
        return node, trail, uri


@dataclass(frozen=True)
class Facts:
    """What the compile step needs to know from the walk."""

    patterns: tuple[tuple[Parts, str], ...]  # (pointer parts, pattern), every one
    unevaluated: tuple[Parts, ...]  # pointers of unevaluatedProperties


def check_document(document: dict[str, Any], source: str) -> Facts:
    """Raise LedgerError for the first thing in document that section 7 or
    the structure readers cannot accept."""
    walk = _Walk(source)
    base = ""
    if isinstance(document.get("$id"), str):
        base = _drop_fragment(document["$id"])
    walk.resources[base] = document
    try:
        walk.visit(document, (), base)
        done = 0
        while done < len(walk.refs):  # a target may hold references of its own
            holder, parts, key, ref, ref_base = walk.refs[done]
            done += 1
            target, trail, uri = walk.resolve(ref, ref_base, parts, key)
            walk.visit(target, trail, uri)
            if not isinstance(target, bool):
                walk.edges[id(holder)].append(id(target))
        loop = _find_loop(walk.edges)
    except RecursionError:
        raise LedgerError(f"{source}: broken schema: nested too deeply to read") from None
    if loop:
        path = " -> ".join(pointer_text(walk.nodes[n][1]) for n in loop)
        raise LedgerError(
            f"{source}: $ref loop at {pointer_text(walk.nodes[loop[0]][1])}: {path}; "
            "validating against it would never end",
            hint="a schema may refer back to itself only inside a field or list item")
    return Facts(tuple(walk.patterns), tuple(walk.unevaluated))


def _find_loop(edges: dict[int, list[int]]) -> list[int] | None:
    """A cycle in the in-place graph (as its nodes, first one repeated at the end), or None."""
    state: dict[int, int] = {}  # 1: on the current path, 2: finished
    for start in edges:
        if state.get(start):
            continue
        path = [start]
        todo = [iter(edges[start])]
        state[start] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(edges.get(nxt, [])))
    return None


def _drop_fragment(uri: str) -> str:
    return uri.partition("#")[0]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "a number"
