"""The library face of the tool: open a ledger, load and check its records.

The CLI is a thin layer over these functions; so can be a notebook or a
script.  This module wires storage (I/O) and the cache to the pure checks.

Every command starts from a stat of the tree.  With the cache on, that is
compared with the tree the cache last stored (``ledger.store.freshness``): when
nothing changed, the stored validation answer and the index serve the
command as they are; when something did, ``ledger.store.refresh`` reads only the
files whose stat changed and checks only content never seen before.
Without the cache (``LEDGER_NO_CACHE=1``, or a cache that cannot be used)
every file is checked and filtered in Python: the reference the cache is
tested against.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.core.problems import ExitCode, LedgerError, Problem
from ledger.core.schema import Schema
from ledger.store import files as storage
from ledger.store.cache import Cache, CacheError

if TYPE_CHECKING:
    from ledger.core.query import Filter
    from ledger.core.summary import Key, Summary
    from ledger.core.validate import Checked
    from ledger.store.freshness import Scan

Row = tuple[str, dict[str, Any]]


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
    def records(self) -> list[Row]:
        return [(c.path, c.data) for c in self.checked if c.data is not None]

    @property
    def problems(self) -> list[Problem]:
        out = [p for c in self.checked for p in c.problems] + self.cross
        return sorted(out)

    @property
    def unreadable(self) -> list[str]:
        return [c.path for c in self.checked if c.data is None]


@dataclass
class Verdict:
    """What validate reports: how many files were checked, and every problem, sorted."""

    files: int
    problems: list[Problem]


STREAM_BATCH = 256  # records unpacked at a time when streaming


# -- entry points -------------------------------------------------------------------

def check(session: Session, paths: Iterable[Path] | None = None, *,
          today: dt.date | None = None) -> Verdict:
    """Everything validate reports, for the whole ledger or the files in paths.

    Warm, this is a stat of the tree and one row of the cache."""
    from ledger.store import freshness

    today = today or dt.date.today()
    cache = _open_cache(session)
    paths = list(paths) if paths is not None else None
    if cache is not None:
        try:
            fresh = freshness.current(session, cache, today, answer=True)
            selected, extras = _selection(session, paths, fresh.scan)
            if not extras:
                assert fresh.state.answer is not None
                files = fresh.scan.count if selected is None else sum(map(fresh.scan.has, selected))
                return Verdict(files, freshness.answer_problems(fresh.state.answer, selected))
            loaded = _load_cached(session, cache, paths, today, cross=True, need_data=False)
            return Verdict(len(loaded.checked), loaded.problems)
        except CacheError as exc:
            _drop(cache, exc)
    return _check_uncached(session, paths, today)


def load(session: Session, paths: Iterable[Path] | None = None, *,
         today: dt.date | None = None, cross: bool = True, need_data: bool = True) -> Loaded:
    """Parse and check every record (or those under paths).

    With need_data=False the records hold only what the cross-record checks
    need (a warm run then never unpacks whole records).
    """
    today = today or dt.date.today()
    paths = list(paths) if paths is not None else None
    cache = _open_cache(session)
    if cache is not None:
        try:
            return _load_cached(session, cache, paths, today, cross, need_data)
        except CacheError as exc:
            _drop(cache, exc)
    return _load_uncached(session, paths, today, cross, need_data)


def select(session: Session, flt: Filter | None = None) -> Selection:
    """The records flt may keep (every record without one), streamed in path order."""
    from ledger.store import freshness

    today = dt.date.today()
    cache = _open_cache(session)
    if cache is not None:
        try:
            fresh = freshness.current(session, cache, today, answer=False)
            return Selection(session, flt, cache.unreadable(fresh.scan.tree), cache, fresh.scan.tree)
        except CacheError as exc:
            _drop(cache, exc)
    loaded = _load_uncached(session, None, today, cross=False, need_data=True)
    return Selection(session, flt, loaded.unreadable, rows=loaded.records)


def iter_records(session: Session) -> Iterator[Row]:
    yield from select(session)


def find_record(session: Session, id_or_prefix: str) -> Row:
    """A record by id, or by a prefix that only one id starts with."""
    from ledger.core.problems import UsageError

    needle = id_or_prefix.strip().removesuffix(".yaml").rsplit("/", 1)[-1]
    if not needle:
        raise UsageError("give an incident id (or the start of one)")
    records = list(select(session).starting(needle))
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


class Selection:
    """Records, in path order, unpacked from the cache a batch at a time so
    memory stays flat.  With a filter they are narrowed through the index
    first, which only ever lets extra records through: apply the filter
    (``query.apply``) to what this yields.  ``unreadable``: files left out
    because they could not be read or parsed."""

    def __init__(self, session: Session, flt: Filter | None, unreadable: list[str],
                 cache: Cache | None = None, tree: str = "", rows: list[Row] | None = None) -> None:
        self.session = session
        self.flt = flt
        self.unreadable = unreadable
        self._cache = cache
        self._tree = tree
        self._rows = rows

    def __iter__(self) -> Iterator[Row]:
        from ledger.store import index
        from ledger.store.cache import narrowing

        narrow = narrowing(index.prefilter(self.flt), index.LOWER, index.UPPER)
        return self._stream(lambda cache: cache.select(self._tree, narrow))

    def starting(self, prefix: str) -> Iterator[Row]:
        """The records whose id may start with prefix (any id that is not text may)."""
        return self._stream(lambda cache: cache.find(self._tree, prefix))

    def ids(self) -> Iterator[Row] | None:
        """(path, record) of each record the filter keeps, the record cut to
        its id, from the index alone: None unless the index answers the
        filter exactly.  A list of ids then unpacks no record."""
        from ledger.store import index
        from ledger.store.cache import narrowing

        pre = index.prefilter(self.flt)
        if self._cache is None or not pre.exact:
            return None
        try:
            narrow = narrowing(pre, index.LOWER, index.UPPER)
            if narrow is not None and self._cache.unindexed(self._tree):
                return None
            picks = self._cache.select_ids(self._tree, narrow)
        except CacheError as exc:
            self._lost(exc)
            return None
        return self._id_rows(picks)

    def _id_rows(self, picks: Iterator[tuple[str, int, str | None]]) -> Iterator[Row]:
        last = ""
        try:
            for path, rid, rec_id in picks:
                assert self._cache is not None
                if rec_id is None:  # an id that is not text (or none): as the record has it
                    record = self._cache.records([rid]).get(rid) or {}
                    yield path, {"id": record["id"]} if "id" in record else {}
                else:
                    yield path, {"id": rec_id}
                last = path
        except CacheError as exc:
            yield from self._rest(exc, picks, last, filtered=True)

    def count(self, keys: Sequence[Key]) -> Summary:
        """summary.count of the records the filter keeps: in SQL from the index
        when it holds the keys and the whole filter, else in Python."""
        from collections import Counter

        from ledger.core import query, summary
        from ledger.store import index
        from ledger.store.cache import narrowing

        pre = index.prefilter(self.flt)
        # Time keys are counted in Python: an index built by an earlier version
        # holds the old month/year buckets (2020-01 for a year-only date).
        if (self._cache is not None and pre.exact and index.countable(self.session.schema, keys)
                and not any(k.chronological for k in keys)):
            try:
                if not self._cache.unindexed(self._tree):
                    total, cells, margins = self._cache.count(
                        self._tree, narrowing(pre, index.LOWER, index.UPPER),
                        [index.SUMMARY_FIELDS[k.name] for k in keys])
                    return summary.tally(
                        keys, total, {tuple(map(index.bucket, c)): n for c, n in cells.items()},
                        [Counter({index.bucket(v): n for v, n in m.items()}) for m in margins])
            except CacheError as exc:
                self._lost(exc)
        rows: Iterable[Row] = self if self.flt is None else query.select(self, self.flt)
        return summary.count(rows, keys)

    def _stream(self, pick: Callable[[Cache], Iterator[tuple[str, int]]]) -> Iterator[Row]:
        if self._cache is not None:
            try:
                picks = pick(self._cache)
            except CacheError as exc:
                self._lost(exc)
            else:
                return self._unpack(picks)
        return iter(self._uncached())

    def _uncached(self) -> list[Row]:
        if self._rows is None:
            self._rows = _load_uncached(self.session, None, dt.date.today(), cross=False,
                                        need_data=True).records
        return self._rows

    def _unpack(self, picks: Iterator[tuple[str, int]]) -> Iterator[Row]:
        """The records picked, a batch at a time; should the cache fail on the
        way, the rest from the files themselves."""
        from ledger.store.checking import check_file

        last = ""
        try:
            while batch := list(islice(picks, STREAM_BATCH)):
                assert self._cache is not None
                found = self._cache.records([rid for _, rid in batch])
                for path, rid in batch:
                    data = found.get(rid)
                    if data is None:  # not in the cache after all: read the file itself
                        data = check_file(self.session, path, dt.date.today())[1].data
                    if data is not None:
                        last = path
                        yield path, data
        except CacheError as exc:
            yield from self._rest(exc, picks, last, filtered=False)

    def _rest(self, exc: CacheError, picks: Iterator[Any], last: str, *, filtered: bool) -> Iterator[Row]:
        """When the cache failed part way through picks: the records after
        last, from the files themselves (through the filter, if filtered)."""
        from ledger.core import query

        if isinstance(picks, Generator):  # end its read while the connection is open
            with contextlib.suppress(CacheError):
                picks.close()
        self._lost(exc)
        rows: Iterable[Row] = self._uncached()
        if filtered and self.flt is not None:
            rows = query.select(rows, self.flt)
        return (row for row in rows if row[0] > last)

    def _lost(self, exc: CacheError) -> None:
        assert self._cache is not None
        _drop(self._cache, exc)
        self._cache = None


# -- the cache ------------------------------------------------------------------------

def _open_cache(session: Session) -> Cache | None:
    import os

    if os.environ.get("LEDGER_NO_CACHE"):
        return None
    import ledger
    from ledger.store import files as storage

    folder = Path(os.environ.get("LEDGER_CACHE_DIR") or session.root / session.ledger.settings.cache_dir)
    # The version number alone does not tell builds apart between releases
    # (an install from a git checkout): the code's own stamp does.
    code = storage.code_stamp(Path(ledger.__file__).parent)
    salt = (f"{session.schema.digest[:16]}-{ledger.__version__}-{code}-"
            f"{session.ledger.settings.max_file_size}")
    cache = Cache(folder, salt)
    return cache if cache.enabled else None


def _drop(cache: Cache, exc: CacheError) -> None:
    """Stop using the cache for this run; a corrupt one is deleted, to be rebuilt next time."""
    if exc.corrupt:
        cache.discard()
    else:
        cache.close()


# -- loading records ----------------------------------------------------------------

def _selection(session: Session, paths: list[Path] | None,
               scan: Scan) -> tuple[set[str] | None, list[Path]]:
    """The paths asked for (None: all), and those of them outside the scanned tree."""
    if paths is None:
        return None, []
    rels = {session.ledger.rel(p): p for p in paths}
    return set(rels), [p for rel, p in rels.items() if not scan.has(rel) and p.is_file()]


def _load_cached(session: Session, cache: Cache, paths: list[Path] | None, today: dt.date,
                 cross: bool, need_data: bool) -> Loaded:
    from ledger.core.validate import Checked
    from ledger.store import freshness, refresh

    fresh = freshness.current(session, cache, today, answer=True)
    answer = fresh.state.answer
    assert answer is not None
    selected, extras = _selection(session, paths, fresh.scan)
    current = cache.current(fresh.scan.tree)
    if need_data:
        found = cache.records([rid for _, rid, parsed in current if parsed])
        data: dict[str, dict[str, Any] | None] = {p: found.get(rid) for p, rid, _ in current}
    else:
        skeletons = cache.skeletons(fresh.scan.tree)
        data = {p: skeletons.get(p) for p, _, _ in current}
    checked = [Checked(p, data[p] if parsed else None, [Problem(*t) for t in answer["own"].get(p, [])])
               for p, _, parsed in current]
    if any(c.data is None for c, (_, _, parsed) in zip(checked, current, strict=True) if parsed):
        # Another process may have stored a newer tree meanwhile, and pruned
        # results this one used; else the cache lost rows it should hold.
        state = cache.state(with_answer=False)
        raise CacheError("records missing from the cache",
                         corrupt=state is not None and state.tree == fresh.scan.tree)
    cross_problems: list[Problem] = []
    if extras:
        results = refresh.results(session, cache, [session.ledger.rel(p) for p in extras], today, vetted=True)
        full = cache.records([r.rid for _, r in results.values()]) if need_data else {}
        checked += [Checked(p, full.get(r.rid) if need_data else r.skeleton,
                            [Problem(*t) for t in r.problems]) for p, (_, r) in results.items()]
        checked.sort(key=lambda c: c.path)
        if cross:
            cross_problems = _cross(session, checked, selected, cache, fresh.scan.started)
    elif cross:
        cross_problems = [Problem(*located) for _, located in answer["cross"] + answer["evidence"]
                          if selected is None or located[0] in selected]
    if selected is not None:
        checked = [c for c in checked if c.path in selected]
    return Loaded(checked, cross_problems)


def _uncached_files(session: Session, paths: list[Path] | None) -> tuple[Scan, set[str] | None, list[str]]:
    """The tree's scan, the paths asked for (None: all) and every file to check, sorted."""
    from ledger.store.freshness import Scan

    scan = Scan(session)
    selected, extras = _selection(session, paths, scan)
    rels = sorted([*scan.paths(), *(session.ledger.rel(p) for p in extras)])
    session.schema.validator  # noqa: B018  a broken schema stops the run (exit 3) before any work
    return scan, selected, rels


def _load_uncached(session: Session, paths: list[Path] | None, today: dt.date,
                   cross: bool, need_data: bool) -> Loaded:
    """Every file read and checked: the reference the cache must agree with."""
    from ledger.core.validate import Checked
    from ledger.store import refresh
    from ledger.store.checking import run_checks

    scan, selected, rels = _uncached_files(session, paths)
    # Without need_data only skeletons are kept, each as its check comes, so
    # memory holds no whole record (the cross-record checks read no more).
    checked = [c if need_data else Checked(c.path, refresh.skeleton(c.data), c.problems)
               for _, c in run_checks(session, rels, today)]
    cross_problems = _cross(session, checked, selected, None, scan.started) if cross else []
    if selected is not None:
        checked = [c for c in checked if c.path in selected]
    return Loaded(checked, cross_problems)


def _check_uncached(session: Session, paths: list[Path] | None, today: dt.date) -> Verdict:
    """check without the cache: each file's check is kept for its problems
    only, and streamed through the cross-record checks, so memory holds no
    record however large the ledger."""
    from ledger.core.validate import Checked
    from ledger.store import refresh
    from ledger.store.checking import run_checks

    scan, selected, rels = _uncached_files(session, paths)
    own: list[Problem] = []
    files = 0

    def checks() -> Iterator[Checked]:
        nonlocal files
        for _, c in run_checks(session, rels, today):
            if selected is None or c.path in selected:
                files += 1
                own.extend(c.problems)
            yield Checked(c.path, refresh.skeleton(c.data))
    cross = _cross(session, checks(), selected, None, scan.started)
    return Verdict(files, sorted(own + cross))


def _cross(session: Session, checked: Iterable[Checked], selected: set[str] | None,
           cache: Cache | None, started: int) -> list[Problem]:
    """Cross-record and evidence problems of the selected records, with positions."""
    from ledger.core.validate import check_ledger
    from ledger.store import refresh

    evidence: dict[str, dict[str, Any]] = {}

    def noting() -> Iterator[Checked]:
        # Evidence is checked from skeletons, as the cache does: they keep every source's file.
        for c in checked:
            skeleton = refresh.skeleton(c.data)
            if skeleton is not None and "sources" in skeleton and (selected is None or c.path in selected):
                evidence[c.path] = skeleton
            yield c
    cross = check_ledger(noting())
    lookup = refresh.evidence_lookup(session, cache, started)[0]
    raw = cross + refresh.evidence_problems(evidence, lookup)
    return refresh.locate(session, [p for p in raw if selected is None or p.path in selected])
