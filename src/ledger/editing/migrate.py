"""`ledger migrate`: every record and the ledger's schema upgraded in one step.

The plan is made from the files (each record upgraded by the small steps
of ``core.migrations`` over its round-trip document, so comments stay, and
then laid out canonically; the schema upgraded as a patch, so a team's own
changes stay), then written with ``write.together``: all files or none.  A
run that was stopped therefore changed nothing, and running it again does
the whole job; a run after a complete one finds nothing to do.
"""

from __future__ import annotations

import difflib
import io
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ledger.core import fmt, migrations, yamlio
from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError
from ledger.core.schema import Schema
from ledger.store import files, write
from ledger.store.session import Session


@dataclass
class Change:
    rel: str
    old: bytes | None  # None: a new file
    new: str


@dataclass
class Plan:
    to: int
    start: int | None  # the schema's version before
    changes: list[Change] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    records: int = 0

    def diff(self) -> str:
        out: list[str] = []
        for c in self.changes:
            old = c.old.decode("utf-8", "replace") if c.old is not None else ""
            out += difflib.unified_diff(old.splitlines(keepends=True), c.new.splitlines(keepends=True),
                                        fromfile="/dev/null" if c.old is None else f"a/{c.rel}",
                                        tofile=f"b/{c.rel}")
        return "".join(out)


def _schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def plan(session: Session, to: int | None = None) -> Plan:
    layout = session.layout
    rel = layout.rel(layout.schema_path)
    raw_schema = files.read_regular(layout.schema_path, "schema", files.DEFAULT_MAX_FILE_SIZE * 4, rel)
    try:
        document = json.loads(raw_schema.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LedgerError(f"{rel}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise LedgerError(f"{rel}: a schema is a JSON object")
    start = migrations.schema_version(document)
    target = migrations.LATEST if to is None else to
    if target > migrations.LATEST or target < 1:
        raise UsageError(f"--to {target}: this ledger knows schema versions 1 to {migrations.LATEST}")
    if start is not None and target < start:
        raise UsageError(f"--to {target}: the schema is at version {start} already; "
                         "ledger migrates forward only")
    out = Plan(target, start)
    if migrations.upgrade_schema(document, target):
        out.changes.append(Change(rel, raw_schema, _schema_text(document)))
    try:
        new_schema = Schema(document, rel)
    except LedgerError:
        raise
    actor_rel = layout.rel(layout.actor_schema_path)
    if target >= 2 and not layout.actor_schema_path.exists() and not layout.actor_schema_path.is_symlink():
        text = (resources.files("ledger") / "data" / files.ACTOR_SCHEMA).read_text(encoding="utf-8")
        out.changes.append(Change(actor_rel, None, text))
    for e in files.walk(layout):
        out.records += 1
        raw, problem = files.read_entry(layout, e)
        if raw is None:
            assert problem is not None
            out.failed.append(problem)
            continue
        try:
            new = upgrade_text(raw, target, session.schema_ref(layout.root / e.rel), new_schema)
        except fmt.FormatError as exc:
            i = exc.issue
            out.failed.append(Problem(e.rel, i.line, i.column, i.code, i.message, hint=i.hint))
            continue
        if new is not None and new.encode("utf-8") != raw:
            out.changes.append(Change(e.rel, raw, new))
    return out


def upgrade_text(raw: bytes, to: int, schema_ref: str, schema: Schema) -> str | None:
    """The record upgraded to version `to` in canonical layout, comments kept;
    None when it is at that version already (left exactly as it is)."""
    text, issue = yamlio.decode(raw)
    if text is None:
        assert issue is not None
        raise fmt.FormatError(issue)
    data, issue = yamlio.parse(text)  # the same rules as validate: what it cannot read is left alone
    if data is None:
        assert issue is not None
        raise fmt.FormatError(issue)
    version = migrations.record_version(data)
    if version is None:
        raise fmt.FormatError(yamlio.YamlIssue(1, 1, "schema-version-unknown",
                                               "the record has no schema_version to migrate from",
                                               "add schema_version: 1 (the version it was written for)"))
    if version >= to:
        return None
    yaml = fmt._rt_yaml()
    doc = yaml.load(fmt._split_header(text))
    migrations.upgrade_record(doc, to)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return fmt.format_text(buffer.getvalue(), schema_ref, schema.key_order)


def apply(session: Session, migration: Plan) -> None:
    if migration.failed:
        raise LedgerError("nothing was migrated: fix the files above first, then run `ledger migrate` again",
                          exit_code=ExitCode.INVALID)
    if not migration.changes:
        return
    writes: list[tuple[str, bytes, bytes | None, int | None]] = [
        (c.rel, c.new.encode("utf-8"), c.old, None) for c in migration.changes]
    write.together(session.root, writes, [])
