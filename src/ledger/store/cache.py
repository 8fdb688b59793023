"""A content-addressed cache of checked records, and an index over them, in
one SQLite file.

Correct by construction: a result is stored under the git blob id of the
file's bytes plus a salt made of the schema's digest, the tool's version and
the settings that change results.  Stat fingerprints only say which blob a
path held when last seen; when one does not match, the file is read and
hashed again.  The cache is never the source of truth: when it cannot be
used (corrupt, locked, read-only) every method raises CacheError and the
caller works without it; deleting it changes no answer.  Results that no
file uses any more are pruned, oldest first, once they outnumber the tree's
files, so the cache grows with the ledger, not with its history of edits.

Tables:
  results   one row per (blob, salt, path): problems, the skeleton that the
            cross-record checks need, the record's id, its facets (what list
            and summary narrow and count by; ledger.store.index says what they are)
  records   the whole record of a result (marshal), apart so scans stay small
  files     the tree as last seen: path -> result
  live      the facets of the tree's records, one row each, so counting and
            narrowing never meet results of files as they once were; filled
            when first needed (a cold validate never pays for it), then kept
  folders   per folder: the stat fingerprints of its files and their digest
  state     the salt and tree digest the files rows belong to, files whose
            stat was too fresh to trust, and the validation answer
  evidence  evidence file fingerprint -> sha256
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.store.index import Prefilter

FORMAT = 3  # bump when what is stored changes meaning (a new layout is caught by LAYOUT)
BATCH = 500  # rows per `IN (...)` query (SQLite allows 32766 parameters)
SPARE = 1000  # results no file uses that are always kept (see Cache._prune)


class CacheError(Exception):
    """The cache cannot be used for this run."""

    def __init__(self, cause: BaseException | str, *, corrupt: bool = False) -> None:
        super().__init__(str(cause))
        self.corrupt = corrupt


def blob_id(raw: bytes) -> str:
    """The git blob id of raw, so CI caches keyed by git trees line up."""
    h = hashlib.sha1(b"blob %d\0" % len(raw), usedforsecurity=False)
    h.update(raw)
    return h.hexdigest()


def fingerprint(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is unchanged without reading it.  ctime is part of it
    because, unlike mtime, no user tool can set it back."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


@dataclass(frozen=True)
class Result:
    """A stored check of one file's content."""

    rid: int
    day: str  # the day it was made (ISO)
    dated: bool  # it reports a date in the future, which may be past another day
    problems: list[tuple[Any, ...]]
    skeleton: dict[str, Any] | None  # None: the file did not parse
    facets: bytes | None  # marshal of (field, value) pairs; None: not parsed, or not indexable


@dataclass(frozen=True)
class NewResult:
    key: str
    day: str
    dated: bool
    problems: list[tuple[Any, ...]]
    skeleton: dict[str, Any] | None
    data: bytes | None  # marshal of the record
    facets: bytes | None  # marshal of its (field, value) pairs; None: not indexable


@dataclass(frozen=True)
class State:
    salt: str
    tree: str
    files: int  # how many record files the tree holds
    day: str  # the day the answer was made
    racy: list[tuple[str, str]]  # (path, blob) of files whose stat was too fresh to trust
    answer: dict[str, Any] | None  # None unless asked for


@dataclass(frozen=True)
class Update:
    """A new state and the rows that bring `files` and `folders` to it: those
    given here, and the files rows staged (``Cache.stage``) as results came."""

    state: State
    folders: dict[str, tuple[str, bytes]]  # folder -> (digest, listing packed by storage.TreeScan)
    dropped: list[str]  # folders gone
    reset: bool  # the rows belong to another salt: replace them all


_SCHEMA = """
    CREATE TABLE IF NOT EXISTS results (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, day TEXT NOT NULL, dated INTEGER NOT NULL,
        problems BLOB, skeleton BLOB, rec_id TEXT, parsed INTEGER NOT NULL, facets BLOB);
    CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS files (
        path TEXT PRIMARY KEY, rid INTEGER NOT NULL, parsed INTEGER NOT NULL,
        indexed INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS files_by_rid ON files (rid);
    CREATE INDEX IF NOT EXISTS files_unindexed ON files (path) WHERE parsed AND NOT indexed;
    CREATE INDEX IF NOT EXISTS files_unparsed ON files (path) WHERE NOT parsed;
    CREATE TABLE IF NOT EXISTS live (
        rid INTEGER NOT NULL, field INTEGER NOT NULL, value NOT NULL,
        PRIMARY KEY (rid, field, value)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS live_by_value ON live (field, value);
    CREATE TABLE IF NOT EXISTS folders (
        folder TEXT PRIMARY KEY, digest TEXT NOT NULL, listing BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS state (
        one INTEGER PRIMARY KEY CHECK (one = 1), salt TEXT NOT NULL, tree TEXT NOT NULL,
        files INTEGER NOT NULL, day TEXT NOT NULL, racy BLOB NOT NULL, answer BLOB NOT NULL,
        live INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS evidence (
        path TEXT PRIMARY KEY, mtime INTEGER, size INTEGER, ino INTEGER, ctime INTEGER,
        sha256 TEXT);
"""
# Stamped on the file: a file made with any other layout is replaced, not misread.
LAYOUT = zlib.crc32(_SCHEMA.encode()) & 0x7FFFFFFF


def _rows_in(db: sqlite3.Connection, sql: str, keys: Sequence[Any]) -> Iterator[Any]:
    """The rows of sql, whose `IN ({})` takes keys BATCH at a time."""
    for i in range(0, len(keys), BATCH):
        batch = keys[i:i + BATCH]
        # Fetched whole: a cursor left open here, were a row found corrupt,
        # would be closed after the cache is, with an error on stderr.
        yield from db.execute(sql.format(_marks(len(batch))), batch).fetchall()


def _marks(n: int) -> str:
    return ",".join("?" * n)


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
            self.discard()
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
            stamp = db.execute("PRAGMA user_version").fetchone()[0]
            if stamp != LAYOUT:
                if stamp != 0:
                    raise sqlite3.DatabaseError("made with another layout")
                db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {LAYOUT}; COMMIT;")
            db.execute("SELECT count(*) FROM state").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        self.db = db

    @property
    def enabled(self) -> bool:
        return self.db is not None

    def discard(self) -> None:
        """Delete the cache file (it is corrupt); the next run starts afresh."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").unlink()

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None

    def key(self, blob: str, rel: str) -> str:
        # The path is part of the key: a record's problems name its file and
        # depend on its name (id = file name).
        return f"{blob}:{self.salt}:{rel}"

    @contextlib.contextmanager
    def _use(self, *, write: bool = False, tree: str | None = None) -> Iterator[sqlite3.Connection]:
        """The connection, inside a transaction when writing or when the reads
        must be of the stored tree `tree` (else CacheError: another process
        stored another tree meanwhile).  Every failure (locked, full, corrupt
        rows) becomes CacheError."""
        if self.db is None:
            raise CacheError("the cache is off")
        db = self.db
        try:
            if not write and tree is None:
                yield db
                return
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                if tree is not None:
                    row = db.execute("SELECT tree FROM state").fetchone()
                    if row is None or row[0] != tree:
                        raise CacheError("another process changed the cache meanwhile")
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # locked, disk full, read-only
            raise CacheError(exc) from exc
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:  # a corrupt file or row
            raise CacheError(exc, corrupt=True) from exc

    # -- the tree ------------------------------------------------------------
    def state(self, *, with_answer: bool) -> State | None:
        answer = "answer" if with_answer else "NULL"
        with self._use() as db:
            row = db.execute(f"SELECT salt, tree, files, day, racy, {answer} FROM state").fetchone()
            if row is None:
                return None
            salt, tree, files, day, racy, stored = row
            return State(salt, tree, files, day, marshal.loads(racy),
                         marshal.loads(stored) if stored is not None else None)

    def folders(self) -> dict[str, str]:
        """folder -> digest of its listing, as last stored."""
        with self._use() as db:
            return dict(db.execute("SELECT folder, digest FROM folders"))

    def listings(self, folders: Sequence[str]) -> dict[str, list[Any]]:
        with self._use() as db:
            return {folder: marshal.loads(listing) for folder, listing in _rows_in(
                db, "SELECT folder, listing FROM folders WHERE folder IN ({})", folders)}

    def files(self, paths: Sequence[str]) -> dict[str, Result]:
        """path -> result as last stored, for those of paths known."""
        with self._use() as db:
            return {row[0]: _result(row[1:]) for row in _rows_in(
                db, f"SELECT f.path, {_RESULT} FROM files f JOIN results r ON r.id = f.rid "
                "WHERE f.path IN ({})", paths)}

    def current(self, tree: str) -> list[tuple[str, int, bool]]:
        """(path, result id, parsed) of every file of the stored tree, in path order."""
        with self._use(tree=tree) as db:
            return [(p, rid, bool(ok)) for p, rid, ok in
                    db.execute("SELECT path, rid, parsed FROM files ORDER BY path")]

    def skeletons(self, tree: str) -> dict[str, dict[str, Any]]:
        """path -> skeleton of every record of the stored tree that parsed."""
        with self._use(tree=tree) as db:
            return {p: _skeleton(s, i) for p, s, i in db.execute(
                "SELECT f.path, r.skeleton, r.rec_id FROM files f JOIN results r ON r.id = f.rid "
                "WHERE f.parsed")}

    # Files rows of a new tree are staged, as its results come, in a table of
    # this connection only (SQLite's temp database, not in memory): however
    # many files changed, the process holds none of their rows.  `commit`
    # applies them in one transaction with the new state.
    def unstage(self) -> None:
        """Start staging a new tree."""
        with self._use() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS pending (path TEXT PRIMARY KEY, rid INTEGER, "
                       "parsed INTEGER NOT NULL, indexed INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("DELETE FROM temp.pending")

    def stage(self, rows: Sequence[tuple[str, Result | None]]) -> None:
        """Files rows of the new tree: path -> its result (None: the file is gone)."""
        with self._use() as db:
            db.executemany("INSERT OR REPLACE INTO temp.pending VALUES (?, ?, ?, ?)",
                           [(p, r.rid, r.skeleton is not None, r.facets is not None) if r is not None
                            else (p, None, False, False) for p, r in rows])

    # The tree as the staged rows leave it (with reset: the staged rows alone),
    # as (path, skeleton, rec_id) of each record that parsed: what the
    # cross-record checks read, in SQL so the ids of every record never need
    # to be held at once.
    def _staged(self, reset: bool, query: str) -> str:
        staged = ("SELECT p.path, r.skeleton, r.rec_id FROM temp.pending p JOIN results r ON r.id = p.rid "
                  "WHERE p.parsed")
        kept = ("SELECT f.path, r.skeleton, r.rec_id FROM files f JOIN results r ON r.id = f.rid "
                "WHERE f.parsed AND f.path NOT IN (SELECT path FROM temp.pending) UNION ALL ")
        return f"WITH tree(path, skeleton, rec_id) AS ({'' if reset else kept}{staged}) {query}"

    def staged_duplicates(self, *, reset: bool) -> list[tuple[str, list[str]]]:
        """(id, its files in path order) of each id used by more than one
        record, in the path order of their first files."""
        groups: dict[str, list[str]] = {}
        with self._use() as db:
            for rec_id, path in db.execute(self._staged(
                    reset, "SELECT rec_id, path FROM tree WHERE rec_id IN (SELECT rec_id FROM tree "
                    "WHERE rec_id IS NOT NULL GROUP BY rec_id HAVING count(*) > 1) ORDER BY path")):
                groups.setdefault(rec_id, []).append(path)
        return list(groups.items())

    def staged_skeletons(self, *, reset: bool) -> list[tuple[str, dict[str, Any]]]:
        """(path, skeleton) of the records whose skeleton is more than an id, in path order."""
        with self._use() as db:
            return [(p, _skeleton(s, i)) for p, s, i in db.execute(
                self._staged(reset, "SELECT path, skeleton, rec_id FROM tree WHERE skeleton IS NOT NULL "
                             "ORDER BY path"))]

    def staged_ids(self, *, reset: bool, among: set[str] | None = None) -> list[str]:
        """The ids the records use (only those among a set, with among)."""
        with self._use() as db:
            rows = db.execute(self._staged(reset, "SELECT rec_id FROM tree WHERE rec_id IS NOT NULL"))
            if among is None:
                return [i for i, in rows]
            return [i for i, in rows if i in among]

    def commit(self, base: tuple[str, str] | None, update: Update) -> bool:
        """Store a new state and the staged files rows, unless another process
        stored one since `base` (salt, tree) was read: then False, and nothing
        is written."""
        s = update.state
        with self._use(write=True) as db:
            row = db.execute("SELECT salt, tree, live, day FROM state").fetchone()
            if (tuple(row[:2]) if row else None) != base:
                return False
            live = bool(row and row[2]) and not update.reset
            if update.reset:
                db.execute("DELETE FROM files")
                db.execute("DELETE FROM folders")
            db.executemany("INSERT OR REPLACE INTO folders VALUES (?, ?, ?)",
                           [(f, d, listing) for f, (d, listing) in update.folders.items()])
            db.executemany("DELETE FROM folders WHERE folder = ?", [(f,) for f in update.dropped])
            if live:
                self._follow(db)
            db.execute("DELETE FROM files WHERE path IN (SELECT path FROM temp.pending WHERE rid IS NULL)")
            db.execute("INSERT OR REPLACE INTO files SELECT path, rid, parsed, indexed FROM temp.pending "
                       "WHERE rid IS NOT NULL")
            db.execute("DELETE FROM temp.pending")
            if update.reset or row[3] != s.day:  # once a day is enough; counting costs a scan
                self._prune(db, s.files, s.day)
            db.execute("INSERT OR REPLACE INTO state VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                       (s.salt, s.tree, s.files, s.day, marshal.dumps(s.racy), marshal.dumps(s.answer),
                        live))
            return True

    @staticmethod
    def _prune(db: sqlite3.Connection, files: int, day: str) -> None:
        """Keep the cache from growing with every edit.  Results no file of
        the tree uses (content a file once held, or holds on another branch)
        are kept for switching back, until there are more of them than the
        tree has files (and SPARE): then the oldest go, down to half as many.
        Never those made today (another process may be about to store a tree
        that uses them), nor the newest (ids are never given twice)."""
        spare = db.execute("SELECT count(*) FROM results").fetchone()[0] - files
        if spare <= files + SPARE:
            return
        doomed = db.execute(
            "SELECT r.id FROM results r WHERE r.day < ? AND r.id < (SELECT MAX(id) FROM results) "
            "AND NOT EXISTS (SELECT 1 FROM files f WHERE f.rid = r.id) ORDER BY r.id LIMIT ?",
            (day, spare - files // 2)).fetchall()
        db.executemany("DELETE FROM results WHERE id = ?", doomed)
        db.executemany("DELETE FROM records WHERE id = ?", doomed)

    @staticmethod
    def _follow(db: sqlite3.Connection) -> None:
        """Keep `live` to the facets of exactly the records `files` will hold
        once the staged rows are applied."""
        db.execute("DELETE FROM live WHERE rid IN (SELECT f.rid FROM temp.pending p "
                   "JOIN files f ON f.path = p.path WHERE p.rid IS NULL OR p.rid != f.rid)")
        new = db.execute("SELECT p.rid, r.facets FROM temp.pending p JOIN results r ON r.id = p.rid "
                         "LEFT JOIN files f ON f.path = p.path "
                         "WHERE r.facets IS NOT NULL AND (f.rid IS NULL OR f.rid != p.rid)")
        db.executemany("INSERT OR IGNORE INTO live VALUES (?, ?, ?)",
                       ((rid, field, value) for rid, packed in new for field, value in marshal.loads(packed)))

    def _live(self, tree: str) -> None:
        """Fill `live` for the stored tree, unless it is filled already."""
        with self._use(tree=tree) as db:
            if db.execute("SELECT live FROM state").fetchone()[0]:
                return
        with self._use(write=True, tree=tree) as db:
            if db.execute("SELECT live FROM state").fetchone()[0]:
                return  # another process filled it meanwhile
            # Building the index after the rows is faster than keeping it up while adding them.
            db.execute("DROP INDEX live_by_value")
            db.execute("DELETE FROM live")
            # Read as inserted (other tables than live), so no list of every record's facets is held.
            facets = db.execute("SELECT f.rid, r.facets FROM files f JOIN results r ON r.id = f.rid "
                                "WHERE r.facets IS NOT NULL")
            db.executemany("INSERT OR IGNORE INTO live VALUES (?, ?, ?)",
                           ((rid, field, value) for rid, packed in facets
                            for field, value in marshal.loads(packed)))
            db.execute("CREATE INDEX live_by_value ON live (field, value)")
            db.execute("UPDATE state SET live = 1")

    def trust(self, tree: str, racy: list[tuple[str, str]]) -> None:
        """Files once too fresh to trust by their stat are now old enough."""
        with self._use(write=True) as db:
            db.execute("UPDATE state SET racy = ? WHERE tree = ?", (marshal.dumps(racy), tree))

    # -- results -------------------------------------------------------------
    def lookup(self, keys: Sequence[str]) -> dict[str, Result]:
        with self._use() as db:
            return {row[0]: _result(row[1:]) for row in _rows_in(
                db, f"SELECT r.key, {_RESULT} FROM results r WHERE r.key IN ({{}})", keys)}

    def add(self, new: Sequence[NewResult]) -> dict[str, Result]:
        """Store results (with their records); key -> stored result."""
        out: dict[str, Result] = {}
        with self._use(write=True) as db:
            known: dict[str, int] = dict(_rows_in(db, "SELECT key, id FROM results WHERE key IN ({})",
                                                  [n.key for n in new]))
            # Ids are given here (in the write transaction, so no other process
            # can take them) to insert in bulk rather than row by row.
            rid = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM results").fetchone()[0])
            rows: list[tuple[Any, ...]] = []
            records: list[tuple[int, bytes]] = []
            redone: list[tuple[Any, ...]] = []
            for n in new:
                problems = marshal.dumps(n.problems) if n.problems else None
                if n.key in known:
                    # Made on a day it no longer holds for: the same content, checked today.
                    redone.append((n.day, n.dated, problems, known[n.key]))
                else:
                    rid += 1
                    known[n.key] = rid
                    rows.append((rid, n.key, n.day, n.dated, problems, *_pack_skeleton(n.skeleton),
                                 n.skeleton is not None, n.facets))
                    if n.data is not None:
                        records.append((rid, n.data))
                out[n.key] = Result(known[n.key], n.day, n.dated, n.problems, n.skeleton, n.facets)
            db.executemany("INSERT INTO results (id, key, day, dated, problems, skeleton, rec_id, parsed, "
                           "facets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.executemany("UPDATE results SET day = ?, dated = ?, problems = ? WHERE id = ?", redone)
            db.executemany("INSERT INTO records VALUES (?, ?)", records)
        return out

    def records(self, rids: Sequence[int]) -> dict[int, dict[str, Any]]:
        with self._use() as db:
            return {rid: marshal.loads(data) for rid, data in _rows_in(
                db, "SELECT id, data FROM records WHERE id IN ({})", rids)}

    # -- the index -----------------------------------------------------------
    def select(self, tree: str, narrow: Narrowing | None) -> Iterator[tuple[str, int]]:
        """(path, result id) of the stored tree's records that parsed and may
        pass `narrow` (every one without it), in path order, read as needed
        (see _snapshot)."""
        if narrow is not None:
            self._live(tree)
        if narrow is None:
            return self._snapshot(tree, "SELECT path, rid FROM files WHERE parsed ORDER BY path", [])
        return self._snapshot(
            tree, f"SELECT path, rid FROM files WHERE rid IN ({narrow[0]}) UNION ALL "
            "SELECT path, rid FROM files WHERE parsed AND NOT indexed ORDER BY path", narrow[1])

    def select_ids(self, tree: str, narrow: Narrowing | None) -> Iterator[tuple[str, int, str | None]]:
        """(path, result id, id when text) of the stored tree's records that
        parsed and pass `narrow`, which must hold no unindexed record (see
        unindexed), in path order, read as needed."""
        if narrow is not None:
            self._live(tree)
        among = f"f.rid IN ({narrow[0]})" if narrow is not None else "f.parsed"
        return self._snapshot(tree, f"SELECT f.path, f.rid, r.rec_id FROM files f JOIN results r "
                              f"ON r.id = f.rid WHERE {among} ORDER BY f.path",
                              narrow[1] if narrow is not None else [])

    def _snapshot(self, tree: str, sql: str, params: Sequence[Any]) -> Iterator[Any]:
        """The rows of a query of the stored tree, read as they are needed,
        inside one read transaction: memory holds no list of the whole tree,
        and records read meanwhile are of that same tree, whatever other
        processes store."""
        with self._use(tree=tree) as db:
            yield from db.execute(sql, params)

    def unindexed(self, tree: str) -> bool:
        """Whether some record of the stored tree has no facets."""
        with self._use(tree=tree) as db:
            row = db.execute("SELECT 1 FROM files WHERE parsed AND NOT indexed LIMIT 1").fetchone()
        return row is not None

    def unreadable(self, tree: str) -> list[str]:
        """Files of the stored tree that could not be read or parsed."""
        with self._use(tree=tree) as db:
            return [p for p, in db.execute("SELECT path FROM files WHERE NOT parsed ORDER BY path")]

    def count(self, tree: str, narrow: Narrowing | None,
              fields: Sequence[int]) -> tuple[int, dict[tuple[Any, ...], int], list[Counter[Any]]]:
        """Of the stored tree's records passing `narrow` (all indexed): how
        many, and how many hold each combination of the fields' values (one or
        two fields), and each value of each field."""
        among, params = (f" AND rid IN ({narrow[0]})", narrow[1]) if narrow else ("", [])
        self._live(tree)
        with self._use(tree=tree) as db:
            if narrow is None:
                total = db.execute("SELECT count(*) FROM files WHERE parsed").fetchone()[0]
            else:
                total = db.execute(f"SELECT count(*) FROM ({narrow[0]})", narrow[1]).fetchone()[0]
            margins = [Counter(dict(db.execute(
                f"SELECT value, count(*) FROM live WHERE field = ?{among} GROUP BY value",
                (field, *params)))) for field in fields]
            cells: dict[tuple[Any, ...], int]
            if len(fields) == 1:
                cells = {(v,): n for v, n in margins[0].items()}
            else:
                cells = {(a, b): n for a, b, n in db.execute(
                    f"SELECT a.value, b.value, count(*) FROM live a "
                    f"JOIN live b ON b.rid = a.rid AND b.field = ? "
                    f"WHERE a.field = ?{among.replace('rid', 'a.rid', 1)} GROUP BY a.value, b.value",
                    (fields[1], fields[0], *params))}
        return total, cells, margins

    def find(self, tree: str, prefix: str) -> Iterator[tuple[str, int]]:
        """(path, result id) of records whose id starts with prefix, or is not text."""
        return self._snapshot(
            tree, "SELECT f.path, f.rid FROM files f JOIN results r ON r.id = f.rid "
            "WHERE f.parsed AND (r.rec_id IS NULL OR substr(r.rec_id, 1, ?) = ?) ORDER BY f.path",
            (len(prefix), prefix))

    # -- evidence hashes -----------------------------------------------------
    def evidence_hash(self, rel: str, st: os.stat_result) -> str | None:
        with self._use() as db:
            row = db.execute("SELECT mtime, size, ino, ctime, sha256 FROM evidence WHERE path = ?",
                             (rel,)).fetchone()
        if row and tuple(row[:4]) == fingerprint(st):
            return str(row[4])
        return None

    def remember_evidence(self, rel: str, st: os.stat_result, digest: str) -> None:
        with self._use(write=True) as db:
            db.execute("INSERT OR REPLACE INTO evidence VALUES (?, ?, ?, ?, ?, ?)",
                       (rel, *fingerprint(st), digest))


# SQL for a set of result ids, and its parameters.
Narrowing = tuple[str, list[Any]]


def narrowing(pre: Prefilter, lower: int, upper: int) -> Narrowing | None:
    """The ids of the stored tree's indexed records that may pass the
    prefilter (lower, upper: the field codes of the date bounds); None when
    it tests nothing."""
    parts: list[str] = []
    params: list[Any] = []
    for field, values in pre.groups:
        parts.append(f"SELECT rid FROM live WHERE field = ? AND value IN ({_marks(len(values))})")
        params += [field, *values]
    if pre.since is not None or pre.until is not None:
        # Python's window test: a date, and no bound on the wrong side of the window.
        parts.append("SELECT rid FROM live WHERE field IN (?, ?)")
        params += [lower, upper]
    if not parts:
        return None
    sql = " INTERSECT ".join(parts)
    if pre.until is not None:
        sql += " EXCEPT SELECT rid FROM live WHERE field = ? AND value > ?"
        params += [lower, pre.until]
    if pre.since is not None:
        sql += " EXCEPT SELECT rid FROM live WHERE field = ? AND value < ?"
        params += [upper, pre.since]
    return sql, params


_RESULT = "r.id, r.day, r.dated, r.problems, r.skeleton, r.rec_id, r.parsed, r.facets"


def holds(made: str, dated: bool, day: str) -> bool:
    """Whether a check made on day `made` (ISO) holds on `day`: a date that was
    past is past on every later day; one in the future, only that same day."""
    return made == day or (not dated and made <= day)


def _result(row: Sequence[Any]) -> Result:
    rid, day, dated, problems, skeleton, rec_id, parsed, facets = row
    return Result(rid, day, bool(dated), marshal.loads(problems) if problems is not None else [],
                  _skeleton(skeleton, rec_id) if parsed else None,
                  facets)


def _pack_skeleton(skeleton: dict[str, Any] | None) -> tuple[bytes | None, str | None]:
    """(stored skeleton, id column): most skeletons are the id alone, kept in
    its column with no blob."""
    if skeleton is None:
        return None, None
    rec_id = skeleton.get("id")
    rec_id = rec_id if isinstance(rec_id, str) else None
    if skeleton == ({"id": rec_id} if rec_id is not None else {}):
        return None, rec_id
    return marshal.dumps(skeleton), rec_id


def _skeleton(packed: bytes | None, rec_id: str | None) -> dict[str, Any]:
    if packed is not None:
        return dict(marshal.loads(packed))
    return {"id": rec_id} if rec_id is not None else {}
