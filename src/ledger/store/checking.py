"""Checking record files: one after another, or across processes when many.

Each file is read once and checked (``validate.check_record``).  For the
cache a file's outcome is packed where it was checked: its content id, its
problems, the skeleton the cross-record checks read, and the record and its
facets (``ledger.store.index``) already marshalled as the cache stores them, so
the process gathering results only writes them.  Results come back in the
order asked, so parallel and serial runs are identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ledger.store import files as storage

if TYPE_CHECKING:
    from ledger.core.problems import Problem
    from ledger.core.validate import Checked
    from ledger.library import Session

# Below this many files to check, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
_WORKER: dict[str, Any] = {}
T = TypeVar("T")

Outcome = tuple[str, "Checked"]  # (content id, the check)


class Packed(NamedTuple):
    """One file's check as the cache stores it."""

    cid: str
    path: str
    problems: list[Problem]
    skeleton: dict[str, Any] | None  # None: the file did not parse
    data: bytes | None  # marshal of the record
    facets: bytes | None  # marshal of its facets; None: not parsed, or not indexable


def check_file(session: Session, rel: str, today: dt.date) -> Outcome:
    """(content id, the check) of one file."""
    from ledger.core.validate import Checked, check_record
    from ledger.store.cache import blob_id
    from ledger.store.freshness import unread_id

    raw, problem = storage.read_record_bytes(session.ledger, session.root / rel)
    if raw is None:
        assert problem is not None
        return unread_id(problem), Checked(rel, None, [problem])
    return blob_id(raw), check_record(rel, raw, session.schema, today=today)


def pack_file(session: Session, rel: str, today: dt.date) -> Packed:
    """check_file, packed for the cache."""
    import marshal

    from ledger.store import index
    from ledger.store.refresh import skeleton

    cid, checked = check_file(session, rel, today)
    data = checked.data
    if data is None:
        return Packed(cid, rel, checked.problems, None, None, None)
    facets = index.facets(data, index.summary_keys(session.schema))
    return Packed(cid, rel, checked.problems, skeleton(data), marshal.dumps(data),
                  None if facets is None else marshal.dumps(facets))


def run_checks(session: Session, rels: list[str], today: dt.date) -> Iterator[Outcome]:
    """check_file of each of rels, in their order; across processes when many."""
    return _run(check_file, session, rels, today, len(rels))


def run_packed(session: Session, rels: Iterable[str], today: dt.date, total: int) -> Iterator[Packed]:
    """pack_file of each of rels (total of them, taken as they are needed),
    in their order; across processes when many."""
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
    from ledger.library import Session

    session = Session(storage.Ledger(Path(root), storage.load_settings(Path(root))))
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
