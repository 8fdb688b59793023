"""Counting incidents by one key or a pair of keys (a pivot).

Counts are of incidents, never of acts: an incident with an arrest and a
charge counts once under `arrest` and once under `charge`, and one with two
arrests counts once under `arrest`.  An incident without a value for a key is
counted under ``None`` (shown as "(none)"), so every incident is somewhere.

Time buckets (month, year) take the start of the incident's date: the date
itself, or an interval's first end.  A start known less precisely than the
bucket is never spread over or pinned to one month: it has a bucket of its
own, written with EDTF's unspecified digits (``2020-XX``: some month of 2020;
``202X``: some year of the 2020s), placed after the span it covers.  The
series runs without holes from the first precise bucket to the last, with
zeros for quiet months.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core import edtf, model, query
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


def _start_range(record: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The first and last day the start of the incident's date can mean: the
    whole date, or an interval's first end (SPEC 3: a time bucket takes the
    start).  None when the date is missing, invalid or has an open start."""
    value = record.get("date")
    lower, _ = model.date_bounds(record)
    if lower is None or not isinstance(value, str):
        return None
    first = value.split("/", 1)[0]
    try:
        start = edtf.parse(first)
    except edtf.EdtfError:
        return None
    if start.lower is None or start.upper is None:
        return None
    return start.lower, start.upper


def _year_bucket(lower: dt.date, upper: dt.date) -> str:
    """The year, or as many of its leading digits as the date pins down, the
    rest written X as EDTF writes unspecified digits: 2020, 202X, 20XX."""
    text = f"{lower.year:04d}"
    for known in (4, 3, 2, 1):
        step = 10 ** (4 - known)
        if lower.year // step == upper.year // step:
            return text[:known] + "X" * (4 - known)
    return "XXXX"


def _by_year(record: dict[str, Any]) -> list[Value]:
    start = _start_range(record)
    return [] if start is None else [_year_bucket(*start)]


def _by_month(record: dict[str, Any]) -> list[Value]:
    start = _start_range(record)
    if start is None:
        return []
    lower, upper = start
    if (lower.year, lower.month) == (upper.year, upper.month):
        return [f"{lower.year:04d}-{lower.month:02d}"]
    return [_year_bucket(lower, upper) + "-XX"]


def is_imprecise(value: Value) -> bool:
    """Whether a time bucket holds incidents known less precisely than the key."""
    return isinstance(value, str) and "X" in value


def describe_bucket(value: Value) -> str:
    """A time bucket for reading: 2020-XX is "2020, month unknown"."""
    text = str(value)
    if not is_imprecise(value):
        return text
    year, _, month = text.partition("-")
    unknown = "month unknown" if month else "year unknown"
    digits = year.count("X")
    if digits == 0:
        span = year
    elif digits == 1:
        span = year[:3] + "0s"
    elif digits < 4:
        span = f"{year.replace('X', '0')}-{year.replace('X', '9')}"
    else:
        return "year unknown" if not month else "year and month unknown"
    return f"{span}, {unknown}"


def _time_rank(value: Value) -> tuple[int, int, int]:
    """Chronological order with each imprecise bucket right after the span it
    covers: 2020-12, then 2020-XX; 2029, then 202X."""
    text = str(value)
    year, _, month = text.partition("-")
    return (int(year.replace("X", "9")), 13 if month == "XX" else int(month or 0), text.count("X"))


def _series(values: Iterable[Value]) -> list[Value]:
    """Every month or year from the first precise bucket to the last, so that
    a quiet month shows as 0 instead of vanishing."""
    precise = sorted(str(v) for v in values if isinstance(v, str) and not is_imprecise(v))
    if not precise:
        return []
    if "-" not in precise[0]:
        return [f"{y:04d}" for y in range(int(precise[0]), int(precise[-1]) + 1)]
    (y0, m0), (y1, m1) = (map(int, precise[0].split("-")), map(int, precise[-1].split("-")))
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]


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
    "month": Key("month", _by_month, chronological=True),
    "year": Key("year", _by_year, chronological=True),
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
        """Combinations in display order; with a time key every combination,
        zeros included, so a series has no holes."""
        if any(k.chronological for k in self.keys):
            return [(combo, self.cells.get(combo, 0)) for combo in itertools.product(*self.order)]
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
        values = set(margin) | set(_series(margin))
        return sorted(values, key=lambda v: (v is None, _time_rank(v) if v is not None else (0, 0, 0)))
    return sorted(margin, key=lambda v: (v is None, -margin[v], natural(v)))
