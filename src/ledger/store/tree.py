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
from ledger.store.cache import CacheError, Memo, fingerprint

# A file changed within this long of being looked at may change again within
# the same tick of the file system's clock without its stat changing: its
# fingerprint is not kept, so it is read again next time (git's "racily clean").
RACY_NS = 3_000_000_000


@dataclass
class Tree:
    """Every record file and what it holds."""

    entries: list[files.Entry]
    blobs: dict[str, str] = field(default_factory=dict)  # rel -> blob id, for files read or known
    problems: dict[str, Problem] = field(default_factory=dict)  # rel -> why it cannot be used
    unknown: list[str] = field(default_factory=list)  # regular files whose content must be read
    how: str = "read"  # "git" or "stat": how blobs were known
    # Outside git: the stat fingerprints of unknown files, kept once they are read.
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    seen: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def learn(self, rel: str, blob: str | None, problem: Problem | None) -> None:
        """What reading an unknown file found."""
        if blob is not None:
            self.blobs[rel] = blob
        else:
            assert problem is not None
            self.problems[rel] = problem

    def remember(self, memo: Memo) -> None:
        """Keep the fingerprints of files read (outside git), for the next run."""
        if self.how != "stat":
            return
        fresh = {rel: (fp, self.blobs[rel]) for rel, fp in self.fingerprints.items() if rel in self.blobs}
        gone = [p for p in self.seen if p not in self.blobs]
        if fresh or gone:
            with contextlib.suppress(CacheError):
                memo.keep_seen(fresh, gone)

    @property
    def paths(self) -> list[str]:
        return [e.rel for e in self.entries]

    def digest(self, extra: str = "") -> str:
        """A digest of everything an answer about this tree depends on."""
        h = hashlib.sha1(extra.encode(), usedforsecurity=False)
        blobs, problems = self.blobs, self.problems
        h.update("\n".join(f"{rel}\0{blobs.get(rel) or problems[rel].code}" for rel in self.paths)
                 .encode("utf-8", "surrogateescape"))
        return h.hexdigest()


def every_file(entries: list[files.Entry]) -> Tree:
    """Every regular file to be read (no memo): the reference the faster ways must equal."""
    tree = Tree(entries)
    _sort(tree, {})
    return tree


def _sort(tree: Tree, known: dict[str, str]) -> None:
    for e in tree.entries:
        if not e.regular:
            tree.problems[e.rel] = files.not_regular(e.rel, e.kind)
        elif (blob := known.get(e.rel)) is not None:
            tree.blobs[e.rel] = blob
        else:
            tree.unknown.append(e.rel)


def snapshot(layout: files.Layout, memo: Memo) -> Tree:
    """The tree, its files' content known from git's index or the memo's stats."""
    git = _start_git(layout.root)
    try:
        entries = files.walk(layout)
    except BaseException:
        _stop(git)
        raise
    known = _git_blobs(git) if git is not None else None
    if known is not None:
        tree = Tree(entries, how="git")
        _sort(tree, known)
        return tree
    return _by_stat(layout, entries, memo)


def _by_stat(layout: files.Layout, entries: list[files.Entry], memo: Memo) -> Tree:
    tree = Tree(entries, how="stat")
    try:
        tree.seen = memo.seen()
    except CacheError:
        tree.seen = {}
    now = time.time_ns()
    root = str(layout.root)
    known: dict[str, str] = {}
    for e in entries:
        if not e.regular:
            continue
        try:
            st = os.lstat(os.path.join(root, e.rel))
        except OSError:
            continue
        fp = fingerprint(st)
        old = tree.seen.get(e.rel)
        if old is not None and old[0] == fp:
            known[e.rel] = old[1]
        elif now - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            tree.fingerprints[e.rel] = fp
    _sort(tree, known)
    return tree


# -- git's index -------------------------------------------------------------------

@dataclass
class _Git:
    listing: subprocess.Popen[bytes]
    status: subprocess.Popen[bytes]
    prefix: str  # the ledger root relative to the work tree's top, "" or ending in "/"


def _start_git(root: Path) -> _Git | None:
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
        listing = start(["ls-files", "--stage", "-z", "--", "."])
        try:
            status = start(["status", "--porcelain=v1", "-z", "--untracked-files=all",
                            "--ignored=matching", "--no-renames", "--", "."])
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


def _git_blobs(git: _Git) -> dict[str, str] | None:
    """rel -> blob id of each file git knows to hold its index's content; None
    when git could not answer (the caller then uses stats)."""
    try:
        listing, _ = git.listing.communicate(timeout=60)
        status, _ = git.status.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(git)
        return None
    if git.listing.returncode != 0 or git.status.returncode != 0:
        return None
    known: dict[str, str] = {}
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        parts = meta.split(b" ")
        # Regular files only (100644, 100755), merged (stage 0).
        if len(parts) == 3 and parts[0].startswith(b"100") and parts[2] == b"0":
            known[os.fsdecode(path)] = parts[1].decode("ascii")
    # Anything git reports as differing from its index is read here instead.
    items = status.split(b"\0")
    cut = len(git.prefix)
    for item in items:
        if len(item) > 3:
            name = os.fsdecode(item[3:])
            known.pop(name[cut:] if name.startswith(git.prefix) else name, None)
    return known
