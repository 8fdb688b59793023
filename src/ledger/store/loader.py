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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.core import facets as facet
from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError
from ledger.store import checking, files, private
from ledger.store.cache import CacheError, Memo, code_stamp, fingerprint
from ledger.store.profiles import Profiles
from ledger.store.profiles import load as load_profiles
from ledger.store.session import Session
from ledger.store.tree import Tree, every_file, snapshot

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
    facets: list[Any]  # each record's facets (None: not parsed or not indexed)
    own: dict[str, list[PTuple]] = field(default_factory=dict)  # non-empty problems by path
    skeletons: dict[str, dict[str, Any]] = field(default_factory=dict)  # those beyond {"id": ...}
    made: dict[str, str] = field(default_factory=dict)  # path -> day checked, for dated results
    day: str = ""
    data: dict[str, dict[str, Any]] = field(default_factory=dict)  # records checked this run (no memo)

    def pack(self) -> dict[str, Any]:
        return {"paths": self.paths, "blobs": self.blobs, "rids": self.rids, "parsed": self.parsed,
                "ids": self.ids, "facets": self.facets, "own": self.own, "skeletons": self.skeletons,
                "made": self.made, "day": self.day}

    @classmethod
    def unpack(cls, value: dict[str, Any]) -> State:
        try:
            state = cls(**value)
        except TypeError as exc:
            raise CacheError(f"a stored tree has the wrong shape: {exc}") from None
        n = len(state.paths)
        if not all(isinstance(col, list) and len(col) == n
                   for col in (state.blobs, state.rids, state.parsed, state.ids, state.facets)):
            raise CacheError("a stored tree has the wrong shape")
        return state

    def skeleton(self, i: int) -> dict[str, Any] | None:
        if not self.parsed[i]:
            return None
        found = self.skeletons.get(self.paths[i])
        return found if found is not None else {"id": self.ids[i]}


class Loader:
    """One command's view of a ledger."""

    def __init__(self, session: Session, *, today: dt.date | None = None) -> None:
        self.session = session
        self.layout = session.layout
        self.today = today or dt.date.today()
        self.memo = _open_memo(session)
        self._tree: Tree | None = None
        self._state: State | None = None
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
            else:
                self._tree = every_file(files.walk(self.layout))
        return self._tree

    # -- the state of every file ------------------------------------------------

    def state(self) -> State:
        if self._state is None:
            tree = self._tree_now()
            old = None
            if self.memo is not None and not tree.unknown:
                try:
                    value = self.memo.answer("tree", tree.digest())
                    old = State.unpack(value) if value is not None else None
                except CacheError as exc:
                    self._lost(exc)
                if old is not None and not self._current(old):
                    old = self._refresh(tree, old)
            self._state = old if old is not None else self._build(tree)
        return self._state

    def _current(self, state: State) -> bool:
        day = self.today.isoformat()
        return state.day == day or (not state.made and state.day <= day)

    def _refresh(self, tree: Tree, old: State) -> State:
        return self._build(tree, old)

    def _build(self, tree: Tree, old: State | None = None) -> State:
        """The state of tree, reusing what old (or the memo) knows of unchanged files."""
        day = self.today.isoformat()
        if old is None and self.memo is not None:
            try:
                value = self.memo.answer("tree", "")  # the last tree stored, whatever it was
                old = State.unpack(value) if value is not None else None
            except CacheError as exc:
                self._lost(exc)
        prior: dict[str, int] = {p: i for i, p in enumerate(old.paths)} if old else {}
        new = State([], [], [], [], [], [], day=day)
        todo: list[str] = []
        slots: dict[str, int] = {}
        unknown = set(tree.unknown)
        for e in tree.entries:
            rel = e.rel
            slots[rel] = len(new.paths)
            new.paths.append(rel)
            blob = tree.blobs.get(rel)
            new.blobs.append(blob)
            new.rids.append(None)
            new.parsed.append(False)
            new.ids.append(None)
            new.facets.append(None)
            if rel in tree.problems:
                new.own[rel] = [as_tuple(tree.problems[rel])]
                continue
            i = prior.get(rel)
            if old is not None and i is not None and blob is not None and old.blobs[i] == blob \
                    and holds(old.made.get(rel, old.day), rel in old.made, day):
                self._take(new, rel, old, i)
            elif rel not in unknown and blob is None:
                todo.append(rel)
            else:
                todo.append(rel)
        if todo:
            self._check(tree, new, todo, slots)
        tree.blobs.update({p: b for p, b in zip(new.paths, new.blobs, strict=True) if b is not None})
        if self.memo is not None:
            try:
                tree.remember(self.memo)
                packed = new.pack()
                self.memo.keep_answer("tree", tree.digest(), packed)
                self.memo.prune({r for r in new.rids if r is not None})
            except CacheError as exc:
                self._lost(exc)
        return new

    @staticmethod
    def _take(new: State, rel: str, old: State, i: int) -> None:
        j = len(new.paths) - 1
        new.rids[j], new.parsed[j], new.ids[j], new.facets[j] = old.rids[i], old.parsed[i], old.ids[i], \
            old.facets[i]
        if rel in old.own:
            new.own[rel] = old.own[rel]
        if rel in old.skeletons:
            new.skeletons[rel] = old.skeletons[rel]
        if rel in old.made:
            new.made[rel] = old.made[rel]

    def _check(self, tree: Tree, new: State, todo: list[str], slots: dict[str, int]) -> None:
        """Results of the files in todo: from the memo when it has their content, else checked."""
        day = self.today.isoformat()
        known = {rel: tree.blobs[rel] for rel in todo if rel in tree.blobs}
        stored: dict[tuple[str, str], tuple[Any, ...]] = {}
        if self.memo is not None and known:
            try:
                stored = {k: v for k, v in self.memo.results(list(known.items())).items()
                          if holds(v[1], v[2], day)}
                looks = self.memo.facets([v[0] for v in stored.values()])
            except CacheError as exc:
                self._lost(exc)
                stored, looks = {}, {}
            for (rel, _), (rid, made, dated, problems) in stored.items():
                if rid not in looks and any(p[2] == "yaml-syntax" for p in problems) is False and \
                        not problems:
                    pass
                self._fill(new, slots[rel], rel, rid, problems, looks.get(rid), made if dated else "")
        rest = [rel for rel in todo if (rel, known.get(rel, "")) not in stored]
        if not rest:
            return
        self.session.schema.validator  # noqa: B018  a broken schema stops the run (exit 3) before any work
        rows = []
        for packed in checking.run_checks(self.session, rest, self.today, len(rest)):
            rel = packed.rel
            if packed.blob is None:  # could not be read
                tree.learn(rel, None, packed.problems[0])
                new.own[rel] = [as_tuple(p) for p in packed.problems]
                continue
            tree.learn(rel, packed.blob, None)
            j = slots[rel]
            new.blobs[j] = packed.blob
            problems = [as_tuple(p) for p in packed.problems]
            dated = any(p.code == "date-in-future" for p in packed.problems)
            look = marshal.loads(packed.facets) if packed.facets is not None else None
            self._fill(new, j, rel, None, problems, look, day if dated else "")
            if packed.data is not None:
                new.data[rel] = packed.data
            rows.append((rel, packed.blob, day, dated, marshal.dumps(problems),
                         marshal.dumps(packed.data) if packed.data is not None else None, packed.facets))
            if self.memo is not None and len(rows) >= 500:
                self._keep(new, slots, rows)
                rows = []
        if self.memo is not None and rows:
            self._keep(new, slots, rows)

    def _keep(self, new: State, slots: dict[str, int], rows: list[Any]) -> None:
        if self.memo is None:
            return
        try:
            rids = self.memo.keep_results(rows)
        except CacheError as exc:
            self._lost(exc)
            return
        for (rel, _blob), rid in rids.items():
            new.rids[slots[rel]] = rid
            new.data.pop(rel, None)  # the memo holds it: memory stays flat

    @staticmethod
    def _fill(new: State, j: int, rel: str, rid: int | None, problems: list[PTuple],
              look: Any, dated_on: str) -> None:
        new.rids[j] = rid
        if problems:
            new.own[rel] = problems
        if dated_on:
            new.made[rel] = dated_on
        if look is None:
            return
        skeleton, facets = look
        new.parsed[j] = True
        rec_id = skeleton.get("id")
        new.ids[j] = rec_id
        new.facets[j] = facets
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
        tree = self._tree_now()
        answer = None
        key = ""
        if self.memo is not None and not tree.unknown:
            # The answer depends on the profiles too (their problems, the
            # profile refs records make), which the tree does not cover.
            key = f"{tree.digest()}-{self.profiles().digest}"
            try:
                answer = self.memo.answer("check", key)
            except CacheError as exc:
                self._lost(exc)
            if answer is not None and not self._answer_holds(answer):
                answer = None
        if answer is None:
            answer = self._answer()
            if self.memo is not None:
                try:
                    self.memo.keep_answer("check", f"{self._tree_now().digest()}-{self.profiles().digest}",
                                          answer)
                except CacheError as exc:
                    self._lost(exc)
        try:
            problems = [from_tuple(p[0], p[1:]) for p in answer["problems"]]
            count = int(answer["files"])
        except (KeyError, TypeError, ValueError) as exc:  # a memo of the wrong shape
            raise LedgerError(f"the cache is damaged ({exc}); run again") from None
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
        from ledger.core.validate import Checked, check_ledger, profile_problems, version_problems

        state = self.state()
        problems = [(p, *t) for p, ts in state.own.items() for t in ts]
        checked = (Checked(state.paths[i], state.skeleton(i)) for i in range(len(state.paths)))
        cross = check_ledger(checked)
        profiles = self.profiles()
        skeletons = [(state.paths[i], state.skeleton(i)) for i in range(len(state.paths))]
        cross += profile_problems(skeletons, set(profiles.by_id))
        cross += version_problems(skeletons, schema_version(self.session.schema.document))
        cross += self._confidential_profiles(skeletons, profiles)
        problems += [(p.path, *as_tuple(p)) for p in profiles.problems]
        lookup, seen = self._evidence_lookup()
        cross += _evidence(state, lookup)
        problems += [(p.path, *as_tuple(p)) for p in self._locate(cross)]
        problems.sort(key=lambda t: from_tuple(t[0], t[1:]))
        return {"files": len(state.paths) + profiles.files, "problems": problems,
                "day": self.today.isoformat(),
                "dated": bool(state.made), "evidence": seen}

    def _confidential_profiles(self, skeletons: list[tuple[str, Any]], profiles: Profiles) -> list[Problem]:
        """The warnings a record gets for naming a confidential actor (in its id or
        its public text) when that actor is confidential through its profile."""
        from ledger.core.model import with_profiles
        from ledger.core.validate import confidential_problems

        secret = profiles.confidential
        if not secret:
            return []
        wanted = [i for i, (_, skel) in enumerate(skeletons)
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
                    racy = max(found.stat.st_mtime_ns, found.stat.st_ctime_ns) > _now_ns() - 3_000_000_000 \
                        if found.stat is not None else True
                    if self.memo is not None and found.sha256 and not racy:
                        with contextlib.suppress(CacheError):
                            self.memo.keep_evidence(fp, found.sha256)
                    if racy:
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

    def select(self, flt: Any = None) -> Iterator[Row]:
        """The records flt keeps, in path order (every record without one)."""
        from ledger.core import query

        state = self.state()
        pre = facet.prefilter(flt)
        picks = [i for i in range(len(state.paths)) if state.parsed[i] and pre.admits(state.facets[i])]
        rows = self.records(picks)
        return rows if flt is None else query.select(rows, flt)

    def ids(self, flt: Any = None) -> Iterator[Row] | None:
        """(path, {"id": id}) of each record flt keeps, from the facets alone; None
        unless the facets answer the filter exactly."""
        state = self.state()
        pre = facet.prefilter(flt)
        if not pre.exact or any(state.parsed[i] and state.facets[i] is None for i in range(len(state.paths))):
            return None
        return ((state.paths[i], {"id": state.ids[i]} if state.ids[i] is not None else {})
                for i in range(len(state.paths)) if state.parsed[i] and pre.admits(state.facets[i]))

    def count(self, keys: Sequence[Any], flt: Any = None) -> Any:
        """summary.count of the records flt keeps: from the facets when they hold
        the keys and the whole filter, else from the records."""
        from collections import Counter

        from ledger.core import summary

        state = self.state()
        pre = facet.prefilter(flt)
        if pre.exact and facet.countable(self.session.schema, keys) \
                and all(state.facets[i] is not None for i in range(len(state.paths)) if state.parsed[i]):
            fields = [facet.SUMMARY_FIELDS[k.name] for k in keys]
            cells: Counter[tuple[Any, ...]] = Counter()
            margins: list[Counter[Any]] = [Counter() for _ in keys]
            total = 0
            for i in range(len(state.paths)):
                look = state.facets[i]
                if not state.parsed[i] or not pre.admits(look):
                    continue
                total += 1
                buckets = [[facet.bucket(v) for f, v in look if f == code] or [None] for code in fields]
                for margin, values in zip(margins, buckets, strict=True):
                    margin.update(values)
                combos: list[tuple[Any, ...]] = [()]
                for values in buckets:
                    combos = [(*c, v) for c in combos for v in values]
                cells.update(combos)
            return summary.tally(keys, total, cells, margins)
        return summary.count(self.select(flt), keys)

    def find(self, id_or_prefix: str) -> Row:
        """A record by id, or by a prefix that only one id starts with."""
        needle = id_or_prefix.strip().removesuffix(".yaml").rsplit("/", 1)[-1]
        if not needle:
            raise UsageError("give an incident id (or the start of one)")
        state = self.state()
        maybe = [i for i in range(len(state.paths)) if state.parsed[i]
                 and (not isinstance(state.ids[i], str) or state.ids[i].startswith(needle))]
        records = list(self.records(maybe))
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
        raise UsageError(f"{needle!r} matches {len(hits)} incidents: {shown}", hint="give more of the id")

    def known_ids(self) -> dict[str, str]:
        """id -> path of every parsed record."""
        state = self.state()
        return {state.ids[i]: state.paths[i] for i in range(len(state.paths))
                if state.parsed[i] and isinstance(state.ids[i], str)}


def _now_ns() -> int:
    import time

    return time.time_ns()


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
    version of them may answer otherwise (read from the installed metadata,
    without importing them: a warm run never does)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("jsonschema", "jsonschema-rs", "rfc3986-validator", "ruamel.yaml", "ruamel.yaml.clib"):
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=none")
    return ",".join(out)


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
        return Memo(folder, salt)
    except CacheError:
        return None
