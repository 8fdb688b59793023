"""The only module that touches the file system.

Finding the ledger root, listing record files, reading bytes within limits
and writing atomically all live here; everything else works on text and
data handed to it.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.problems import ExitCode, LedgerError, Problem, UsageError

CONFIG_FILE = "ledger.toml"
DEFAULT_SCHEMA = "schema/incident.schema.json"
DEFAULT_INCIDENTS = "incidents"
# Records are a few KB; anything far larger is a mistake or an attack, and is
# refused before it is read so memory stays bounded.
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
RECORD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Settings:
    schema: str = DEFAULT_SCHEMA
    incidents: str = DEFAULT_INCIDENTS
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    cache_dir: str = ".ledger-cache"


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
    return settings


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
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base, onerror=_walk_error):
        # Hidden folders (.git, editor swap dirs) are never records.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(RECORD_SUFFIXES) and not name.startswith("."):
                found.append(Path(dirpath) / name)
    found.sort(key=lambda p: p.relative_to(base).as_posix())
    yield from found


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
            # Read one byte past the limit in case the file grew since stat().
            data = fh.read(ledger.settings.max_file_size + 1)
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
