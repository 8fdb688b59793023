"""What the memo keeps about each record, so list and summary can narrow
and count without unpacking every record.

Two kinds of facets are written when a record is checked:

- filter facets, the values :class:`ledger.core.query.Filter` tests, extracted the
  way it extracts them (country and tags folded, act types, status, rights,
  the EDTF date bounds as day ordinals).  Testing them is only a
  prefilter: records it lets through still go through ``Filter.matches``, so
  the filter's meaning lives in query.py alone.  It must never drop a record
  the filter would keep; tests compare it with the unindexed answer.
- summary buckets, computed by summary.py's own keys (``Key.values``), so a
  count made from facets buckets exactly as ``summary.count`` does.  A record
  with no value for a key gets a NO_VALUE row: the "(none)" bucket.

A record whose facets cannot be made (a bucket that is not text) has none;
it is then always a candidate, and summaries count from the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ledger.core import model
from ledger.core.normalize import fold
from ledger.core.query import Filter
from ledger.core.schema import Schema
from ledger.core.summary import Key, resolve_key

# Field codes as stored (small integers keep the table small).
COUNTRY, ACT, STATUS, TAG, RIGHT, LOWER, UPPER = range(1, 8)
# The summary keys counted from the index, by name: every named key whose
# buckets are always text.  (actor names may be numbers or mappings in an
# invalid record, so actor is counted in Python.)
SUMMARY_FIELDS = {"year": 11, "month": 12, "country": 13, "act": 14, "status": 15,
                  "right": 16, "tag": 17}

# Stored for "no value" (summary's None bucket): never a real bucket, which is text.
NO_VALUE = 0

Facet = tuple[int, Any]


@lru_cache(maxsize=4)  # asked for each record indexed
def summary_keys(schema: Schema) -> tuple[Key, ...]:
    """The summary keys whose buckets the index holds."""
    return tuple(resolve_key(schema, name) for name in SUMMARY_FIELDS)


def facets(record: dict[str, Any], keys: Sequence[Key]) -> list[Facet] | None:
    """Filter facets and summary buckets of one record (keys: the summary keys
    named in SUMMARY_FIELDS, resolved); None when the record cannot be indexed."""
    out: list[Facet] = [(COUNTRY, fold(model.country(record)))]
    out += [(ACT, t) for t in model.act_types(record)]
    status = record.get("status")
    if isinstance(status, str):
        out.append((STATUS, status))
    out += [(TAG, t) for t in dict.fromkeys(fold(t) for t in model.strings(record, "tags"))]
    out += [(RIGHT, r) for r in dict.fromkeys(model.strings(record, "rights"))]
    lower, upper = model.date_bounds(record)
    if lower is not None:
        out.append((LOWER, lower.toordinal()))
    if upper is not None:
        out.append((UPPER, upper.toordinal()))
    for key in keys:
        field = SUMMARY_FIELDS[key.name]
        for value in key.values(record) or [None]:
            if value is not None and not isinstance(value, str):
                return None
            out.append((field, NO_VALUE if value is None else value))
    return out


@dataclass(frozen=True)
class Prefilter:
    """A Filter as SQL can test it: every group (field, values) must hold one
    of its values, and the date bounds must reach the window."""

    groups: tuple[tuple[int, tuple[str, ...]], ...] = ()
    since: int | None = None  # day ordinals
    until: int | None = None
    exact: bool = True  # False when the filter tests more than these (it then re-tests every row)

    @property
    def empty(self) -> bool:
        return not self.groups and self.since is None and self.until is None

    def admits(self, facets: Sequence[Facet] | None) -> bool:
        """Whether a record with these facets may pass (None: not indexed, so it may)."""
        if facets is None or self.empty:
            return True
        have: dict[int, set[Any]] = {}
        for field, value in facets:
            have.setdefault(field, set()).add(value)
        for field, values in self.groups:
            if not have.get(field, set()).intersection(values):
                return False
        if self.since is not None or self.until is not None:
            # As Filter._in_window: a missing bound is an open end, no date at all never matches.
            lower, upper = have.get(LOWER), have.get(UPPER)
            if not lower and not upper:
                return False
            if self.until is not None and lower and min(lower) > self.until:
                return False
            if self.since is not None and upper and max(upper) < self.since:
                return False
        return True


def prefilter(flt: Filter | None) -> Prefilter:
    if flt is None:
        return Prefilter()
    groups = tuple((field, tuple(sorted(values))) for field, values in (
        (COUNTRY, flt.countries), (ACT, flt.acts), (STATUS, flt.statuses), (TAG, flt.tags),
        (RIGHT, flt.rights)) if values)
    return Prefilter(groups,
                     since=flt.since.toordinal() if flt.since is not None else None,
                     until=flt.until.toordinal() if flt.until is not None else None,
                     exact=not (flt.actors or flt.texts or flt.where))


def bucket(value: Any) -> Any:
    """A stored summary value as summary.count has it."""
    return None if value == NO_VALUE and not isinstance(value, str) else value


def countable(schema: Schema, keys: Sequence[Key]) -> bool:
    """Whether the index holds the buckets of these summary keys."""
    named = summary_keys(schema)
    return all(any(k is n for n in named) for k in keys)


# -- facets by column --------------------------------------------------------------
# The memo keeps the facets of a tree's records as one list per field code,
# values interned: one list of 50,000 short strings unpacks in a few
# milliseconds where 50,000 small lists of pairs take most of a second.
# A field with several values per record keeps them joined by SEP; "" is no
# value; the date bounds keep an int or None; NONE is a summary's "no value".

SEP = "\x1f"
NONE = "\x00"
CODES = (COUNTRY, ACT, STATUS, TAG, RIGHT, LOWER, UPPER, *SUMMARY_FIELDS.values())
_INTS = (LOWER, UPPER)
Columns = dict[int, list[Any]]


def empty_columns(n: int) -> Columns:
    return {code: [None if code in _INTS else ""] * n for code in CODES}


def row(facets: Sequence[Facet] | None) -> tuple[Any, ...]:
    """One record's facets as its values in each column, in CODES order
    (made where the record is checked, so the gathering process only stores)."""
    import sys

    grouped: dict[int, list[Any]] = {}
    for code, value in facets or ():
        grouped.setdefault(code, []).append(value)
    out: list[Any] = []
    for code in CODES:
        values = grouped.get(code, [])
        if code in _INTS:
            out.append(values[0] if values else None)
        else:
            joined = SEP.join(NONE if v == NO_VALUE and not isinstance(v, str) else str(v) for v in values)
            out.append(sys.intern(joined))
    return tuple(out)


def set_row(columns: Columns, i: int, facets: Sequence[Facet] | None,
            values: Sequence[Any] | None = None) -> None:
    """Write one record's facets (None: it has none), or their row() values, into row i of columns."""
    import sys

    for code, value in zip(CODES, values if values is not None else row(facets), strict=True):
        columns[code][i] = sys.intern(value) if isinstance(value, str) else value


def admitted(pre: Prefilter, columns: Columns, rows: Sequence[int]) -> list[int]:
    """Those of rows whose facets may pass the prefilter (as Prefilter.admits)."""
    out = list(rows)
    for field, values in pre.groups:
        col, wanted = columns[field], set(values)
        out = [i for i in out if col[i] and (col[i] in wanted or not wanted.isdisjoint(col[i].split(SEP)))]
    if pre.since is not None or pre.until is not None:
        lower, upper = columns[LOWER], columns[UPPER]
        out = [i for i in out if (lower[i] is not None or upper[i] is not None)
               and (pre.until is None or lower[i] is None or lower[i] <= pre.until)
               and (pre.since is None or upper[i] is None or upper[i] >= pre.since)]
    return out


def buckets(columns: Columns, code: int, i: int) -> list[Any]:
    """A record's summary buckets for one key, as Key.values gives them ([None]: none)."""
    value = columns[code][i]
    return [None if v == NONE else v for v in value.split(SEP)] if value else [None]
