"""Counting incidents by one key or a pair of keys (a pivot).

Counts are of incidents, never of acts: an incident with an arrest and a
charge counts once under `arrest` and once under `charge`, and one with two
arrests counts once under `arrest`.  Time buckets take the start of
the incident's EDTF range.  An incident without a value for a key is
counted under ``None`` (shown as "(none)"), so every incident is somewhere.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core import model, query
from ledger.core.problems import UsageError
from ledger.core.schema import Schema

Value = Hashable  # a bucket: text, a number, or None for "no value"
MAX_KEYS = 2


@dataclass(frozen=True)
class Key:
    name: str  # as the user wrote it; also the column name in every format
    values: Callable[[dict[str, Any]], list[Value]]
    chronological: bool = False
    # True when one incident can fall under several values, so rows add up
    # to more than the total.
    multiple: bool = False


def _start(record: dict[str, Any], width: int) -> list[Value]:
    lower, _ = model.date_bounds(record)
    return [] if lower is None else [lower.isoformat()[:width]]


def _one(value: Any) -> list[Value]:
    return [value] if isinstance(value, str) and value else []


def _distinct(values: Iterable[Any]) -> list[Value]:
    out: dict[Value, None] = {}
    for v in values:
        # Lists or maps where a scalar belongs only occur in invalid records;
        # count them under their JSON text rather than fail.
        out[json.dumps(v, ensure_ascii=False, sort_keys=True)
            if isinstance(v, (dict, list)) else v] = None
    return list(out)


def _actor_names(record: dict[str, Any]) -> list[Value]:
    return _distinct(a["name"] for a in model.items(record, "actors") if a.get("name"))


_NAMED: dict[str, Key] = {
    "month": Key("month", lambda r: _start(r, 7), chronological=True),
    "year": Key("year", lambda r: _start(r, 4), chronological=True),
    "country": Key("country", lambda r: _one(model.country(r))),
    "act": Key("act", lambda r: _distinct(model.act_types(r)), multiple=True),
    "status": Key("status", lambda r: _one(r.get("status"))),
    "right": Key("right", lambda r: _distinct(model.strings(r, "rights")), multiple=True),
    "tag": Key("tag", lambda r: _distinct(model.strings(r, "tags")), multiple=True),
    "actor": Key("actor", _actor_names, multiple=True),
}


def resolve_key(schema: Schema, name: str) -> Key:
    """A named key (month, year, country, act, ...) or any scalar field by dotted path."""
    key = _NAMED.get(name.strip().lower())
    if key is not None:
        return key
    try:
        field = query.resolve_field(schema, name, "--by")
    except UsageError as exc:
        raise UsageError(exc.message, hint=f"choose {', '.join(_NAMED)} or a field path "
                                           f"such as location.region ({exc.hint})") from None
    if field.kind == "object":
        inside = ", ".join(f"{field.dotted}.{k}" for k in schema.key_order(field.schema_path))
        raise UsageError(f"--by {name}: {field.dotted} holds several fields; count by one of them",
                         hint=f"e.g. {inside}" if inside else "")
    return Key(field.dotted, lambda r: _distinct(field.values(r)), multiple=field.many)


def resolve_keys(schema: Schema, names: Sequence[str]) -> list[Key]:
    if not 1 <= len(names) <= MAX_KEYS:
        raise UsageError(f"--by takes one or two keys, not {len(names)}",
                         hint="e.g. --by year, or --by country --by year for a pivot")
    keys = [resolve_key(schema, n) for n in names]
    if len(keys) == 2 and keys[0].name == keys[1].name:
        raise UsageError(f"--by {keys[0].name} is given twice")
    return keys


@dataclass
class Summary:
    """Counts ready to render: rows in display order, plus per-key totals."""

    keys: list[Key]
    total: int  # incidents counted
    cells: dict[tuple[Value, ...], int]
    # Per key: incidents under each value, and the values in display order.
    margins: list[Counter[Value]]
    order: list[list[Value]]

    @property
    def by(self) -> list[str]:
        return [k.name for k in self.keys]

    @property
    def rows(self) -> list[tuple[tuple[Value, ...], int]]:
        rank = [{v: i for i, v in enumerate(values)} for values in self.order]
        ordered = sorted(self.cells, key=lambda combo: tuple(r[v] for r, v in zip(rank, combo, strict=True)))
        return [(combo, self.cells[combo]) for combo in ordered]

    @property
    def multiple(self) -> bool:
        return any(k.multiple for k in self.keys)


def count(rows: Iterable[tuple[str, dict[str, Any]]], keys: Sequence[Key]) -> Summary:
    cells: Counter[tuple[Value, ...]] = Counter()
    margins: list[Counter[Value]] = [Counter() for _ in keys]
    total = 0
    for _path, record in rows:
        total += 1
        buckets = [k.values(record) or [None] for k in keys]
        for margin, values in zip(margins, buckets, strict=True):
            margin.update(values)
        combos: list[tuple[Value, ...]] = [()]
        for values in buckets:
            combos = [(*c, v) for c in combos for v in values]
        cells.update(combos)
    return tally(keys, total, cells, margins)


def tally(keys: Sequence[Key], total: int, cells: dict[tuple[Value, ...], int],
          margins: list[Counter[Value]]) -> Summary:
    """A Summary from counts made elsewhere (the cache's index counts in SQL),
    ordered exactly as count() orders its own."""
    order = [_ordered(k, m) for k, m in zip(keys, margins, strict=True)]
    return Summary(list(keys), total, dict(cells), margins, order)


def _ordered(key: Key, margin: Counter[Value]) -> list[Value]:
    """Time keys chronologically; others by count, most first, then by value."""
    def natural(v: Value) -> tuple[Any, ...]:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (0, v, "")
        return (1, 0, str(v).casefold())

    if key.chronological:
        return sorted(margin, key=lambda v: (v is None, natural(v)))
    return sorted(margin, key=lambda v: (v is None, -margin[v], natural(v)))
