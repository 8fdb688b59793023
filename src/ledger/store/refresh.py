"""Bringing the cache up to date with the tree.

Only files whose stat changed (or could not be trusted) are read, and only
content never seen before is checked; the validation answer is rebuilt on
the stored one: each record's own problems, the cross-record problems (redone
only when an id or link changed, in SQL over the stored ids and links), and
evidence, with the positions of problems in unchanged files kept rather than
searched again.  The same pieces (cross_problems, evidence, positions) serve
the uncached path, so both answer alike.

Results are stored, and the new tree's rows staged, as checks come in: the
process holds what the answer needs (problems, dated files, evidence), not
one object per file, so memory stays flat however many files changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from ledger.core.problems import Problem
from ledger.store import files as storage
from ledger.store.cache import Cache, NewResult, Result, State, Update, holds
from ledger.store.checking import Packed, run_packed
from ledger.store.freshness import Scan, as_tuple, content_id, evidence_state, recent

if TYPE_CHECKING:
    from ledger.library import Session

Pair = tuple[tuple[Any, ...], tuple[Any, ...]]  # (problem, the problem with line and column)


def update(session: Session, cache: Cache, scan: Scan, state: State | None,
           today: dt.date) -> State | None:
    """Check what changed since state and store the new state; None when
    another process stored one first."""
    day = today.isoformat()
    # Back in time (a clock set back, or an earlier `today`) nothing made later
    # can be trusted: start over, keeping only results that hold (content-addressed).
    same = state is not None and state.salt == cache.salt and state.day <= day
    known = cache.folders() if same else {}
    moved = [f for f, digest in scan.digests.items() if known.get(f) != digest]
    dropped = [f for f in known if f not in scan.digests]
    changed: dict[str, None] = {}
    gone: list[str] = []
    old = None
    if same:
        assert state is not None and state.answer is not None
        old = state.answer
        changed, gone = _changes(cache, scan, moved, dropped)
        # Files whose stat could not be trusted, and results that held for one day only.
        forced = [p for p, _ in state.racy]
        if state.day != day:
            forced += old["dated"]
        changed.update((p, None) for p in sorted(forced) if scan.has(p))
    cache.unstage()
    cache.stage([(p, None) for p in gone])
    # Starting over, one pass over the listings finds the files too fresh to
    # trust; else only the few files checked are looked up.
    fresh = _Gathered(cache, scan.racy if same else scan.racy_paths().__contains__, compare=same)
    # Starting over, every file is to be checked: named as they are needed,
    # never all at once.
    paths: Iterable[str] = changed if same else scan.walk()
    # A cache with no state yet holds no results: nothing to look up before checking.
    each_result(session, cache, paths, len(changed) if same else scan.count, today, fresh.take,
                vetted=same, seen=state is not None)
    answer = _answer(session, cache, old, fresh, {*changed, *gone}, relink=bool(gone) or fresh.relink,
                     started=scan.started)
    new = State(cache.salt, scan.tree, scan.count, day, fresh.racy, answer)
    stored = Update(new, {f: (scan.digests[f], scan.packed(f)) for f in moved}, dropped, reset=not same)
    base = (state.salt, state.tree) if state is not None else None
    return new if cache.commit(base, stored) else None


def _changes(cache: Cache, scan: Scan, moved: list[str],
             dropped: list[str]) -> tuple[dict[str, None], list[str]]:
    """The files whose stat differs from the stored listings (moved ones
    compared entry by entry), and the files gone."""
    listings = cache.listings(moved + dropped)
    changed: dict[str, None] = {}
    gone: list[str] = []
    # Listings are compared by key: a folder, or a part of a large one.
    for key in moved:
        folder = storage.folder_of(key)
        before = {e[0]: e for e in listings.get(key, ())}
        entries = scan.listing(key)
        changed.update((f"{folder}/{e[0]}", None) for e in entries if before.get(e[0]) != e)
        names = {e[0] for e in entries}
        gone += [f"{folder}/{n}" for n in before if n not in names]
    for key in dropped:
        gone += [f"{storage.folder_of(key)}/{e[0]}" for e in listings.get(key, ())]
    # A folder that grew into parts (or shrank back) lists its files under new keys.
    return changed, [p for p in gone if p not in changed]


Got = tuple[str, str, Result]  # (path, content id, result)


class _Gathered:
    """What the new state needs of the files just checked.  Their results are
    stored and their files rows staged as they come, so what is kept here
    grows with the problems found, not with the files checked."""

    def __init__(self, cache: Cache, racy: Callable[[str], bool], *, compare: bool) -> None:
        self.cache = cache
        self.is_racy = racy
        self.compare = compare  # whether to see if ids or links changed (else they are all new)
        self.relink = False
        self.own: dict[str, list[tuple[Any, ...]]] = {}
        self.dated: list[str] = []
        self.sources: dict[str, dict[str, Any]] = {}
        self.racy: list[tuple[str, str]] = []  # (path, content id) of files too fresh to trust

    def take(self, batch: list[Got]) -> None:
        if self.compare and not self.relink:
            before = self.cache.files([p for p, _, _ in batch])
            self.relink = any(_links(before.get(p)) != _links(r) for p, _, r in batch)
        for p, cid, r in batch:
            if r.problems:
                self.own[p] = r.problems
            if r.dated:
                self.dated.append(p)
            if r.skeleton is not None and "sources" in r.skeleton:
                self.sources[p] = r.skeleton
            if self.is_racy(p):
                self.racy.append((p, cid))
        self.cache.stage([(p, r) for p, _, r in batch])


def results(session: Session, cache: Cache, paths: list[str], today: dt.date, *,
            vetted: bool) -> dict[str, tuple[str, Result]]:
    """path -> (content id, result) for paths (see each_result)."""
    out: dict[str, tuple[str, Result]] = {}

    def take(batch: list[Got]) -> None:
        out.update((p, (cid, r)) for p, cid, r in batch)
    each_result(session, cache, paths, len(paths), today, take, vetted=vetted)
    return out


def each_result(session: Session, cache: Cache, paths: Iterable[str], total: int, today: dt.date,
                take: Callable[[list[Got]], None], *, vetted: bool, seen: bool = True) -> None:
    """(path, content id, result) of each of paths (total of them), handed to
    take in batches (in no set order): stored results where the content was
    seen before (unless not seen: none can be), new checks (stored as they
    come) for the rest."""
    day = today.isoformat()
    pending: list[tuple[str, NewResult]] = []

    def flush() -> None:
        added = cache.add([n for _, n in pending])
        take([(p, n.key.partition(":")[0], added[n.key]) for p, n in pending])
        pending.clear()

    todo: list[str] = []
    for batch in _chunks(iter(paths)) if seen else ():
        ids = {p: content_id(session, p) for p in batch}
        stored = cache.lookup([cache.key(cid, p) for p, (cid, _) in ids.items()])
        hits: list[Got] = []
        for p, (cid, problem) in ids.items():
            hit = stored.get(cache.key(cid, p))
            if hit is not None and holds(hit.day, hit.dated, day):
                hits.append((p, cid, hit))
            elif problem is not None:
                pending.append((p, _new_result(cache, cid, p, [problem], day)))
            else:
                todo.append(p)
        take(hits)
    if seen:
        paths, total = todo, len(todo)
    if total:
        if vetted:
            session.schema.vetted = True  # the cache holds results made with this very schema
        else:
            session.schema.validator  # noqa: B018  a broken schema stops the run (exit 3) before any work
    for done in run_packed(session, paths, today, total):
        pending.append((done.path, _new_result(cache, done.cid, done.path, done.problems, day, done)))
        if len(pending) >= _CHUNK:
            flush()
    flush()


_CHUNK = 500


def _chunks(items: Iterator[str]) -> Iterator[list[str]]:
    while chunk := list(islice(items, _CHUNK)):
        yield chunk


def _new_result(cache: Cache, cid: str, rel: str, problems: list[Problem], day: str,
                packed: Packed | None = None) -> NewResult:
    # A date in the future may be in the past tomorrow: such a result holds for today only.
    dated = any(p.code == "date-in-future" for p in problems)
    skel, data, facets = (packed.skeleton, packed.data, packed.facets) if packed else (None, None, None)
    return NewResult(cache.key(cid, rel), day, dated, [as_tuple(p) for p in problems], skel, data, facets)


def skeleton(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the cross-record checks need of a record: far smaller than the record."""
    if data is None:
        return None
    out: dict[str, Any] = {k: data[k] for k in ("id", "related", "duplicate_of") if k in data}
    sources = data.get("sources")
    # Only evidence files matter; entries keep their places, which messages name.
    if isinstance(sources, list) and any(isinstance(s, dict) and isinstance(s.get("file"), str)
                                         for s in sources):
        out["sources"] = [{k: s[k] for k in ("file", "sha256") if k in s}
                          for s in sources if isinstance(s, dict)]
    return out


def _links(result: Result | None) -> tuple[Any, ...] | None:
    """What check_ledger reads of a record."""
    if result is None or result.skeleton is None:
        return None
    s = result.skeleton
    return (s.get("id"), s.get("related"), s.get("duplicate_of"))


# -- the validation answer -----------------------------------------------------------

def _answer(session: Session, cache: Cache, old: dict[str, Any] | None, fresh: _Gathered,
            touched: set[str], *, relink: bool, started: int) -> dict[str, Any]:
    """The validation answer for the new tree (its files rows staged), built on the old one."""
    from ledger.core.validate import cross_problems, links

    own = {p: v for p, v in old["own"].items() if p not in touched} if old else {}
    dated = [p for p in old["dated"] if p not in touched] if old else []
    sources = {p: s for p, s in old["sources"].items() if p not in touched} if old else {}
    own.update(fresh.own)
    dated += fresh.dated
    sources.update(fresh.sources)
    if old is None or relink:
        reset = old is None
        cross = cross_problems(cache.staged_duplicates(reset=reset),
                               [(p, s) for p, s in cache.staged_skeletons(reset=reset) if links(s)],
                               lambda wanted: set(cache.staged_ids(reset=reset, among=wanted)),
                               lambda: cache.staged_ids(reset=reset))
    else:
        cross = [Problem(*raw) for raw, _ in old["cross"]]
    lookup, files = evidence_lookup(session, cache, started)
    evidence = evidence_problems(sources, lookup)
    # Positions of problems in files that did not change are kept, not searched again.
    known = {raw: located for raw, located in (old["cross"] + old["evidence"] if old else [])
             if raw[0] not in touched}
    return {"own": own, "dated": sorted(dated), "sources": sources,
            "cross": _placed(session, cross, known), "evidence": _placed(session, evidence, known),
            "files": files}


def evidence_problems(sources: dict[str, dict[str, Any]],
                      lookup: Callable[[str], storage.FileState]) -> list[Problem]:
    """validate.evidence_problems of each record (path -> record or skeleton), in path order."""
    from ledger.core.validate import evidence_problems as of_record

    return [p for path in sorted(sources) for p in of_record(path, sources[path], lookup)]


def _placed(session: Session, problems: list[Problem], known: dict[tuple[Any, ...], tuple[Any, ...]]) \
        -> list[Pair]:
    raws = [as_tuple(p) for p in problems]
    todo = [p for p, raw in zip(problems, raws, strict=True) if raw not in known]
    located = dict(zip((as_tuple(p) for p in todo), (as_tuple(p) for p in locate(session, todo)),
                       strict=True))
    return [(raw, known.get(raw) or located[raw]) for raw in raws]


def evidence_lookup(session: Session, cache: Cache | None,
                    started: int) -> tuple[Callable[[str], storage.FileState], dict[str, Any]]:
    """A lookup of evidence files (hashed only when their stat is new), and
    what it saw of each: rel -> (status, target, stat fingerprint, too fresh)."""
    memo: dict[str, storage.FileState] = {}
    seen: dict[str, Any] = {}

    def digest(rel: str) -> storage.FileState:
        if rel not in memo:
            found = storage.locate_evidence(session.root, rel)
            racy = found.stat is not None and recent(max(found.stat.st_mtime_ns, found.stat.st_ctime_ns),
                                                     started)
            memo[rel] = _evidence_digest(rel, found, None if racy else cache)
            seen[rel] = (*evidence_state(found), racy)
        return memo[rel]
    return digest, seen


def _evidence_digest(rel: str, found: storage.FileState, cache: Cache | None) -> storage.FileState:
    """An evidence file's state and sha256; never read when it lies outside the ledger."""
    if found.status != "ok" or found.stat is None:
        return found
    if cache is not None:
        known = cache.evidence_hash(rel, found.stat)
        if known:
            return replace(found, sha256=known)
    found = storage.hash_evidence(found)
    if cache is not None and found.sha256 and found.stat is not None:
        cache.remember_evidence(rel, found.stat, found.sha256)
    return found


def locate(session: Session, problems: list[Problem]) -> list[Problem]:
    """Problems with the line and column of what they point at, in the same order."""
    from ledger.core import yamlio
    from ledger.core.validate import locate as in_text

    by_path: dict[str, list[int]] = {}
    for i, p in enumerate(problems):
        by_path.setdefault(p.path, []).append(i)
    out = list(problems)
    for rel, places in by_path.items():
        raw, _ = storage.read_record_bytes(session.ledger, session.root / rel)
        text = yamlio.decode(raw)[0] if raw is not None else None
        if text is not None:
            for i, p in zip(places, in_text([problems[i] for i in places], text), strict=True):
                out[i] = p
    return out
