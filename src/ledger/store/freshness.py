"""Whether the cache's picture of the tree is current: the warm path.

A warm command costs a stat of every record file (``storage.scan_tree``), a
digest of those stats per folder, and one row of the cache.  When the tree's
digest is the one stored (and files whose stat was too fresh to trust still
hold what they held), the stored tree, index and validation answer serve the
command as they are; otherwise ``ledger.store.refresh`` brings them up to date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.core.problems import Problem
from ledger.store import files as storage
from ledger.store.cache import Cache, CacheError, State, fingerprint, holds

if TYPE_CHECKING:
    from ledger.library import Session

# A file written twice within one tick of the file system's clock can keep its
# stat; a file whose mtime or ctime is this close to the scan is therefore not
# trusted by its stat but read again next time (git's "racily clean" files).
# Generous, for file systems that count in seconds (FAT, some network mounts).
RACY_NS = 3_000_000_000
# From this many files up, the stat of the tree is shared with helper processes.
SPLIT_SCAN = 5000


class Scan:
    """The tree as one stat pass saw it, and its digest."""

    def __init__(self, session: Session, *, split: bool = False) -> None:
        self.started = time.time_ns()
        self._tree = storage.scan_tree(session.ledger, split=split)
        self.digests = self._tree.digests
        self.count = self._tree.count
        h = hashlib.sha1(str(session.root).encode(), usedforsecurity=False)
        for f in sorted(self.digests):
            h.update(f"\0{f}\0{self.digests[f]}".encode())
        self.tree = h.hexdigest()
        self._by_name: dict[str, dict[str, storage.Stat]] = {}

    def listing(self, key: str) -> list[storage.Stat]:
        """A listing by its key (a folder, or a part of a large one)."""
        return self._tree.listing(key)

    def packed(self, key: str) -> bytes:
        """A listing as stored."""
        return self._tree.packed[key]

    def walk(self) -> Iterator[str]:
        """Every record file, a folder at a time, in no set order."""
        for folder, entries in self._tree.listings():
            for e in entries:
                yield f"{folder}/{e[0]}"

    def paths(self) -> list[str]:
        return sorted(f"{f}/{e[0]}" for f, entries in self._tree.listings() for e in entries)

    def entry(self, path: str) -> storage.Stat | None:
        folder, _, name = path.rpartition("/")
        key = self._tree.key(folder, name)
        if key not in self._by_name:
            self._by_name[key] = {e[0]: e for e in self.listing(key)}
        return self._by_name[key].get(name)

    def has(self, path: str) -> bool:
        return self.entry(path) is not None

    def racy_paths(self) -> set[str]:
        """Files whose stat is too fresh to vouch for their content."""
        return {f"{folder}/{e[0]}" for folder, entries in self._tree.listings() for e in entries
                if recent(max(e[1], e[4]), self.started)}

    def racy(self, path: str) -> bool:
        """The file's stat is too fresh to vouch for its content."""
        e = self.entry(path)
        return e is not None and recent(max(e[1], e[4]), self.started)


def recent(ns: int, started: int) -> bool:
    return ns >= started - RACY_NS


@dataclass
class Fresh:
    scan: Scan
    state: State  # as stored for this tree; its answer only when asked for


def current(session: Session, cache: Cache, today: dt.date, *, answer: bool) -> Fresh:
    """The cache up to date with the tree: its records, index and (with
    answer) the validation answer for today."""
    day = today.isoformat()
    scan: Scan | None = None
    for _attempt in range(4):
        state = cache.state(with_answer=answer)
        if scan is None:
            scan = Scan(session, split=state is not None and state.files >= SPLIT_SCAN)
        if state is not None and state.salt == cache.salt and state.tree == scan.tree:
            moved = [p for p, blob in state.racy if content_id(session, p)[0] != blob]
            if not moved and (not answer or (
                    holds(state.day, bool(state.answer and state.answer["dated"]), day)
                    and _evidence_holds(session, state.answer))):
                still = [(p, blob) for p, blob in state.racy if scan.racy(p)]
                if len(still) < len(state.racy):
                    with contextlib.suppress(CacheError):  # only saves reading them again
                        cache.trust(scan.tree, still)
                return Fresh(scan, state)
        from ledger.store.refresh import update

        if not answer and state is not None:
            state = cache.state(with_answer=True)  # the update builds on the stored answer
        stored = update(session, cache, scan, state, today)
        if stored is not None:
            return Fresh(scan, stored)
        # Another process stored a tree meanwhile: start again from it.
    raise CacheError("the cache keeps changing under this run")


def content_id(session: Session, rel: str) -> tuple[str, Problem | None]:
    """The git blob id of a file, or (when it cannot be read) a digest of why."""
    from ledger.store.cache import blob_id

    raw, problem = storage.read_record_bytes(session.ledger, session.root / rel)
    if raw is None:
        assert problem is not None
        return unread_id(problem), problem
    return blob_id(raw), None


def unread_id(problem: Problem) -> str:
    return "unread-" + hashlib.sha1(repr(as_tuple(problem)).encode(), usedforsecurity=False).hexdigest()


def as_tuple(p: Problem) -> tuple[Any, ...]:
    return (p.path, p.line, p.column, p.code, p.message, p.severity, p.pointer, p.hint)


def evidence_state(found: storage.FileState) -> tuple[Any, ...]:
    """What says an evidence file is as it was: where it leads, and its stat."""
    return (found.status, str(found.path) if found.path else "",
            fingerprint(found.stat) if found.stat is not None else None)


def _evidence_holds(session: Session, answer: dict[str, Any] | None) -> bool:
    """Every evidence file the answer looked at is as it was then."""
    if answer is None:
        return False
    for rel, (status, target, fp, racy) in answer["files"].items():
        found = storage.locate_evidence(session.root, rel)
        if racy or evidence_state(found) != (status, target, fp):
            return False
    return True


def answer_problems(answer: dict[str, Any], selected: set[str] | None) -> list[Problem]:
    """The problems of a stored answer (of the files in selected), sorted."""
    out = [Problem(*t) for path, ts in answer["own"].items()
           if selected is None or path in selected for t in ts]
    out += [Problem(*located) for _, located in answer["cross"] + answer["evidence"]
            if selected is None or located[0] in selected]
    return sorted(out)
