"""Actor profiles (SPEC section 9): ``actors/<id>.yaml``, read from the files each run.

Profiles are few, so they are never memoised; the digest of their bytes
(and of their schema) is part of the key of every memoised answer that
depends on them, so a changed profile always changes the answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ledger.core.problems import LedgerError, Problem
from ledger.store import files
from ledger.store.session import Session


@dataclass
class Profiles:
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, profile), path order
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""
    files: int = 0  # profile files found (read or not)

    @property
    def by_id(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for _, data in self.rows:
            pid = data.get("id")
            if isinstance(pid, str):
                out.setdefault(pid, data)
        return out

    @property
    def confidential(self) -> frozenset[str]:
        from ledger.core.model import confidential_profile

        return frozenset(pid for pid, p in self.by_id.items() if confidential_profile(p))


def load(session: Session, today: dt.date) -> Profiles:
    from ledger.core.schema import Schema
    from ledger.core.validate import check_record
    from ledger.store.session import load_schema

    layout = session.layout
    entries = files.walk(layout, files.ACTORS)
    out = Profiles(files=len(entries))
    digest = hashlib.sha256()
    if not entries:
        out.digest = digest.hexdigest()
        return out
    schema_path = layout.actor_schema_path
    schema_rel = layout.rel(schema_path)
    schema: Schema | None = None
    try:
        schema = load_schema(schema_path, schema_rel)
        digest.update(schema.digest.encode())
    except LedgerError as exc:
        out.problems.append(Problem(entries[0].rel, 1, 1, "profile-schema-missing",
                                    f"actor profiles need {schema_rel}: {exc.message}",
                                    hint="`ledger migrate` adds it (or copy it from `ledger init`)"))
    first: dict[str, str] = {}
    for e in entries:
        digest.update(e.rel.encode() + b"\0" + e.kind.encode() + b"\0")
        raw, problem = files.read_entry(layout, e)
        if raw is None:
            assert problem is not None
            out.problems.append(problem)
            continue
        digest.update(hashlib.sha256(raw).digest())
        if schema is None:
            continue
        checked = check_record(e.rel, raw, schema, today=today)
        out.problems += checked.problems
        if checked.data is None:
            continue
        out.rows.append((e.rel, checked.data))
        pid = checked.data.get("id")
        if isinstance(pid, str):
            if pid in first:
                out.problems.append(Problem(e.rel, 1, 1, "duplicate-id",
                                            f"profile id '{pid}' is also used by {first[pid]}",
                                            pointer="/id", hint="give one profile a new id"))
            else:
                first[pid] = e.rel
    out.digest = digest.hexdigest()
    return out
