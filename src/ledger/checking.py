"""Checking record files: one after another, or across processes when many.

Each file is read once, checked (``validate.check_record``) and, for the
cache, given its content id and its facets (``ledger.index``).  Results come
back in the order asked, so parallel and serial runs are identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import storage

if TYPE_CHECKING:
    from ledger.api import Session
    from ledger.validate import Checked

# Below this many files to check, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
_WORKER: dict[str, Any] = {}

Outcome = tuple[str, "Checked", "list[tuple[int, Any]] | None"]  # (content id, check, facets)


def check_file(session: Session, rel: str, today: dt.date, *, index_it: bool) -> Outcome:
    """(content id, the check, facets) of one file."""
    from ledger import index
    from ledger.cache import blob_id
    from ledger.freshness import unread_id
    from ledger.validate import Checked, check_record

    raw, problem = storage.read_record_bytes(session.ledger, session.root / rel)
    if raw is None:
        assert problem is not None
        return unread_id(problem), Checked(rel, None, [problem]), None
    checked = check_record(rel, raw, session.schema, today=today)
    facets = None
    if index_it and checked.data is not None:
        facets = index.facets(checked.data, index.summary_keys(session.schema))
    return blob_id(raw), checked, facets


def run_checks(session: Session, rels: list[str], today: dt.date, *, index_it: bool) -> Iterator[Outcome]:
    """check_file of each of rels, in their order; across processes when many.
    The schema must have been compiled (vetted) before."""
    import os

    if len(rels) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1 \
            and not os.environ.get("LEDGER_SERIAL"):
        yield from _run_parallel(session, rels, today, index_it)
        return
    progress = _progress(len(rels))
    for rel in rels:
        yield check_file(session, rel, today, index_it=index_it)
        progress(1)
    progress(0, done=True)


def _worker_init(root: str) -> None:
    from ledger.api import Session

    session = Session(storage.Ledger(Path(root), storage.load_settings(Path(root))))
    session.schema.vetted = True  # the parent compiled it before starting us
    _WORKER["session"] = session


def _worker_check(job: tuple[str, str, bool]) -> Outcome:
    rel, today, index_it = job
    return check_file(_WORKER["session"], rel, dt.date.fromisoformat(today), index_it=index_it)


def _run_parallel(session: Session, rels: list[str], today: dt.date, index_it: bool) -> Iterator[Outcome]:
    import multiprocessing as mp
    import os
    import sys

    # fork is the cheapest start on Linux (ledger runs no threads); elsewhere
    # fork is unsafe or missing, so spawn.
    use_fork = sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork" if use_fork else "spawn")
    workers = min(os.cpu_count() or 2, 8)
    jobs = [(rel, today.isoformat(), index_it) for rel in rels]
    progress = _progress(len(rels))
    with ctx.Pool(workers, initializer=_worker_init, initargs=(str(session.root),)) as pool:
        # imap keeps the input order, so results are identical to the serial path.
        for outcome in pool.imap(_worker_check, jobs, chunksize=64):
            progress(1)
            yield outcome
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
