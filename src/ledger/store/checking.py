"""Checking record files: one after another, or across processes when many.

Each file is read once and checked (``validate.check_record``), and its
outcome packed where it was checked, as the memo stores it: its blob id,
its problems, the record, and its skeleton and facets
(``ledger.core.facets``), so the process gathering results only stores
them.  Results come back in the order asked, so parallel and serial runs
are identical.
"""

from __future__ import annotations

import datetime as dt
import marshal
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ledger.core.problems import Problem
from ledger.store import files
from ledger.store.session import Session

# Below this many files to check, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
_WORKER: dict[str, Any] = {}
T = TypeVar("T")


class Packed(NamedTuple):
    """One file's check as the memo stores it."""

    rel: str
    blob: str | None  # None: the file could not be read
    problems: list[Problem]
    data: dict[str, Any] | None  # the record; None: it did not parse
    facets: bytes | None  # marshal of (skeleton, facets); None: it did not parse
    row: tuple[Any, ...] | None = None  # the facets as column values (core.facets.row)


def skeleton(data: dict[str, Any]) -> dict[str, Any]:
    """What the cross-record checks need of a record: far smaller than the record."""
    from ledger.core.validate import LINK_KEYS

    out: dict[str, Any] = {k: data[k] for k in ("id", *LINK_KEYS, "schema_version") if k in data}
    actors = data.get("actors")
    if isinstance(actors, list):
        refs = [[i, a["profile"]] for i, a in enumerate(actors)
                if isinstance(a, dict) and isinstance(a.get("profile"), str)]
        if refs:
            out["profiles"] = refs
    sources = data.get("sources")
    # Only evidence files matter; entries keep their places, which messages name.
    if isinstance(sources, list) and any(isinstance(s, dict) and isinstance(s.get("file"), str)
                                         for s in sources):
        out["sources"] = [{k: s[k] for k in ("file", "sha256") if k in s}
                          for s in sources if isinstance(s, dict)]
    return out


def check_file(session: Session, rel: str, today: dt.date, raw: bytes | None = None) -> Packed:
    """Read (unless raw is given) and check one record file."""
    from ledger.core import facets
    from ledger.core.validate import check_record
    from ledger.store.cache import blob_id

    if raw is None:
        raw, problem = files.read_record(session.layout, rel)
        if raw is None:
            assert problem is not None
            return Packed(rel, None, [problem], None, None)
    checked = check_record(rel, raw, session.schema, today=today)
    data = checked.data
    if data is not None:
        skel = skeleton(data)
        # A record of the schema's own version needs no note of it: most
        # skeletons then stay {"id": ...}, which the memo keeps in a column.
        if skel.get("schema_version") == _current_version(session):
            del skel["schema_version"]
        made = facets.facets(data, facets.summary_keys(session.schema))
        return Packed(rel, blob_id(raw), checked.problems, data, marshal.dumps((skel, made)),
                      facets.row(made) if made is not None else None)
    return Packed(rel, blob_id(raw), checked.problems, None, None)


def _current_version(session: Session) -> Any:
    from ledger.core.migrations import schema_version

    return schema_version(session.schema.document)


def run_checks(session: Session, rels: Iterable[str], today: dt.date, total: int) -> Iterator[Packed]:
    """check_file of each of rels (total of them), in their order; across processes when many."""
    return _run(check_file, session, rels, today, total)


class Compact(NamedTuple):
    """check_file's outcome as plain values: what crosses from a worker
    process (pickled) and what the memo stores, packed where it was made."""

    rel: str
    blob: str | None
    problems: list[tuple[Any, ...]]  # (line, column, code, message, severity, pointer, hint)
    data: bytes | None  # marshal of the record
    facets: bytes | None
    row: tuple[Any, ...] | None


def compact(p: Packed) -> Compact:
    return Compact(p.rel, p.blob, [(x.line, x.column, x.code, x.message, x.severity, x.pointer, x.hint)
                                   for x in p.problems],
                   marshal.dumps(p.data) if p.data is not None else None, p.facets, p.row)


def pack_file(session: Session, rel: str, today: dt.date, raw: bytes | None = None) -> Compact:
    return compact(check_file(session, rel, today, raw))


def run_packed(session: Session, rels: Iterable[str], today: dt.date, total: int) -> Iterator[Compact]:
    """pack_file of each of rels, in their order; across processes when many."""
    return _run(pack_file, session, rels, today, total)


def _run(job: Callable[[Session, str, dt.date], T], session: Session, rels: Iterable[str],
         today: dt.date, total: int) -> Iterator[T]:
    import os

    if not total:
        return
    if total >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1 \
            and not os.environ.get("LEDGER_SERIAL"):
        yield from _run_parallel(job, session, iter(rels), today, total)
        return
    progress = _progress(total)
    for rel in rels:
        yield job(session, rel, today)
        progress(1)
    progress(0, done=True)


def _worker_init(root: str) -> None:
    session = Session(files.Layout(Path(root), files.load_settings(Path(root))))
    session.schema.vetted = True  # the parent compiled it before starting us
    _WORKER["session"] = session


def _worker_run(task: tuple[Callable[[Session, str, dt.date], T], str, str]) -> T:
    job, rel, today = task
    return job(_WORKER["session"], rel, dt.date.fromisoformat(today))


def _run_parallel(job: Callable[[Session, str, dt.date], T], session: Session, rels: Iterator[str],
                  today: dt.date, total: int) -> Iterator[T]:
    import multiprocessing as mp
    import os
    import sys

    progress = _progress(total)
    # The first file is checked here: that imports and compiles everything a
    # check needs (parser, schema, index), which forked workers then inherit
    # instead of each doing it again.
    yield job(session, next(rels), today)
    progress(1)
    # fork is the cheapest start on Linux (ledger runs no threads); elsewhere
    # fork is unsafe or missing, so spawn, and each worker opens the ledger.
    use_fork = sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork" if use_fork else "spawn")
    workers = min(os.cpu_count() or 2, 8)
    # Taken as the pool needs them: a list of every path would be held for the whole run.
    tasks = ((job, rel, today.isoformat()) for rel in rels)
    if use_fork:
        _WORKER["session"] = session
        pool = ctx.Pool(workers)
    else:
        pool = ctx.Pool(workers, initializer=_worker_init, initargs=(str(session.root),))
    try:
        with pool:
            # imap keeps the input order, so results are identical to the serial path.
            for outcome in pool.imap(_worker_run, tasks, chunksize=64):
                progress(1)
                yield outcome
    finally:
        _WORKER.pop("session", None)
    progress(0, done=True)


def _progress(total: int) -> Any:
    """A progress bar on stderr for long cold runs, only on a terminal."""
    import sys

    if total < 2000 or not sys.stderr.isatty():
        return lambda n, done=False: None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("checking records", total=total)
    bar.start()

    def step(n: int, done: bool = False) -> None:
        if done:
            bar.stop()
        else:
            bar.advance(task, n)
    return step
