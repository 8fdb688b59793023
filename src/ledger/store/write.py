"""The one write path: every file ledger writes inside a ledger goes through here.

A rewrite (fmt, edit, set, evidence add, rename, migrate, import) replaces a
file only if it still holds the bytes that were read, checked under a lock
that every ledger process takes, so two writers never lose each other's
work: the second one stops with a clear message and the first one's change
stays.  New files never replace an existing one.  Each file is written to a
temporary file beside it, flushed to disk, then renamed into place, so a
reader sees the old file or the whole new one.  Nothing is written through
a symbolic link or outside the ledger (folders are opened one by one
without following links, see ``files.open_beneath``).  File system faults
(full disk, read-only folder, permission denied) become one line naming the
path, exit 3.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.core.problems import ExitCode, LedgerError
from ledger.store import private
from ledger.store.files import _NOFOLLOW, _O_DIR, open_beneath, read_beneath

# How long a writer waits for another ledger process to finish its write.
LOCK_WAIT = 30.0
_held: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth): the lock is re-entrant in a process


class WriteConflict(LedgerError):
    """The file changed on disk after it was read: nothing was written."""


def fault(rel: str, exc: OSError) -> LedgerError:
    """An OSError while writing rel, as the one-line message users get."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ELOOP:
        reason = "it is a symbolic link (ledger never writes through one)"
    elif exc.errno == errno.ENOTDIR:
        reason = "a folder on the way is a file or a symbolic link"
    return LedgerError(f"cannot write {rel}: {reason}", exit_code=ExitCode.CANNOT_RUN)


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the ledger's write lock (re-entrant within a process).

    The lock file lives in the ledger's private folder (see ledger.store.private),
    never in the work tree, so it can neither be committed nor planted."""
    import fcntl

    path = str(private.folder(root) / "write.lock")
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[path]
            _held[path] = (fd, depth - 1)
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise LedgerError(f"cannot take the ledger's write lock {path}: {exc.strerror}",
                          exit_code=ExitCode.CANNOT_RUN) from None
    deadline = time.monotonic() + LOCK_WAIT
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LedgerError("another ledger process has been writing for "
                                      f"{LOCK_WAIT:.0f} s; nothing was written",
                                      hint="try again when it has finished",
                                      exit_code=ExitCode.CANNOT_RUN) from None
                time.sleep(0.01)
        _held[path] = (fd, 1)
        try:
            yield
        finally:
            del _held[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def replace(root: Path, rel: str, data: str | bytes, *, expected: bytes) -> bool:
    """Replace root/rel with data if it still holds expected; False when it
    already holds data (nothing written).  WriteConflict if it changed."""
    new = data.encode("utf-8") if isinstance(data, str) else data
    with locked(root):
        try:
            current = read_beneath(root, rel, max(len(expected), len(new)) + 1)
        except FileNotFoundError:
            raise WriteConflict(f"{rel} was removed while it was being changed; nothing was written",
                                exit_code=ExitCode.CANNOT_RUN) from None
        except OSError as exc:
            raise fault(rel, exc) from None
        if current == new:
            return False
        if current != expected:
            raise WriteConflict(
                f"{rel} changed on disk while ledger was working on it; it was not overwritten, "
                "so the other change is kept", hint="run the command again on the new version",
                exit_code=ExitCode.CANNOT_RUN)
        _put(root, rel, new, create=False)
    return True


def create(root: Path, rel: str, data: str | bytes) -> None:
    """Write root/rel as a new file (its folders made as needed); never
    replaces an existing file, even one that appears meanwhile (FileExistsError)."""
    new = data.encode("utf-8") if isinstance(data, str) else data
    with locked(root):
        _put(root, rel, new, create=True)


def _put(root: Path, rel: str, data: bytes, *, create: bool) -> None:
    folder, _, name = rel.rpartition("/")
    try:
        dir_fd = _folder(root, folder, make=create)
    except OSError as exc:
        raise fault(rel, exc) from None
    tmp = f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        try:
            mode = 0o666
            if not create:
                with contextlib.suppress(OSError):
                    mode = stat.S_IMODE(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode, dir_fd=dir_fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
                if not create:
                    os.fchmod(fd, mode)
            finally:
                os.close(fd)
            if create:
                os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
            else:
                os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except FileExistsError:
            raise
        except OSError as exc:
            raise fault(rel, exc) from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def _folder(root: Path, folder: str, *, make: bool) -> int:
    """An open descriptor of root/folder, reached without following links
    (made, one folder at a time, when make)."""
    fd = os.open(root, _O_DIR)
    for part in [p for p in folder.split("/") if p]:
        if part in (".", ".."):
            os.close(fd)
            raise OSError(errno.EINVAL, "not a plain path inside the ledger", folder)
        try:
            if make:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            inner = os.open(part, _O_DIR | _NOFOLLOW, dir_fd=fd)
        except OSError:
            os.close(fd)
            raise
        os.close(fd)
        fd = inner
    return fd


def make_folders(root: Path, folder: str) -> None:
    """Make root/folder (and those above it) without following links."""
    try:
        os.close(_folder(root, folder, make=True))
    except OSError as exc:
        raise fault(folder, exc) from None


def open_new(root: Path, rel: str) -> int:
    """A descriptor of a new, empty file root/rel (for copying evidence in),
    created beside its final name; see ``link_new``.  Its folders are made."""
    make_folders(root, rel.rpartition("/")[0])
    try:
        return open_beneath(root, rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise
    except OSError as exc:
        raise fault(rel, exc) from None


def place_copy(root: Path, rel: str, source: Path, *, link: bool = False) -> tuple[bool, str]:
    """Put a copy (or, with link, a hard link) of source at root/rel, never
    replacing another file: (False, digest) when rel already holds the same
    bytes, (True, digest) when placed; FileExistsError when rel holds other
    bytes (or is not a regular file).  The digest is of what rel holds.  A
    copy appears all at once: written beside rel, then linked into place."""
    import hashlib

    folder, _, name = rel.rpartition("/")
    with locked(root):
        try:
            dir_fd = _folder(root, folder, make=True)
        except OSError as exc:
            raise fault(rel, exc) from None
        try:
            try:
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                st = None
            if st is not None:
                if not stat.S_ISREG(st.st_mode):
                    raise FileExistsError(rel)
                held = _sha256_at(dir_fd, name)
                if held != _sha256_path(source):
                    raise FileExistsError(rel)
                return False, held
            if link:
                os.link(source, name, dst_dir_fd=dir_fd)
                return True, _sha256_at(dir_fd, name)
            tmp = f".{name}.{secrets.token_hex(4)}.tmp"
            h = hashlib.sha256()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666, dir_fd=dir_fd)
            try:
                with open(source, "rb") as src:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        h.update(block)
                        view = memoryview(block)
                        while view:
                            view = view[os.write(fd, view):]
                os.fsync(fd)
                os.close(fd)
                fd = -1
                os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
            finally:
                if fd >= 0:
                    os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=dir_fd)
            return True, h.hexdigest()
        finally:
            os.close(dir_fd)


def _unlink(root: Path, rel: str, *, folder: bool = False) -> None:
    """Remove the file (or, with folder, the empty folder) root/rel, reached without following links."""
    parent, _, name = rel.rpartition("/")
    fd = _folder(root, parent, make=False)
    try:
        (os.rmdir if folder else os.unlink)(name, dir_fd=fd)
    finally:
        os.close(fd)


def remove(root: Path, rel: str) -> None:
    """Undo a place_copy (its folder goes too, if that leaves it empty)."""
    with contextlib.suppress(OSError):
        _unlink(root, rel)
    folder = rel.rpartition("/")[0]
    if folder:
        with contextlib.suppress(OSError):
            _unlink(root, folder, folder=True)


def _sha256_at(dir_fd: int, name: str) -> str:
    import hashlib

    fd = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd)
    h = hashlib.sha256()
    try:
        while block := os.read(fd, 1 << 20):
            h.update(block)
    finally:
        os.close(fd)
    return h.hexdigest()


def _sha256_path(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def together(root: Path, writes: list[tuple[str, bytes, bytes | None, int | None]],
             removes: list[tuple[str, bytes]]) -> None:
    """Several files changed as one step (``ledger rename``): all, or none.

    writes: (rel, data, expected bytes or None for a new file, mode of a new
    file); removes: (rel, expected bytes).  Under the write lock, every new
    text is written beside its target and synced; only when all are on disk,
    and every file still holds the bytes the caller read, are they moved into
    place (new files first, never over one that appeared; removals last).  A
    fault during the moves is undone as far as the file system allows."""
    with locked(root):
        staged: list[tuple[int, str, str]] = []  # (folder fd, temporary name, final name)
        try:
            for rel, data, expected, mode in writes:
                folder, _, name = rel.rpartition("/")
                try:
                    dir_fd = _folder(root, folder, make=expected is None)
                except OSError as exc:
                    raise fault(rel, exc) from None
                tmp = f".{name}.{secrets.token_hex(4)}.tmp"
                staged.append((dir_fd, tmp, name))
                try:
                    if expected is not None:
                        mode = stat.S_IMODE(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW,
                                 0o666 if mode is None else mode, dir_fd=dir_fd)
                    try:
                        view = memoryview(data)
                        while view:
                            view = view[os.write(fd, view):]
                        os.fsync(fd)
                        if mode is not None:
                            os.fchmod(fd, mode)
                    finally:
                        os.close(fd)
                except OSError as exc:
                    raise LedgerError(f"cannot write {rel}: {exc.strerror or exc}; nothing was changed",
                                      exit_code=ExitCode.CANNOT_RUN) from None
            for rel, expected in [(w[0], w[2]) for w in writes] + removes:
                _still(root, rel, expected)
            _move(root, writes, removes, staged)
        finally:
            for dir_fd, tmp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=dir_fd)
                with contextlib.suppress(OSError):
                    os.close(dir_fd)


def _still(root: Path, rel: str, expected: bytes | None) -> None:
    """Another writer (a git pull, an editor) must not lose a change to us."""
    try:
        current: bytes | None = read_beneath(root, rel, (len(expected) if expected else 0) + 1)
    except FileNotFoundError:
        current = None
    except OSError:
        current = b"\0not a regular file"
    if expected is None and current is not None:
        raise WriteConflict(f"{rel} appeared meanwhile; nothing was changed", exit_code=ExitCode.INVALID)
    if expected is not None and current != expected:
        raise WriteConflict(f"{rel} changed on disk meanwhile; nothing was changed",
                            hint="run the command again", exit_code=ExitCode.INVALID)


def _move(root: Path, writes: list[tuple[str, bytes, bytes | None, int | None]],
          removes: list[tuple[str, bytes]], staged: list[tuple[int, str, str]]) -> None:
    done: list[int] = []
    gone: list[tuple[str, bytes]] = []
    order = sorted(range(len(writes)), key=lambda i: writes[i][2] is not None)  # new files first
    try:
        for i in order:
            dir_fd, tmp, name = staged[i]
            if writes[i][2] is None:
                os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
            else:
                os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            done.append(i)
        for rel, expected in removes:
            _unlink(root, rel)
            gone.append((rel, expected))
    except OSError as exc:
        failed: list[str] = []
        for rel, expected in gone:
            try:
                _put(root, rel, expected, create=True)
            except (OSError, LedgerError):
                failed.append(rel)
        for i in reversed(done):
            rel, _, was, _ = writes[i]
            try:
                if was is None:
                    dir_fd, _, name = staged[i]
                    os.unlink(name, dir_fd=dir_fd)
                else:
                    _put(root, rel, was, create=False)
            except (OSError, LedgerError):
                failed.append(rel)
        left = f"; could not restore {', '.join(failed)}" if failed else "; nothing was changed"
        raise LedgerError(f"cannot write {exc.filename or 'a file'}: {exc.strerror or exc}{left}",
                          exit_code=ExitCode.CANNOT_RUN) from None
