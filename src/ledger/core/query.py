"""Selecting and ordering records: the one filter behind list, summary and export.

A :class:`Filter` is built once from the command line (``build_filter``),
checked against the ledger's schema so that a typo is a usage error rather
than an empty result, and then applied to ``(path, record)`` rows as a
plain predicate.  Semantics (SPEC section 3): a repeated option means any of
its values, different options must all hold; text matches are
case-insensitive, Unicode-normalised substrings; the date window keeps an
incident whose EDTF range overlaps it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from ledger.core import edtf, model
from ledger.core.normalize import fold
from ledger.core.problems import UsageError
from ledger.core.schema import Schema, Vocabulary

Row = tuple[str, dict[str, Any]]

# Short names for fields that are nested in the schema; every other sort key
# is a dotted field path.
SORT_ALIASES = {"country": "location.country"}


# -- field paths ------------------------------------------------------------------

@dataclass(frozen=True)
class FieldPath:
    """A dotted path into a record (``location.region``, ``acts.type``) and the
    JSON type of what it leads to, as the schema says."""

    dotted: str
    parts: tuple[str, ...]
    kind: str  # "string", "number", "integer", "boolean", "object" or "" (unknown)
    schema_path: tuple[str, ...] = ()  # the same path in the schema, lists as "*"

    @property
    def many(self) -> bool:
        """The path crosses a list: one record can hold several values."""
        return "*" in self.schema_path

    def values(self, record: dict[str, Any]) -> list[Any]:
        """Every value at the path; lists on the way (and at the end) are entered."""
        found = list(_walk(record, self.parts))
        if not found and self.parts in _RENAMED:  # a record of an older schema version
            found = list(_walk(record, _RENAMED[self.parts]))
        return found


# Fields a schema version renamed (core.migrations): until a ledger is migrated,
# a query on the new name reads the old one in the records not yet upgraded.
_RENAMED = {("recorded", "date"): ("recorded", "on"), ("recorded", "on"): ("recorded", "date")}


def _walk(node: Any, parts: tuple[str, ...]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, parts)
    elif not parts:
        if node is not None:
            yield node
    elif isinstance(node, dict) and parts[0] in node:
        yield from _walk(node[parts[0]], parts[1:])


def resolve_field(schema: Schema, dotted: str, option: str) -> FieldPath:
    """The field a dotted path names, or a UsageError when the schema has no such field."""
    text = dotted.strip()
    # `acts[].type` and `acts.*.type` mean the same as `acts.type`.
    parts = tuple(p for p in text.replace("[]", "").split(".") if p != "*")
    if not parts or not all(parts):
        raise UsageError(f"{option}: {dotted!r} is not a field path",
                         hint="write fields as dotted paths, e.g. location.region or acts.type")
    trail: tuple[str, ...] = ()
    node = schema.subschema(trail)
    for i, part in enumerate(parts):
        node, trail = _enter_lists(schema, node, trail)
        props = node.get("properties")
        props = props if isinstance(props, dict) else {}
        extra = node.get("additionalProperties")
        if part in props:
            trail += (part,)
            node = schema.subschema(trail)
        elif isinstance(extra, dict) and i == len(parts) - 1:
            # A map such as an actor's `names`: any key (`actors.names.ru`).
            node = schema.resolve(extra)
        else:
            where = ".".join(parts[:i]) or "a record"
            close = difflib.get_close_matches(part, list(props), n=1)
            hint = (f"did you mean {'.'.join((*parts[:i], close[0]))}?" if close else
                    f"fields of {where}: {', '.join(props)}" if props else
                    f"{where} has no fields inside it")
            raise UsageError(f"{option}: the schema has no field {text!r}", hint=hint)
    node, trail = _enter_lists(schema, node, trail)
    return FieldPath(text, parts, _json_type(node), trail)


def _enter_lists(schema: Schema, node: dict[str, Any],
                 trail: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
    while node.get("type") == "array":
        trail += ("*",)
        node = schema.subschema(trail)
    return node, trail


def _json_type(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "")
    if isinstance(kind, str):
        return kind
    sample = node["const"] if "const" in node else (node.get("enum") or [None])[0]
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, (int, float)):
        return "number"
    if isinstance(sample, str):
        return "string"
    return "object" if "properties" in node else ""


# -- --where ---------------------------------------------------------------------

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class Where:
    """FIELD=VALUE: text is a substring, numbers and booleans are exact."""

    field: FieldPath
    value: str | float | bool  # folded text, a number or a boolean

    def matches(self, record: dict[str, Any]) -> bool:
        return any(_value_matches(v, self.value) for v in self.field.values(record))


def _value_matches(found: Any, wanted: str | float | bool) -> bool:
    if isinstance(wanted, bool):
        return isinstance(found, bool) and found is wanted
    if isinstance(wanted, float):
        return isinstance(found, (int, float)) and not isinstance(found, bool) and found == wanted
    if isinstance(found, dict):
        return any(_value_matches(v, wanted) for v in _leaves(found))
    return wanted in fold(_as_text(found))


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    elif node is not None:
        yield node


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_where(schema: Schema, spec: str) -> Where:
    name, sep, raw = spec.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--where {spec!r}: expected FIELD=VALUE",
                         hint="e.g. --where location.region=Almaty")
    field = resolve_field(schema, name, "--where")
    raw = raw.strip()
    if field.kind in ("number", "integer"):
        try:
            return Where(field, float(raw))
        except ValueError:
            raise UsageError(f"--where {spec!r}: {field.dotted} holds numbers, not {raw!r}") from None
    if field.kind == "boolean":
        if raw.casefold() in _TRUE | _FALSE:
            return Where(field, raw.casefold() in _TRUE)
        raise UsageError(f"--where {spec!r}: {field.dotted} is true or false, not {raw!r}")
    return Where(field, fold(raw))


# -- the filter ------------------------------------------------------------------

@dataclass(frozen=True)
class Filter:
    """Every condition of one command line; an empty Filter keeps everything."""

    since: dt.date | None = None
    until: dt.date | None = None
    countries: frozenset[str] = frozenset()  # folded
    acts: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()  # folded
    rights: frozenset[str] = frozenset()
    actors: tuple[str, ...] = ()  # folded needles
    # Every folded name of the merged actors (core.actors.merge) the needles
    # find: a record naming one of them matches too, however it spells it.
    actor_names: frozenset[str] = frozenset()
    # The incidents of every profile (and merged actor) the needles find: a
    # record's actor may carry no name of its own, only `profile:`.
    actor_ids: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()  # folded needles
    # One group per field: any condition of a group, every group.
    where: tuple[tuple[Where, ...], ...] = ()

    def matches(self, record: dict[str, Any]) -> bool:
        return (self._in_window(record)
                and (not self.countries or fold(model.country(record)) in self.countries)
                and (not self.acts or not self.acts.isdisjoint(model.act_types(record)))
                and (not self.statuses or str(record.get("status")) in self.statuses)
                and (not self.tags or not self.tags.isdisjoint(
                    fold(t) for t in model.strings(record, "tags")))
                and (not self.rights or not self.rights.isdisjoint(model.strings(record, "rights")))
                and (not self.actors or self._names_actor(record))
                and (not self.texts or _any_in(self.texts, _prose(record)))
                and all(any(w.matches(record) for w in group) for group in self.where))

    def _names_actor(self, record: dict[str, Any]) -> bool:
        if self.actor_ids and record.get("id") in self.actor_ids:
            return True
        texts = _actor_texts(record)
        return _any_in(self.actors, texts) or not self.actor_names.isdisjoint(texts)

    def _in_window(self, record: dict[str, Any]) -> bool:
        if self.since is None and self.until is None:
            return True
        lower, upper = model.date_bounds(record)
        if lower is None and upper is None:
            return False  # no usable date: it cannot be placed in any window
        # A missing bound is an open interval end: unbounded on that side.
        return ((self.until is None or lower is None or lower <= self.until)
                and (self.since is None or upper is None or upper >= self.since))


def _any_in(needles: Iterable[str], haystacks: list[str]) -> bool:
    return any(n in h for n in needles for h in haystacks)


def _actor_texts(record: dict[str, Any]) -> list[str]:
    out = []
    for actor in model.items(record, "actors"):
        out.append(fold(_as_text(actor.get("name", ""))))
        names = actor.get("names")
        if isinstance(names, dict):
            out += [fold(_as_text(n)) for n in names.values() if n is not None]
        aliases = actor.get("aliases")
        if isinstance(aliases, list):
            out += [fold(_as_text(n)) for n in aliases if n is not None]
    return out


def _prose(record: dict[str, Any]) -> list[str]:
    return [fold(_as_text(record[k])) for k in ("title", "description") if record.get(k) is not None]


def build_filter(schema: Schema, *, since: str | None = None, until: str | None = None,
                 country: Sequence[str] = (), act: Sequence[str] = (), status: Sequence[str] = (),
                 tag: Sequence[str] = (), right: Sequence[str] = (), actor: Sequence[str] = (),
                 text: Sequence[str] = (), where: Sequence[str] = ()) -> Filter:
    """Check the options against the schema and turn them into a Filter."""
    start = _window_bound("--since", since, end=False)
    end = _window_bound("--until", until, end=True)
    if start is not None and end is not None and end < start:
        raise UsageError(f"--until {until} ends before --since {since} starts")
    groups: dict[tuple[str, ...], list[Where]] = {}
    for spec in where:
        w = parse_where(schema, spec)
        groups.setdefault(w.field.parts, []).append(w)
    return Filter(
        since=start, until=end,
        countries=frozenset(fold(c) for c in _vocab(schema, "--country", COUNTRY,
                                                    _country_codes(schema, country))),
        acts=frozenset(_vocab(schema, "--act", ("acts", "*", "type"), act)),
        statuses=frozenset(_vocab(schema, "--status", ("status",), status)),
        tags=frozenset(fold(t) for t in tag),
        rights=frozenset(_vocab(schema, "--right", ("rights",), right)),
        actors=tuple(fold(a) for a in actor),
        texts=tuple(fold(t) for t in text),
        where=tuple(tuple(g) for g in groups.values()),
    )


def _window_bound(option: str, value: str | None, *, end: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        return edtf.parse_bound(value.strip(), end=end)
    except edtf.EdtfError as exc:
        raise UsageError(f"{option}: {exc}",
                         hint="give a date such as 2021, 2021-03 or 2021-03-15 (EDTF)") from None


COUNTRY = ("location", "country")


def _country_codes(schema: Schema, given: Sequence[str]) -> list[str]:
    """Country names (Kazakhstan, Казахстан) and alpha-3 codes as alpha-2
    codes; anything else as given, for the vocabulary to judge."""
    from ledger.core import countries

    vocab = schema.vocabulary_for(COUNTRY)
    names = vocab.descriptions if vocab is not None else {}
    out = []
    for value in given:
        stripped = value.strip()
        # A code already (the common case) needs no name index.
        out.append(stripped if len(stripped) == 2 else countries.code_for(stripped, names) or stripped)
    return out


def _vocab(schema: Schema, option: str, path: tuple[str, ...], given: Sequence[str]) -> list[str]:
    """Given values as the schema spells them (any case); unknown ones are a usage error."""
    vocab = schema.vocabulary_for(path)
    if vocab is None:  # the ledger's schema leaves this field free
        return [v.strip() for v in given]
    by_fold = {fold(v): v for v in vocab.values}
    out = []
    for value in given:
        known = by_fold.get(fold(value))
        if known is None:
            close = difflib.get_close_matches(fold(value), list(by_fold), n=3)
            hint = (f"did you mean {' or '.join(by_fold[c] for c in close)}? " if close else "")
            if path == COUNTRY and len(value.strip()) > 3:
                return _unknown_country(option, value, vocab)
            listed = ", ".join(vocab.values)
            if len(vocab.values) > 60:
                listed = ", ".join(vocab.values[:60]) + ", ..."
            raise UsageError(f"{option}: {value!r} is not one of the schema's values ({vocab.title})",
                             hint=f"{hint}choose from: {listed}")
        out.append(known)
    return out


def _unknown_country(option: str, value: str, vocab: Vocabulary) -> NoReturn:
    from ledger.core import countries

    close = [f"{code} ({name})" for code, name in countries.suggest(value, names=vocab.descriptions)
             if code in vocab.values]
    raise UsageError(f"{option}: {value!r} is not a country this ledger knows",
                     hint=(f"did you mean {' or '.join(close)}? " if close else "")
                     + "give an ISO 3166-1 code (KZ) or a country's name (Kazakhstan, Казахстан)")


def select(rows: Iterable[Row], flt: Filter) -> Iterator[Row]:
    """The rows whose record the filter keeps, in their given order."""
    return (row for row in rows if flt.matches(row[1]))


# -- ordering --------------------------------------------------------------------

@dataclass(frozen=True)
class Order:
    """--sort FIELD (ascending) or -FIELD (descending); `date` sorts by the EDTF start."""

    field: FieldPath | None  # None: by date
    descending: bool = False


def parse_sort(schema: Schema, spec: str) -> Order:
    text = spec.strip()
    descending = text.startswith("-")
    name = text.lstrip("-+").strip()
    if name == "date":
        return Order(None, descending)
    return Order(resolve_field(schema, SORT_ALIASES.get(name, name), "--sort"), descending)


def _sort_key(order: Order, record: dict[str, Any]) -> tuple[Any, ...] | None:
    """None when the record has nothing to sort by (it goes last either way)."""
    if order.field is None:
        lower, upper = model.date_bounds(record)
        if lower is None and upper is None:
            return None
        return (lower or dt.date.min,)
    values = order.field.values(record)
    if not values:
        return None
    return tuple((0, v) if isinstance(v, (int, float)) else (1, fold(_as_text(v))) for v in values)


def sort_rows(rows: Iterable[Row], order: Order) -> list[Row]:
    """Sorted rows; ties keep path order, records without the field come last."""
    keyed = [(_sort_key(order, r), (p, r)) for p, r in sorted(rows, key=lambda row: row[0])]
    present = [(k, row) for k, row in keyed if k is not None]
    # Python's sort is stable in reverse too, so ties stay in path order.
    present.sort(key=lambda item: item[0], reverse=order.descending)
    return [row for _, row in present] + [row for k, row in keyed if k is None]


def apply(rows: Iterable[Row], flt: Filter, order: Order | None = None,
          limit: int | None = None) -> Iterator[Row]:
    """Filter, then sort, then cut: what every command does with its options."""
    out: Iterable[Row] = select(rows, flt)
    if order is not None:
        out = sort_rows(out, order)
    return iter(out) if limit is None else itertools.islice(out, limit)
