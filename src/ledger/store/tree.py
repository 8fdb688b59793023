"""Which content each record file holds, without reading every file: the change detector.

The walker (``files.walk``) says which record files exist and what they are.
For their content this asks git's own index when the ledger is in a git work
tree: `git ls-files -s` holds the blob id of every tracked file and `git
status` names every file that differs from it (git checks their stat, and
re-reads the racily clean ones itself).  Only the files git names are read
and hashed here.  Outside git, each file's stat fingerprint is compared with
the one the memo last saw.  Either way the result is the same map path ->
blob id that reading every file would give; both git processes run while
the walker lists the folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ledger.core.problems import Problem
from ledger.store import files, private
from ledger.store.cache import CacheError, Memo, blob_id, fingerprint

# A file changed within this long of being looked at may change again within
# the same tick of the file system's clock without its stat changing: its
# fingerprint is not kept, so it is read again next time (git's "racily clean").
RACY_NS = 3_000_000_000


def racy(st: os.stat_result, now_ns: int) -> bool:
    """Whether a file's stat is too fresh to vouch for its content."""
    return now_ns - max(st.st_mtime_ns, st.st_ctime_ns) <= RACY_NS


# At most this many files git (or the stat) names as changed are read and
# hashed before the memo is asked: a warm run with a few edits can still be
# answered whole; a cold one reads its files while checking them instead.
READ_AHEAD = 256


@dataclass
class Tree:
    """Every record file and what it holds."""

    listing: files.Listing
    blobs: dict[str, str] = field(default_factory=dict)  # rel -> blob id, for files read or known
    problems: dict[str, Problem] = field(default_factory=dict)  # rel -> why it cannot be used
    unknown: list[str] = field(default_factory=list)  # regular files whose content must be read
    raw: dict[str, bytes] = field(default_factory=dict)  # bytes of files read ahead (checked from them)
    learned: set[str] = field(default_factory=set)  # files whose blob id came from reading them
    how: str = "read"  # "git" or "stat": how blobs were known
    # With git: its two answers as they came, which the digest is made from.
    git_output: bytes = b""
    # Outside git: the stat fingerprints of unknown files, kept once they are read.
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    seen: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        return self.listing.paths

    def learn(self, rel: str, blob: str | None, problem: Problem | None) -> None:
        """What reading an unknown file found."""
        self.learned.add(rel)
        if blob is not None:
            self.blobs[rel] = blob
        else:
            assert problem is not None
            self.problems[rel] = problem

    def read_ahead(self, layout: files.Layout) -> None:
        """Read and hash the unknown files, when they are few."""
        if not self.unknown or len(self.unknown) > READ_AHEAD:
            return
        for rel in self.unknown:
            raw, problem = files.read_record(layout, rel)
            if raw is None:
                self.learn(rel, None, problem)
            else:
                self.learn(rel, blob_id(raw), None)
                self.raw[rel] = raw
        self.unknown = []

    def remember(self, memo: Memo) -> None:
        """Keep the fingerprints of files read (outside git), for the next run."""
        if self.how != "stat":
            return
        fresh = {rel: (fp, self.blobs[rel]) for rel, fp in self.fingerprints.items() if rel in self.blobs}
        gone = [p for p in self.seen if p not in self.blobs]
        if fresh or gone:
            with contextlib.suppress(CacheError):
                memo.keep_seen(fresh, gone)

    def digest(self) -> str:
        """A digest of everything an answer about this tree depends on: which
        record files there are, what each is, and the content of each.

        With git that is the walker's list, git's two answers (the index's
        blob id of every tracked file, and which files differ from it) and
        the blob ids of those that differ: no per-file work for the rest."""
        h = hashlib.sha1("\n".join(self.paths).encode("utf-8", "surrogateescape"), usedforsecurity=False)
        h.update(repr(sorted(self.listing.kinds.items())).encode("utf-8", "surrogateescape"))
        if self.how == "git":
            h.update(self.git_output)
            extra = sorted((rel, self.blobs.get(rel, "")) for rel in self.learned)
            extra += sorted((rel, p.code) for rel, p in self.problems.items())
            h.update(repr(extra).encode("utf-8", "surrogateescape"))
        else:
            blobs, problems = self.blobs, self.problems
            h.update("\n".join(blobs.get(rel) or problems[rel].code for rel in self.paths).encode())
        return h.hexdigest()


def every_file(listing: files.Listing) -> Tree:
    """Every regular file to be read (no memo): the reference the faster ways must equal."""
    tree = Tree(listing)
    _sort(tree, {})
    return tree


def _sort(tree: Tree, known: dict[str, str]) -> None:
    kinds = tree.listing.kinds
    for rel, kind in kinds.items():
        tree.problems[rel] = files.not_regular(rel, kind)
    if not kinds and len(known) == len(tree.paths) and known.keys() == set(tree.paths):
        tree.blobs, tree.unknown = known, []  # the usual case: git knows every file as it is
        return
    tree.blobs = {rel: known[rel] for rel in tree.paths if rel in known and rel not in kinds}
    tree.unknown = [rel for rel in tree.paths if rel not in tree.blobs and rel not in kinds]


def snapshot(layout: files.Layout, memo: Memo) -> Tree:
    """The tree, its files' content known from git's index or the memo's stats."""
    git = _start_git(layout.root, layout.settings.incidents.strip("/") or ".")
    try:
        entries = files.walk(layout)
    except BaseException:
        _stop(git)
        raise
    answered = _git_blobs(git) if git is not None else None
    if answered is not None:
        known, output = answered
        tree = Tree(entries, how="git", git_output=output)
        _sort(tree, known)
        return tree
    return _by_stat(layout, entries, memo)


def _by_stat(layout: files.Layout, entries: files.Listing, memo: Memo) -> Tree:
    tree = Tree(entries, how="stat")
    try:
        tree.seen = memo.seen()
    except CacheError:
        tree.seen = {}
    now = time.time_ns()
    root = str(layout.root)
    known: dict[str, str] = {}
    for rel in entries.paths:
        if rel in entries.kinds:
            continue
        try:
            st = os.lstat(os.path.join(root, rel))
        except OSError:
            continue
        fp = fingerprint(st)
        old = tree.seen.get(rel)
        if old is not None and old[0] == fp:
            known[rel] = old[1]
        elif not racy(st, now):
            tree.fingerprints[rel] = fp
    _sort(tree, known)
    return tree


# -- git's index -------------------------------------------------------------------

@dataclass
class _Git:
    listing: subprocess.Popen[bytes]
    status: subprocess.Popen[bytes]
    prefix: str  # the ledger root relative to the work tree's top, "" or ending in "/"


def _start_git(root: Path, folder: str) -> _Git | None:
    top = private.work_tree(root)
    if top is None or private.git_dir(root) is None:
        return None
    prefix = os.path.relpath(root, top).replace(os.sep, "/")
    prefix = "" if prefix == "." else prefix + "/"
    # Read-only and hermetic: no optional locks (a concurrent commit must not
    # fail), no file system monitor or other hook a repository could name.
    base = ["git", "--no-optional-locks", "-c", "core.fsmonitor=false", "-c", "core.quotepath=false",
            "-c", "status.showUntrackedFiles=all"]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env.pop("GIT_INDEX_FILE", None)
    start: Callable[[list[str]], subprocess.Popen[bytes]] = lambda args: subprocess.Popen(  # noqa: E731
        base + args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        env=env)
    try:
        listing = start(["ls-files", "--stage", "-z", "--", folder])
        try:
            status = start(["status", "--porcelain=v1", "-z", "--untracked-files=all",
                            "--ignored=matching", "--no-renames", "--", folder])
        except OSError:
            _stop_one(listing)
            return None
    except OSError:  # git is not installed: the stat path serves
        return None
    return _Git(listing, status, prefix)


def _stop_one(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc.communicate(timeout=5)


def _stop(git: _Git | None) -> None:
    if git is not None:
        _stop_one(git.listing)
        _stop_one(git.status)


def _git_blobs(git: _Git) -> tuple[dict[str, str], bytes] | None:
    """rel -> blob id of each file git knows to hold its index's content, and
    git's answers as they came; None when git could not answer (the caller
    then uses stats)."""
    try:
        listing, _ = git.listing.communicate(timeout=60)
        status, _ = git.status.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(git)
        return None
    if git.listing.returncode != 0 or git.status.returncode != 0:
        return None
    # "100644 <40 hex> 0\t<path>": regular files only (100644, 100755), merged (stage 0).
    text = listing.decode("utf-8", "surrogateescape")
    items = text.split("\0")
    tab = items[0].find("\t") if items else -1
    if tab == 49:  # SHA-1 object names: fixed places, no per-entry parsing
        known = {item[50:]: item[7:47] for item in items if item[:3] == "100" and item[48:50] == "0\t"}
    else:  # SHA-256 repositories (or an empty index)
        known = {}
        for item in items:
            meta, _, path = item.partition("\t")
            parts = meta.split(" ")
            if len(parts) == 3 and parts[0].startswith("100") and parts[2] == "0":
                known[path] = parts[1]
    # Anything git reports as differing from its index is read here instead.
    cut = len(git.prefix)
    for item in status.decode("utf-8", "surrogateescape").split("\0"):
        if len(item) > 3:
            name = item[3:]
            known.pop(name[cut:] if name.startswith(git.prefix) else name, None)
    return known, listing + b"\0\0" + status
