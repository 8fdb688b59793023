"""Evidence checks: pure functions over a lookup of files.

A source may name a `file` inside the ledger with its `sha256`.  The checks
here take a lookup (path -> an object with ``status`` and ``sha256``, as
``ledger.store.files.FileState``), so that `validate` can answer from the
memo while `verify` re-reads every byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

EVIDENCE_DIR = "evidence"
FAILED = frozenset({"missing", "mismatch", "outside", "not-a-file", "unreadable"})

Lookup = Callable[[str], Any]  # rel -> FileState (status, sha256)


@dataclass(frozen=True)
class FileCheck:
    """One source's evidence file against its recorded digest."""

    index: int  # position in the record's sources
    ref: str
    file: str
    status: str  # "ok", "unhashed" (no sha256 to compare) or one of FAILED
    expected: str = ""
    actual: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class RecordEvidence:
    path: str
    id: str
    checks: list[FileCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)


@dataclass
class VerifyReport:
    records: list[RecordEvidence]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.records)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.records:
            for c in r.checks:
                out[c.status] = out.get(c.status, 0) + 1
        return out


def unsafe(rel: str) -> bool:
    """A path that could name something outside the ledger, judged on its text
    alone: such a path is reported and never opened."""
    if not rel or rel.startswith(("/", "~")) or "\\" in rel or "\0" in rel \
            or re.match(r"^[A-Za-z]:", rel):
        return True
    return ".." in PurePosixPath(rel).parts


def check_sources(record: dict[str, Any], lookup: Lookup) -> list[FileCheck]:
    """Every evidence file of one record, in source order."""
    out: list[FileCheck] = []
    sources = record.get("sources")
    for i, src in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(src, dict) or not isinstance(src.get("file"), str):
            continue
        rel, ref = src["file"], str(src.get("ref", ""))
        expected = str(src["sha256"]) if isinstance(src.get("sha256"), str) else ""
        if unsafe(rel):
            out.append(FileCheck(i, ref, rel, "outside", expected))
            continue
        found = lookup(rel)
        if found.status != "ok":
            out.append(FileCheck(i, ref, rel, found.status, expected))
        elif not expected:
            out.append(FileCheck(i, ref, rel, "unhashed", "", found.sha256))
        else:
            status = "ok" if found.sha256 == expected.lower() else "mismatch"
            out.append(FileCheck(i, ref, rel, status, expected, found.sha256))
    return out


def verify(rows: Iterable[tuple[str, dict[str, Any]]], lookup: Lookup) -> VerifyReport:
    """Every evidence file of every record; records without evidence are left out."""
    records = []
    for path, record in rows:
        checks = check_sources(record, lookup)
        if checks:
            records.append(RecordEvidence(path, str(record.get("id", "")), checks))
    return VerifyReport(records)


# -- adding evidence ------------------------------------------------------------
