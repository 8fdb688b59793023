"""From a candidate record to a file: complete it, check it exactly as
`ledger validate` would, and write it without ever overwriting anything.

A new record is completed (``compose.complete``), put in canonical form
(``fmt.format_text``, which keeps the user's comments) and checked as the
text that will be written: ``validate.check_record`` plus the cross-record
rules of ``validate.check_ledger`` against the ids already in the ledger
(read from the file names, without parsing any record).  Only a record
without errors is written, with an exclusive create; if another writer took
the same name meanwhile, a new id suffix is drawn.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any

from ledger.core import ids, validate, yamlio
from ledger.core.fmt import FormatError, format_text
from ledger.core.problems import ExitCode, LedgerError, Problem
from ledger.editing import compose, template
from ledger.store import files as storage
from ledger.store import write
from ledger.store.session import Session

# Exclusive-create collisions need the same date, slug and 4-character
# suffix as a record written at the same moment; 20 in a row mean a bug.
MAX_ATTEMPTS = 20


@dataclass
class Candidate:
    """A record about to be written, and what is wrong with it."""

    rel: str  # where it goes, relative to the ledger root ("" when it cannot go anywhere)
    text: str  # canonical text ("" when the input did not parse)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rid: str = ""
    id_given: bool = False  # the user chose the id: a clash is refused, not redrawn
    empty: bool = False  # nothing was filled in (a template saved as it was)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.empty and not any(p.is_error for p in self.problems)


@dataclass(frozen=True)
class Saved:
    """What `ledger add` and `ledger edit` report."""

    rid: str
    path: str  # relative to the ledger root
    action: str  # "added", "updated", "unchanged", or "checked" (--dry-run: nothing written)
    text: str = ""  # the record as written (or as it would be)


def known_ids(session: Session) -> dict[str, str]:
    """id -> path of every record, from file names (validate holds them equal)."""
    return {p.stem: session.layout.rel(p) for p in storage.iter_record_files(session.layout)}


def document_text(data: Any) -> str:
    """Plain data as text that format_text reads (JSON is YAML)."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def new_schema_ref(session: Session) -> str:
    # Every new record sits at incidents/<year>/, so all share one relative path.
    return session.schema_ref(session.layout.incidents_dir / "year" / "new.yaml")


def prepare(session: Session, text: str, ctx: compose.Context, known: dict[str, str], *,
            label: str = "", positions: str | None = None) -> Candidate:
    """Complete, format and check a new record written as text.

    Problems are reported against label (default: the path the record would
    get) at positions in the text positions (default: the canonical text);
    pass the user's own text there so line numbers point into what they wrote.
    """
    state: dict[str, Any] = {}

    def fill(doc: Any) -> None:
        state["empty"] = compose.drop_empty(doc)
        state["id_given"] = bool(doc.get("id"))
        state["notes"] = compose.complete(doc, replace(ctx, taken=ctx.taken | frozenset(known)))
        _commented(doc)
        state["id"] = doc.get("id")
        state["date"] = doc.get("date")

    try:
        canonical = format_text(text, new_schema_ref(session), session.schema.key_order, transform=fill)
    except FormatError as exc:
        # Positions from the text the user sees (help lines blanked, not removed).
        i = (yamlio.parse(positions)[1] if positions else None) or exc.issue
        return Candidate("", "", [Problem(label or "new record", i.line, i.column, i.code, i.message,
                                          hint=i.hint)])
    if state["empty"]:
        return Candidate("", canonical, empty=True)
    rid = state["id"]
    base = Candidate("", canonical, notes=state["notes"], rid=str(rid), id_given=state["id_given"])
    if not ids.is_valid(rid):
        # Never build a path from an id that could hold '/', '..' or upper case.
        problem = Problem(label or "new record", 0, 0, "schema-pattern",
                          f"id: {_show(rid)} has the wrong form", pointer="/id",
                          hint="lower-case letters, digits and '-', 3 to 100 characters; "
                               "leave id out to have one made")
        base.problems = validate.locate([problem], positions if positions is not None else canonical)
        return base
    date = state["date"]
    folder = ids.folder_for(date if isinstance(date, str) else "")
    incidents = session.layout.rel(session.layout.incidents_dir)
    base.rel = f"{incidents}/{folder}/{rid}.yaml"
    base.problems = check(session, base.rel, canonical, known, today=ctx.today)
    if label or positions is not None:
        base.problems = _relocate(base.problems, label or base.rel, positions)
    return base


def check(session: Session, rel: str, text: str, known: dict[str, str], *, today: dt.date) -> list[Problem]:
    """Every problem `ledger validate` would report for text at rel."""
    checked = validate.check_record(rel, text.encode("utf-8"), session.schema, today=today)
    if checked.data is None:
        return checked.problems
    others = [validate.Checked(path, {"id": rid}) for rid, path in known.items() if path != rel]
    cross = [p for p in validate.check_ledger([checked, *others]) if p.path == rel]
    return sorted(checked.problems + validate.locate(cross, text))


def _relocate(problems: list[Problem], label: str, positions: str | None) -> list[Problem]:
    """problems under label; with positions, placed in that text instead
    ("" when the user's text has no usable positions: none are given)."""
    if positions is None:
        return [Problem(label, p.line, p.column, p.code, p.message, p.severity, p.pointer, p.hint)
                for p in problems]
    moved = [Problem(label, 0, 0, p.code, p.message, p.severity, p.pointer, p.hint) for p in problems]
    if not positions:
        return sorted(moved)
    # A pointer that only the completed record has (id, recorded) lands on
    # its nearest parent in the user's text: the top of the record.
    return sorted(validate.locate(moved, positions))


def write_new(session: Session, build: Callable[[], Candidate]) -> Candidate:
    """Write the candidate build() makes, exclusively; on a name clash build
    again (with a fresh id suffix), unless the user chose the id."""
    for _ in range(MAX_ATTEMPTS):
        candidate = build()
        if not candidate.ok:
            return candidate
        try:
            write.create(session.root, candidate.rel, candidate.text)
        except FileExistsError:
            if candidate.id_given:
                candidate.problems.append(Problem(
                    candidate.rel, 0, 0, "duplicate-id", f"id '{candidate.rid}' is already taken",
                    pointer="/id", hint="ids are permanent and unique; leave id out to have one made"))
                return candidate
            continue
        candidate.written = True
        return candidate
    raise LedgerError(f"could not find a free file name after {MAX_ATTEMPTS} attempts",
                      hint="this should not happen; check incidents/ for a runaway script")


def check_edit(session: Session, rel: str, saved: str, known: dict[str, str], *,
               today: dt.date) -> Candidate:
    """An edited record: problems at the user's own line numbers, and the
    canonical text when there are none."""
    visible = template.strip_help(saved, keep_lines=True, everywhere=False)
    problems = check(session, rel, visible, known, today=today)
    if any(p.is_error for p in problems):
        return Candidate(rel, "", problems)
    path = session.root / rel
    canonical = format_text(template.strip_help(saved, everywhere=False), session.schema_ref(path),
                            session.schema.key_order)
    # What is written is checked too, not just what the user typed.
    final = check(session, rel, canonical, known, today=today)
    return Candidate(rel, canonical, final if any(p.is_error for p in final) else problems)


def _commented(doc: Any) -> None:
    """Turn plain dicts and lists that completion added into ruamel's own
    types, so the canonical layout (key order, block style) applies to them."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def convert(value: Any) -> Any:
        if isinstance(value, dict) and not isinstance(value, CommentedMap):
            return CommentedMap((k, convert(v)) for k, v in value.items())
        if isinstance(value, list) and not isinstance(value, CommentedSeq):
            return CommentedSeq(convert(v) for v in value)
        if isinstance(value, MutableMapping):
            for k in list(value):
                value[k] = convert(value[k])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                value[i] = convert(v)
        return value

    convert(doc)


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return f"'{text}'" if len(text) <= 60 else f"'{text[:57]}...'"


def add_record(session: Session, record: dict[str, Any], *, slug: str | None = None) -> Candidate:
    """The library's add: record completed, checked and written as a new file.
    LedgerError (exit 1) naming every problem when it is not valid."""
    from ledger.store import gitio, profiles

    ctx = compose.Context(session.schema, dt.date.today(), gitio.author_name(session.root), slug,
                          profiles=profiles.load(session, dt.date.today()).by_id)
    text = document_text(record)
    candidate = write_new(session, lambda: prepare(session, text, ctx, known_ids(session)))
    if not candidate.written:
        listed = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in candidate.problems if p.is_error)
        raise LedgerError(f"the record was not written: {listed or 'it holds no fields'}",
                          exit_code=ExitCode.INVALID)
    return candidate
