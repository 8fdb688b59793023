"""Several files changed as one step (``ledger rename``): all of them, or none.

Every new text is written to a temporary file beside its target and synced
first; only when all are on disk, and every file still holds the bytes the
caller read, are they renamed into place.  A failure before that point
changes nothing.  A failure during the renames (a disk fault between two
system calls) is undone as far as the file system allows: files already
replaced get their old bytes back and a new file is removed again.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger.core.problems import ExitCode, LedgerError


@dataclass(frozen=True)
class Write:
    """path gets text; it must hold expected now (None: it must not exist).
    A new file gets mode (a moved file keeps its old one), else the umask's."""

    path: Path
    text: str
    expected: bytes | None
    mode: int | None = None


@dataclass(frozen=True)
class Remove:
    """path is removed; it must hold expected now."""

    path: Path
    expected: bytes


def apply(writes: list[Write], removes: list[Remove], *, label: dict[Path, str]) -> None:
    """Make every change or none; label names paths in messages (relative paths)."""
    staged: dict[Path, Path] = {}
    try:
        for w in writes:
            staged[w.path] = _stage(w, label)
        _still_as_read(writes, removes, label)
        _commit(writes, removes, staged, label)
    finally:
        for tmp in staged.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _name(path: Path, label: dict[Path, str]) -> str:
    return label.get(path, str(path))


def _stage(w: Write, label: dict[Path, str]) -> Path:
    try:
        fd, name = tempfile.mkstemp(dir=w.path.parent, prefix=f".{w.path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(w.text)
            fh.flush()
            os.fsync(fh.fileno())
        mode = w.path.stat().st_mode & 0o777 if w.expected is not None else \
            w.mode if w.mode is not None else 0o666 & ~_umask()
        os.chmod(name, mode)
    except OSError as exc:
        raise LedgerError(f"cannot write {_name(w.path, label)}: {exc.strerror or exc}; nothing was changed",
                          exit_code=ExitCode.CANNOT_RUN) from None
    return Path(name)


def _still_as_read(writes: list[Write], removes: list[Remove], label: dict[Path, str]) -> None:
    """Another writer (a git pull, an editor) must not lose a change to us."""
    checks = [(w.path, w.expected) for w in writes] + [(r.path, r.expected) for r in removes]
    for path, expected in checks:
        if expected is None:
            if path.exists() or path.is_symlink():
                raise LedgerError(f"{_name(path, label)} appeared meanwhile; nothing was changed",
                                  exit_code=ExitCode.INVALID)
        elif _current(path) != expected:
            raise LedgerError(f"{_name(path, label)} changed on disk meanwhile; nothing was changed",
                              hint="run the command again", exit_code=ExitCode.INVALID)


def _current(path: Path) -> bytes | None:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None  # a symlink or a FIFO now: never written through
        return path.read_bytes()
    except OSError:
        return None


def _commit(writes: list[Write], removes: list[Remove], staged: dict[Path, Path],
            label: dict[Path, str]) -> None:
    done: list[Write] = []
    removed: list[Remove] = []
    try:
        # New files first (an exclusive link: never over a file that appeared),
        # then replacements, then removals: until the last step the old
        # records are all still there.
        for w in sorted(writes, key=lambda w: w.expected is not None):
            if w.expected is None:
                _link_new(staged[w.path], w.path)
            else:
                os.replace(staged[w.path], w.path)
            done.append(w)
        for r in removes:
            os.unlink(r.path)
            removed.append(r)
    except OSError as exc:
        failed = _undo(done, removed)
        where = _name(Path(exc.filename), label) if exc.filename else "a file"
        left = f"; could not restore {', '.join(_name(p, label) for p in failed)}" if failed \
            else "; nothing was changed"
        raise LedgerError(f"cannot write {where}: {exc.strerror or exc}{left}",
                          exit_code=ExitCode.CANNOT_RUN) from None


def _link_new(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        # File systems without hard links: claim the name with O_EXCL first.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(tmp, path)


def _undo(done: list[Write], removed: list[Remove]) -> list[Path]:
    failed: list[Path] = []
    for r in removed:
        try:
            _put(r.path, r.expected)
        except OSError:
            failed.append(r.path)
    for w in reversed(done):
        try:
            if w.expected is None:
                w.path.unlink()
            else:
                _put(w.path, w.expected)
        except OSError:
            failed.append(w.path)
    return failed


def _put(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(name, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
