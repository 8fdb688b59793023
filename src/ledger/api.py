"""The library face of the tool: open a ledger, load and check its records.

The CLI is a thin layer over these functions; so can be a notebook or a
script.  This module wires storage (I/O) to the pure checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ledger import storage
from ledger.problems import LedgerError, Problem
from ledger.schema import Schema
from ledger.validate import Checked


@dataclass
class Session:
    ledger: storage.Ledger

    @cached_property
    def schema(self) -> Schema:
        path = self.ledger.schema_path
        schema = Schema.from_file(path, self.ledger.rel(path))
        schema.validator  # noqa: B018  compile now: a broken schema stops the run (exit 3)
        return schema

    @property
    def root(self) -> Path:
        return self.ledger.root

    def schema_ref(self, record_path: Path) -> str:
        """Modeline target: the schema relative to the record's folder."""
        import os

        return Path(os.path.relpath(self.ledger.schema_path, record_path.parent)).as_posix()


def open_ledger(explicit: str | None = None) -> Session:
    return Session(storage.find_ledger(explicit))


@dataclass
class Loaded:
    """Records of a ledger after checking, in path order."""

    checked: list[Checked]
    cross: list[Problem] = field(default_factory=list)

    @property
    def records(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c.path, c.data) for c in self.checked if c.data is not None]

    @property
    def problems(self) -> list[Problem]:
        out = [p for c in self.checked for p in c.problems] + self.cross
        return sorted(out)

    @property
    def unreadable(self) -> list[str]:
        return [c.path for c in self.checked if c.data is None]


def _check_file(session: Session, path: Path, today: dt.date) -> Checked:
    from ledger.validate import check_record

    rel = session.ledger.rel(path)
    raw, problem = storage.read_record_bytes(session.ledger, path)
    if raw is None:
        assert problem is not None
        return Checked(rel, None, [problem])
    return check_record(rel, raw, session.schema, today=today)


def load(session: Session, paths: Iterable[Path] | None = None, *,
         today: dt.date | None = None, cross: bool = True) -> Loaded:
    """Parse and check every record (or those under paths)."""
    from ledger.validate import check_ledger, evidence_problems, locate

    today = today or dt.date.today()
    files = list(storage.iter_record_files(session.ledger))
    checked = [_check_file(session, f, today) for f in files]
    selected: set[str] | None = None
    if paths is not None:
        wanted = [session.ledger.rel(p) for p in paths]
        known = {c.path for c in checked}
        extra = [p for p in paths if session.ledger.rel(p) not in known]
        checked += [_check_file(session, p, today) for p in extra]
        selected = set(wanted)
    cross_problems: list[Problem] = []
    if cross:
        cross_problems = check_ledger(checked)
        for c in checked:
            if c.data is not None:
                cross_problems += evidence_problems(c.path, c.data, _digest_lookup(session))
        cross_problems = _locate_cross(session, cross_problems, locate)
    if selected is not None:
        checked = [c for c in checked if c.path in selected]
        cross_problems = [p for p in cross_problems if p.path in selected]
    return Loaded(checked, cross_problems)


def _digest_lookup(session: Session) -> Any:
    cache: dict[str, str | None] = {}

    def digest(rel: str) -> str | None:
        if rel not in cache:
            target = (session.root / rel).resolve()
            inside = session.root in target.parents
            cache[rel] = storage.sha256_file(target) if inside and target.is_file() else None
        return cache[rel]
    return digest


def _locate_cross(session: Session, problems: list[Problem], locate: Any) -> list[Problem]:
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    out = []
    for rel, items in by_path.items():
        raw, _ = storage.read_record_bytes(session.ledger, session.root / rel)
        from ledger import yamlio

        text = yamlio.decode(raw)[0] if raw is not None else None
        out += locate(items, text) if text is not None else items
    return out


def iter_records(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    for c in load(session, cross=False).checked:
        if c.data is not None:
            yield c.path, c.data


def find_record(session: Session, id_or_prefix: str) -> tuple[str, dict[str, Any]]:
    """A record by id, or by a prefix that only one id starts with."""
    from ledger.problems import UsageError

    needle = id_or_prefix.strip().removesuffix(".yaml").rsplit("/", 1)[-1]
    if not needle:
        raise UsageError("give an incident id (or the start of one)")
    records = list(iter_records(session))
    exact = [(p, d) for p, d in records if d.get("id") == needle]
    if exact:
        return exact[0]
    hits = [(p, d) for p, d in records if str(d.get("id", "")).startswith(needle)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise LedgerError(f"no incident with id {needle!r}",
                          hint="`ledger list --format ids` shows every id",
                          exit_code=storage.ExitCode.INVALID)
    shown = ", ".join(str(d.get("id")) for _, d in hits[:8])
    raise UsageError(f"{needle!r} matches {len(hits)} incidents: {shown}",
                     hint="give more of the id")
