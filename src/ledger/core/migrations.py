"""Schema versions and the small steps between them.

Each step upgrades by one version: one function over a record's round-trip
document (a ruamel CommentedMap, so comments travel with the keys they sit
on) and one over the ledger's schema document (plain JSON data).  A schema
step renames and adds only what the version changed, so a team's own
changes (added vocabulary values, added fields, new descriptions) survive.
Version 3 is one more entry in STEPS.  Steps are pure and idempotent: a
document already at the step's version is left exactly as it is.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Doc = MutableMapping[str, Any]


@dataclass(frozen=True)
class Step:
    to: int
    record: Callable[[Doc], None]
    schema: Callable[[dict[str, Any]], None]


def rename_key(mapping: Doc, old: str, new: str) -> None:
    """old -> new in place, at the same position, with the comments on it."""
    if old not in mapping or new in mapping:
        return
    keys = list(mapping)
    at = keys.index(old)
    value = mapping[old]
    comments: Any = getattr(mapping, "ca", None)
    attached = comments.items.pop(old, None) if comments is not None else None
    if hasattr(mapping, "insert"):
        del mapping[old]
        mapping.insert(at, new, value)
    else:  # a plain dict: rebuild the order
        items = [(new if k == old else k, value if k == old else mapping[k]) for k in keys]
        mapping.clear()
        mapping.update(items)
    if attached is not None:
        comments.items[new] = attached


def insert_after(mapping: dict[str, Any], after: tuple[str, ...], key: str, value: Any) -> None:
    """key: value added (when absent) after the last of `after` present, else at the end."""
    if key in mapping:
        return
    keys = list(mapping)
    at = max((keys.index(k) + 1 for k in after if k in mapping), default=len(keys))
    items = list(mapping.items())
    items.insert(at, (key, value))
    mapping.clear()
    mapping.update(items)


# -- 1 -> 2 ------------------------------------------------------------------------

def record_1_to_2(doc: Doc) -> None:
    recorded = doc.get("recorded")
    if isinstance(recorded, MutableMapping):
        rename_key(recorded, "on", "date")
    doc["schema_version"] = 2


_LINE = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^[^\\n\\r]*$"}
ALIASES = {
    "type": "array",
    "uniqueItems": True,
    "description": "Other spellings of the name, in any script: Ghizat Nurdauletov beside Gizat Nurdauletov.",
    "items": dict(_LINE),
}
EXTERNAL_IDS = {
    "type": "object",
    "description": "The same thing's id in other datasets, by dataset name: {ovd-info: \"12345\"}.",
    "propertyNames": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]{0,63}$"},
    "additionalProperties": {**_LINE, "maxLength": 200},
}
PROFILE = {
    "type": "string",
    "pattern": "^[a-z0-9][a-z0-9-]{2,99}$",
    "description": "The id of an actor profile (actors/<id>.yaml) describing this actor.",
}


def schema_1_to_2(schema: dict[str, Any]) -> None:
    props = schema.setdefault("properties", {})
    version = props.get("schema_version")
    if isinstance(version, dict) and version.get("const") == 1:
        version["const"] = 2
    for key in ("$id", "description"):
        if isinstance(schema.get(key), str):
            schema[key] = schema[key].replace("incident/v1", "incident/v2").replace(
                "(schema version 1)", "(schema version 2)")
    recorded = props.get("recorded")
    inner = recorded.get("properties") if isinstance(recorded, dict) else None
    if isinstance(inner, dict):
        rename_key(inner, "on", "date")
    insert_after(props, ("related", "duplicate_of"), "external_ids", dict(EXTERNAL_IDS))
    actor = schema.get("$defs", {}).get("actor")
    if isinstance(actor, dict):
        aprops = actor.setdefault("properties", {})
        insert_after(aprops, ("ref",), "profile", dict(PROFILE))
        insert_after(aprops, ("names",), "aliases", dict(ALIASES))
        insert_after(aprops, ("confidential",), "external_ids", dict(EXTERNAL_IDS))
        required = actor.get("required")
        if isinstance(required, list) and "name" in required:
            # An actor with a profile takes its name from there.
            actor["required"] = [r for r in required if r != "name"]
            actor.setdefault("anyOf", [{"required": ["name"]}, {"required": ["profile"]}])


STEPS: tuple[Step, ...] = (Step(2, record_1_to_2, schema_1_to_2),)
LATEST = STEPS[-1].to


def schema_version(schema: dict[str, Any]) -> int | None:
    """The version a schema document declares (its schema_version const)."""
    version = schema.get("properties", {}).get("schema_version", {})
    value = version.get("const") if isinstance(version, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_version(doc: Any) -> int | None:
    value = doc.get("schema_version") if isinstance(doc, MutableMapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def steps(start: int, to: int) -> list[Step]:
    return [s for s in STEPS if start < s.to <= to]


def upgrade_record(doc: Doc, to: int) -> bool:
    """doc upgraded in place to version `to`; whether anything changed."""
    start = record_version(doc)
    if start is None or start >= to:
        return False
    for step in steps(start, to):
        step.record(doc)
    return True


def upgrade_schema(schema: dict[str, Any], to: int) -> bool:
    start = schema_version(schema)
    if start is None or start >= to:
        return False
    for step in steps(start, to):
        step.schema(schema)
    return True
