"""Loading a ledger: the walker, the pure checks, and the memo around them.

One path computes every answer: the tree (``ledger.store.tree``) says which
content each record file holds; each file's result (problems, record,
facets) is the pure ``checking.check_file`` of that content; the ledger's
problems add the cross-record and evidence checks.  The memo
(``ledger.store.cache``) only remembers those results by the content they
came from, so an answer with it is the answer without it
(``LEDGER_NO_CACHE=1``); a memo that fails in any way is dropped and the
files answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.core import facets as facet
from ledger.core.problems import LedgerError, Problem
from ledger.store import checking, files, private
from ledger.store.cache import CacheError, Memo, code_stamp, fingerprint
from ledger.store.profiles import Profiles
from ledger.store.profiles import load as load_profiles
from ledger.store.session import Session
from ledger.store.tree import Tree, every_file, racy, snapshot

Row = tuple[str, dict[str, Any]]
PTuple = tuple[Any, ...]


def as_tuple(p: Problem) -> PTuple:
    return (p.line, p.column, p.code, p.message, p.severity, p.pointer, p.hint)


def from_tuple(path: str, t: Sequence[Any]) -> Problem:
    line, column, code, message, severity, pointer, hint = t
    return Problem(path, line, column, code, message, severity, pointer, hint)


def holds(made: str, dated: bool, day: str) -> bool:
    """Whether a check made on day `made` (ISO) holds on `day`: a date that was
    past is past on every later day; one in the future, only that same day."""
    return made == day or (not dated and made <= day)


@dataclass
class Verdict:
    """What validate reports: how many files were checked, and every problem, sorted."""

    files: int
    problems: list[Problem]


@dataclass
class State:
    """What every file of one tree contributes, in path order (columns)."""

    paths: list[str]
    blobs: list[str | None]
    rids: list[int | None]  # the memo's row of each result (None without a memo, or unparsed)
    parsed: list[bool]
    ids: list[Any]
    indexed: list[bool]  # the record has facets (parsed, and every bucket text)
    own: dict[str, list[PTuple]] = field(default_factory=dict)  # non-empty problems by path
    skeletons: dict[str, dict[str, Any]] = field(default_factory=dict)  # those beyond {"id": ...}
    made: dict[str, str] = field(default_factory=dict)  # path -> day checked, for dated results
    day: str = ""
    # Facets by column (ledger.core.facets); None until asked for (kept apart in the memo).
    columns: facet.Columns | None = None
    data: dict[str, dict[str, Any]] = field(default_factory=dict)  # records checked this run (no memo)

    _COLUMNS = ("blobs", "rids", "parsed", "ids", "indexed")

    def pack(self) -> dict[str, Any]:
        return {"paths": self.paths, "blobs": self.blobs, "rids": self.rids, "parsed": self.parsed,
                "ids": self.ids, "indexed": self.indexed, "own": self.own, "skeletons": self.skeletons,
                "made": self.made, "day": self.day}

    @classmethod
    def unpack(cls, value: dict[str, Any]) -> State:
        try:
            state = cls(**value)
        except TypeError as exc:
            raise CacheError(f"a stored tree has the wrong shape: {exc}") from None
        n = len(state.paths)
        columns = [getattr(state, c) for c in cls._COLUMNS]
        if not all(isinstance(col, list) and len(col) == n for col in columns) \
                or not all(isinstance(x, dict) for x in (state.own, state.skeletons, state.made)):
            raise CacheError("a stored tree has the wrong shape")
        return state

    def skeleton(self, i: int) -> dict[str, Any] | None:
        if not self.parsed[i]:
            return None
        found = self.skeletons.get(self.paths[i])
        return found if found is not None else {"id": self.ids[i]}

    def forget(self, i: int) -> None:
        """Row i no longer holds a result (its file changed)."""
        rel = self.paths[i]
        self.rids[i], self.parsed[i], self.ids[i], self.indexed[i] = None, False, None, False
        self.own.pop(rel, None)
        self.skeletons.pop(rel, None)
        self.made.pop(rel, None)
        if self.columns is not None:
            facet.set_row(self.columns, i, None)


class Loader:
    """One command's view of a ledger."""

    def __init__(self, session: Session, *, today: dt.date | None = None) -> None:
        self.session = session
        self.layout = session.layout
        self.today = today or dt.date.today()
        self.memo = _open_memo(session)
        self._tree: Tree | None = None
        self._state: State | None = None
        self._key = ""
        self._profiles: Profiles | None = None

    def profiles(self) -> Profiles:
        """Every actor profile, read from the files (once per command)."""
        if self._profiles is None:
            self._profiles = load_profiles(self.session, self.today)
        return self._profiles

    # -- the memo -------------------------------------------------------------

    def _lost(self, exc: CacheError) -> None:
        """Go on without the memo; it is deleted, to be rebuilt next time."""
        if self.memo is not None:
            self.memo.discard()
            self.memo = None

    def _tree_now(self) -> Tree:
        if self._tree is None:
            if self.memo is not None:
                self._tree = snapshot(self.layout, self.memo)
                self._tree.read_ahead(self.layout)
            else:
                self._tree = every_file(files.walk(self.layout))
        return self._tree

    def _digest(self) -> str:
        """The tree's digest, once every file's content is known."""
        tree = self._tree_now()
        if not self._key and not tree.unknown:
            self._key = tree.digest()
        return self._key

    def _stored(self, name: str, key: str | None) -> dict[str, Any] | None:
        if self.memo is None:
            return None
        try:
            value: dict[str, Any] | None = self.memo.answer(name, key)
            return value
        except CacheError as exc:
            self._lost(exc)
            return None

    def _keep(self, name: str, value: dict[str, Any], *, key: str | None = None) -> None:
        key = key if key is not None else self._digest()
        if self.memo is not None and key:
            try:
                self.memo.keep_answer(name, key, value)
            except CacheError as exc:
                self._lost(exc)

    # -- the state of every file ------------------------------------------------

    def state(self, *, keep: bool = True) -> State:
        """Every file's contribution.  keep=False (validate): a state built
        afresh is not stored (validate's own answer is), nor are its facets
        made: the next command that needs them builds on the last stored one."""
        if self._state is None:
            key = self._digest()
            old = None
            value = self._stored("tree", key) if key else None
            try:
                old = State.unpack(value) if value is not None else None
            except CacheError as exc:
                self._lost(exc)
            day = self.today.isoformat()
            if old is not None and (old.day == day or (not old.made and old.day <= day)):
                self._state = old
            else:
                self._state = self._build(old, keep=keep)
        return self._state

    def columns(self) -> facet.Columns:
        """The facets of every record, by column (ledger.core.facets)."""
        state = self.state()
        if state.columns is None:
            cols = _columns(self._stored("facets", self._digest()) if self._digest() else None,
                            len(state.paths))
            if cols is not None:
                state.columns = cols
            else:
                state.columns = self._all_columns(state)
        return state.columns

    def _all_columns(self, state: State) -> facet.Columns:
        """Columns made again from each record's stored facets (the memo lost them)."""
        cols = facet.empty_columns(len(state.paths))
        rids = [r for r in state.rids if r is not None]
        looks: dict[int, Any] = {}
        if self.memo is not None and rids:
            try:
                looks = self.memo.facets(rids)
            except CacheError as exc:
                self._lost(exc)
        for i, rid in enumerate(state.rids):
            look = looks.get(rid) if rid is not None else None
            if look is None and state.parsed[i]:
                packed = checking.check_file(self.session, state.paths[i], self.today).facets
                look = marshal.loads(packed) if packed is not None else None
            facets_ = look[1] if look is not None else None
            state.indexed[i] = facets_ is not None
            facet.set_row(cols, i, facets_)
        return cols

    def _build(self, old: State | None, *, keep: bool = True) -> State:
        """The state of the tree, reusing what old (or the memo) knows of unchanged files."""
        tree = self._tree_now()
        day = self.today.isoformat()
        if old is None:
            value = self._stored("tree", None)  # the last tree stored, whatever it was
            try:
                old = State.unpack(value) if value is not None else None
            except CacheError as exc:
                self._lost(exc)
        # Nothing stored to build on next time: this state is kept, whoever asked.
        keep = keep or old is None
        if old is not None:
            # This memo file is made for this very schema (its digest is in the
            # salt) and holds a tree: the schema compiled then, so the slow
            # Python validator is left until a record fails.
            self.session.schema.vetted = True
            old.columns = _columns(self._stored("facets", None), len(old.paths)) if keep else None
        paths = tree.paths
        blobs = [tree.blobs.get(rel) for rel in paths]
        n = len(paths)
        if old is not None and old.paths == paths and (old.columns is not None or not keep):
            # The same files (the usual warm case): copy, then forget the changed rows.
            new = State(paths, blobs, list(old.rids), list(old.parsed), list(old.ids), list(old.indexed),
                        dict(old.own), dict(old.skeletons), dict(old.made), day,
                        {c: list(col) for c, col in old.columns.items()} if old.columns is not None else None)
            todo = [i for i, (a, b) in enumerate(zip(old.blobs, blobs, strict=True)) if a != b or b is None]
            todo += [i for i, rel in enumerate(paths)
                     if rel in old.made and not holds(old.made[rel], True, day)]
            for i in todo:
                new.forget(i)
        else:
            new = State(paths, blobs, [None] * n, [False] * n, [None] * n, [False] * n, day=day,
                        columns=facet.empty_columns(n) if keep else None)
            prior: dict[str, int] = {p: i for i, p in enumerate(old.paths)} if old else {}
            todo = []
            for i, rel in enumerate(paths):
                j = prior.get(rel)
                if old is not None and j is not None and blobs[i] is not None and old.blobs[j] == blobs[i] \
                        and (old.columns is not None or not keep) \
                        and holds(old.made.get(rel, old.day), rel in old.made, day):
                    new.rids[i], new.parsed[i], new.ids[i], new.indexed[i] = \
                        old.rids[j], old.parsed[j], old.ids[j], old.indexed[j]
                    for store in ("own", "skeletons", "made"):
                        if rel in getattr(old, store):
                            getattr(new, store)[rel] = getattr(old, store)[rel]
                    if new.columns is not None and old.columns is not None:
                        for code in facet.CODES:
                            new.columns[code][i] = old.columns[code][j]
                else:
                    todo.append(i)
        for rel in tree.listing.kinds:
            new.own[rel] = [as_tuple(tree.problems[rel])]
        todo = [i for i in sorted(set(todo)) if paths[i] not in tree.listing.kinds]
        for i in todo:
            if paths[i] in tree.problems:  # could not be read ahead
                new.own[paths[i]] = [as_tuple(tree.problems[paths[i]])]
        todo = [i for i in todo if paths[i] not in tree.problems]
        if todo:
            self._check(tree, new, todo)
        new.blobs = [tree.blobs.get(rel) for rel in paths]
        tree.unknown = [rel for rel in tree.unknown if rel not in tree.blobs and rel not in tree.problems]
        if self.memo is not None:
            tree.remember(self.memo)
        if self.memo is not None and keep:
            self._keep("tree", new.pack())
            self._keep("facets", {"columns": new.columns})
            if self.memo is not None:
                try:
                    self.memo.prune({r for r in new.rids if r is not None})
                except CacheError as exc:
                    self._lost(exc)
        return new

    def _check(self, tree: Tree, new: State, todo: list[int]) -> None:
        """Results of the files at todo: from the memo when it has their content, else checked."""
        day = self.today.isoformat()
        paths = new.paths
        known = {paths[i]: tree.blobs[paths[i]] for i in todo if paths[i] in tree.blobs}
        stored: dict[tuple[str, str], tuple[Any, ...]] = {}
        looks: dict[int, Any] = {}
        if self.memo is not None and known:
            try:
                stored = {k: v for k, v in self.memo.results(list(known.items())).items()
                          if holds(v[1], v[2], day)}
                looks = self.memo.facets([v[0] for v in stored.values()])
            except CacheError as exc:
                self._lost(exc)
                stored, looks = {}, {}
        slot = {paths[i]: i for i in todo}
        for (rel, _), (rid, made, dated, problems) in stored.items():
            self._fill(new, slot[rel], rid, problems, looks.get(rid), made if dated else "")
        rest = [paths[i] for i in todo if (paths[i], known.get(paths[i], "")) not in stored]
        if not rest:
            return
        if not self.session.schema.vetted:
            self.session.schema.validator  # noqa: B018  a broken schema stops the run (exit 3) before any work
        if all(rel in tree.raw for rel in rest):  # read ahead: checked from the bytes in hand
            outcomes: Iterator[checking.Compact] = (
                checking.pack_file(self.session, rel, self.today, tree.raw[rel]) for rel in rest)
        else:
            outcomes = checking.run_packed(self.session, rest, self.today, len(rest))
        rows = []
        for packed in outcomes:
            rel = packed.rel
            if packed.blob is None:  # could not be read
                tree.learn(rel, None, from_tuple(rel, packed.problems[0]))
                new.own[rel] = packed.problems
                continue
            tree.learn(rel, packed.blob, None)
            dated = any(p[2] == "date-in-future" for p in packed.problems)
            look = marshal.loads(packed.facets) if packed.facets is not None else None
            self._fill(new, slot[rel], None, packed.problems, look, day if dated else "", packed.row)
            if packed.data is not None and self.memo is None:
                new.data[rel] = marshal.loads(packed.data)
            rows.append((rel, packed.blob, day, dated, marshal.dumps(packed.problems), packed.data,
                         packed.facets))
            if self.memo is not None and len(rows) >= 500:
                self._keep_results(new, slot, rows)
                rows = []
        if self.memo is not None and rows:
            self._keep_results(new, slot, rows)

    def _keep_results(self, new: State, slot: dict[str, int], rows: list[Any]) -> None:
        if self.memo is None:
            return
        try:
            rids = self.memo.keep_results(rows)
        except CacheError as exc:
            self._lost(exc)
            return
        for (rel, _blob), rid in rids.items():
            new.rids[slot[rel]] = rid

    @staticmethod
    def _fill(new: State, i: int, rid: int | None, problems: list[PTuple], look: Any, dated_on: str,
              values: tuple[Any, ...] | None = None) -> None:
        rel = new.paths[i]
        new.rids[i] = rid
        if problems:
            new.own[rel] = problems
        if dated_on:
            new.made[rel] = dated_on
        if look is None:
            return
        skeleton, facets_ = look
        new.parsed[i] = True
        rec_id = skeleton.get("id")
        new.ids[i] = rec_id
        new.indexed[i] = facets_ is not None
        if new.columns is not None:
            facet.set_row(new.columns, i, facets_, values)
        if not (isinstance(rec_id, str) and skeleton == {"id": rec_id}):
            new.skeletons[rel] = skeleton

    # -- records ------------------------------------------------------------------

    def records(self, indexes: Sequence[int]) -> Iterator[Row]:
        """(path, record) of the state's files at indexes (parsed ones), in that order."""
        state = self.state()
        batch = 256
        for start in range(0, len(indexes), batch):
            part = [i for i in indexes[start:start + batch] if state.parsed[i]]
            found: dict[int, dict[str, Any]] = {}
            rids = [state.rids[i] for i in part if state.rids[i] is not None]
            if self.memo is not None and rids:
                try:
                    found = self.memo.records([r for r in rids if r is not None])
                except CacheError as exc:
                    self._lost(exc)
            for i in part:
                path = state.paths[i]
                rid = state.rids[i]
                data = state.data.get(path) or (found.get(rid) if rid is not None else None)
                if data is None:  # not in the memo after all: from the file itself
                    data = checking.check_file(self.session, path, self.today).data
                if data is not None:
                    yield path, data

    def unreadable(self) -> list[str]:
        state = self.state()
        return [p for p, ok in zip(state.paths, state.parsed, strict=True) if not ok]

    # -- validate ---------------------------------------------------------------------

    def check(self, paths: list[Path] | None = None) -> Verdict:
        """Everything validate reports, for the whole ledger or the files in paths."""
        # The answer depends on the profiles too (their problems, the profile
        # refs records make), which the tree does not cover.
        key = self._digest()
        key = f"{key}-{self.profiles().digest}" if key else ""
        answer = self._stored("check", key) if key else None
        if answer is not None and not self._answer_holds(answer):
            answer = None
        problems: list[Problem] = []
        count = 0
        if answer is not None:
            try:
                problems = [from_tuple(p[0], p[1:]) for p in answer["problems"]]
                count = int(answer["files"])
            except (KeyError, TypeError, ValueError):  # signed, yet of another shape: ignore it
                answer = None
        if answer is None:
            answer = self._answer()
            key = self._digest()  # every file's content is known now
            if key:
                self._keep("check", answer, key=f"{key}-{self.profiles().digest}")
            problems = [from_tuple(p[0], p[1:]) for p in answer["problems"]]
            count = int(answer["files"])
        if paths is None:
            return Verdict(count, problems)
        return self._subset(paths, problems)

    def _answer_holds(self, answer: dict[str, Any]) -> bool:
        day = self.today.isoformat()
        made, dated = answer.get("day", ""), answer.get("dated", True)
        if not isinstance(made, str) or not holds(made, bool(dated), day):
            return False
        seen = answer.get("evidence")
        if not isinstance(seen, dict):
            return False
        return all(_evidence_fp(self.layout.root, rel) == fp for rel, fp in seen.items())

    def _answer(self) -> dict[str, Any]:
        from ledger.core.migrations import schema_version
        from ledger.core.validate import profile_problems, version_problems

        state = self.state(keep=False)
        problems = [(p, *t) for p, ts in state.own.items() for t in ts]
        cross = _cross(state)
        profiles = self.profiles()
        # Only skeletons beyond the id hold profile refs or another schema version.
        skeletons = sorted(state.skeletons.items())
        cross += profile_problems(skeletons, set(profiles.by_id))
        cross += version_problems(skeletons, schema_version(self.session.schema.document))
        cross += self._confidential_profiles(state, skeletons, profiles)
        problems += [(p.path, *as_tuple(p)) for p in profiles.problems]
        lookup, seen = self._evidence_lookup()
        cross += _evidence(state, lookup)
        problems += [(p.path, *as_tuple(p)) for p in self._locate(cross)]
        problems.sort(key=lambda t: from_tuple(t[0], t[1:]))
        return {"files": len(state.paths) + profiles.files, "problems": problems,
                "day": self.today.isoformat(),
                "dated": bool(state.made), "evidence": seen}

    def _confidential_profiles(self, state: State, skeletons: list[tuple[str, Any]],
                               profiles: Profiles) -> list[Problem]:
        """The warnings a record gets for naming a confidential actor (in its id or
        its public text) when that actor is confidential through its profile."""
        from ledger.core.model import with_profiles
        from ledger.core.validate import confidential_problems

        secret = profiles.confidential
        if not secret:
            return []
        rows = {p: i for i, p in enumerate(state.paths)}
        wanted = [rows[path] for path, skel in skeletons
                  if skel and any(pid in secret for _, pid in skel.get("profiles", ()))]
        out: list[Problem] = []
        for path, data in self.records(wanted):
            own = set(confidential_problems(path, data))
            resolved = with_profiles(data, profiles.by_id)
            out += [p for p in confidential_problems(path, resolved) if p not in own]
        return out

    def _evidence_lookup(self) -> tuple[Any, dict[str, Any]]:
        """A lookup of evidence files (hashed unless the memo knows their stat),
        and the fingerprint of each seen, which a later answer must find again."""
        memo_: dict[str, files.FileState] = {}
        seen: dict[str, Any] = {}
        root = self.layout.root

        def lookup(rel: str) -> files.FileState:
            if rel in memo_:
                return memo_[rel]
            found = files.locate_evidence(root, rel)
            seen[rel] = _evidence_fp(root, rel)
            if found.status == "ok" and found.stat is not None:
                fp = fingerprint(found.stat)
                known = None
                if self.memo is not None:
                    try:
                        known = self.memo.evidence_hash(fp)
                    except CacheError:
                        known = None
                if known:
                    from dataclasses import replace

                    found = replace(found, sha256=known)
                else:
                    found = files.hash_evidence(found)
                    fresh = found.stat is None or racy(found.stat, time.time_ns())
                    if self.memo is not None and found.sha256 and not fresh:
                        with contextlib.suppress(CacheError):
                            self.memo.keep_evidence(fp, found.sha256)
                    if fresh:
                        seen[rel] = None  # never trusted: the next run hashes it again
            memo_[rel] = found
            return found
        return lookup, seen

    def _locate(self, problems: list[Problem]) -> list[Problem]:
        """Problems with the line and column of what they point at, in the same order."""
        from ledger.core import yamlio
        from ledger.core.validate import locate as in_text

        by_path: dict[str, list[int]] = {}
        for i, p in enumerate(problems):
            by_path.setdefault(p.path, []).append(i)
        out = list(problems)
        for rel, places in by_path.items():
            raw, _ = files.read_record(self.layout, rel)
            text = yamlio.decode(raw)[0] if raw is not None else None
            if text is not None:
                for i, p in zip(places, in_text([problems[i] for i in places], text), strict=True):
                    out[i] = p
        return out

    def _subset(self, paths: list[Path], problems: list[Problem]) -> Verdict:
        """The verdict for the files in paths (problems of the whole ledger's check);
        files the walker does not list (a hidden file given by name) are checked apart."""
        from ledger.core.validate import Checked, check_ledger

        state = self.state()
        inside = set(state.paths)
        wanted = {self.layout.rel(p) for p in paths}
        profiled = {rel for rel, _ in self.profiles().rows} | {p.path for p in self.profiles().problems}
        extras = sorted(w for w in wanted if w not in inside and w not in profiled)
        out = [p for p in problems if p.path in wanted]
        if extras:
            added = list(checking.run_checks(self.session, extras, self.today, len(extras)))
            out += [p for packed in added for p in packed.problems]
            checked = [Checked(state.paths[i], state.skeleton(i)) for i in range(len(state.paths))]
            checked += [Checked(p.rel, checking.skeleton(p.data) if p.data is not None else None)
                        for p in added]
            checked.sort(key=lambda c: c.path)
            cross = [p for p in check_ledger(checked) if p.path in extras]
            out += self._locate(cross)
        return Verdict(len(wanted & inside) + len(wanted & profiled) + len(extras), sorted(out))

    # -- selecting ----------------------------------------------------------------------

    def _picks(self, flt: Any) -> tuple[list[int], bool]:
        """The rows of parsed records the filter's facets admit, and whether
        the facets answered the filter exactly (no record left unindexed)."""
        state = self.state()
        pre = facet.prefilter(flt)
        parsed = list(range(len(state.parsed))) if all(state.parsed) else \
            [i for i, ok in enumerate(state.parsed) if ok]
        if pre.empty:
            return parsed, pre.exact and (all(state.indexed) or all(state.indexed[i] for i in parsed))
        cols = self.columns()
        indexed = [i for i in parsed if state.indexed[i]]
        loose = [i for i in parsed if not state.indexed[i]]  # no facets: always a candidate
        picks = sorted(facet.admitted(pre, cols, indexed) + loose)
        return picks, pre.exact and not loose

    def select(self, flt: Any = None) -> Iterator[Row]:
        """The records flt keeps, in path order (every record without one)."""
        from ledger.core import query

        picks, _ = self._picks(flt)
        rows = self.records(picks)
        return rows if flt is None else query.select(rows, flt)

    def ids(self, flt: Any = None) -> Iterator[Row] | None:
        """(path, {"id": id}) of each record flt keeps, from the facets alone; None
        unless the facets answer the filter exactly."""
        picks, exact = self._picks(flt)
        if not exact:
            return None
        state = self.state()
        return ((state.paths[i], {"id": state.ids[i]} if state.ids[i] is not None else {}) for i in picks)

    def count(self, keys: Sequence[Any], flt: Any = None) -> Any:
        """summary.count of the records flt keeps: from the facets when they hold
        the keys and the whole filter, else from the records."""
        from collections import Counter

        from ledger.core import summary

        picks, exact = self._picks(flt)
        if exact and facet.countable(self.session.schema, keys):
            cols = self.columns()
            codes = [facet.SUMMARY_FIELDS[k.name] for k in keys]
            cells: Counter[tuple[Any, ...]] = Counter()
            margins: list[Counter[Any]] = [Counter() for _ in keys]
            column = cols[codes[0]]
            every = len(picks) == len(column)
            values = column if every else [column[i] for i in picks]
            if len(codes) == 1 and facet.SEP not in "".join(values):
                # One key with one bucket a record (year, month, country, status): counted in C.
                counted = Counter(values)
                margins[0].update({(None if v == facet.NONE else v): n for v, n in counted.items()})
                cells.update({(k,): n for k, n in margins[0].items()})
            else:
                for i in picks:
                    buckets = [facet.buckets(cols, code, i) for code in codes]
                    for margin, values in zip(margins, buckets, strict=True):
                        margin.update(values)
                    combos: list[tuple[Any, ...]] = [()]
                    for values in buckets:
                        combos = [(*c, v) for c in combos for v in values]
                    cells.update(combos)
            return summary.tally(keys, len(picks), cells, margins)
        return summary.count(self.select(flt), keys)

    def find(self, id_or_prefix: str) -> Row:
        """A record by id, or by a prefix that only one id starts with."""
        from ledger.core import ids

        wanted = ids.needle(id_or_prefix)
        state = self.state()
        maybe = [i for i in range(len(state.paths)) if state.parsed[i]
                 and (not isinstance(state.ids[i], str) or state.ids[i].startswith(wanted))]
        return ids.pick(self.records(maybe) if wanted else [], id_or_prefix)


def _cross(state: State) -> list[Problem]:
    """validate.check_ledger over the state's columns: unique ids and links
    between incidents, without a record object per file."""
    from collections import Counter

    from ledger.core.validate import cross_problems, links

    ids: list[str | None] = [rid if ok and isinstance(rid, str) else None
                             for rid, ok in zip(state.ids, state.parsed, strict=True)]
    counts = Counter(ids)
    counts.pop(None, None)
    twice = {rid for rid, n in counts.items() if n > 1}
    # In the order each id's first file comes, with its files in path order, as check_ledger has them.
    using: dict[str, list[str]] = {}
    for path, rid in zip(state.paths, ids, strict=True):
        if rid is not None and rid in twice:
            using.setdefault(rid, []).append(path)
    duplicates = list(using.items())
    linking: list[tuple[str, Mapping[str, Any]]] = [
        (p, s) for p, s in sorted(state.skeletons.items()) if links(s)]
    known = set(counts)
    every = [rid for rid in ids if rid is not None]
    return cross_problems(duplicates, linking, lambda wanted: wanted & known,
                          lambda: list(dict.fromkeys(every)))


def _columns(value: dict[str, Any] | None, n: int) -> facet.Columns | None:
    """The stored facet columns, when they are whole and of n rows."""
    cols = value.get("columns") if value is not None else None
    if isinstance(cols, dict) and all(isinstance(cols.get(c), list) and len(cols[c]) == n
                                      for c in facet.CODES):
        return cols
    return None


def _evidence_fp(root: Path, rel: str) -> Any:
    try:
        return fingerprint(os.lstat(root / rel)) if not rel.startswith("/") and ".." not in rel else "outside"
    except (OSError, ValueError):
        return "absent"


def _evidence(state: State, lookup: Any) -> list[Problem]:
    from ledger.core.validate import evidence_problems

    out: list[Problem] = []
    for path, skel in sorted(state.skeletons.items()):
        if "sources" in skel:
            out += evidence_problems(path, skel, lookup)
    return out


def _checker_versions() -> str:
    """The versions of what checks a record beside ledger's own code: another
    version of them may answer otherwise.  Read from the names of the
    installed distributions' metadata folders (one listing of each folder
    they live in), without importing them or importlib.metadata: a warm run
    does neither."""
    import importlib.util

    # distribution -> a module it installs
    wanted = {"jsonschema": "jsonschema", "jsonschema_rs": "jsonschema_rs", "rfc3986_validator":
              "rfc3986_validator", "ruamel.yaml": "ruamel.yaml", "ruamel.yaml.clib": "_ruamel_yaml"}
    found: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    for dist, module in wanted.items():
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin:
            found[dist] = "none"
            continue
        # site-packages: above the package's folder, or beside a module file
        folder = os.path.dirname(spec.origin)
        for _ in range(module.count(".") + spec.origin.endswith("__init__.py")):
            folder = os.path.dirname(folder)
        if folder not in listed:
            try:
                listed[folder] = [n for n in os.listdir(folder) if n.endswith(".dist-info")]
            except OSError:
                listed[folder] = []
        norm = dist.replace("-", "_").lower()
        prefix = norm.replace(".", "_") + "-"
        names = sorted(n for n in listed[folder] if n.lower().replace(".", "_").startswith(prefix))
        found[dist] = ",".join(names) or "none"
    return ";".join(f"{k}={v}" for k, v in sorted(found.items()))


def _open_memo(session: Session) -> Memo | None:
    if os.environ.get("LEDGER_NO_CACHE"):
        return None
    from ledger.version import __version__

    try:
        folder = private.folder(session.root)
    except LedgerError:
        return None
    # The version number alone does not tell builds apart (an install from a
    # git checkout): the code's own digest does.
    code = code_stamp(Path(__file__).resolve().parent.parent)
    settings = session.layout.settings
    salt_text = (f"{session.schema.digest}-{__version__}-{code}-{settings.max_file_size}-{settings.incidents}"
                 f"-{_checker_versions()}")
    import hashlib

    salt = hashlib.sha1(salt_text.encode(), usedforsecurity=False).hexdigest()[:20]
    try:
        return Memo(folder, salt, private.memo_key())
    except CacheError:
        return None
