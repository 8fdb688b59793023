"""The only module that touches the file system.

Finding the ledger root, listing record files, reading bytes within limits
and writing atomically all live here; everything else works on text and
data handed to it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError

CONFIG_FILE = "ledger.toml"
DEFAULT_SCHEMA = "schema/incident.schema.json"
DEFAULT_INCIDENTS = "incidents"
# Records are a few KB; anything far larger is a mistake or an attack, and is
# refused before it is read so memory stays bounded.
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
RECORD_SUFFIXES = (".yaml", ".yml")
# A folder holding more record files than this is listed as BUCKETS parts (by
# a hash of the file name), each with its own digest: one changed file then
# costs comparing its part of the listing, not the whole folder.  A part's key
# is the folder, BUCKET_MARK and the part's number ("//" is never in a path).
BUCKET_FILES = 4096
BUCKETS = 64
BUCKET_MARK = "//"


@dataclass(frozen=True)
class Settings:
    schema: str = DEFAULT_SCHEMA
    incidents: str = DEFAULT_INCIDENTS
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    cache_dir: str = ".ledger-cache"
    publish: tuple[str, ...] = ()  # [public] publish: fields public views keep (redact.PUBLISHABLE)


@dataclass(frozen=True)
class Ledger:
    root: Path
    settings: Settings

    @property
    def schema_path(self) -> Path:
        return self.root / self.settings.schema

    @property
    def incidents_dir(self) -> Path:
        return self.root / self.settings.incidents

    def rel(self, path: Path) -> str:
        """Path relative to the root, POSIX style, as printed in every message."""
        # Paths found by scanning the (resolved) root need no resolve(): that
        # costs an lstat per path component, per file.
        text, root = str(path), str(self.root)
        if path.is_absolute() and text.startswith(root + os.sep) and ".." not in path.parts:
            return text[len(root) + 1:].replace(os.sep, "/")
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def _is_root(folder: Path) -> bool:
    return (folder / CONFIG_FILE).is_file() or (
        (folder / "schema").is_dir() and (folder / "incidents").is_dir()
    )


def find_ledger(explicit: str | None = None, cwd: Path | None = None) -> Ledger:
    """--ledger DIR, else $LEDGER_DIR, else the nearest root at or above cwd."""
    given = explicit or os.environ.get("LEDGER_DIR") or None
    if given:
        root = Path(given).expanduser()
        if not root.is_dir():
            raise LedgerError(f"ledger folder {given} does not exist",
                              hint="check --ledger or $LEDGER_DIR")
        root = root.resolve()
        if not _is_root(root):
            raise LedgerError(
                f"{given} is not a ledger: it has no {CONFIG_FILE} and no schema/ + incidents/",
                hint="create one with `ledger init DIR`")
        return Ledger(root, load_settings(root))
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return Ledger(folder, load_settings(folder))
    raise LedgerError(
        f"no ledger found at or above {here}",
        hint=f"run inside a ledger (a folder with {CONFIG_FILE}, or schema/ and incidents/), "
             "pass --ledger DIR, or create one with `ledger init`")


def load_settings(root: Path) -> Settings:
    path = root / CONFIG_FILE
    if not path.is_file():
        return Settings()
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LedgerError(f"{CONFIG_FILE}: cannot read settings: {exc}") from None
    section: Any = doc.get("ledger", {})
    if not isinstance(section, dict):
        raise LedgerError(f"{CONFIG_FILE}: [ledger] must be a table")
    base = Settings()
    values: dict[str, Any] = {}
    for key, default in vars(base).items():
        if key in section:
            value = section[key]
            if not isinstance(value, type(default)):
                raise LedgerError(
                    f"{CONFIG_FILE}: [ledger] {key} must be a {type(default).__name__}")
            values[key] = value
    settings = Settings(**values)
    for key in ("schema", "incidents", "cache_dir"):
        _inside(root, getattr(settings, key), f"{CONFIG_FILE}: [ledger] {key}")
    return replace(settings, publish=_published(doc.get("public", {})))


def _published(section: Any) -> tuple[str, ...]:
    """[public] publish = [...]: the withheld-by-default fields a release keeps."""
    from ledger.core.redact import PUBLISHABLE

    value = section.get("publish", []) if isinstance(section, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LedgerError(f"{CONFIG_FILE}: [public] publish must be a list of field names",
                          hint=f"any of: {', '.join(PUBLISHABLE)}")
    unknown = [v for v in value if v not in PUBLISHABLE]
    if unknown:
        raise LedgerError(f"{CONFIG_FILE}: [public] publish: unknown field {unknown[0]!r}",
                          hint=f"any of: {', '.join(PUBLISHABLE)}")
    return tuple(value)


def _inside(root: Path, rel: str, what: str) -> Path:
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise LedgerError(f"{what} points outside the ledger: {rel}")
    return target


def iter_record_files(ledger: Ledger) -> Iterator[Path]:
    """Every record file under incidents/, at any depth, in a stable order."""
    base = ledger.incidents_dir
    if not base.is_dir():
        raise LedgerError(f"{ledger.rel(base)}/ is missing",
                          hint="a ledger keeps its records in incidents/")
    found = [Path(dirpath) / name for dirpath, name in _walk_records(base, onerror=_walk_error)]
    found.sort(key=lambda p: p.relative_to(base).as_posix())
    yield from found


def record_names(ledger: Ledger) -> Iterator[str]:
    """The name of every record file under incidents/ without its suffix (a
    record's id), in no set order: no stat, no Path objects, for completion."""
    return (name.rsplit(".", 1)[0] for _, name in _walk_records(ledger.incidents_dir))


def _walk_records(base: Path, onerror: Any = None) -> Iterator[tuple[str, str]]:
    """(folder, file name) of every record file under base."""
    for dirpath, dirnames, filenames in os.walk(base, onerror=onerror):
        # Hidden folders (.git, editor swap dirs) are never records.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(RECORD_SUFFIXES) and not name.startswith("."):
                yield dirpath, name


# (name, mtime_ns, size, inode, ctime_ns) of one record file: what says it is
# unchanged without reading it.  ctime is part of it because, unlike mtime,
# no user tool can set it back.
Stat = tuple[str, int, int, int, int]


class TreeScan:
    """Every record file under incidents/ with its stat, by folder, and a
    digest of each folder's listing (equal digests, an unchanged folder).

    Each folder's listing is kept packed (marshal), a quarter of the memory
    of its tuples, and unpacked only when read: a warm run only compares
    digests, and a cold one reads a folder at a time."""

    def __init__(self, packed: dict[str, bytes], digests: dict[str, str], count: int) -> None:
        self.packed, self.digests, self.count = packed, digests, count

    @classmethod
    def of(cls, folders: dict[str, list[Stat]]) -> TreeScan:
        packed: dict[str, bytes] = {}
        for folder, entries in folders.items():
            _add_listing(packed, folder, entries)
        return cls(packed, _digests(packed), sum(map(len, folders.values())))

    def listing(self, key: str) -> list[Stat]:
        """[Stat, ...] of a listing (a folder relative to the root, POSIX, or
        a part of one: see BUCKET_FILES), in directory order."""
        import marshal

        packed = self.packed.get(key)
        return marshal.loads(packed) if packed is not None else []

    def listings(self) -> Iterator[tuple[str, list[Stat]]]:
        """(folder, listing) of every listing, one unpacked at a time (a large
        folder comes in parts, each with the folder's name)."""
        for key in self.packed:
            yield folder_of(key), self.listing(key)

    def key(self, folder: str, name: str) -> str:
        """The key of the listing that holds (or would hold) folder/name."""
        return folder if folder in self.packed else f"{folder}{BUCKET_MARK}{_bucket(name)}"


def folder_of(key: str) -> str:
    """The folder a listing's key names (the key itself, or the part's folder)."""
    return key.split(BUCKET_MARK, 1)[0]


def _bucket(name: str) -> int:
    # crc32, not hash(): a part must hold the same files in every process.
    return zlib.crc32(name.encode("utf-8", "surrogateescape")) % BUCKETS


T = TypeVar("T")


def _parts(items: list[T], names: Iterable[str]) -> list[list[T]]:
    """items (one for each of names, a large folder's files in directory
    order) in the parts its listing is kept in, each in directory order."""
    parts: list[list[T]] = [[] for _ in range(BUCKETS)]
    for item, name in zip(items, names, strict=True):
        parts[_bucket(name)].append(item)
    return parts


def _add_listing(found: dict[str, bytes], rel: str, entries: list[Stat]) -> None:
    if len(entries) <= BUCKET_FILES:
        if entries:
            found[rel] = _pack(entries)
        return
    for b, part in enumerate(_parts(entries, (e[0] for e in entries))):
        if part:
            found[f"{rel}{BUCKET_MARK}{b}"] = _pack(part)


def _pack(entries: list[Stat]) -> bytes:
    import marshal

    # marshal version 2 writes no back-references, so equal listings give equal bytes.
    return marshal.dumps(entries, 2)


def _digests(packed: dict[str, bytes]) -> dict[str, str]:
    return {f: hashlib.sha1(b, usedforsecurity=False).hexdigest() for f, b in packed.items()}


def code_stamp(package: Path) -> str:
    """A digest of the name and content of every module in package (and its
    subpackages): another build of the code, another stamp; the same code
    installed elsewhere (a CI runner restoring the cache), the same stamp."""
    h = hashlib.sha1(usedforsecurity=False)
    stack = [(str(package), "")]
    while stack:
        folder, rel = stack.pop()
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            if e.is_dir() and not e.name.startswith((".", "__")):
                stack.append((e.path, f"{rel}{e.name}/"))
            elif e.name.endswith(".py"):
                with open(e.path, "rb") as f:
                    h.update(f"{rel}{e.name}\0".encode() + f.read() + b"\0")
    return h.hexdigest()[:16]


def scan_tree(ledger: Ledger, *, split: bool = False) -> TreeScan:
    """The stat of every record file under incidents/.  One pass of scandir
    and a tuple per file, no Path objects and no sorting: on a warm run over
    a large ledger this stat of the tree is most of the work.

    With split (for large ledgers) the work is shared out between this
    process and forked helpers, a stat call each being mostly Python's own
    work: on two cores that saves about a third.  Folders are shared out
    whole, but for a folder too large for that (see LARGE_FOLDER_BYTES) this
    process lists the names first and the stat of its parts is shared."""
    base = ledger.incidents_dir
    if not base.is_dir():
        raise LedgerError(f"{ledger.rel(base)}/ is missing",
                          hint="a ledger keeps its records in incidents/")
    found: dict[str, bytes] = {}
    root = (str(base), ledger.rel(base))
    workers = min(os.cpu_count() or 1, 4) if split and _can_fork() else 1
    if workers == 1:
        count = _scan_folders([root], found)
        return TreeScan(found, _digests(found), count)
    # The top folder is read here, for the subfolders to share out.
    count = 0
    stack: list[tuple[str, str]] = []
    units: list[Unit] = []
    if _folder_size(root[0]) >= LARGE_FOLDER_BYTES:  # records kept in incidents/ itself
        units += _units(*root, stack)
    else:
        count += _scan_folder(*root, found, stack)
    stack, more = _plan(stack, workers)
    units += more
    helpers = min(workers, max(len(stack), len(units))) - 1
    digests: dict[str, str] = {}
    if helpers > 0:
        shares = [(stack[i::helpers + 1], units[i::helpers + 1]) for i in range(helpers + 1)]
        children = [_fork_scan(*share) for share in shares[1:]]
        try:
            count += _scan_share(*shares[0], found)
        finally:
            results = [_collect(*child) for child in children]
        for share, result in zip(shares[1:], results, strict=True):
            if result is None:  # the helper failed: its share is scanned here
                count += _scan_share(*share, found)
                continue
            if not result[0]:
                raise LedgerError(str(result[1]))
            _, theirs, n, listings = result
            digests.update(theirs)
            found.update(listings)
            count += n
    else:
        count += _scan_share(stack, units, found)
    digests.update(_digests({f: b for f, b in found.items() if f not in digests}))
    return TreeScan(found, digests, count)


def _scan_folders(stack: list[tuple[str, str]], found: dict[str, bytes]) -> int:
    """Scan the folders in stack (and below) into found; how many files."""
    count = 0
    while stack:
        count += _scan_folder(*stack.pop(), found, stack)
    return count


# -- sharing out the stat of large folders ---------------------------------------------

# A folder is listed first and its parts shared out when its own size (the
# bytes of its entries, on most file systems) is at least this, and it holds
# more than its share of the tree: sharing out whole folders cannot balance
# such a tree (all records in one folder).  Only a guess at where this pays:
# a wrong one costs time, never a different answer.
LARGE_FOLDER_BYTES = 256 * 1024

# Files of one large folder to stat: (folder, key, names); key is the
# listing's key (the folder, or one of its parts).
Unit = tuple[str, str, list[str]]


def _folder_size(folder: str) -> int:
    try:
        return os.stat(folder).st_size
    except OSError:
        return 0


def _plan(stack: list[tuple[str, str]], workers: int) -> tuple[list[tuple[str, str]], list[Unit]]:
    """The folders to share out whole (their subfolders found as they are
    scanned), and the parts of the large ones, to share out one by one."""
    sizes = [_folder_size(folder) for folder, _ in stack]
    total = sum(sizes)
    small: list[tuple[str, str]] = []
    units: list[Unit] = []
    for (folder, rel), size in zip(stack, sizes, strict=True):
        if size >= LARGE_FOLDER_BYTES and size * workers > total:
            units += _units(folder, rel, small)
        else:
            small.append((folder, rel))
    return small, units


def _units(folder: str, rel: str, stack: list[tuple[str, str]]) -> list[Unit]:
    """A large folder's names, listed here in directory order, in the parts
    _add_listing would make of its listing; its subfolders go on stack."""
    names = _names(folder, rel, stack)
    if len(names) <= BUCKET_FILES:
        return [(folder, rel, names)] if names else []
    return [(folder, f"{rel}{BUCKET_MARK}{b}", part) for b, part in enumerate(_parts(names, names)) if part]


def _names(folder: str, rel: str, stack: list[tuple[str, str]]) -> list[str]:
    """The record files of a folder, in directory order, without a stat;
    its subfolders go on stack."""
    try:
        with os.scandir(folder) as it:
            return [entry.name for entry in _record_entries(it, folder, rel, stack)]
    except OSError as exc:
        raise LedgerError(f"cannot read folder {folder}: {exc.strerror}") from None


def _record_entries(it: Iterator[os.DirEntry[str]], folder: str, rel: str,
                    stack: list[tuple[str, str]]) -> Iterator[os.DirEntry[str]]:
    """The record files of a folder being listed; its subfolders go on stack."""
    for entry in it:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            stack.append((os.path.join(folder, name), f"{rel}/{name}"))
        elif name.endswith(RECORD_SUFFIXES):
            yield entry


def _scan_share(stack: list[tuple[str, str]], units: list[Unit], found: dict[str, bytes]) -> int:
    """Scan whole folders (and below) and the parts given; how many files."""
    count = _scan_folders(list(stack), found)
    for folder, key, names in units:
        entries = _stat_names(folder, names)
        if entries:
            found[key] = _pack(entries)
        count += len(entries)
    return count


def _stat_names(folder: str, names: list[str]) -> list[Stat]:
    entries: list[Stat] = []
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise LedgerError(f"cannot read folder {folder}: {exc.strerror}") from None
    try:
        stat_at = os.stat
        for name in names:
            try:
                st = stat_at(name, dir_fd=fd)
            except OSError:
                continue  # vanished or a dangling link: not a record
            entries.append((name, st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
    finally:
        os.close(fd)
    return entries


# A stat relative to the open folder (fstatat) skips looking up the folder's
# path again for each file: about a tenth of a large scan.
_BY_FD = os.scandir in os.supports_fd


def _scan_folder(folder: str, rel: str, found: dict[str, bytes], stack: list[tuple[str, str]]) -> int:
    entries: list[Stat] = []
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if _BY_FD else None
        try:
            with os.scandir(folder if fd is None else fd) as it:
                for entry in _record_entries(it, folder, rel, stack):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue  # vanished or a dangling link: not a record
                    entries.append((entry.name, st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
        finally:
            if fd is not None:
                os.close(fd)
    except OSError as exc:
        raise LedgerError(f"cannot read folder {folder}: {exc.strerror}") from None
    _add_listing(found, rel, entries)
    return len(entries)


def _can_fork() -> bool:
    # fork() copies one thread only; with others running, a lock one of them
    # holds could hang the copy.  Off Linux, fork() without exec() is unsafe.
    threading = sys.modules.get("threading")
    return sys.platform.startswith("linux") and (threading is None or threading.active_count() == 1)


def _fork_scan(stack: list[tuple[str, str]], units: list[Unit]) -> tuple[int, int]:
    """A helper process scanning a share; (pid, pipe to read its findings from)."""
    import marshal

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: scan, send, and leave without running any exit handler
        status = 1
        try:
            os.close(read)
            try:
                mine: dict[str, bytes] = {}
                n = _scan_share(stack, units, mine)
                payload = marshal.dumps((True, _digests(mine), n, mine))
            except LedgerError as exc:
                payload = marshal.dumps((False, exc.message))
            with os.fdopen(write, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> tuple[Any, ...] | None:
    """A helper's (True, digests, count, packed listings) or (False, error
    message); None when it failed."""
    import marshal

    with os.fdopen(read, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    try:
        result = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if status != 0 or not isinstance(result, tuple) or len(result) not in (2, 4):
        return None
    return result


def _walk_error(exc: OSError) -> None:
    raise LedgerError(f"cannot read folder {exc.filename}: {exc.strerror}")


def resolve_paths(ledger: Ledger, paths: list[str]) -> list[Path]:
    """Expand command-line PATHs (files or folders) into record files."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"{raw}: no such file or folder")
        p = p.resolve()
        if p != ledger.root and ledger.root not in p.parents:
            raise UsageError(f"{raw} is outside the ledger at {ledger.root}")
        if p.is_dir():
            sub = Ledger(ledger.root, ledger.settings)
            out.extend(f for f in iter_record_files(sub)
                       if f == p or p in f.parents)
        else:
            out.append(p)
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def read_record_bytes(ledger: Ledger, path: Path) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, or a Problem saying why they cannot be used."""
    rel = ledger.rel(path)
    try:
        size = path.stat().st_size
        if size > ledger.settings.max_file_size:
            return None, Problem(
                rel, 1, 1, "file-too-large",
                f"file is {size / 1048576:.1f} MB; a record may be at most "
                f"{ledger.settings.max_file_size / 1048576:.1f} MB",
                hint="keep large material in evidence files, not in the record")
        with path.open("rb") as fh:
            # One byte past what stat() said shows whether the file grew since
            # (asking for the whole limit would allocate it for every file).
            data = fh.read(size + 1)
            if len(data) > size:
                data += fh.read(ledger.settings.max_file_size + 1 - len(data))
    except OSError as exc:
        return None, Problem(rel, 0, 0, "file-unreadable", f"cannot read file: {exc.strerror}")
    if len(data) > ledger.settings.max_file_size:
        return None, Problem(rel, 1, 1, "file-too-large", "file is larger than the size limit")
    return data, None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read {path}: {exc}") from None


def read_json(path: Path, what: str) -> Any:
    import json

    try:
        with path.open("rb") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise LedgerError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read {what} {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LedgerError(f"{what} {path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                          exit_code=ExitCode.CANNOT_RUN) from None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, text: str, *, create: bool = False) -> None:
    """Replace (or, with create=True, newly create) path without ever leaving
    a half-written file: write a temp file beside it, fsync, then rename.

    With create=True an existing file is never overwritten: the final step is
    a hard link, which fails if the name is taken, even against a concurrent
    writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if create or not path.exists():
            os.chmod(tmp, 0o666 & ~_umask())
        if create:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:
                # File systems without hard links: O_EXCL keeps the no-overwrite promise.
                with open(path, "x", encoding="utf-8", newline="\n") as out:
                    out.write(text)
        else:
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- new ledgers, editor copies, remembered answers (init, add, edit) -----------

def is_ledger_root(folder: Path) -> bool:
    return _is_root(folder)


def existing(root: Path, rels: Iterable[str]) -> list[str]:
    """Those of rels that already exist under root (as anything, even a dangling link)."""
    return [rel for rel in rels if (root / rel).exists() or (root / rel).is_symlink()]


def read_document(path: Path, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """A document named on the command line (`ledger add --from FILE`)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise UsageError(f"{path} is larger than {limit // 1048576} MB; a record is a few KB")
    return data


def edit_copy(folder: Path, name: str, text: str) -> Path:
    """A temporary copy of a record for $EDITOR.  It sits beside the records,
    so the modeline's relative schema path (and with it the editor's
    completion) still works, under a dot name that no command reads as a
    record.  The caller removes it."""
    folder.mkdir(parents=True, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".edit.yaml")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return Path(tmp)


def _state_dir() -> Path:
    # XDG's place for state worth keeping between runs but not worth backing
    # up: never inside a ledger, which is shared through git.
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "incident-ledger"


def read_user_state(name: str) -> dict[str, Any]:
    """A small JSON document from the user's state folder; {} when absent or unreadable."""
    import json

    try:
        data = json.loads((_state_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_user_state(name: str, data: dict[str, Any]) -> None:
    import json

    # Remembered answers are a convenience: never fail a command over them.
    with contextlib.suppress(OSError):
        write_atomic(_state_dir() / name, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# -- evidence files -------------------------------------------------------------

@dataclass(frozen=True)
class FileState:
    """What the file system says about one evidence file."""

    status: str  # "ok" | "missing" | "outside" | "not-a-file" | "unreadable"
    path: Path | None = None
    stat: os.stat_result | None = None
    sha256: str = ""


def locate_evidence(root: Path, rel: str) -> FileState:
    """Find root/rel without reading it; symlinks are followed, and a path
    that ends up outside root (by `..`, an absolute path or a link) is
    reported as such and never opened."""
    try:
        target = (root / rel).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return FileState("unreadable")
    if root not in target.parents:
        return FileState("outside")
    try:
        st = target.stat()
    except FileNotFoundError:
        return FileState("missing", target)
    except OSError:
        return FileState("unreadable", target)
    # A FIFO or device would block or never end: only regular files are hashed.
    if not stat.S_ISREG(st.st_mode):
        return FileState("not-a-file", target, st)
    return FileState("ok", target, st)


def hash_evidence(found: FileState) -> FileState:
    """found with its sha256, or marked unreadable."""
    if found.status != "ok" or found.path is None:
        return found
    try:
        return replace(found, sha256=sha256_file(found.path))
    except OSError:
        return replace(found, status="unreadable")


def place_file(source: Path, dest: Path, *, link: bool = False) -> tuple[bool, str]:
    """Put a copy (or, with link, a hard link) of source at dest, never
    replacing another file: (False, digest) when dest already holds the same
    bytes, (True, digest) when placed; FileExistsError when dest holds other
    bytes.  The digest is of what dest holds.  A copy appears all at once
    (written beside dest, then linked into place)."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        # A file where the folder should be: not a name clash to retry around.
        raise NotADirectoryError(errno.ENOTDIR, "a file is in the way", str(dest.parent)) from None
    if dest.exists() or dest.is_symlink():
        if dest.is_symlink() or not dest.is_file() or sha256_file(dest) != sha256_file(source):
            raise FileExistsError(dest)
        return False, sha256_file(dest)
    if link:
        os.link(source, dest)
        return True, sha256_file(dest)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                h.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.link(tmp, dest)
        except FileExistsError:
            raise
        except OSError:
            # File systems without hard links: O_EXCL keeps the no-overwrite promise.
            with open(tmp, "rb") as src, open(dest, "xb") as out:
                for block in iter(lambda: src.read(1 << 20), b""):
                    out.write(block)
    finally:
        os.unlink(tmp)
    return True, h.hexdigest()


def remove_file(path: Path) -> None:
    """Undo a place_file when what it was for could not be completed
    (its folder goes too, if that leaves it empty)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


# -- output files (export) --------------------------------------------------------

@contextmanager
def output_file(path: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary file beside path for the caller to fill; moved into place
    when the block ends without error and removed otherwise, so readers see
    the old file or the whole new one, never half of it.

    Without overwrite an existing path is refused before any work is done,
    and the final step (a hard link) never replaces a file that appeared
    meanwhile.
    """
    if path.is_dir():
        raise LedgerError(f"cannot write {path}: it is a folder")
    if not overwrite and (path.exists() or path.is_symlink()):
        raise UsageError(f"{path} already exists", hint="pass --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise LedgerError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(name)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    except FileExistsError:
        raise UsageError(f"{path} already exists", hint="pass --force to replace it") from None
    except OSError as exc:
        raise LedgerError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        # File systems without hard links: claim the name with O_EXCL first.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(tmp, path)


@contextmanager
def open_output(path: Path, *, overwrite: bool = False) -> Iterator[Any]:
    """A text stream whose content replaces path atomically (see output_file)."""
    with output_file(path, overwrite=overwrite) as tmp, \
            tmp.open("w", encoding="utf-8", newline="") as stream:
        yield stream


@contextmanager
def sqlite_output(path: Path, *, overwrite: bool = False) -> Iterator[Any]:
    """A connection to a new SQLite database that replaces path atomically."""
    import sqlite3

    with output_file(path, overwrite=overwrite) as tmp:
        conn = sqlite3.connect(tmp)
        try:
            # No journal: an interrupted export leaves only the temporary file.
            conn.execute("PRAGMA journal_mode = OFF")
            yield conn
            conn.commit()
        except sqlite3.OperationalError as exc:
            raise LedgerError(f"cannot write {path}: {exc}") from None
        finally:
            conn.close()
