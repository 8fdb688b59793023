"""What changed between two versions of a ledger: pure functions over records.

Records are matched by id, never by file name, so a moved or renamed file is
a move, not a removal plus an addition.  Records are compared as data, so key
order, quoting and comments never count as changes.

Field paths are dotted, from the record's top: ``title``,
``location.country``.  A list element is named by its position counting from
0 (``acts.1.type``, ``tags.3``), in the newer version (in the older one for a
removed element); elements of a list whose items all carry a ``ref``
(actors, sources) are named by that ref in brackets (``actors[ilyashev].name``),
so inserting an actor is one addition and not a cascade of changes.  An
added field or element has ``old`` None, a removed one ``new`` None.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REF_KEY = "ref"


@dataclass(frozen=True)
class Version:
    """One record file in one version of the ledger."""

    path: str  # relative to the ledger root
    data: dict[str, Any] | None  # None: the file does not parse
    issue: str = ""  # why it does not parse


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class RecordChange:
    id: str
    path: str
    old_path: str | None  # set when the file moved
    changes: list[FieldChange]
    old: Version
    new: Version

    @property
    def moved(self) -> bool:
        return self.old_path is not None


@dataclass
class DiffResult:
    from_rev: str
    to_rev: str
    added: list[tuple[str, Version]] = field(default_factory=list)
    removed: list[tuple[str, Version]] = field(default_factory=list)
    changed: list[RecordChange] = field(default_factory=list)  # moved-only records too
    from_commit: str | None = None
    to_commit: str | None = None

    @property
    def modified(self) -> list[RecordChange]:
        """Records whose content changed (moved or not)."""
        return [c for c in self.changed if c.changes or _unparseable(c)]

    @property
    def moved(self) -> list[RecordChange]:
        return [c for c in self.changed if c.moved]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _unparseable(c: RecordChange) -> bool:
    return c.old.data is None or c.new.data is None


def record_id(version: Version) -> str:
    """The id a record goes by: its id field, else its file name."""
    rid = version.data.get("id") if version.data is not None else None
    if isinstance(rid, str) and rid:
        return rid
    name = version.path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def index(versions: Iterable[Version]) -> tuple[dict[str, Version], list[str]]:
    """Versions by id, and a warning for each id held by more than one file
    (the later files are then keyed by id@path so that none is lost)."""
    out: dict[str, Version] = {}
    warnings: list[str] = []
    for v in sorted(versions, key=lambda v: v.path):
        key = record_id(v)
        if key in out:
            warnings.append(f"{v.path}: id {key} is also used by {out[key].path}")
            key = f"{key}@{v.path}"
        out[key] = v
    return out, warnings


def diff_ledgers(old: Mapping[str, Version], new: Mapping[str, Version], *,
                 from_rev: str, to_rev: str) -> DiffResult:
    """Records added, removed and changed from old to new (both keyed by id)."""
    result = DiffResult(from_rev, to_rev)
    for rid in sorted(new.keys() - old.keys()):
        result.added.append((rid, new[rid]))
    for rid in sorted(old.keys() - new.keys()):
        result.removed.append((rid, old[rid]))
    for rid in sorted(old.keys() & new.keys()):
        change = diff_versions(rid, old[rid], new[rid])
        if change is not None:
            result.changed.append(change)
    return result


def diff_versions(rid: str, old: Version, new: Version) -> RecordChange | None:
    """How one record changed, or None when it did not (same data, same place)."""
    moved = old.path != new.path
    if old.data is None or new.data is None:
        if old.data is None and new.data is None and old.issue == new.issue and not moved:
            return None
        return RecordChange(rid, new.path, old.path if moved else None, [], old, new)
    changes = diff_values(old.data, new.data)
    if not changes and not moved:
        return None
    return RecordChange(rid, new.path, old.path if moved else None, changes, old, new)


def diff_values(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Field-level changes from old to new, walking mappings and lists."""
    if _same(old, new):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        keys = list(new) + [k for k in old if k not in new]
        for key in keys:
            out += diff_values(old.get(key), new.get(key), _join(path, str(key)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        by_ref = _by_ref(old), _by_ref(new)
        if by_ref[0] is not None and by_ref[1] is not None:
            return _diff_keyed(by_ref[0], by_ref[1], path)
        return _diff_sequence(old, new, path)
    return [FieldChange(path or "record", old, new)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _same(a: Any, b: Any) -> bool:
    # 1 == True in Python, also deep inside lists; a number that became a
    # boolean has changed.
    if type(a) is not type(b) or a != b:
        return False
    return not isinstance(a, (dict, list)) or _key(a) == _key(b)


def _by_ref(items: list[Any]) -> dict[str, Any] | None:
    """Items by their ref, when every item is a mapping with a distinct ref."""
    if not all(isinstance(i, dict) and isinstance(i.get(REF_KEY), str) for i in items):
        return None
    keyed = {i[REF_KEY]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def _diff_keyed(old: dict[str, Any], new: dict[str, Any], path: str) -> list[FieldChange]:
    out: list[FieldChange] = []
    for ref in list(new) + [r for r in old if r not in new]:
        out += diff_values(old.get(ref), new.get(ref), f"{path}[{ref}]")
    return out


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _diff_sequence(old: list[Any], new: list[Any], path: str) -> list[FieldChange]:
    """Align the two lists so that an inserted or deleted element is one
    addition or removal, and compare aligned elements field by field."""
    matcher = difflib.SequenceMatcher(None, [_key(v) for v in old], [_key(v) for v in new],
                                      autojunk=False)
    out: list[FieldChange] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            out += diff_values(old[i1 + k], new[j1 + k], _join(path, str(j1 + k)))
        for j in range(j1 + pairs, j2):
            out.append(FieldChange(_join(path, str(j)), None, new[j]))
        for i in range(i1 + pairs, i2):
            out.append(FieldChange(_join(path, str(i)), old[i], None))
    return out
