"""Where a ledger keeps what must never be committed: its cache, its write lock, drafts.

Inside the repository's own git folder when the ledger is in a git work tree
(``.git/ledger/<root digest>/``): no commit, pull request or zip of a work
tree can carry a file there.  Outside git, the user's cache folder
(``$XDG_CACHE_HOME/incident-ledger/<root digest>/``).  ``LEDGER_CACHE_DIR``
moves it anywhere except a place the work tree holds (CI keeps it in the
runner's temporary folder, see the workflow ``ledger init`` writes).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from functools import lru_cache
from pathlib import Path

from ledger.core.problems import ExitCode, LedgerError


def git_dir(root: Path) -> Path | None:
    """The git folder of the work tree holding root, found without running
    git; None outside git.  A `.git` that is a link, or a `.git` file that
    does not name a real git folder, is not trusted."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        try:
            st = os.lstat(dot)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            return dot if (dot / "HEAD").is_file() else None
        if stat.S_ISREG(st.st_mode):  # a linked work tree or submodule: "gitdir: PATH"
            try:
                line = dot.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not line.startswith("gitdir:"):
                return None
            target = Path(line[len("gitdir:"):].strip())
            target = target if target.is_absolute() else (folder / target)
            target = Path(os.path.realpath(target))
            return target if (target / "HEAD").is_file() else None
        return None
    return None


def work_tree(root: Path) -> Path | None:
    """The top folder of the git work tree holding root."""
    for folder in (root, *root.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "incident-ledger"


@lru_cache(maxsize=8)
def folder(root: Path) -> Path:
    """The private folder of the ledger at root, made if missing (mode 0700)."""
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
    places: list[Path] = []
    gd = git_dir(root)
    explicit = os.environ.get("LEDGER_CACHE_DIR")
    if explicit:
        base = Path(os.path.abspath(os.path.expanduser(explicit)))
        top = work_tree(root)
        if top is not None and _within(base, top) and not (gd is not None and _within(base, gd)):
            sys.stderr.write(f"ledger: warning: LEDGER_CACHE_DIR {explicit} is inside the work tree, "
                             "where a commit could carry it; it is not used\n")
        else:
            places.append(base / digest)
    if gd is not None:
        places.append(gd / "ledger" / digest)
    # A read-only git folder (a mounted review copy) still leaves the user's own.
    places.append(_user_cache() / digest)
    failure = ""
    for place in places:
        try:
            return _made(place)
        except OSError as exc:
            failure = f"{place}: {exc.strerror or exc}"
    raise LedgerError(f"cannot make a private folder for the ledger ({failure})",
                      hint="set LEDGER_CACHE_DIR to a folder you can write",
                      exit_code=ExitCode.CANNOT_RUN)


def _within(path: Path, folder: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.is_symlink() or not path.is_dir() or not os.access(path, os.W_OK):
        raise OSError(errno.EACCES, "not a folder this user can write")
    return path


def memo_key() -> bytes:
    """The key the memo is signed with: $LEDGER_CACHE_KEY (CI can keep one in a
    secret), else a random key made once in the user's state folder (never in
    a ledger or a cache folder, so a memo copied from elsewhere does not carry
    it).  Without a place to keep one, a key for this run only: the memo is then
    rebuilt on each run, which is slow but never wrong."""
    given = os.environ.get("LEDGER_CACHE_KEY")
    if given:
        return given.encode("utf-8")
    import secrets

    base = Path(os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")) / "incident-ledger"
    path = base / "memo.key"
    try:
        with open(path, "rb") as fh:
            key = fh.read(64)
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:  # another process made it first: use theirs
        try:
            with open(path, "rb") as fh:
                theirs = fh.read(64)
            return theirs if len(theirs) >= 32 else key
        except OSError:
            return key
    except OSError:
        pass
    return key
