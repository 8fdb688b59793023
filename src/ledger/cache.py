"""A content-addressed cache of checked records, in one SQLite file.

Correct by construction: a result is stored under the git blob id of the
file's bytes plus a salt made of the schema's digest, the tool's version and
the settings that change results.  The stat fingerprint of each path is
only an accelerator that says which blob a path held when last seen; when it
does not match, the file is read and hashed again.  The cache is never the
source of truth: any failure (missing, corrupt, locked, read-only) turns it
off for the run, and deleting it changes no answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMAT = 2  # bump when the stored layout changes


def blob_id(raw: bytes) -> str:
    """The git blob id of raw, so CI caches keyed by git trees line up."""
    h = hashlib.sha1(b"blob %d\0" % len(raw), usedforsecurity=False)
    h.update(raw)
    return h.hexdigest()


def fingerprint(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is unchanged without reading it.  ctime is part of it
    because, unlike mtime, no user tool can set it back."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


class Cache:
    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = salt
        self.db: sqlite3.Connection | None = None
        self.path = folder / f"records-v{FORMAT}.sqlite"
        try:
            self._open()
        except (sqlite3.Error, OSError):
            # A corrupt file: throw it away and start again once.
            with contextlib.suppress(OSError):
                self.path.unlink()
            try:
                self._open()
            except (sqlite3.Error, OSError):
                self.db = None

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        marker = self.folder / ".gitignore"
        if not marker.exists():
            # Keep the cache out of git even in repositories whose .gitignore
            # does not mention it.
            marker.write_text("# created by ledger: this folder is a disposable cache\n*\n")
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript("""
                CREATE TABLE IF NOT EXISTS paths (
                    path TEXT PRIMARY KEY, mtime INTEGER, size INTEGER, ino INTEGER, ctime INTEGER,
                    blob TEXT);
                CREATE TABLE IF NOT EXISTS results (
                    key TEXT PRIMARY KEY, problems BLOB, meta BLOB, data BLOB);
                CREATE TABLE IF NOT EXISTS evidence (
                    path TEXT PRIMARY KEY, mtime INTEGER, size INTEGER, ino INTEGER, ctime INTEGER,
                    sha256 TEXT);
            """)
            db.execute("SELECT count(*) FROM results").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        self.db = db

    @property
    def enabled(self) -> bool:
        return self.db is not None

    def _key(self, blob: str, rel: str) -> str:
        # The path is part of the key: a record's problems name its file and
        # depend on its name (id = file name).
        return f"{blob}:{self.salt}:{rel}"

    def _safe(self, fn: Any, default: Any) -> Any:
        if self.db is None:
            return default
        try:
            return fn(self.db)
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            # Corrupt rows or a locked database: behave as a miss, never fail.
            return default

    # -- paths -> blobs ------------------------------------------------------
    def known_paths(self) -> dict[str, tuple[tuple[int, int, int, int], str]]:
        """path -> (stat fingerprint, blob) as last seen."""
        rows = self._safe(lambda db: db.execute(
            "SELECT path, mtime, size, ino, ctime, blob FROM paths").fetchall(), [])
        return {r[0]: ((r[1], r[2], r[3], r[4]), r[5]) for r in rows}

    def results(self, wanted: list[tuple[str, str]], *,
                with_data: bool) -> dict[str, tuple[Any, Any, Any]]:
        """(blob, path) pairs -> {path: (problems, meta, data or None)} for those cached."""
        column = "data" if with_data else "NULL"
        out: dict[str, tuple[Any, Any, Any]] = {}

        def fetch(db: sqlite3.Connection) -> dict[str, tuple[Any, Any, Any]]:
            for i in range(0, len(wanted), 500):
                keys = [self._key(b, rel) for b, rel in wanted[i:i + 500]]
                marks = ",".join("?" * len(keys))
                for key, problems, meta, data in db.execute(
                        f"SELECT key, problems, meta, {column} FROM results WHERE key IN ({marks})",
                        keys):
                    out[key.split(":", 2)[2]] = (marshal.loads(problems), marshal.loads(meta),
                                                 marshal.loads(data) if data is not None else None)
            return out
        return dict(self._safe(fetch, {}))

    def store(self, paths: list[tuple[Any, ...]],
              results: list[tuple[str, str, Any, Any, Any]], gone: Iterable[str] = ()) -> None:
        """paths: (path, *fingerprint, blob); results: (blob, path, problems, meta, data)."""
        def write(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?, ?, ?)", paths)
                db.executemany(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                    [(self._key(blob, rel), marshal.dumps(p), marshal.dumps(m), marshal.dumps(d))
                     for blob, rel, p, m, d in results])
                db.executemany("DELETE FROM paths WHERE path = ?", [(g,) for g in gone])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self._safe(write, None)

    # -- evidence hashes -----------------------------------------------------
    def evidence_hash(self, rel: str, st: os.stat_result) -> str | None:
        row = self._safe(lambda db: db.execute(
            "SELECT mtime, size, ino, ctime, sha256 FROM evidence WHERE path = ?", (rel,)).fetchone(), None)
        if row and tuple(row[:4]) == fingerprint(st):
            return str(row[4])
        return None

    def remember_evidence(self, rel: str, st: os.stat_result, digest: str) -> None:
        self._safe(lambda db: db.execute(
            "INSERT OR REPLACE INTO evidence VALUES (?, ?, ?, ?, ?, ?)",
            (rel, *fingerprint(st), digest)), None)

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None
