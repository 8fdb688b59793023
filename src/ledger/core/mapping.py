"""How the rows of a spreadsheet become incidents: the mapping file, and
one row turned into a record.  Pure: data in, data out.

A mapping (SPEC section 10) is TOML: ``[import]`` says which column
identifies a row and under which dataset name it is remembered
(``external_ids``), ``[fields]`` says where each incident field comes from.
A field is a dotted path (``location.place``, ``acts.type``); its value is
a column name, or a table with one source:

- ``column = "Name"``: a cell (in JSON rows, a dotted path; through a list
  it gives one value per item);
- ``columns = "Link *"``: every non-empty column whose name matches the
  pattern (``*``, ``?``), in the file's order;
- ``value = "US"``: a constant;
- ``template = "{Summary} — {Notes}"``: cells joined into one text; the
  text between two placeholders is kept only when there is a value on each
  side, so an empty Notes leaves "Summary" alone;

and with it, in this order: ``split = ","`` (one value per part), ``item = 0``
(one part of the split, from 0; -1 the last), ``map = {shoot = "assault"}``
(translates, matching case-insensitively, and drops what it lacks),
``default`` (when no value remains), ``formats = ["%d/%m/%Y", "%b-%Y"]`` (a
date, written as EDTF at the precision the format has: ``%b-%Y`` gives
``2017-01``, not a day).  A value that already is EDTF is taken as it is.
When a date is only part of the cell ("(Believed to be) 2020-06-01"), the
date is taken and the whole cell goes to ``date_text`` unless the mapping
fills that itself.

Values take the type the schema gives the field (a number for
``location.lat``, a list for ``tags``).  A field inside a list of objects
(``acts.type``, ``sources.url``) makes one item per value; fields of the
same list are paired item by item; a list inside such an item
(``acts.victims``) gets every value in every item, as ``ledger add
--victim`` does, and victims and perpetrators are names, made actors.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import string
from collections.abc import Callable, Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any

from ledger.core import edtf
from ledger.core.schema import Schema

FORMATS = ("csv", "xlsx", "json", "jsonl")
SOURCES = ("column", "columns", "value", "template")
OPTIONS = frozenset({*SOURCES, "split", "item", "map", "default", "formats"})
ROLES = ("victims", "perpetrators")
# Filled by import or completion, never from a cell.
RESERVED = frozenset({"schema_version", "external_ids"})


class MappingError(ValueError):
    """The mapping file is wrong; the message names the key."""


@dataclass(frozen=True)
class Rule:
    field: tuple[str, ...]  # ("location", "place")
    column: str | None = None
    columns: str | None = None
    value: Any = None
    template: str | None = None
    split: str | None = None
    item: int | None = None
    map: dict[str, Any] | None = None
    default: Any = None
    formats: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return ".".join(self.field)

    def cells(self) -> list[str]:
        """The columns this rule reads (a pattern for `columns`)."""
        if self.column is not None:
            return [self.column]
        if self.columns is not None:
            return [self.columns]
        if self.template is not None:
            return placeholders(self.template)
        return []


@dataclass(frozen=True)
class Mapping:
    key: str
    rules: tuple[Rule, ...]
    dataset: str | None = None
    format: str | None = None
    sheet: str | None = None
    rows: str | None = None

    def fills(self, path: tuple[str, ...]) -> bool:
        return any(r.field == path for r in self.rules)

    @property
    def matches_by_id(self) -> bool:
        return self.fills(("id",))


# -- the mapping file -------------------------------------------------------------

def parse(text: str, schema: Schema) -> Mapping:
    """The mapping a TOML text describes; MappingError names what is wrong."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"not TOML: {exc}") from None
    unknown = set(doc) - {"import", "fields"}
    if unknown:
        raise MappingError(f"unknown section [{sorted(unknown)[0]}]; a mapping has [import] and [fields]")
    head = doc.get("import", {})
    if not isinstance(head, dict):
        raise MappingError("[import] must be a table")
    extra = set(head) - {"dataset", "key", "format", "sheet", "rows"}
    if extra:
        raise MappingError(f"import.{sorted(extra)[0]}: unknown key "
                           "(known: dataset, key, format, sheet, rows)")
    key = head.get("key")
    if not isinstance(key, str) or not key:
        raise MappingError("import.key is required: the column that identifies a row (e.g. key = \"id\")")
    fmt = head.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise MappingError(f"import.format: {fmt!r} is not one of {', '.join(FORMATS)}")
    for name in ("dataset", "sheet", "rows"):
        if head.get(name) is not None and not isinstance(head[name], str):
            raise MappingError(f"import.{name} must be a string")
    dataset = head.get("dataset")
    if dataset is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", dataset):
        raise MappingError(f"import.dataset: {dataset!r} must be letters, digits, '.', '_' or '-'")
    fields_ = doc.get("fields", {})
    if not isinstance(fields_, dict) or not fields_:
        raise MappingError("[fields] is empty: say where at least one incident field comes from")
    rules = tuple(_rule(name, spec, schema) for name, spec in fields_.items())
    mapping = Mapping(key, rules, dataset, fmt, head.get("sheet"), head.get("rows"))
    if dataset is None and not mapping.matches_by_id:
        raise MappingError("import.dataset is required (the name rows are remembered under in external_ids), "
                           "unless [fields] fills id")
    return mapping


def _rule(name: str, spec: Any, schema: Schema) -> Rule:
    where = f"fields.{name}"
    path = tuple(name.split("."))
    if any(not p for p in path):
        raise MappingError(f"{where}: not a dotted field path")
    if path[0] in RESERVED:
        raise MappingError(f"{where}: {path[0]} is filled by import itself")
    _check_path(where, path, schema)
    if isinstance(spec, str):
        return Rule(path, column=spec)
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: give a column name or a table such as {{ column = \"...\" }}")
    extra = set(spec) - OPTIONS
    if extra:
        raise MappingError(f"{where}: unknown option {sorted(extra)[0]!r} "
                           f"(known: {', '.join(sorted(OPTIONS))})")
    given = [s for s in SOURCES if s in spec]
    if len(given) > 1:
        raise MappingError(f"{where}: give one of {', '.join(SOURCES)}, not {' and '.join(given)}")
    if not given and "default" not in spec:
        raise MappingError(f"{where}: say where the value comes from ({', '.join(SOURCES)})")
    for text_key in ("column", "columns", "template", "split"):
        if text_key in spec and (not isinstance(spec[text_key], str) or not spec[text_key]):
            raise MappingError(f"{where}.{text_key} must be a non-empty string")
    item = spec.get("item")
    if item is not None and (not isinstance(item, int) or isinstance(item, bool)):
        raise MappingError(f"{where}.item must be a whole number (0 is the first part)")
    if item is not None and "split" not in spec:
        raise MappingError(f"{where}.item picks a part of a split: give split too")
    table = spec.get("map")
    if table is not None and not isinstance(table, dict):
        raise MappingError(f"{where}.map must be a table: {{ from = \"to\" }}")
    formats = spec.get("formats", ())
    if isinstance(formats, str):
        formats = (formats,)
    if not isinstance(formats, (list, tuple)) or not all(isinstance(f, str) and "%" in f for f in formats):
        raise MappingError(f"{where}.formats must be strftime formats such as [\"%d/%m/%Y\", \"%b-%Y\"]")
    if "template" in spec:
        try:
            placeholders(spec["template"])
        except ValueError as exc:
            raise MappingError(f"{where}.template: {exc}") from None
    return Rule(path, column=spec.get("column"), columns=spec.get("columns"), value=spec.get("value"),
                template=spec.get("template"), split=spec.get("split"), item=item,
                map={str(k).strip().casefold(): v for k, v in table.items()} if table is not None else None,
                default=spec.get("default"), formats=tuple(formats))


def _check_path(where: str, path: tuple[str, ...], schema: Schema) -> None:
    """A path the schema has, through at most one list of objects (a list of
    plain values may end it)."""
    walked: list[str] = []
    lists = 0
    for i, part in enumerate(path):
        parent = schema.subschema(tuple(walked))
        props = parent.get("properties")
        if not isinstance(props, dict) or part not in props:
            known = ", ".join(props) if isinstance(props, dict) else ""
            inside = ".".join(p for p in walked if p != "*") or "an incident"
            hint = f" (it has {known})" if known else ""
            if isinstance(parent.get("additionalProperties"), dict) and parent.get("type") == "object":
                walked.append(part)  # a map such as actors.names.ru
                continue
            raise MappingError(f"{where}: {inside} has no field {part!r}{hint}")
        walked.append(part)
        sub = schema.subschema(tuple(walked))
        if sub.get("type") == "array" and schema.resolve(sub.get("items", {})).get("type") == "object":
            lists += 1
            if lists > 1 or i == len(path) - 1:
                what = "one list of objects" if lists > 1 else "a field of its items"
                raise MappingError(f"{where}: name {what} ({part}.FIELD, e.g. acts.type)")
            walked.append("*")


def placeholders(template: str) -> list[str]:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    if any(not n for n in names):
        raise ValueError("a placeholder names a column: {Summary}")
    return names


# -- a row --------------------------------------------------------------------------

@dataclass
class Row:
    """One row of a file: its cells, and where it is (as a spreadsheet shows it)."""

    number: int  # header = row 1 in CSV/XLSX; the line in JSONL; the item (from 1) in JSON
    cells: Any  # a mapping column -> value; for JSON, the row object
    letters: dict[str, str] = field(default_factory=dict)  # column -> spreadsheet letter
    nested: bool = False  # JSON: columns are dotted paths


def get(row: Row, column: str) -> list[Any]:
    """The non-empty values of a column (a path through lists gives several)."""
    if not row.nested:
        value = row.cells.get(column) if isinstance(row.cells, MappingABC) else None
        return [] if _empty(value) else [value]
    out: list[Any] = []

    def walk(node: Any, parts: list[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, parts)
        elif not parts:
            if not _empty(node) and not isinstance(node, dict):
                out.append(node)
        elif isinstance(node, MappingABC) and parts[0] in node:
            walk(node[parts[0]], parts[1:])

    walk(row.cells, column.split("."))
    return out


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_of(row: Row, column: str) -> str:
    """COLUMN in FILE:ROW:COLUMN: the spreadsheet letter, else the name."""
    return row.letters.get(column, column)


def matching(row: Row, pattern: str) -> list[str]:
    names = list(row.cells) if isinstance(row.cells, MappingABC) else []
    return [n for n in names if fnmatch.fnmatchcase(str(n), pattern)]


def text_of(value: Any) -> str:
    """A cell as text: 12345.0 from a spreadsheet is 12345, a date its ISO form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # Prose keeps its line breaks (a description's last one too, as a record holds it).
    return text if "\n" in text.strip() else text.strip()


@dataclass
class Built:
    record: dict[str, Any]
    errors: list[tuple[str, str]]  # (column, message) for values that cannot be used
    sources: dict[str, str]  # field name -> the column it came from (for locating problems)


def values(rule: Rule, row: Row) -> list[Any]:
    """What a rule gives for a row, before the schema's types."""
    if rule.value is not None:
        found: list[Any] = list(rule.value) if isinstance(rule.value, list) else [rule.value]
    elif rule.column is not None:
        found = get(row, rule.column)
    elif rule.columns is not None:
        found = [v for name in matching(row, rule.columns) for v in get(row, name)]
    elif rule.template is not None:
        found = _fill_template(rule.template, row)
    else:
        found = []
    if rule.split is not None:
        parts = [p.strip() for v in found for p in text_of(v).split(rule.split)]
        found = [p for p in parts if p]
        if rule.item is not None:
            found = [found[rule.item]] if -len(found) <= rule.item < len(found) else []
    if rule.map is not None:
        mapped = [rule.map.get(text_of(v).casefold()) for v in found]
        found = [m for m in mapped if not _empty(m)]
    if not found and rule.default is not None:
        found = [rule.default]
    return found


def _fill_template(template: str, row: Row) -> list[Any]:
    """The text before a placeholder joins its value to the one before it, so
    it is kept only when both are there (or when it starts the template)."""
    out: list[str] = []
    for i, (literal, name, _, _) in enumerate(string.Formatter().parse(template)):
        if name is None:  # the text after the last placeholder
            if out:
                out.append(literal)
            continue
        value = " ".join(text_of(v) for v in get(row, name))
        if value:
            if out or i == 0:
                out.append(literal)
            out.append(value)
    text = "".join(out).strip()
    return [text] if text else []


# -- dates ---------------------------------------------------------------------------

def precision(fmt: str) -> str:
    """day, month or year: what a strftime format states."""
    directives = set(re.findall(r"%[-#]?(.)", fmt))
    if directives & {"d", "j", "e", "x", "c", "F", "D"}:
        return "day"
    if directives & {"m", "b", "B", "h"}:
        return "month"
    return "year"


def parse_date(text: str, formats: Iterable[str]) -> str | None:
    """text as EDTF at the precision its format gives; None when no format reads it."""
    if edtf.is_valid(text):
        return text
    for fmt in formats:
        try:
            when = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        level = precision(fmt)
        return when.strftime("%Y-%m-%d" if level == "day" else "%Y-%m" if level == "month" else "%Y")
    return None


_WORD = re.compile(r"[^\s()\[\],;]+")


def find_date(text: str, formats: Iterable[str]) -> str | None:
    """A date inside text ("(Believed to be) 2020-06-01"): of the runs of up
    to four words that read as one, the most precise (then the first)."""
    formats = tuple(formats)
    words = [m.group() for m in _WORD.finditer(text)]
    found = [parse_date(" ".join(words[start:start + size]), formats)
             for size in range(min(len(words), 4), 0, -1) for start in range(len(words) - size + 1)]
    dates = [f for f in found if f is not None]
    return max(dates, key=len) if dates else None


# -- a row into a record ----------------------------------------------------------------

def build(mapping: Mapping, row: Row, schema: Schema) -> Built:
    """The record a row describes (not completed, not checked)."""
    record: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    sources: dict[str, str] = {}
    lists: dict[str, list[tuple[Rule, list[Any]]]] = {}
    for rule in mapping.rules:
        found = values(rule, row)
        where = rule.cells()[0] if rule.cells() else ""
        sources[rule.name] = where
        if rule.formats or _is_date(schema, rule.field):
            found = _dates(rule, found, record, mapping, errors, where)
        if not found:
            continue
        top = schema.subschema(rule.field[:1])
        if top.get("type") == "array" and len(rule.field) > 1:
            lists.setdefault(rule.field[0], []).append((rule, found))
            continue
        _put(record, rule.field, _typed(schema, rule.field, found))
    for key, filled in lists.items():
        record[key] = _items(schema, key, filled)
    _name_actors(record)
    return Built(record, errors, sources)


def _is_date(schema: Schema, path: tuple[str, ...]) -> bool:
    sub = schema.subschema(schema_path(schema, path))
    return sub.get("format") in ("edtf", "date")


def schema_path(schema: Schema, path: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for part in path:
        out.append(part)
        if schema.subschema(tuple(out)).get("type") == "array" and part != path[-1]:
            out.append("*")
    return tuple(out)


def _dates(rule: Rule, found: list[Any], record: dict[str, Any], mapping: Mapping,
           errors: list[tuple[str, str]], where: str) -> list[Any]:
    out: list[Any] = []
    for value in found:
        if isinstance(value, (dt.date, dt.datetime)):
            out.append(text_of(value))
            continue
        text = text_of(value)
        exact = parse_date(text, rule.formats)
        if exact is not None:
            out.append(exact)
            continue
        inside = find_date(text, rule.formats)
        if inside is None:
            if rule.formats:
                errors.append((where, f"{rule.name}: {text!r} is not a date in the mapping's formats "
                                      f"({', '.join(rule.formats)}) nor EDTF"))
            else:
                out.append(text)  # validation explains what is wrong with it
            continue
        out.append(inside)
        if rule.field == ("date",) and not mapping.fills(("date_text",)):
            record["date_text"] = text
    return out


def _typed(schema: Schema, path: tuple[str, ...], found: list[Any]) -> Any:
    sub = schema.subschema(schema_path(schema, path))
    if sub.get("type") == "array":
        kind = _kind(schema.resolve(sub.get("items", {})))
        return list(dict.fromkeys(_scalar(kind, v) for v in found))
    return _scalar(_kind(sub), found[0])


def _kind(sub: dict[str, Any]) -> str:
    kind = sub.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "")
    return kind if isinstance(kind, str) else ""


def _scalar(kind: str, value: Any) -> Any:
    """value as the schema's type; what does not read as that type stays
    text, for validation to explain."""
    if kind in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if kind == "integer" and float(value).is_integer() else value
    if kind == "boolean" and isinstance(value, bool):
        return value
    text = text_of(value)
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            # A decimal comma, as European spreadsheets write one: 42,87.
            decimal = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
            number = float(decimal)
            return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+", text) else number
    except ValueError:
        return text
    if kind == "boolean" and text.lower() in ("yes", "y", "true", "1", "no", "n", "false", "0"):
        return text.lower() in ("yes", "y", "true", "1")
    return text


def _put(node: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _items(schema: Schema, key: str, filled: list[tuple[Rule, list[Any]]]) -> list[dict[str, Any]]:
    """Items of a list of objects: paired fields item by item, lists in every item."""
    paired = [(r, v) for r, v in filled if not _is_list(schema, r.field)]
    shared = [(r, v) for r, v in filled if _is_list(schema, r.field)]
    count = max((len(v) for _, v in paired), default=1 if shared else 0)
    items: list[dict[str, Any]] = []
    for i in range(count):
        item: dict[str, Any] = {}
        for rule, found in paired:
            if i < len(found):
                _put(item, rule.field[1:], _typed(schema, rule.field, [found[i]]))
        for rule, found in shared:
            _put(item, rule.field[1:], _typed(schema, rule.field, found))
        if item and item not in items:
            items.append(item)
    return items


def _is_list(schema: Schema, path: tuple[str, ...]) -> bool:
    return schema.subschema(schema_path(schema, path)).get("type") == "array"


def _name_actors(record: dict[str, Any]) -> None:
    """Names in acts' victims and perpetrators become actors, named by ref."""
    from ledger.core.ids import slugify

    actors: list[dict[str, Any]] = record.get("actors", []) if isinstance(record.get("actors"), list) else []
    for act in record.get("acts", []) if isinstance(record.get("acts"), list) else []:
        for role in ROLES:
            names = act.get(role)
            if not isinstance(names, list):
                continue
            act[role] = list(dict.fromkeys(_actor(actors, str(n), slugify) for n in names))
    if actors:
        record["actors"] = actors


def _actor(actors: list[dict[str, Any]], name: str, slugify: Callable[..., str]) -> str:
    from ledger.core.normalize import fold

    wanted = fold(name)
    for actor in actors:
        names, aliases = actor.get("names"), actor.get("aliases")
        known = [actor.get("name"), *(names.values() if isinstance(names, dict) else ()),
                 *(aliases if isinstance(aliases, list) else ())]
        if "ref" in actor and any(isinstance(n, str) and fold(n) == wanted for n in known):
            return str(actor["ref"])
    taken = {str(a.get("ref")) for a in actors}
    base = slugify(name, separator="_") or "actor"
    ref, n = base, 2
    while ref in taken:
        ref, n = f"{base}_{n}", n + 1
    actors.append({"ref": ref, "name": name.strip()})
    return ref


def columns_in(mapping: Mapping) -> list[tuple[str, str]]:
    """(field, column) of every column the mapping reads by name (not patterns)."""
    out: list[tuple[str, str]] = [("import.key", mapping.key)]
    for rule in mapping.rules:
        if rule.column is not None:
            out.append((rule.name, rule.column))
        elif rule.template is not None:
            out += [(rule.name, c) for c in placeholders(rule.template)]
    return out


# -- a changed row into an existing record ------------------------------------------------

def merge(existing: dict[str, Any], built: dict[str, Any], mapping: Mapping, schema: Schema) -> None:
    """Put what a row gives into a record that an earlier import made, in
    place, keeping what people added by hand: a field the row gives is set;
    an empty cell leaves the field as it is; a list of values keeps its
    values and gains the new ones; items of a list of objects are matched by
    the first field the mapping fills in that list (sources by url, acts by
    type), a match is updated and anything else is added, never removed."""
    refs = _merge_actors(existing, built)
    for key, value in built.items():
        if key in ("id", "actors"):
            continue
        sub = schema.subschema((key,))
        if sub.get("type") == "array" and isinstance(value, list) and value and isinstance(value[0], dict):
            current = existing.get(key)
            if not isinstance(current, list):
                current = existing[key] = []
            _merge_items(current, value, _match_on(mapping, key, schema), refs)
        elif isinstance(value, list):
            current = existing.get(key)
            if isinstance(current, list):
                current.extend(v for v in value if v not in current)
            else:
                existing[key] = value
        elif isinstance(value, dict) and isinstance(existing.get(key), dict):
            _merge_map(existing[key], value)
        else:
            existing[key] = value


def _merge_map(current: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            _merge_map(current[key], value)
        else:
            current[key] = value


def _match_on(mapping: Mapping, key: str, schema: Schema) -> tuple[str, ...] | None:
    for rule in mapping.rules:
        if rule.field[0] == key and len(rule.field) > 1 and not _is_list(schema, rule.field):
            return rule.field[1:]
    return None


def _at(item: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = item
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _merge_items(current: list[Any], new: list[dict[str, Any]], match_on: tuple[str, ...] | None,
                 refs: dict[str, str]) -> None:
    for item in new:
        item = {k: ([refs.get(str(r), r) for r in v] if k in ROLES and isinstance(v, list) else v)
                for k, v in item.items()}
        wanted = _at(item, match_on) if match_on else None
        same = next((c for c in current if isinstance(c, dict) and wanted is not None
                     and _at(c, match_on or ()) == wanted), None)
        if same is None:
            if item not in current:
                current.append(item)
            continue
        for key, value in item.items():
            if isinstance(value, list) and isinstance(same.get(key), list):
                same[key].extend(v for v in value if v not in same[key])
            elif isinstance(value, dict) and isinstance(same.get(key), dict):
                _merge_map(same[key], value)
            else:
                same[key] = value


def _merge_actors(existing: dict[str, Any], built: dict[str, Any]) -> dict[str, str]:
    """Actors of the row joined to the record's by name; built ref -> record ref."""
    new = built.get("actors")
    if not isinstance(new, list) or not new:
        return {}
    actors = existing.get("actors")
    if not isinstance(actors, list):
        actors = existing["actors"] = []
    from ledger.core.ids import slugify

    refs: dict[str, str] = {}
    for actor in new:
        if isinstance(actor, dict) and isinstance(actor.get("name"), str):
            refs[str(actor.get("ref"))] = _actor(actors, actor["name"], slugify)
    return refs
