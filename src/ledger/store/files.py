"""Reading the ledger from the file system.

Finding the ledger root and its settings, the one walker that lists record
files, and reading them without following links or blocking on special
files.  Every rewrite of a file goes through ``ledger.store.write``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError

CONFIG_FILE = "ledger.toml"
DEFAULT_SCHEMA = "schema/incident.schema.json"
DEFAULT_INCIDENTS = "incidents"
# Actor profiles (SPEC section 9): beside incidents/, their schema beside the incident schema.
ACTORS = "actors"
ACTOR_SCHEMA = "actor.schema.json"
# Records are a few KB; anything far larger is a mistake or an attack, and is
# refused before it is read so memory stays bounded.
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
SETTINGS_MAX_SIZE = 1024 * 1024
RECORD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Settings:
    schema: str = DEFAULT_SCHEMA
    incidents: str = DEFAULT_INCIDENTS
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    publish: tuple[str, ...] = ()  # [public] publish: fields public views keep (redact.PUBLISHABLE)


@dataclass(frozen=True)
class Layout:
    root: Path
    settings: Settings

    @property
    def schema_path(self) -> Path:
        return self.root / self.settings.schema

    @property
    def incidents_dir(self) -> Path:
        return self.root / self.settings.incidents

    @property
    def actor_schema_path(self) -> Path:
        return self.schema_path.parent / ACTOR_SCHEMA

    @property
    def actors_dir(self) -> Path:
        return self.root / ACTORS

    def rel(self, path: Path) -> str:
        """Path relative to the root, POSIX style, as printed in every message."""
        # Paths found by scanning the (resolved) root need no resolve(): that
        # costs an lstat per path component, per file.
        # Links are not resolved: a link is reported as the link, never as
        # what it points to.
        text, root = os.path.abspath(path), str(self.root)
        if text.startswith(root + os.sep):
            return text[len(root) + 1:].replace(os.sep, "/")
        try:  # the root reached through a linked folder (/tmp -> /private/tmp)
            parent = Path(os.path.realpath(os.path.dirname(text)))
            return (parent / os.path.basename(text)).relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def _is_root(folder: Path) -> bool:
    # Any ledger.toml marks the root, so that one which is not a file is
    # reported (load_settings) rather than skipped in favour of an outer ledger.
    return os.path.lexists(folder / CONFIG_FILE) or (
        (folder / "schema").is_dir() and (folder / "incidents").is_dir()
    )


def find_ledger(explicit: str | None = None, cwd: Path | None = None) -> Layout:
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
        return Layout(root, load_settings(root))
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return Layout(folder, load_settings(folder))
    raise LedgerError(
        f"no ledger found at or above {here}",
        hint=f"run inside a ledger (a folder with {CONFIG_FILE}, or schema/ and incidents/), "
             "pass --ledger DIR, or create one with `ledger init`")


def load_settings(root: Path) -> Settings:
    path = root / CONFIG_FILE
    if not os.path.lexists(path):
        settings = Settings()
        _inside(root, settings.schema, "the schema")
        return settings
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    _inside(root, CONFIG_FILE, CONFIG_FILE)
    raw = read_regular(path, "settings file", SETTINGS_MAX_SIZE, CONFIG_FILE)
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
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
    for key in ("schema", "incidents"):
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


# -- the one walker -------------------------------------------------------------
# Every command finds records here, and reads them through read_record: only
# regular files inside the ledger are records.  A symbolic link (wherever it
# points), a FIFO, a socket or a device named like a record is reported as
# `file-not-regular` and never opened, so a record from a pull request can
# neither make ledger read outside the ledger nor hang it.

class Entry(NamedTuple):
    """One record file as the walker found it (a tuple: a large ledger has many)."""

    rel: str  # POSIX path relative to the ledger root
    kind: str  # "file", or what else it is: "symbolic link", "FIFO", "socket", "device", "other"

    @property
    def regular(self) -> bool:
        return self.kind == "file"


def _kind(entry: os.DirEntry[str]) -> str:
    # The directory entry's type (d_type) answers without a stat on most
    # file systems; DirEntry falls back to lstat where it cannot.
    if entry.is_symlink():
        return "symbolic link"
    if entry.is_file(follow_symlinks=False):
        return "file"
    if entry.is_dir(follow_symlinks=False):
        return "folder"  # a folder named like a record is walked into, not reported
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return "other"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


class Listing:
    """What the walker found: every record path, sorted, and what the ones
    that are not regular files are.  Iterating gives Entry tuples; the hot
    paths read ``paths`` and ``kinds`` (a large ledger has many files)."""

    def __init__(self, paths: list[str], kinds: dict[str, str]) -> None:
        self.paths, self.kinds = paths, kinds

    def __iter__(self) -> Iterator[Entry]:
        kinds = self.kinds
        return (Entry(rel, kinds.get(rel, "file")) for rel in self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> Entry:
        rel = self.paths[i]
        return Entry(rel, self.kinds.get(rel, "file"))


def walk(ledger: Layout, folder: str | None = None) -> Listing:
    """Every record file under folder (default: incidents/), at any depth, sorted by path.

    Hidden files and folders (a leading dot: .git, editor swap files) are
    never records; folders that are symbolic links are not entered.  The
    incidents folder must exist; any other (actors/) may be absent, and
    then holds nothing."""
    top = (folder if folder is not None else ledger.settings.incidents).strip("/")
    base = ledger.root / top
    try:
        st = os.lstat(base)
    except OSError:
        st = None
    if folder is not None and folder != ledger.settings.incidents and st is None:
        return Listing([], {})
    if st is None or not stat.S_ISDIR(st.st_mode):
        raise LedgerError(f"{ledger.rel(base)}/ is missing" if st is None
                          else f"{ledger.rel(base)} is not a folder",
                          hint=f"a ledger keeps its records in {top}/")
    found: list[str] = []
    kinds: dict[str, str] = {}
    stack = [(str(base), top)]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    if name.endswith(RECORD_SUFFIXES):
                        # d_type answers is_file without a stat on most file systems.
                        if entry.is_file(follow_symlinks=False):
                            found.append(f"{rel}/{name}")
                            continue
                        kind = _kind(entry)
                        if kind != "folder":
                            found.append(f"{rel}/{name}")
                            kinds[found[-1]] = kind
                            continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{rel}/{name}"))
        except OSError as exc:
            raise LedgerError(f"cannot read folder {ledger.rel(Path(folder))}: {exc.strerror}") from None
    found.sort()
    return Listing(found, kinds)


def iter_record_files(ledger: Layout) -> Iterator[Path]:
    """The path of every record file the walker finds (regular or not)."""
    return (ledger.root / e.rel for e in walk(ledger))


def record_names(ledger: Layout) -> Iterator[str]:
    """The name of every record file without its suffix (a record's id), for completion."""
    return (e.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0] for e in walk(ledger))


def not_regular(rel: str, kind: str) -> Problem:
    return Problem(rel, 1, 1, "file-not-regular",
                   f"is a {kind}, not a regular file: it is not read, and never rewritten",
                   hint="a record must be a plain file inside the ledger; replace the link or "
                        "special file with the record itself")


def resolve_paths(ledger: Layout, paths: list[str]) -> list[Path]:
    """Expand command-line PATHs (files or folders) into record files."""
    entries = None
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not (p.exists() or p.is_symlink()):
            raise UsageError(f"{raw}: no such file or folder")
        p = Path(os.path.abspath(p))
        if p != ledger.root and ledger.root not in p.parents:
            raise UsageError(f"{raw} is outside the ledger at {ledger.root}")
        if p.is_dir() and not p.is_symlink():
            entries = [*walk(ledger), *walk(ledger, ACTORS)] if entries is None else entries
            out.extend(ledger.root / e.rel for e in entries
                       if (ledger.root / e.rel) == p or p in (ledger.root / e.rel).parents)
        else:
            out.append(p)
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


_O_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_beneath(root: Path, rel: str, flags: int, mode: int = 0o666) -> int:
    """os.open of root/rel that never follows a symbolic link, in the last
    component or any folder on the way, and never leaves root: each folder is
    opened relative to the one before (openat), so a link swapped in between
    a check and the open cannot redirect it."""
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise OSError(errno.EINVAL, "not a plain path inside the ledger", rel)
    fd = os.open(root, _O_DIR)
    try:
        for part in parts[:-1]:
            inner = os.open(part, _O_DIR | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], flags | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode, dir_fd=fd)
    finally:
        os.close(fd)


def read_beneath(root: Path, rel: str, limit: int) -> bytes:
    """The bytes of the regular file root/rel (see open_beneath), at most limit
    + 1 of them.  A FIFO is opened without blocking and refused; OSError with
    errno ELOOP for a link, EFTYPE-like EINVAL for anything not regular."""
    fd = open_beneath(root, rel, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", rel)
        chunks: list[bytes] = []
        got = 0
        # One byte past what fstat said shows whether the file grew meanwhile.
        want = min(st.st_size, limit) + 1
        while got < limit + 1:
            chunk = os.read(fd, max(want - got, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_record(ledger: Layout, rel: str) -> tuple[bytes | None, Problem | None]:
    """A record file's bytes, or a Problem saying why they cannot be used."""
    limit = ledger.settings.max_file_size
    try:
        data = read_beneath(ledger.root, rel, limit)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) or (exc.errno == errno.EINVAL and exc.strerror
                                                         == "not a regular file"):
            return None, not_regular(rel, _lkind(ledger.root / rel))
        return None, Problem(rel, 1, 1, "file-unreadable", f"cannot read file: {exc.strerror}")
    if len(data) > limit:
        return None, Problem(
            rel, 1, 1, "file-too-large",
            f"file is larger than {limit / 1048576:.1f} MB, the most a record may be",
            hint="keep large material in evidence files, not in the record")
    return data, None


def read_entry(ledger: Layout, entry: Entry) -> tuple[bytes | None, Problem | None]:
    """read_record of what the walker found: a file that is not regular is a
    problem without being opened."""
    if not entry.regular:
        return None, not_regular(entry.rel, entry.kind)
    return read_record(ledger, entry.rel)


def _lkind(path: Path) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "other"
    for test, kind in ((stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return kind
    return "path through a symbolic link"


def read_record_bytes(ledger: Layout, path: Path) -> tuple[bytes | None, Problem | None]:
    """read_record for a path (absolute, or relative to the current folder)."""
    return read_record(ledger, ledger.rel(path))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read {path}: {exc}") from None


def read_json(path: Path, what: str, limit: int = DEFAULT_MAX_FILE_SIZE * 4, shown: str | None = None) -> Any:
    import json

    raw = read_regular(path, what, limit, shown)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LedgerError(f"cannot read {what} {shown or path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LedgerError(f"{what} {shown or path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                          exit_code=ExitCode.CANNOT_RUN) from None
    except RecursionError:
        raise LedgerError(f"{what} {shown or path}: nested too deeply to read") from None


def read_regular(path: Path, what: str, limit: int, shown: str | None = None) -> bytes:
    """The bytes of a regular file, at most limit of them.  A FIFO, device or
    socket in its place is refused without blocking on it (a ledger from
    someone else may hold anything under a file's name)."""
    name = shown or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise LedgerError(f"{what} not found: {name}") from None
    except OSError as exc:
        raise LedgerError(f"cannot read {what} {name}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LedgerError(f"{what} {name} is not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > limit:
            raise LedgerError(f"{what} {name} is {info.st_size} bytes; at most {limit} are read")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise LedgerError(f"cannot read {what} {name}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise LedgerError(f"{what} {name} grew past {limit} bytes while being read")
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return "not a file"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, text: str, *, create: bool = False) -> None:
    """Replace (or, with create=True, newly create) path without ever leaving
    a half-written file: write a temp file beside it, fsync, then rename.

    Only for ledger's own working files (the user's state, drafts, the copy
    $EDITOR works on): records and everything else in a ledger are written
    by ``ledger.store.write``, which compares, locks and never follows links.

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


def remove_file(path: Path) -> None:
    """Remove a working file (an editor copy, a draft)
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


# -- output folders (report) --------------------------------------------------------

@contextmanager
def output_dir(path: Path, *, marker: str, overwrite: bool = False,
               keep_clear: Iterable[Path] = ()) -> Iterator[Path]:
    """A new folder beside path for the caller to fill; renamed into place
    when the block ends without error and removed otherwise, so path holds
    the old folder or the whole new one, never half of either.

    An existing path may be replaced only when it is a folder that is empty
    or holds the file ``marker`` (an earlier output of the same kind), or
    with overwrite.  Never one that is a symbolic link, a file, or holds or
    is one of ``keep_clear`` (the ledger itself).
    """
    import shutil
    import tempfile

    path = Path(os.path.abspath(path))
    if path.is_symlink():
        raise LedgerError(f"cannot write {path}: it is a symbolic link", hint="give the folder it points to")
    if path.exists() and not path.is_dir():
        raise LedgerError(f"cannot write {path}: it is not a folder")
    for guarded in keep_clear:
        guarded = Path(os.path.abspath(guarded))
        if guarded == path or path in guarded.parents:
            raise UsageError(f"cannot write the report to {path}: it holds the ledger",
                             hint="choose a folder outside the ledger")
    if not path.parent.is_dir():
        raise LedgerError(f"cannot write {path}: the folder {path.parent} does not exist",
                          hint="create the folder first, or choose another --output")
    if path.is_dir() and not overwrite:
        try:
            entries = os.listdir(path)
        except OSError as exc:
            raise LedgerError(f"cannot read {path}: {exc.strerror or exc}") from None
        if entries and marker not in entries:
            raise UsageError(f"{path} is not empty and holds no earlier report",
                             hint="choose an empty or new folder, or pass --force to replace it")
    try:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as exc:
        raise LedgerError(f"cannot write {path}: {exc.strerror or exc}") from None
    old: Path | None = None
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / "previous")
        os.replace(tmp, path)
    except OSError as exc:
        if old is not None and (old / "previous").exists() and not path.exists():
            os.replace(old / "previous", path)  # put the earlier report back
        raise LedgerError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
