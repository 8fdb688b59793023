"""`ledger set ID FIELD=VALUE...`: change fields of a record without an editor.

Each assignment names a field by its dotted path, list items by number
from 0 (``acts.0.outcome``), and says what to do:

- ``FIELD=VALUE`` sets the field (creating the objects on the way, and the
  list item just past the end: ``acts.1.type=fine`` adds a second act);
- ``FIELD+=VALUE`` appends to a list (``tags+=covid-19``; commas give
  several values; a value the list already holds is not added twice);
- ``FIELD-=VALUE`` removes values from a list of plain values;
- ``FIELD=`` with nothing after it removes the field (or list item).

A value is converted to the type the ledger's schema gives that field
(numbers, yes/no, comma-separated lists; a YAML mapping such as
``{type: fine}`` for an object), else kept as text for validation to judge.
The changed record then goes the way `ledger edit` takes a saved text: put
in canonical form keeping the comments, checked as `ledger validate` would,
and written only when it has no errors and the file still holds the bytes
that were read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.core import yamlio
from ledger.core.fmt import FormatError, format_text
from ledger.core.problems import ExitCode, LedgerError, UsageError
from ledger.core.schema import Schema
from ledger.editing import save as recording
from ledger.editing.edit import Change, find, read_original
from ledger.editing.prompts import split_values
from ledger.store.session import Session

OPERATORS = ("+=", "-=", "=")


@dataclass(frozen=True)
class Assignment:
    path: tuple[str, ...]  # ("acts", "0", "outcome")
    op: str  # "=", "+=" or "-="
    value: str
    typed: str  # as given on the command line, for messages

    @property
    def field(self) -> str:
        return ".".join(self.path)


def parse(arg: str) -> Assignment:
    """One FIELD=VALUE argument; a UsageError names what is wrong with it."""
    at = arg.find("=")
    if at <= 0:
        raise UsageError(f"{arg!r} is not FIELD=VALUE",
                         hint="e.g. status=likely, tags+=covid-19, location.place=Almaty, date_text=")
    op = "="
    key = arg[:at]
    if key[-1] in "+-":
        op, key = key[-1] + "=", key[:-1]
    path = tuple(key.split("."))
    if not key or any(not part.strip() or part != part.strip() for part in path):
        raise UsageError(f"{arg!r}: {key!r} is not a field path",
                         hint="fields are dotted paths, list items numbered from 0: acts.0.outcome")
    if path == ("id",):
        raise UsageError("an id is permanent and equals the file name; it is not changed by `ledger set`")
    if op != "=" and not arg[at + 1:]:
        raise UsageError(f"{arg!r}: {op} needs a value")
    return Assignment(path, op, arg[at + 1:], arg)


def schema_path(path: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("*" if part.isdigit() else part for part in path)


def convert(schema: Schema, path: tuple[str, ...], text: str) -> Any:
    """text as a value of the field at path, by the schema's type for it."""
    sub = schema.subschema(schema_path(path))
    kind = _kind(sub)
    if kind == "array":
        items = schema.resolve(sub.get("items", {}))
        if _kind(items) == "object":
            return [_mapping(path, text)]
        return [_scalar(_kind(items), v) for v in split_values(text)]
    if kind == "object":
        return _mapping(path, text)
    return _scalar(kind, text)


def _kind(sub: dict[str, Any]) -> str:
    kind = sub.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "")
    return kind if isinstance(kind, str) else ""


def _scalar(kind: str, text: str) -> Any:
    """A number, yes/no for a boolean; otherwise (or when it does not read
    as one) the text, which validation then judges."""
    value = text.strip()
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() \
                else number
    except ValueError:
        return text
    if kind == "boolean" and value.lower() in ("yes", "y", "true", "no", "n", "false"):
        return value.lower() in ("yes", "y", "true")
    return text


def _mapping(path: tuple[str, ...], text: str) -> Any:
    data, issue = yamlio.parse(text)
    if data is None:
        assert issue is not None
        raise UsageError(f"{'.'.join(path)}: the value is not a mapping ({issue.message})",
                         hint="an object is given as a YAML mapping: '{type: fine, outcome: paid}'")
    return data


# -- applying assignments to a record's data --------------------------------------

def apply(record: dict[str, Any], assignments: list[Assignment], schema: Schema) -> list[str]:
    """Change record in place; returns notes (values a list already held)."""
    notes: list[str] = []
    for a in assignments:
        parent, key = _parent(record, a)
        if a.op == "=":
            _set(parent, key, a, schema)
        else:
            notes += _change_list(parent, key, a, schema)
    return notes


def _parent(record: dict[str, Any], a: Assignment) -> tuple[Any, str]:
    """The object or list holding the last part of a.path, made where missing."""
    node: Any = record
    for i, part in enumerate(a.path[:-1]):
        upto = ".".join(a.path[:i + 1])
        container: Callable[[], Any] = list if a.path[i + 1].isdigit() else dict
        if isinstance(node, list):
            node = _item(node, part, upto, create=container)
        elif isinstance(node, dict):
            if part not in node or node[part] is None:
                node[part] = container()
            node = node[part]
        else:
            raise _refused(f"{a.typed}: {'.'.join(a.path[:i]) or 'the record'} is a single value, "
                           f"so it has no field {part!r}")
    return node, a.path[-1]


def _item(items: list[Any], part: str, where: str, create: Callable[[], Any]) -> Any:
    if not part.isdigit():
        raise _refused(f"{where}: {where.rsplit('.', 1)[0]} is a list; name an item by number, from 0")
    index = int(part)
    if index == len(items):
        items.append(create())
    elif index > len(items):
        raise _refused(f"{where}: the list has {len(items)} item{'s' if len(items) != 1 else ''}",
                       hint=f"a new item is number {len(items)}")
    return items[index]


def _set(parent: Any, key: str, a: Assignment, schema: Schema) -> None:
    removing = a.value == ""
    if isinstance(parent, list):
        if not key.isdigit():
            raise _refused(f"{a.typed}: {'.'.join(a.path[:-1])} is a list; name an item by number, from 0")
        index = int(key)
        if removing:
            if index >= len(parent):
                raise _refused(f"{a.typed}: there is no item {index} to remove")
            del parent[index]
            return
        value = convert(schema, a.path, a.value)
        item_value = value[0] if isinstance(value, list) and len(value) == 1 else value
        _item(parent, key, a.field, create=lambda: None)
        parent[index] = item_value
        return
    if not isinstance(parent, dict):
        raise _refused(f"{a.typed}: {'.'.join(a.path[:-1])} is a single value, so it has no field {key!r}")
    if removing:
        parent.pop(key, None)
    else:
        parent[key] = convert(schema, a.path, a.value)


def _change_list(parent: Any, key: str, a: Assignment, schema: Schema) -> list[str]:
    if isinstance(parent, list):
        current = _item(parent, key, a.field, create=list) if a.op == "+=" else \
            (parent[int(key)] if key.isdigit() and int(key) < len(parent) else None)
    elif isinstance(parent, dict):
        current = parent.setdefault(key, []) if a.op == "+=" else parent.get(key)
    else:
        current = None
    if a.op == "+=" and not isinstance(current, list):
        raise _refused(f"{a.typed}: {a.field} is not a list, so += cannot add to it",
                       hint=f"set it with {a.field}=VALUE")
    values = convert(schema, a.path, a.value)
    if not isinstance(values, list):
        raise _refused(f"{a.typed}: the schema does not make {a.field} a list",
                       hint=f"set it with {a.field}=VALUE")
    if a.op == "+=":
        assert isinstance(current, list)
        notes = [f"{a.field} already holds {v!r}" for v in values if v in current]
        current.extend(v for v in values if v not in current)
        return notes
    if not isinstance(current, list) or not current:
        raise _refused(f"{a.typed}: the record has no {a.field} to remove {a.value!r} from")
    if any(isinstance(v, dict) for v in current):
        raise _refused(f"{a.typed}: -= removes plain values; {a.field} holds objects",
                       hint=f"remove item N with {a.field}.N=")
    missing = [v for v in values if v not in current]
    if missing:
        raise _refused(f"{a.typed}: {a.field} does not hold {missing[0]!r}",
                       hint=f"it holds {', '.join(map(str, current))}")
    current[:] = [v for v in current if v not in values]
    return []


def _refused(message: str, hint: str = "") -> LedgerError:
    return LedgerError(f"{message}; the record was not changed", hint=hint, exit_code=ExitCode.INVALID)


# -- the command ------------------------------------------------------------------

@dataclass
class Assigned:
    change: Change
    notes: list[str]


def assign(session: Session, id_or_prefix: str, args: list[str], *, dry_run: bool = False) -> Assigned:
    """Set the fields args name in one record; written as `ledger edit` writes.
    A result with errors is returned unwritten (candidate.ok is False)."""
    if not args:
        raise UsageError("give at least one FIELD=VALUE", hint="e.g. ledger set 2020-04 status=likely")
    assignments = [parse(a) for a in args]
    rel = find(session, id_or_prefix)
    path = session.root / rel
    raw, original = read_original(session, rel)
    notes: list[str] = []

    def change(data: Any) -> None:
        notes.extend(apply(data, assignments, session.schema))

    try:
        text = format_text(original, session.schema_ref(path), session.schema.key_order, transform=change)
    except FormatError as exc:
        raise LedgerError(f"{rel}:{exc.issue.line}:{exc.issue.column}: {exc.issue.message}; "
                          "fix it with `ledger edit` first", hint=exc.issue.hint,
                          exit_code=ExitCode.INVALID) from None
    candidate = recording.check_edit(session, rel, text, recording.known_ids(session), today=dt.date.today())
    candidate.rid = path.stem
    if not candidate.ok:
        return Assigned(Change(candidate, changed=False), notes)
    if candidate.text == original:
        return Assigned(Change(recording.Candidate(rel, original, rid=path.stem), changed=False), notes)
    if not dry_run:
        from ledger.store import write

        # Replaced only if it still holds what was read: another writer's change is kept.
        write.replace(session.root, rel, candidate.text, expected=raw)
        candidate.written = True
    return Assigned(Change(candidate, changed=True), notes)
