"""Records as git knows them: two versions of the ledger compared (`ledger
diff`) and the history of one record (`ledger log`).

Wires git (``gitio``) and the working tree (``storage``) to the pure diff
core (``diff``).  The other revision is read straight from git's object
store (``ls-tree`` + one ``cat-file --batch``), never checked out, and only
files whose content differs are read and parsed at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ledger.core import diff, yamlio
from ledger.core.problems import ExitCode, LedgerError, Problem
from ledger.store import files as storage
from ledger.store import gitio
from ledger.store.loader import Loader
from ledger.store.session import Session

WORKTREE = "WORKTREE"  # the "to" side of a diff against the files on disk
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,99}$")


@dataclass(frozen=True)
class Range:
    """A parsed `ledger diff` argument."""

    old: str  # a revision
    new: str | None  # a revision, or None for the working tree
    merge_base: bool = False  # A...B: from the merge base of A and B


def parse_range(spec: str | None) -> Range:
    """REV (REV against the working tree), A..B, A...B; an empty side is HEAD."""
    if spec is None:
        return Range("HEAD", None)
    for sep, base in (("...", True), ("..", False)):
        if sep in spec:
            a, _, b = spec.partition(sep)
            return Range(a or "HEAD", b or "HEAD", base)
    return Range(spec, None)


@dataclass
class _Where:
    """The ledger's place in its repository."""

    repo: gitio.Repo
    incidents: str  # the records folder relative to the repository top

    def ledger_path(self, top_path: str) -> str:
        return top_path[len(self.repo.prefix):] if top_path.startswith(self.repo.prefix) else top_path

    def is_record(self, top_path: str) -> bool:
        if not top_path.startswith(self.incidents + "/"):
            return False
        below = top_path[len(self.incidents) + 1:].split("/")
        # The same rule as storage.iter_record_files: hidden files and folders are not records.
        return (below[-1].endswith(storage.RECORD_SUFFIXES)
                and not any(part.startswith(".") for part in below))


def _where(session: Session) -> _Where:
    repo = gitio.find_repo(session.root)
    try:
        incidents = session.layout.incidents_dir.resolve().relative_to(repo.top.resolve()).as_posix()
    except ValueError:
        incidents = repo.prefix + session.layout.settings.incidents.strip("/")
    return _Where(repo, incidents)


Parsed = tuple[dict[str, Any] | None, yamlio.YamlIssue | None]


def parse_version(path: str, raw: bytes | None, issue: Problem | None, rev: str,
                  memo: dict[bytes, Parsed] | None = None) -> tuple[diff.Version, Problem | None]:
    """One file's bytes as a record version; a file that does not parse is a
    version without data, plus a problem naming the revision it is in.  With
    memo, equal contents (a moved file's two sides) are parsed once."""
    yissue: yamlio.YamlIssue | None = None
    data = None
    if raw is not None:
        if memo is not None and raw in memo:
            data, yissue = memo[raw]
        else:
            text, yissue = yamlio.decode(raw)
            if text is not None:
                data, yissue = yamlio.parse(text)
            if memo is not None:
                memo[raw] = data, yissue
    if data is not None:
        return diff.Version(path, data), None
    if yissue is not None:
        issue = Problem(path, yissue.line, yissue.column, yissue.code, yissue.message)
    assert issue is not None
    where = f"line {issue.line}: " if issue.line else ""
    problem = Problem(path, issue.line, issue.column, issue.code,
                      f"{issue.message} (in {rev}; shown as unparseable)")
    return diff.Version(path, None, f"{where}{issue.message}"), problem


@dataclass
class Diff:
    result: diff.DiffResult
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def diff_ledger(session: Session, spec: str | None) -> Diff:
    """Compare the ledger's records between two revisions, or a revision and
    the working tree (staged and unstaged changes, and new files)."""
    where = _where(session)
    rng = parse_range(spec)
    repo = where.repo
    if rng.new is None and spec is None and gitio.is_unborn(repo):
        old_commit, old_label = None, "HEAD"  # no commit yet: every record is new
    else:
        old_commit, old_label = gitio.resolve(repo, rng.old), rng.old
    new_commit = gitio.resolve(repo, rng.new) if rng.new is not None else None
    if rng.merge_base:
        assert rng.new is not None
        old_commit = gitio.merge_base(repo, rng.old, rng.new)
        old_label = old_commit[:12]
    new_label = rng.new if rng.new is not None else WORKTREE

    max_size = session.layout.settings.max_file_size
    problems: list[Problem] = []
    memo: dict[bytes, Parsed] = {}
    old_tree = _record_tree(where, old_commit)
    if new_commit is not None:
        new_tree = _record_tree(where, new_commit)
        differ = {p for p in old_tree.keys() | new_tree.keys() if old_tree.get(p) != new_tree.get(p)}
        new_versions = _blob_versions(where, {p: new_tree[p] for p in differ if p in new_tree},
                                      new_label, max_size, problems, memo)
    else:
        on_disk = {repo.prefix + session.layout.rel(p): p
                   for p in storage.iter_record_files(session.layout)}
        differ = on_disk.keys() ^ old_tree.keys()
        if old_commit is not None:
            differ |= {p for p in gitio.changed_in_worktree(repo, old_commit, where.incidents)
                       if where.is_record(p)}
        new_versions = []
        for top_path in sorted(differ & on_disk.keys()):
            raw, problem = storage.read_record_bytes(session.layout, on_disk[top_path])
            version, bad = parse_version(where.ledger_path(top_path), raw, problem, new_label, memo)
            new_versions.append(version)
            problems += [bad] if bad else []
    old_versions = _blob_versions(where, {p: old_tree[p] for p in differ if p in old_tree},
                                  old_label, max_size, problems, memo)
    old_index, old_warnings = diff.index(old_versions)
    new_index, new_warnings = diff.index(new_versions)
    result = diff.diff_ledgers(old_index, new_index, from_rev=old_label, to_rev=new_label)
    result.from_commit, result.to_commit = old_commit, new_commit
    warnings = [f"{w} (in {old_label})" for w in old_warnings] + \
               [f"{w} (in {new_label})" for w in new_warnings]
    return Diff(result, problems, warnings)


def _record_tree(where: _Where, commit: str | None) -> dict[str, gitio.Blob]:
    if commit is None:
        return {}
    tree = gitio.list_tree(where.repo, commit, where.incidents)
    return {p: b for p, b in tree.items() if where.is_record(p)}


def _blob_versions(where: _Where, blobs: dict[str, gitio.Blob], label: str, max_size: int,
                   problems: list[Problem], memo: dict[bytes, Parsed]) -> list[diff.Version]:
    small = {p: b for p, b in blobs.items() if b.size <= max_size}
    contents = gitio.read_objects(where.repo, sorted({b.sha for b in small.values()}))
    versions = []
    for top_path in sorted(blobs):
        path = where.ledger_path(top_path)
        blob = blobs[top_path]
        too_large = None if top_path in small else Problem(
            path, 1, 1, "file-too-large", f"file is {blob.size} bytes, over the size limit")
        version, bad = parse_version(path, contents.get(blob.sha), too_large or Problem(
            path, 0, 0, "file-unreadable", "git could not read the file"), label, memo)
        versions.append(version)
        problems += [bad] if bad else []
    return versions


# -- log ----------------------------------------------------------------------

@dataclass
class Commit:
    """One commit in a record's history, and what it did to the record."""

    commit: str
    author: str
    email: str
    date: str
    message: str
    status: str  # added | removed | changed | moved | unchanged
    merge: bool  # a merge commit, compared with its first parent
    path: str  # the record's path after the commit (before it, when removed)
    old_path: str | None
    changes: list[diff.FieldChange]
    unparseable: dict[str, str] = field(default_factory=dict)  # side -> why


@dataclass
class Log:
    id: str
    path: str
    commits: list[Commit]
    problems: list[Problem] = field(default_factory=list)


def record_log(session: Session, id_or_prefix: str) -> Log:
    """The commits that touched one record, newest first, following renames;
    a removed record is found in history by its full id."""
    where = _where(session)
    rid, path = _locate(session, where, id_or_prefix)
    unborn = gitio.is_unborn(where.repo)
    followed = path
    entries = [] if unborn else gitio.log_follow(where.repo, followed)
    if not entries and not unborn:
        # Moved but not committed yet: the history is under the committed name.
        name = path.rsplit("/", 1)[-1]
        committed = [p for p in _record_tree(where, gitio.resolve(where.repo, "HEAD"))
                     if p.rsplit("/", 1)[-1] == name]
        if committed:
            followed = committed[0]
            entries = gitio.log_follow(where.repo, followed)
    # Newest first: each commit's path is the path its successor came from.
    plan: list[tuple[gitio.LogEntry, str | None, str | None, str, str]] = []
    current = followed
    for e in entries:
        new_path = e.path or current
        old_path = e.old_path or new_path
        new_obj = None if e.status == "D" else f"{e.commit}:{new_path}"
        old_obj = f"{e.parents[0]}:{old_path}" if e.parents and e.status != "A" else None
        plan.append((e, old_obj, new_obj, old_path, new_path))
        current = old_path
    contents = gitio.read_objects(where.repo, [o for _, a, b, _, _ in plan for o in (a, b) if o])
    log = Log(rid, where.ledger_path(path), [])
    for e, old_obj, new_obj, old_path, new_path in plan:
        log.commits.append(_commit(where, rid, e, old_obj, new_obj, old_path, new_path, contents,
                                   log.problems))
    return log


def _locate(session: Session, where: _Where, id_or_prefix: str) -> tuple[str, str]:
    """(id, path from the repository top) of a record now or in the history."""
    rid = id_or_prefix.strip().removesuffix(".yaml").rsplit("/", 1)[-1]
    # Ids are file names: a full id finds its file without reading every record,
    # even when it does not parse now.
    named = [p for p in storage.iter_record_files(session.layout) if p.name.rsplit(".", 1)[0] == rid]
    if named:
        return rid, where.repo.prefix + session.layout.rel(named[0])
    try:
        rel, data = Loader(session).find(id_or_prefix)  # a prefix of an id
        return str(data.get("id", rid)), where.repo.prefix + rel
    except LedgerError as exc:
        if exc.exit_code != ExitCode.INVALID:
            raise
    found = gitio.deleted_paths(where.repo, [f":(glob){where.incidents}/**/{rid}{suffix}"
                                             for suffix in storage.RECORD_SUFFIXES]
                                ) if _ID.match(rid) and not gitio.is_unborn(where.repo) else []
    if not found:
        raise LedgerError(f"no incident with id {rid!r}, now or in the history",
                          hint="`ledger list --format ids` shows every id; a removed record "
                               "needs its full id", exit_code=ExitCode.INVALID)
    return rid, found[0]


def _commit(where: _Where, rid: str, e: gitio.LogEntry, old_obj: str | None, new_obj: str | None,
            old_path: str, new_path: str, contents: dict[str, bytes | None],
            problems: list[Problem]) -> Commit:
    short = e.commit[:12]
    sides: dict[str, diff.Version | None] = {}
    unparseable: dict[str, str] = {}
    for side, obj, top_path in (("old", old_obj, old_path), ("new", new_obj, new_path)):
        raw = contents.get(obj) if obj else None
        if raw is None:
            sides[side] = None
            continue
        label = short if side == "new" else f"{short}^"
        version, bad = parse_version(where.ledger_path(top_path), raw, None, label)
        sides[side] = version
        if bad:
            problems.append(bad)
            unparseable[side] = version.issue
    old, new = sides["old"], sides["new"]
    meta = (e.commit, e.author, e.email, e.date, e.message)
    merge = len(e.parents) > 1
    if old is None or new is None:
        status = "added" if new is not None else "removed"
        kept = new or old
        return Commit(*meta, status, merge, kept.path if kept else where.ledger_path(new_path),
                      None, [], unparseable)
    change = diff.diff_versions(rid, old, new)
    if change is None:
        return Commit(*meta, "unchanged", merge, new.path, None, [], unparseable)
    status = "changed" if change.changes or unparseable else "moved"
    return Commit(*meta, status, merge, new.path, change.old_path, change.changes, unparseable)
