"""The library face of the tool: open a ledger, load and check its records.

The CLI is a thin layer over these functions; so can be a notebook or a
script.  This module wires storage (I/O) to the pure checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ledger import storage
from ledger.problems import ExitCode, LedgerError, Problem
from ledger.schema import Schema
from ledger.validate import Checked


@dataclass
class Session:
    ledger: storage.Ledger

    @cached_property
    def schema(self) -> Schema:
        path = self.ledger.schema_path
        # Compiled on first use, not here: a warm run answered from the cache
        # never needs the validator (results are keyed by the schema's digest,
        # so a changed schema always reaches a compile, and a broken one exit 3).
        return Schema.from_file(path, self.ledger.rel(path))

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


# Below this many files to check, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
_WORKER: dict[str, Any] = {}


def _worker_init(root: str) -> None:
    session = Session(storage.Ledger(Path(root), storage.load_settings(Path(root))))
    session.schema.validator  # noqa: B018  compile the schema once per worker
    _WORKER["session"] = session


def _worker_check(job: tuple[str, str]) -> tuple[Checked, str | None]:
    path, today = job
    return _check_and_hash(_WORKER["session"], Path(path), dt.date.fromisoformat(today))


def _check_and_hash(session: Session, path: Path, today: dt.date) -> tuple[Checked, str | None]:
    from ledger.cache import blob_id
    from ledger.validate import check_record

    rel = session.ledger.rel(path)
    raw, problem = storage.read_record_bytes(session.ledger, path)
    if raw is None:
        assert problem is not None
        return Checked(rel, None, [problem]), None
    return check_record(rel, raw, session.schema, today=today), blob_id(raw)


def _skeleton(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the cross-record checks need of a record: far smaller than the record."""
    if data is None:
        return None
    out: dict[str, Any] = {k: data[k] for k in ("id", "related", "duplicate_of") if k in data}
    sources = data.get("sources")
    if isinstance(sources, list):
        out["sources"] = [{k: s[k] for k in ("file", "sha256") if k in s}
                          for s in sources if isinstance(s, dict)]
    return out


def _as_tuple(p: Problem) -> tuple[Any, ...]:
    return (p.path, p.line, p.column, p.code, p.message, p.severity, p.pointer, p.hint)


def _open_cache(session: Session) -> Any:
    import os

    if os.environ.get("LEDGER_NO_CACHE"):
        return None
    from ledger import __version__
    from ledger.cache import Cache

    folder = Path(os.environ.get("LEDGER_CACHE_DIR") or session.root / session.ledger.settings.cache_dir)
    salt = f"{session.schema.digest[:16]}-{__version__}-{session.ledger.settings.max_file_size}"
    cache = Cache(folder, salt)
    return cache if cache.enabled else None


def _check_all(session: Session, files: list[tuple[Path, Any]], today: dt.date,
               need_data: bool) -> list[Checked]:
    """Check files, reusing cached results for unchanged content."""
    from ledger.cache import fingerprint

    cache = _open_cache(session)
    rels = [session.ledger.rel(p) for p, _ in files]
    known = cache.known_paths() if cache else {}
    # Paths whose stat matches what the cache saw: their blob is known unread.
    hits: list[tuple[str, str]] = []
    todo: list[int] = []
    for i, ((_path, st), rel) in enumerate(zip(files, rels, strict=True)):
        seen = known.get(rel)
        if seen and seen[0] == fingerprint(st):
            hits.append((seen[1], rel))
        else:
            todo.append(i)
    cached = cache.results(hits, with_data=need_data) if cache else {}
    results: dict[str, Checked] = {}
    for rel, (problems, meta, data) in cached.items():
        results[rel] = Checked(rel, data if need_data else meta,
                               [Problem(*t) for t in problems])
    position = {rel: i for i, rel in enumerate(rels)}
    todo += [position[rel] for _, rel in hits if rel not in results]
    todo.sort()
    if todo or not files:
        session.schema.validator  # noqa: B018  a broken schema stops the run (exit 3) before any work
    new_paths: list[tuple[Any, ...]] = []
    new_results: list[tuple[str, str, Any, Any, Any]] = []
    for checked, blob, i in _run_checks(session, [files[i][0] for i in todo], today, todo):
        rel, st = rels[i], files[i][1]
        if blob is not None and cache is not None:
            new_paths.append((rel, *fingerprint(st), blob))
            # A date in the future may be in the past tomorrow: do not keep it.
            if not any(p.code == "date-in-future" for p in checked.problems):
                new_results.append((blob, rel, [_as_tuple(p) for p in checked.problems],
                                    _skeleton(checked.data), checked.data))
        if not need_data:
            checked = Checked(checked.path, _skeleton(checked.data), checked.problems)
        results[rel] = checked
    if cache is not None:
        gone = set(known) - set(rels)
        if new_paths or gone:
            cache.store(new_paths, new_results, gone)
    return [results[rel] for rel in rels]


def _run_checks(session: Session, paths: list[Path], today: dt.date,
                index: list[int]) -> Iterator[tuple[Checked, str | None, int]]:
    import os

    if len(paths) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1 \
            and not os.environ.get("LEDGER_SERIAL"):
        yield from _run_parallel(session, paths, today, index)
        return
    progress = _progress(len(paths))
    for path, i in zip(paths, index, strict=True):
        checked, blob = _check_and_hash(session, path, today)
        progress(1)
        yield checked, blob, i
    progress(0, done=True)


def _run_parallel(session: Session, paths: list[Path], today: dt.date,
                  index: list[int]) -> Iterator[tuple[Checked, str | None, int]]:
    import multiprocessing as mp
    import os

    session.schema.validator  # noqa: B018  a broken schema must stop us here, not in a worker
    import sys

    # fork is the cheapest start on Linux (ledger runs no threads); elsewhere
    # fork is unsafe or missing, so spawn.
    use_fork = sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork" if use_fork else "spawn")
    workers = min(os.cpu_count() or 2, 8)
    jobs = [(str(p), today.isoformat()) for p in paths]
    progress = _progress(len(paths))
    with ctx.Pool(workers, initializer=_worker_init, initargs=(str(session.root),)) as pool:
        # imap keeps the input order, so results are identical to the serial path.
        for (checked, blob), i in zip(pool.imap(_worker_check, jobs, chunksize=64), index, strict=True):
            progress(1)
            yield checked, blob, i
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


def load(session: Session, paths: Iterable[Path] | None = None, *,
         today: dt.date | None = None, cross: bool = True, need_data: bool = True) -> Loaded:
    """Parse and check every record (or those under paths).

    With need_data=False the records hold only what the cross-record checks
    need (validate uses this: a warm run never unpacks whole records).
    """
    from ledger.validate import check_ledger, evidence_problems, locate

    today = today or dt.date.today()
    files = storage.scan_record_files(session.ledger)
    selected: set[str] | None = None
    if paths is not None:
        paths = list(paths)
        listed = {p for p, _ in files}
        for p in paths:
            if p not in listed and p.is_file():
                files.append((p, p.stat()))
        selected = {session.ledger.rel(p) for p in paths}
    checked = _check_all(session, files, today, need_data)
    cross_problems: list[Problem] = []
    if cross:
        cross_problems = check_ledger(checked)
        digest = _digest_lookup(session)
        for c in checked:
            if c.data is not None and (selected is None or c.path in selected):
                cross_problems += evidence_problems(c.path, c.data, digest)
        if selected is not None:
            cross_problems = [p for p in cross_problems if p.path in selected]
        cross_problems = _locate_cross(session, cross_problems, locate)
    if selected is not None:
        checked = [c for c in checked if c.path in selected]
    return Loaded(checked, cross_problems)


def _digest_lookup(session: Session) -> Any:
    memo: dict[str, storage.FileState] = {}
    cache = _open_cache(session)

    def digest(rel: str) -> storage.FileState:
        if rel not in memo:
            memo[rel] = _evidence_digest(session, rel, cache)
        return memo[rel]
    return digest


def _evidence_digest(session: Session, rel: str, cache: Any) -> storage.FileState:
    """An evidence file's state and sha256; never read when it lies outside the ledger."""
    found = storage.locate_evidence(session.root, rel)
    if found.status != "ok" or found.stat is None:
        return found
    if cache is not None:
        known = cache.evidence_hash(rel, found.stat)
        if known:
            return replace(found, sha256=str(known))
    found = storage.hash_evidence(found)
    if cache is not None and found.sha256:
        cache.remember_evidence(rel, found.stat, found.sha256)
    return found


def _locate_cross(session: Session, problems: list[Problem], locate: Any) -> list[Problem]:
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    out: list[Problem] = []
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
                          exit_code=ExitCode.INVALID)
    shown = ", ".join(str(d.get("id")) for _, d in hits[:8])
    raise UsageError(f"{needle!r} matches {len(hits)} incidents: {shown}",
                     hint="give more of the id")
