"""`ledger import FILE --mapping MAP.toml`: rows of a spreadsheet in, records out.

Every row is turned into a record (``core.mapping``), completed as `ledger
add` completes one and checked as `ledger validate` would, before anything
is written; a row that does not validate is reported at its place in the
file (``FILE:ROW:COLUMN``) and skipped.  A row is matched to the record an
earlier import made from it by ``external_ids[dataset]`` (or by id, when
the mapping fills id: a sheet that `ledger export` wrote comes back to the
records it came from); a matched row updates only what the mapping fills
(``mapping.merge``) and the file is rewritten keeping its comments.  Then
new records are created and changed ones replaced, each atomically through
``ledger.store.write`` (a record changed on disk meanwhile is not
overwritten).  With dry_run nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.core import mapping as mapping_
from ledger.core import yamlio
from ledger.core.diff import FieldChange, diff_values
from ledger.core.fmt import FormatError, format_text
from ledger.core.normalize import fold
from ledger.core.problems import ExitCode, LedgerError, Problem
from ledger.core.schema import Schema
from ledger.editing import compose
from ledger.editing import save as recording
from ledger.store import files as storage
from ledger.store import sheets, write
from ledger.store.session import Session

MAX_MAPPING_BYTES = 1 << 20
ACTIONS = ("added", "updated", "unchanged", "skipped", "duplicate")


@dataclass(frozen=True)
class RowProblem:
    """A problem at a row of the imported file: FILE:ROW:COLUMN."""

    file: str
    row: int
    column: str
    message: str
    code: str = "import"
    hint: str = ""
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class Outcome:
    row: int
    key: str
    action: str = "skipped"  # one of ACTIONS
    rid: str = ""
    path: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # ids of incidents the row looks like
    text: str = ""  # what is written
    raw: bytes | None = None  # an update: the bytes the record held when read
    build: Any = None  # a new record: makes the candidate again (a fresh id after a clash)


@dataclass
class Report:
    file: str
    dataset: str | None
    dry_run: bool
    outcomes: list[Outcome]

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not any(o.action == "skipped" for o in self.outcomes)


# -- reading the mapping ------------------------------------------------------------

def load_mapping(path: Path, session: Session) -> mapping_.Mapping:
    raw = storage.read_regular(path, "mapping", MAX_MAPPING_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LedgerError(f"{path}: the mapping is not UTF-8 text", exit_code=ExitCode.USAGE) from None
    try:
        return mapping_.parse(text, session.schema)
    except mapping_.MappingError as exc:
        raise LedgerError(f"{path}: {exc}", hint="the README shows every form; "
                          "`ledger import --init-mapping FILE` writes a start",
                          exit_code=ExitCode.USAGE) from None


def check_columns(mapping: mapping_.Mapping, sheet: sheets.Sheet, where: Path) -> None:
    """Refuse a mapping that names a column the file lacks, before any row."""
    if sheet.columns is None:
        return
    for name, column in mapping_.columns_in(mapping):
        if column not in sheet.columns:
            shown = ", ".join(repr(c) for c in sheet.columns[:30])
            raise LedgerError(f"{where}: {name}: {sheet.name} has no column {column!r}",
                              hint=f"its columns: {shown}", exit_code=ExitCode.USAGE)


# -- what is in the ledger ------------------------------------------------------------

@dataclass
class Known:
    by_key: dict[str, str]  # external_ids[dataset] -> path
    by_id: dict[str, str]  # id -> path
    alike: Any  # core.duplicates.Index: the incidents, blocked as `ledger duplicates` blocks them


def looks_like(record: dict[str, Any], known: Known) -> list[str]:
    """Ids of incidents that may be the same as record, scored exactly as
    `ledger duplicates` scores a pair (core.duplicates), best first."""
    from ledger.core import duplicates

    return [m.id for m in duplicates.matches(record, known.alike)]


def _remember(known: Known, path: str, record: dict[str, Any], dataset: str | None) -> None:
    rid = record.get("id")
    if isinstance(rid, str):
        known.by_id[rid] = path
        from ledger.core import duplicates

        known.alike.add(duplicates.incident(path, record))
    ext = record.get("external_ids")
    if dataset and isinstance(ext, dict) and isinstance(ext.get(dataset), str):
        known.by_key[ext[dataset]] = path


def survey(session: Session, dataset: str | None) -> Known:
    from ledger.core import duplicates
    from ledger.store.loader import Loader

    known = Known({}, {}, duplicates.Index())
    for path, record in Loader(session).select():
        _remember(known, path, record, dataset)
    return known


# -- rows ------------------------------------------------------------------------------

def _problem_at(sheet: sheets.Sheet, row: mapping_.Row, built: mapping_.Built | None,
                mapping: mapping_.Mapping, p: Problem, schema: Schema) -> RowProblem:
    """A record's problem placed at the column its field came from."""
    fields = [part for part in p.pointer.strip("/").split("/") if part and not part.isdigit()]
    missing = _required_name(p.message)
    column = ""
    if built is not None:
        wanted = [*fields, missing] if missing else fields
        for n in range(len(wanted), 0, -1):
            prefix = ".".join(wanted[:n])
            column = next((c for name, c in built.sources.items()
                           if c and (name == prefix or name.startswith(prefix + "."))), "")
            if column:
                break
    hint = p.hint
    if not column:
        column = mapping.key
        if missing:
            where = ".".join([*fields, missing])
            where = _fillable(schema, where)
            hint = f"no column fills {where}: map one under [fields], or give it a constant: " \
                   f"\"{where}\" = {{ value = \"...\" }}"
    elif any(ch in column for ch in "*?["):
        column = next(iter(mapping_.matching(row, column)), column)
    return RowProblem(sheet.name, row.number, mapping_.column_of(row, column), _with_field(p), p.code, hint,
                      p.severity)


def _fillable(schema: Schema, where: str) -> str:
    """A field a mapping can fill for where: in a list of objects or an
    object, its first required field (acts.type, location.country, sources.url)."""
    sub = schema.subschema(tuple(where.split(".")))
    node = schema.resolve(sub.get("items", {})) if sub.get("type") == "array" else sub
    if node.get("type") != "object":
        return where
    choices = [r for r in node.get("required", []) if r != "ref"]
    choices += [r for alt in node.get("anyOf", []) if isinstance(alt, dict) for r in alt.get("required", [])]
    choices += [k for k in node.get("properties", {}) if k != "ref"]
    return f"{where}.{choices[0]}" if choices else where


def _required_name(message: str) -> str:
    import re

    m = re.search(r"required field '([^']+)'", message) or re.match(r"'([^']+)' is a required property",
                                                                      message)
    return m.group(1) if m else ""


def _with_field(p: Problem) -> str:
    where = ".".join(part for part in p.pointer.strip("/").split("/") if part)
    plain = ".".join(part for part in where.split(".") if not part.isdigit())
    return f"{where}: {p.message}" if where and not p.message.startswith((where, plain)) else p.message


def _row_key(mapping: mapping_.Mapping, row: mapping_.Row) -> str:
    found = mapping_.get(row, mapping.key)
    return mapping_.text_of(found[0]) if found else ""


def plan(session: Session, sheet: sheets.Sheet, mapping: mapping_.Mapping, *,
         skip_duplicates: bool = False, today: dt.date | None = None) -> list[Outcome]:
    """What each row would do, checked; nothing written."""
    from ledger.store import gitio

    today = today or dt.date.today()
    ctx = compose.Context(session.schema, today, gitio.author_name(session.root))
    known = survey(session, mapping.dataset)
    ids = recording.known_ids(session)
    seen: dict[str, int] = {}
    outcomes = []
    for row in sheet.rows:
        key = _row_key(mapping, row)
        outcome = Outcome(row.number, key)
        outcomes.append(outcome)
        at = mapping_.column_of(row, mapping.key)
        if not key:
            outcome.problems.append(RowProblem(
                sheet.name, row.number, at, f"the key column {mapping.key!r} is empty", "import-key",
                "every row needs its key: it is how a re-import finds the record"))
            continue
        if key in seen:
            outcome.problems.append(RowProblem(sheet.name, row.number, at, f"key {key!r} is also on row "
                                               f"{seen[key]}", "import-key-twice",
                                               "a key identifies one row; this one is skipped"))
            continue
        seen[key] = row.number
        built = mapping_.build(mapping, row, session.schema)
        if built.errors:
            outcome.problems += [RowProblem(sheet.name, row.number, mapping_.column_of(row, c), m,
                                            "import-value") for c, m in built.errors]
            continue
        target = known.by_key.get(key) if mapping.dataset else None
        rid = built.record.get("id")
        if target is None and mapping.matches_by_id and isinstance(rid, str):
            target = known.by_id.get(rid)
        if target is not None:
            _update(session, sheet, mapping, row, built, key, target, ids, today, outcome)
        else:
            _new(session, sheet, mapping, row, built, key, ctx, ids, known, outcome, skip_duplicates)
    return outcomes


def _new(session: Session, sheet: sheets.Sheet, mapping: mapping_.Mapping, row: mapping_.Row,
         built: mapping_.Built, key: str, ctx: compose.Context, ids: dict[str, str], known: Known,
         outcome: Outcome, skip_duplicates: bool) -> None:
    record = built.record
    if mapping.dataset:
        record["external_ids"] = {mapping.dataset: key}
    text = recording.document_text(record)
    taken = dict(ids)

    def build() -> recording.Candidate:
        return recording.prepare(session, text, ctx, taken)

    candidate = build()
    outcome.problems += [_problem_at(sheet, row, built, mapping, p, session.schema)
                         for p in candidate.problems]
    if not candidate.ok:
        if candidate.empty:
            outcome.problems.append(RowProblem(sheet.name, row.number, mapping_.column_of(row, mapping.key),
                                               "the row fills no field", "empty"))
        return
    data = yamlio.parse(candidate.text)[0]
    outcome.duplicates = looks_like(data, known) if isinstance(data, dict) else []
    outcome.rid, outcome.path, outcome.text = candidate.rid, candidate.rel, candidate.text
    outcome.action = "duplicate" if outcome.duplicates and skip_duplicates else "added"
    if outcome.action == "added":
        outcome.build = build
        ids[candidate.rid] = candidate.rel
        if isinstance(data, dict):
            _remember(known, candidate.rel, data, mapping.dataset)


def _update(session: Session, sheet: sheets.Sheet, mapping: mapping_.Mapping, row: mapping_.Row,
            built: mapping_.Built, key: str, rel: str, ids: dict[str, str], today: dt.date,
            outcome: Outcome) -> None:
    from ledger.editing.edit import read_original

    outcome.path = rel
    try:
        raw, original = read_original(session, rel)
    except LedgerError as exc:
        outcome.problems.append(RowProblem(sheet.name, row.number, mapping_.column_of(row, mapping.key),
                                           f"matches {rel}, which cannot be read: {exc.message}",
                                           "import-target"))
        return
    old = yamlio.parse(original)[0]
    outcome.rid = str(old.get("id", "")) if isinstance(old, dict) else ""

    def change(data: Any) -> None:
        mapping_.merge(data, built.record, mapping, session.schema)
        if mapping.dataset:
            ext = data.get("external_ids")
            if not isinstance(ext, dict):
                ext = data["external_ids"] = {}
            ext[mapping.dataset] = key
        compose.name_sources(data)
        compose.match_vocabulary_case(data, session.schema)
        compose.name_country(data, session.schema)

    if isinstance(old, dict):
        # Most rows of a re-import change nothing: tell so from the data, without laying out the text.
        import copy

        trial = copy.deepcopy(old)
        change(trial)
        if trial == old:
            outcome.action = "unchanged"
            return
    try:
        text = format_text(original, session.schema_ref(session.root / rel), session.schema.key_order,
                           transform=change)
    except FormatError as exc:
        outcome.problems.append(RowProblem(sheet.name, row.number, mapping_.column_of(row, mapping.key),
                                           f"matches {rel}:{exc.issue.line}:{exc.issue.column}, which "
                                           f"cannot be changed: {exc.issue.message}", exc.issue.code,
                                           exc.issue.hint))
        return
    new = yamlio.parse(text)[0]
    if new == old:
        outcome.action = "unchanged"
        return
    problems = recording.check(session, rel, text, ids, today=today)
    outcome.problems += [_problem_at(sheet, row, built, mapping, p, session.schema) for p in problems]
    if any(p.is_error for p in problems):
        return
    outcome.changes = diff_values(old, new)
    outcome.action, outcome.text, outcome.raw = "updated", text, raw


# -- writing ------------------------------------------------------------------------------

def commit(session: Session, outcomes: Iterable[Outcome], sheet_name: str) -> None:
    """Write what plan decided: new records created, changed ones replaced."""
    for outcome in outcomes:
        if outcome.action == "added":
            written = recording.write_new(session, _first_then(outcome))
            outcome.rid, outcome.path = written.rid, written.rel
            if not written.written:
                outcome.action = "skipped"
                outcome.problems.append(RowProblem(sheet_name, outcome.row, "", "not written: " + "; ".join(
                    p.message for p in written.problems), "write"))
        elif outcome.action == "updated":
            assert outcome.raw is not None
            try:
                write.replace(session.root, outcome.path, outcome.text, expected=outcome.raw)
            except write.WriteConflict:
                outcome.action = "skipped"
                outcome.problems.append(RowProblem(
                    sheet_name, outcome.row, "", f"{outcome.path} changed on disk during the import; it was "
                    "not overwritten", "write-conflict", "run the import again"))


def _first_then(o: Outcome) -> Any:
    """The candidate already checked, then (after a name clash) a fresh one."""
    pending = [recording.Candidate(o.path, o.text, rid=o.rid)]
    return lambda: pending.pop() if pending else o.build()


def run(session: Session, file: Path, mapping_path: Path, *, dry_run: bool = False,
        skip_duplicates: bool = False) -> Report:
    mapping = load_mapping(mapping_path, session)
    fmt = sheets.format_of(file, mapping.format)
    sheet = sheets.read(file, fmt, sheet=mapping.sheet, rows=mapping.rows)
    check_columns(mapping, sheet, mapping_path)
    outcomes = plan(session, sheet, mapping, skip_duplicates=skip_duplicates)
    if not dry_run:
        with write.locked(session.root):
            commit(session, outcomes, sheet.name)
    return Report(sheet.name, mapping.dataset, dry_run, outcomes)


# -- a starting mapping ------------------------------------------------------------------

# Field -> column names that usually hold it (compared folded, without spaces or punctuation).
GUESSES: dict[str, tuple[str, ...]] = {
    "id": (),
    "title": ("title", "name", "headline", "summary", "incident", "event"),
    "date": ("date", "incidentdate", "dateofincident", "eventdate", "when", "day"),
    "date_text": ("datetext", "dateasreported", "datenote"),
    "status": ("status", "violationstatus", "verification"),
    "location.country": ("country", "countrycode", "nation"),
    "location.region": ("region", "province", "oblast", "state", "district"),
    "location.place": ("place", "city", "town", "village", "location", "site"),
    "location.lat": ("lat", "latitude"),
    "location.lon": ("lon", "lng", "long", "longitude"),
    "acts.type": ("act", "acts", "acttype", "violation", "violations", "type", "eventtype"),
    "acts.victims": ("victim", "victims", "victimname", "victimnames"),
    "acts.perpetrators": ("perpetrator", "perpetrators", "perpetratorname"),
    "sources.url": ("url", "link", "links", "source", "sources", "sourceurl", "sourcelink"),
    "sources.title": ("sourcetitle",),
    "sources.publisher": ("publisher", "sourcepublisher", "outlet"),
    "rights": ("rights", "rightsaffected", "right"),
    "tags": ("tags", "tag", "keywords", "labels"),
    "description": ("description", "details", "narrative", "notes", "comments"),
}
KEY_GUESSES = ("id", "key", "uuid", "incidentid", "ref", "reference", "no", "number", "code")
FORMS_HELP = (
    '# Forms: column = "Name"; { value = "KZ" } (a constant); { column = "C", split = "," };',
    '# { column = "C", split = ",", item = 0 } (one part); { column = "C", map = { shoot = "assault" },',
    '#   default = "other" }; { columns = "Link *" } (every matching column);',
    '# { template = "{Summary} — {Notes}" } (columns joined);',
    '# { column = "Date", formats = ["%d/%m/%Y", "%b-%Y"] } (EDTF at the precision of the format).',
)
# Columns of `ledger export` that a mapping should not read back: derived or made by ledger.
# ("sources" holds a URL, else a title, else a file: not one field.)
EXPORT_ONLY = ("date_start", "date_end", "actors", "victims", "perpetrators", "related", "duplicate_of",
               "confidentiality", "recorded_by", "recorded_on", "path", "sources")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%b-%Y", "%B %Y", "%b %Y",
                "%m/%Y", "%Y")


def _squash(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _toml(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    return name if name.replace("_", "").isalnum() and name.isascii() else _toml(name)


def starting_mapping(session: Session, file: Path) -> str:
    """A mapping for file to edit: the obvious columns mapped, the rest and
    the schema's fields listed as comments."""
    fmt = sheets.format_of(file, None)
    rows = sheets.rows_path(file) if fmt == "json" else None
    sheet = sheets.read(file, fmt, rows=rows)
    columns = list(sheets.iter_columns(sheet))
    from_export = {"id", "title", "date", "date_start", "acts"} <= set(columns)
    # A JSON path is known by its last part too: what.title is a title.
    squashed = {c: _squash(c) for c in columns}
    last = {c: _squash(c.rsplit(".", 1)[-1]) for c in columns}
    used: set[str] = set()
    key = next((c for g in KEY_GUESSES for c in columns if squashed[c] == g), columns[0] if columns else "id")
    lines = [f"# Mapping for `ledger import`, made from {file.name} by `ledger import --init-mapping`.",
             f"# Check it, then: ledger import {file.name} --mapping THIS.toml --dry-run",
             "", "[import]"]
    if from_export:
        lines.append("# A sheet `ledger export` wrote: rows are matched to records by their id.")
    else:
        dataset = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in file.stem).strip("-.")
        dataset = dataset or "sheet"
        lines.append(f"dataset = {_toml(dataset)}  # remembered in each record's external_ids")
    lines.append(f"key = {_toml(key)}  # the column that identifies a row")
    lines.append(f"format = {_toml(fmt)}")
    if fmt == "xlsx":
        lines.append("# sheet = \"Incidents\"  # default: the first sheet")
    if rows:
        lines.append(f"rows = {_toml(rows)}  # the dotted path to the list of rows")
    lines += ["", "[fields]"]
    if from_export:
        lines.append('id = "id"')
        used.add("id")
    for field_, guesses in GUESSES.items():
        column = next((c for names in (squashed, last) for g in guesses for c in columns
                       if names[c] == g and c not in used and c != key
                       and not (from_export and c in EXPORT_ONLY)), None)
        if column is None:
            continue
        used.add(column)
        lines.append(f"{_key(field_) if '.' not in field_ else _toml(field_)} = "
                     f"{_spec(session, sheet, field_, column)}")
    rest = [c for c in columns if c not in used and c != key]
    if rest:
        lines += ["", "# Columns not mapped yet:"] + [f"#   {_toml(c)}" for c in rest]
    lines += ["", *FORMS_HELP,
              "", "# The incident's fields (from the ledger's schema):"]
    lines += [f"#   {line}" for line in schema_fields(session)]
    return "\n".join(lines) + "\n"


def _samples(sheet: sheets.Sheet, column: str) -> list[str]:
    out: list[str] = []
    for row in sheet.rows[:200]:
        out += [mapping_.text_of(v) for v in mapping_.get(row, column)]
    return out


def _spec(session: Session, sheet: sheets.Sheet, field_: str, column: str) -> str:
    from ledger.core import edtf

    samples = _samples(sheet, column)
    parts = [f"column = {_toml(column)}"]
    path = tuple(field_.split("."))
    listy = field_ in ("tags", "rights", "acts.type", "sources.url", "acts.victims", "acts.perpetrators")
    if listy:
        sep = next((s for s in (";", "|", ",") if any(s in v for v in samples)), None)
        if sep is not None and not (field_.endswith("victims") and sep == ","):
            parts.append(f"split = {_toml(sep)}")
    if path in (("date",),) and samples and not all(edtf.is_valid(v) for v in samples):
        formats = [f for f in DATE_FORMATS if any(mapping_.parse_date(v, (f,)) for v in samples
                                                  if not edtf.is_valid(v))]
        parts.append(f"formats = [{', '.join(_toml(f) for f in formats or DATE_FORMATS[:3])}]")
    vocab = session.schema.vocabulary_for(mapping_.schema_path(session.schema, path))
    spec = parts[0] if len(parts) == 1 else "{ " + ", ".join(parts) + " }"
    if vocab is not None:
        strange = sorted({v for v in samples for v in ([v] if not listy else v.replace(";", ",").split(","))
                          if v.strip() and v.strip().casefold() not in {x.casefold() for x in vocab.values}})
        if strange:
            spec += f"  # not in the vocabulary: {', '.join(strange[:8])}: add map = {{ ... }}"
    return spec if len(parts) > 1 else _toml(column) + spec[len(parts[0]):]


def schema_fields(session: Session) -> list[str]:
    """One line per field a mapping can fill: path, type, description."""
    schema = session.schema
    out: list[str] = []

    def describe(path: tuple[str, ...], sub: dict[str, Any]) -> None:
        vocab = schema.vocabulary_for(path)
        kind = sub.get("type", "")
        if vocab is not None:
            shown = ", ".join(vocab.values[:8]) + (", ..." if len(vocab.values) > 8 else "")
            kind = f"{'list of ' if kind == 'array' else ''}one of {shown}"
        elif kind == "array":
            kind = f"list of {schema.resolve(sub.get('items', {})).get('type', 'values')}"
        name = ".".join(p for p in path if p != "*")
        text = str(sub.get("description", "")).split("\n")[0]
        out.append(f"{name}: {kind}{' — ' + text if text else ''}")

    for key in schema.key_order(()):
        if key in ("schema_version", "recorded") or key in mapping_.RESERVED:
            continue
        sub = schema.subschema((key,))
        if sub.get("type") == "object" and sub.get("properties"):
            for part in schema.key_order((key,)):
                describe((key, part), schema.subschema((key, part)))
        elif sub.get("type") == "array" and schema.resolve(sub.get("items", {})).get("type") == "object":
            for part in schema.key_order((key, "*")):
                if part != "ref":
                    describe((key, "*", part), schema.subschema((key, "*", part)))
        else:
            describe((key,), sub)
    return out
