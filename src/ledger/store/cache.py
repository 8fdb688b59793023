"""The memo: answers of the pure path, kept by the content they were computed from.

It can never change an answer.  Every entry is keyed by what it depends on:
a file's result by its path and the git blob id of its bytes, the ledger's
answer by a digest of every (path, kind, blob) of the tree; and the whole
file by a salt (the schema's digest, the code's own digest, the settings
that change results), so another schema or another build of ledger never
meets it.  It lives in the ledger's private folder (``ledger.store.private``),
where no commit can carry it, and every row is signed (HMAC-SHA256) with a
key that lives elsewhere (the user's state folder, or $LEDGER_CACHE_KEY),
so a memo written by anyone else (copied in, edited, restored from another
machine's CI cache) is foreign and never believed.  Anything unexpected in
it (a broken file, a bad signature, a row of the wrong shape, another
format) raises CacheError; the caller then works from the files alone and
the memo is deleted, to be rebuilt.

Tables:
  results  (path, blob) -> the day it was made, whether it holds only that
           day, problems, the record and its facets (``ledger.core.facets``)
  answers  name -> (key, value): "check", what validate reports; "tree",
           what every file of that tree contributes (columns of lists)
  seen     path -> stat fingerprint and blob, for ledgers outside git
  evidence stat fingerprint of an evidence file -> its sha256
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

FORMAT = 5
BATCH = 500  # keys per `IN (...)` query
KEEP = 3  # memo files of other salts kept (a schema edited back and forth)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
  rid INTEGER PRIMARY KEY, path TEXT NOT NULL, blob TEXT NOT NULL, made TEXT NOT NULL,
  dated INTEGER NOT NULL, problems BLOB NOT NULL, data BLOB, facets BLOB,
  sig BLOB NOT NULL, dsig BLOB NOT NULL, UNIQUE (path, blob));
CREATE TABLE IF NOT EXISTS answers (name TEXT PRIMARY KEY, key TEXT NOT NULL, value BLOB NOT NULL,
  sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS seen (path TEXT PRIMARY KEY, fp BLOB NOT NULL, blob TEXT NOT NULL,
  sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (fp BLOB PRIMARY KEY, sha256 TEXT NOT NULL, sig BLOB NOT NULL);
"""


class CacheError(Exception):
    """The memo cannot be used for this run."""


def blob_id(raw: bytes) -> str:
    """The git blob id of raw: what git's index holds for an unchanged file."""
    h = hashlib.sha1(b"blob %d\0" % len(raw), usedforsecurity=False)
    h.update(raw)
    return h.hexdigest()


def loads(packed: Any, kind: type) -> Any:
    """marshal.loads of a stored value that must be of kind."""
    if not isinstance(packed, bytes):
        raise CacheError("a stored value is not bytes")
    try:
        value = marshal.loads(packed)
    except (ValueError, EOFError, TypeError) as exc:
        raise CacheError(f"a stored value does not unpack: {exc}") from None
    if not isinstance(value, kind):
        raise CacheError(f"a stored value is a {type(value).__name__}, not a {kind.__name__}")
    return value


class Memo:
    def __init__(self, folder: Path, salt: str, key: bytes) -> None:
        self.path = folder / f"memo-{FORMAT}-{salt}.sqlite"
        self._folder = folder
        self._key = key
        try:
            self.db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            self.discard()
            raise CacheError(exc) from None
        self._tidy()

    def _tidy(self) -> None:
        """Delete memo files of other salts beyond the newest KEEP."""
        with contextlib.suppress(OSError):
            others = sorted((p for p in self._folder.glob("memo-*.sqlite") if p != self.path),
                            key=lambda p: p.stat().st_mtime, reverse=True)
            for old in others[KEEP:]:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{old}{suffix}").unlink(missing_ok=True)

    def discard(self) -> None:
        """Delete the memo (it is corrupt or of another shape): rebuilt next run."""
        with contextlib.suppress(Exception):
            self.db.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").unlink()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()

    def _sign(self, *parts: Any) -> bytes:
        import hmac

        # marshal writes each part with its type and length: no two lists of parts sign alike.
        return hmac.digest(self._key, marshal.dumps(parts), "sha256")

    def _check(self, sig: Any, *parts: Any) -> None:
        import hmac

        if not isinstance(sig, bytes) or not hmac.compare_digest(sig, self._sign(*parts)):
            raise CacheError("a stored value is not signed by this user: a foreign or edited memo")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, params).fetchall()
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            raise CacheError(exc) from None

    def _write(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany(sql, rows)
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            raise CacheError(exc) from None

    # -- the ledger's answers --------------------------------------------------

    def answer(self, name: str, key: str | None) -> Any:
        """The stored answer name for key (a dict; key None: whatever key), or None."""
        rows = self._rows("SELECT key, value, sig FROM answers WHERE name = ?", (name,))
        if not rows or (key is not None and rows[0][0] != key):
            return None
        stored_key, value, sig = rows[0]
        self._check(sig, "answer", name, stored_key, value)
        return loads(value, dict)

    def keep_answer(self, name: str, key: str, value: dict[str, Any]) -> None:
        packed = marshal.dumps(value)
        self._write("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                    [(name, key, packed, self._sign("answer", name, key, packed))])

    # -- files' results --------------------------------------------------------

    def results(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[Any, ...]]:
        """(path, blob) -> (rid, made, dated, problems) of those stored."""
        out: dict[tuple[str, str], tuple[Any, ...]] = {}
        for i in range(0, len(keys), BATCH):
            part = keys[i:i + BATCH]
            marks = ",".join("(?, ?)" for _ in part)
            flat = [v for key in part for v in key]
            for path, blob, rid, made, dated, problems, facets, sig in self._rows(
                    f"SELECT path, blob, rid, made, dated, problems, facets, sig FROM results "
                    f"WHERE (path, blob) IN (VALUES {marks})", flat):
                if not (isinstance(rid, int) and isinstance(made, str)):
                    raise CacheError("a result row has the wrong shape")
                self._check(sig, "result", path, blob, made, dated, problems, facets)
                out[(path, blob)] = (rid, made, bool(dated), loads(problems, list))
        return out

    def facets(self, rids: Sequence[int]) -> dict[int, Any]:
        """rid -> (the record's skeleton, its facets) for those parsed."""
        out: dict[int, Any] = {}
        for i in range(0, len(rids), BATCH):
            part = list(rids[i:i + BATCH])
            for rid, path, blob, made, dated, problems, facets, sig in self._rows(
                    f"SELECT rid, path, blob, made, dated, problems, facets, sig FROM results "
                    f"WHERE rid IN ({','.join('?' * len(part))}) AND facets IS NOT NULL", part):
                self._check(sig, "result", path, blob, made, dated, problems, facets)
                out[rid] = loads(facets, tuple)
        return out

    def records(self, rids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """rid -> the whole record, for those parsed."""
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(rids), BATCH):
            part = list(rids[i:i + BATCH])
            for rid, path, blob, data, dsig in self._rows(
                    f"SELECT rid, path, blob, data, dsig FROM results "
                    f"WHERE rid IN ({','.join('?' * len(part))}) AND data IS NOT NULL", part):
                self._check(dsig, "data", path, blob, data)
                out[rid] = loads(data, dict)
        return out

    def keep_results(self, rows: Sequence[tuple[str, str, str, bool, bytes, bytes | None, bytes | None]]) \
            -> dict[tuple[str, str], int]:
        """Store (path, blob, made, dated, problems, data, facets) rows (packed);
        (path, blob) -> rid of each."""
        got: dict[tuple[str, str], int] = {}
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for r in rows:
                    # RETURNING gives each row's id in the same statement: no query back.
                    (rid,) = self.db.execute(
                        "INSERT OR REPLACE INTO results (path, blob, made, dated, problems, data, facets, "
                        "sig, dsig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rid",
                        (*r, self._sign("result", r[0], r[1], r[2], int(r[3]), r[4], r[6]),
                         self._sign("data", r[0], r[1], r[5]))).fetchone()
                    got[(r[0], r[1])] = rid
        except (sqlite3.Error, ValueError, OverflowError, TypeError) as exc:
            raise CacheError(exc) from None
        return got

    def prune(self, live: set[int]) -> None:
        """Forget results no file of the tree uses, once they outnumber it."""
        (count,) = self._rows("SELECT count(*) FROM results")[0]
        if count <= 2 * len(live) + 1000:
            return
        dead = [(rid,) for (rid,) in self._rows("SELECT rid FROM results") if rid not in live]
        self._write("DELETE FROM results WHERE rid = ?", dead)

    # -- change detection outside git ------------------------------------------

    def seen(self) -> dict[str, tuple[bytes, str]]:
        out = {}
        for path, fp, blob, sig in self._rows("SELECT path, fp, blob, sig FROM seen"):
            self._check(sig, "seen", path, fp, blob)
            out[path] = (fp, blob)
        return out

    def keep_seen(self, rows: dict[str, tuple[bytes, str]], gone: Iterable[str]) -> None:
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("DELETE FROM seen WHERE path = ?", ((p,) for p in gone))
                self.db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)",
                                    ((p, fp, blob, self._sign("seen", p, fp, blob))
                                     for p, (fp, blob) in rows.items()))
        except (sqlite3.Error, ValueError) as exc:
            raise CacheError(exc) from None

    # -- evidence files ----------------------------------------------------------

    def evidence_hash(self, fp: bytes) -> str | None:
        rows = self._rows("SELECT sha256, sig FROM evidence WHERE fp = ?", (fp,))
        if not rows:
            return None
        self._check(rows[0][1], "evidence", fp, rows[0][0])
        return rows[0][0] if isinstance(rows[0][0], str) else None

    def keep_evidence(self, fp: bytes, sha256: str) -> None:
        self._write("INSERT OR REPLACE INTO evidence VALUES (?, ?, ?)",
                    [(fp, sha256, self._sign("evidence", fp, sha256))])


def fingerprint(st: os.stat_result) -> bytes:
    """What says a file is unchanged without reading it.  ctime is in it
    because, unlike mtime, no user tool can set it back."""
    return marshal.dumps((st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns, st.st_dev))


def chunked(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    from itertools import islice

    while batch := list(islice(items, size)):
        yield batch


def code_stamp(package: Path) -> str:
    """A digest of the name and content of every module of package: another
    build of the code, another stamp; the same code installed elsewhere (a CI
    runner restoring the memo), the same stamp."""
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
