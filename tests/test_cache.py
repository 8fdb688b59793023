"""The record cache: never the source of truth, so no answer may depend on it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, invoke

sys.path.insert(0, str(REPO / "bench"))
from generate import generate


def _validate(root: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    result = invoke(["--ledger", str(root), "validate", "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def big(tmp_path: Path) -> Path:
    root = tmp_path / "big"
    generate(root, 60, seed=7)
    return root


def test_cache_is_created_and_ignored_by_git(big: Path) -> None:
    _validate(big)
    cache = big / ".ledger-cache"
    assert any(cache.glob("*.sqlite"))
    assert (cache / ".gitignore").read_text().strip().endswith("*")


def test_warm_answer_equals_cold_answer(big: Path) -> None:
    bad = next((big / "incidents").rglob("*.yaml"))
    bad.write_text(bad.read_text().replace("status: ", "status: wrong-"), encoding="utf-8")
    cold = _validate(big)
    warm = _validate(big)
    assert cold == warm and not cold["ok"]
    shutil.rmtree(big / ".ledger-cache")
    assert _validate(big) == cold
    listed = [invoke(["--ledger", str(big), "list", "--format", "json"]).stdout for _ in range(2)]
    assert listed[0] == listed[1]


def test_changed_file_is_rechecked(big: Path) -> None:
    assert _validate(big)["ok"]
    target = sorted((big / "incidents").rglob("*.yaml"))[3]
    text = target.read_text(encoding="utf-8")
    # Same size, new content: the stat may match, the bytes do not.
    target.write_text(text.replace("status: ", "status: X", 1)[:-1], encoding="utf-8")
    report = _validate(big)
    assert not report["ok"]
    assert {p["path"] for p in report["problems"]} == {target.relative_to(big).as_posix()}
    target.write_text(text, encoding="utf-8")
    assert _validate(big)["ok"]


def test_same_size_same_mtime_edit_is_caught_by_inode_or_content(big: Path) -> None:
    assert _validate(big)["ok"]
    target = sorted((big / "incidents").rglob("*.yaml"))[5]
    st = target.stat()
    text = target.read_text(encoding="utf-8")
    edited = text.replace("status: ", "statuz: ", 1)
    assert len(edited) == len(text)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(edited, encoding="utf-8")
    os.replace(tmp, target)  # a new inode, as editors and git write files
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not _validate(big)["ok"]


def test_changed_schema_invalidates(big: Path) -> None:
    assert _validate(big)["ok"]
    schema_path = big / "schema" / "incident.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["required"].append("interventions")
    schema_path.write_text(json.dumps(schema))
    report = _validate(big)
    assert not report["ok"]
    assert {p["code"] for p in report["problems"]} == {"schema-required"}
    assert len(report["problems"]) == 60


def test_corrupt_cache_is_rebuilt_silently(big: Path) -> None:
    first = _validate(big)
    for db in (big / ".ledger-cache").glob("*.sqlite*"):
        db.write_bytes(b"this is not a database" * 100)
    result = invoke(["--ledger", str(big), "validate", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == first
    assert _validate(big) == first


def test_unwritable_cache_folder_still_works(big: Path) -> None:
    (big / ".ledger-cache").write_text("a file where the folder should be")
    assert _validate(big)["ok"]


def test_two_processes_at_once(big: Path) -> None:
    exe = Path(sys.executable).with_name("ledger")
    procs = [subprocess.Popen([str(exe), "--ledger", str(big), "validate", "--format", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    assert len({o for o, _ in outs}) == 1
    assert _validate(big)["ok"]


def test_parallel_results_equal_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.store import checking

    root = tmp_path / "par"
    generate(root, checking.PARALLEL_THRESHOLD + 50, seed=3)
    files = sorted((root / "incidents").rglob("*.yaml"))
    for i, f in enumerate(files[::37]):
        f.write_text(f.read_text().replace("type: ", "type: bogus-" if i % 2 else "type: ", 1)
                     .replace("country: ", "country: Q" if i % 3 == 0 else "country: ", 1))
    monkeypatch.setenv("LEDGER_NO_CACHE", "1")
    parallel = _validate(root)
    monkeypatch.setenv("LEDGER_SERIAL", "1")
    serial = _validate(root)
    assert parallel == serial and not serial["ok"]


# -- the stored answer and what invalidates it ----------------------------------------

def _uncached(root: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict:  # type: ignore[type-arg]
    with monkeypatch.context() as m:
        m.setenv("LEDGER_NO_CACHE", "1")
        return _validate(root, *extra)


def test_warm_validate_reads_no_record(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.store import files as storage
    from ledger.store import freshness

    # Files written a moment ago are read again to be sure of them (see the
    # next tests); here every file counts as written long ago.
    monkeypatch.setattr(freshness, "RACY_NS", 0)
    bad = sorted((big / "incidents").rglob("*.yaml"))[2]
    bad.write_text(bad.read_text().replace("status: ", "status: wrong-"), encoding="utf-8")
    first = _validate(big)

    def refuse(*_: object) -> None:
        raise AssertionError("a record was read")
    monkeypatch.setattr(storage, "read_record_bytes", refuse)
    assert _validate(big) == first and not first["ok"]


def _set(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_each_kind_of_change_gives_the_uncached_answer(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted((big / "incidents").rglob("*.yaml"))
    rid = files[0].stem
    steps = [
        # a copy under another name: duplicate ids, reported on both files
        lambda: (files[1].parent / "copy.yaml").write_text(files[0].read_text(encoding="utf-8"),
                                                            encoding="utf-8"),
        # lines added above the duplicated id: the positions move, the problems stay
        lambda: _set(files[0], "---\n", "---\n# one\n# two\n"),
        lambda: _set(files[2], "status: ", f"related: [{rid}, no-such-incident]\nstatus: "),
        lambda: _set(files[3], "status: ", "duplicate_of: also-not-there\nstatus: "),
        lambda: files[1].unlink(),
        lambda: (big / "incidents" / "2031").mkdir(),
        lambda: (big / "incidents" / "2031" / "broken.yaml").write_text("id: [\n", encoding="utf-8"),
        lambda: (big / "incidents" / "copy.yaml").unlink() if (big / "incidents" / "copy.yaml").exists()
        else (files[1].parent / "copy.yaml").rename(big / "incidents" / "2031" / "copy.yaml"),
        lambda: shutil.rmtree(big / "incidents" / "2031"),
        lambda: _set(files[4], "description: |", "description: |\n  An edit of the prose only."),
    ]
    _validate(big)
    for step in steps:
        step()
        assert _validate(big) == _uncached(big, monkeypatch)
    assert _validate(big) == _uncached(big, monkeypatch)


def test_cross_record_problems_from_a_cold_cache(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache finds duplicate ids and dangling links in SQL, not from the
    records in memory: cold and after a change, it must agree with check_ledger."""
    files = sorted((big / "incidents").rglob("*.yaml"))
    rid, other = files[0].stem, files[5].stem
    text = files[0].read_text(encoding="utf-8")
    for n in (1, 2):  # one id in three files, in two folders
        (files[-n].parent / f"copy-{n}.yaml").write_text(text, encoding="utf-8")
    _set(files[2], "status: ", f"related: [{rid}, {other[:-1]}x, {files[2].stem}]\nstatus: ")
    _set(files[3], "status: ", "duplicate_of: nothing-like-it\nstatus: ")
    _set(files[4], "status: ", f"related: {rid}\nduplicate_of: {other}\nstatus: ")
    cold = _validate(big)
    assert cold == _uncached(big, monkeypatch)
    codes = sorted(p["code"] for p in cold["problems"])
    assert codes.count("duplicate-id") == 3 and codes.count("unknown-incident") == 2, codes
    assert any(f"did you mean '{other}'" in p.get("hint", "") for p in cold["problems"])
    _set(files[6], "status: ", f"related: [{other}, {rid}-not]\nstatus: ")  # a link changes: checked again
    assert _validate(big) == _uncached(big, monkeypatch)
    (files[-1].parent / "copy-1.yaml").unlink()
    assert _validate(big) == _uncached(big, monkeypatch)


def test_a_large_folder_is_listed_in_parts(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of many files is listed (and its stat compared) in parts.
    Folders growing into parts and back, and every kind of change within a
    part, give the uncached answer; one edited file is the only one read."""
    import sqlite3

    from ledger import library as api
    from ledger.store import files as storage
    from ledger.store import freshness

    monkeypatch.setattr(freshness, "RACY_NS", 0)  # no file is re-read for being recent
    first = _validate(big)
    monkeypatch.setattr(storage, "BUCKET_FILES", 3)
    monkeypatch.setattr(storage, "BUCKETS", 4)
    assert _validate(big) == first
    with sqlite3.connect(next((big / ".ledger-cache").glob("*.sqlite"))) as db:
        keys = [k for k, in db.execute("SELECT folder FROM folders")]
    parts = [k.split("//")[1] for k in keys if "//" in k]  # folders of more than 3 files
    assert parts and set(parts) <= {"0", "1", "2", "3"}
    scan = freshness.Scan(api.open_ledger(str(big)))  # each file is found in its part by name
    assert all(scan.has(p) for p in scan.paths()) and not scan.has("incidents/2015/no-such.yaml")
    files = sorted((big / "incidents").rglob("*.yaml"))
    read: list[str] = []
    real = storage.read_record_bytes

    def reading(ledger: storage.Ledger, path: Path) -> Any:
        read.append(path.name)
        return real(ledger, path)
    with monkeypatch.context() as m:
        m.setattr(storage, "read_record_bytes", reading)
        _set(files[0], "status: ", "status: nope-")
        edited = _validate(big)
    assert set(read) == {files[0].name}
    assert edited == _uncached(big, monkeypatch) != first
    steps = [
        lambda: (files[1].parent / "copy.yaml").write_text(files[2].read_text(encoding="utf-8"),
                                                            encoding="utf-8"),
        lambda: files[3].unlink(),
        lambda: files[4].rename(files[4].with_name("renamed.yaml")),
        lambda: monkeypatch.setattr(storage, "BUCKET_FILES", 1000),  # whole folders again
    ]
    for step in steps:
        step()
        assert _validate(big) == _uncached(big, monkeypatch)


def test_subsets_and_files_outside_incidents(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted((big / "incidents").rglob("*.yaml"))
    _set(files[5], "status: ", "status: nope-")
    drafts = big / "drafts"
    drafts.mkdir()
    (drafts / files[0].name).write_text(files[0].read_text(encoding="utf-8"), encoding="utf-8")
    for chosen in ([files[5]], [files[0], files[5], files[6]], [drafts / files[0].name], [drafts]):
        args = [str(p) for p in chosen]
        assert _validate(big, *args) == _uncached(big, monkeypatch, *args)


def test_changed_evidence_file_is_noticed(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    evidence = big / "evidence" / "letter.txt"
    evidence.parent.mkdir()
    evidence.write_bytes(b"the letter\n")
    record = sorted((big / "incidents").rglob("*.yaml"))[7]
    digest = hashlib.sha256(b"the letter\n").hexdigest()
    _set(record, "sources:\n",
         f"sources:\n  - ref: ev\n    file: evidence/letter.txt\n    sha256: {digest}\n")
    assert _validate(big)["ok"] and _validate(big)["ok"]
    evidence.write_bytes(b"the LETTER\n")
    report = _validate(big)
    assert [p["code"] for p in report["problems"]] == ["evidence-mismatch"]
    assert report == _uncached(big, monkeypatch)
    evidence.unlink()
    assert [p["code"] for p in _validate(big)["problems"]] == ["evidence-missing"]
    evidence.write_bytes(b"the letter\n")
    assert _validate(big)["ok"]


def test_a_stat_too_fresh_to_trust_is_checked_by_content(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file rewritten within one tick of the file system's clock keeps its
    stat; one whose stat is that recent is read again, however its stat looks."""
    import time

    from ledger.store import files as storage

    scan = storage.scan_tree
    now = time.time_ns()

    def frozen(ledger: storage.Ledger, split: bool = False) -> storage.TreeScan:
        return storage.TreeScan.of({folder: [(e[0], now, 1, 1, now) for e in entries]
                                    for folder, entries in scan(ledger, split=split).listings()})
    monkeypatch.setattr(storage, "scan_tree", frozen)
    assert _validate(big)["ok"]
    _set(sorted((big / "incidents").rglob("*.yaml"))[8], "status: ", "status: nope-")
    assert not _validate(big)["ok"]


def test_a_date_in_the_future_holds_for_a_day(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from ledger import library as api

    record = sorted((big / "incidents").rglob("*.yaml"))[9]
    _set(record, "  on: 2025-01-01", "  on: 2030-06-01")
    session = api.open_ledger(str(big))
    for day, future in ((dt.date(2030, 5, 1), True), (dt.date(2030, 7, 1), False),
                        (dt.date(2030, 5, 2), True)):
        problems = api.check(session, today=day).problems
        assert [p.code for p in problems] == (["date-in-future"] if future else [])
        with monkeypatch.context() as m:
            m.setenv("LEDGER_NO_CACHE", "1")
            assert api.check(session, today=day).problems == problems


@pytest.mark.parametrize("table", ["state", "records", "results", "folders"])
def test_corrupt_rows_are_thrown_away(big: Path, table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    bad = sorted((big / "incidents").rglob("*.yaml"))[1]
    _set(bad, "status: ", "status: nope-")
    first = _validate(big)
    listed = invoke(["--ledger", str(big), "list", "--format", "jsonl"]).stdout
    db = next((big / ".ledger-cache").glob("*.sqlite"))
    with sqlite3.connect(db) as conn:
        column = {"state": "answer", "records": "data", "results": "problems", "folders": "listing"}[table]
        conn.execute(f"UPDATE {table} SET {column} = x'00ff00ff'")
    _set(bad, "status: nope-", "status: nope-again-")  # so the stored answer is not simply reused
    monkeypatch.delenv("LEDGER_NO_CACHE", raising=False)
    result = invoke(["--ledger", str(big), "validate", "--format", "json"])
    assert result.exit_code == 1 and result.stderr == ""
    assert json.loads(result.stdout) == _uncached(big, monkeypatch)
    _set(bad, "status: nope-again-", "status: nope-")
    assert _validate(big) == first
    assert invoke(["--ledger", str(big), "list", "--format", "jsonl"]).stdout == listed


def test_results_no_file_uses_are_pruned(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import sqlite3

    from ledger import library as api
    from ledger.store import cache

    monkeypatch.setattr(cache, "SPARE", 0)
    files = sorted((big / "incidents").rglob("*.yaml"))
    session = api.open_ledger(str(big))
    day = dt.date(2026, 1, 1)
    first = api.check(session, today=day)

    def counts() -> tuple[int, int]:
        with sqlite3.connect(next((big / ".ledger-cache").glob("*.sqlite"))) as db:
            return (db.execute("SELECT count(*) FROM results").fetchone()[0],
                    db.execute("SELECT count(*) FROM records").fetchone()[0])
    seen = []
    for i in range(4):  # every file edited, on a new day each time
        for f in files:
            f.write_text(f.read_text(encoding="utf-8") + f"# edit {i}\n", encoding="utf-8")
        day += dt.timedelta(days=1)
        assert api.check(session, today=day) == first
        seen.append(counts())
    n = len(files)
    assert seen[0] == (2 * n, 2 * n)  # one edit's results are kept for switching back
    assert all(results == records <= 2 * n + n // 2 for results, records in seen), seen
    for f in files:  # back to content whose results were pruned: checked again
        f.write_text(f.read_text(encoding="utf-8").split("# edit 0")[0], encoding="utf-8")
    assert api.check(session, today=day) == first
    assert _validate(big) == _uncached(big, monkeypatch)


def test_a_cache_failing_mid_stream_loses_no_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger import library as api
    from ledger.store.cache import Cache, CacheError

    root = tmp_path / "many"
    generate(root, api.STREAM_BATCH * 2 + 10, seed=11)
    before = invoke(["--ledger", str(root), "list", "--format", "jsonl"])
    assert before.exit_code == 0
    calls = []
    real = Cache.records

    def flaky(self: Cache, rids: list[int]) -> dict[int, dict]:  # type: ignore[type-arg]
        calls.append(len(rids))
        if len(calls) == 2:
            raise CacheError("disk I/O error")
        return real(self, rids)
    monkeypatch.setattr(Cache, "records", flaky)
    again = invoke(["--ledger", str(root), "list", "--format", "jsonl"])
    assert len(calls) == 2 and again.exit_code == 0, again.stderr
    assert again.stdout == before.stdout and again.stderr == ""


@pytest.mark.parametrize(("large_bytes", "bucket_files"), [(1 << 40, 4096), (0, 4096), (0, 5)],
                         ids=["folders whole", "names listed first", "in parts"])
def test_split_scan_sees_what_one_process_sees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               large_bytes: int, bucket_files: int) -> None:
    from ledger import library as api
    from ledger.store import files as storage

    monkeypatch.setattr(storage, "LARGE_FOLDER_BYTES", large_bytes)
    monkeypatch.setattr(storage, "BUCKET_FILES", bucket_files)
    # A folder's size by its entries, whatever the file system's block size.
    monkeypatch.setattr(storage, "_folder_size", lambda folder: len(os.listdir(folder)))
    root = tmp_path / "split"
    generate(root, 120, seed=5)
    bulk = root / "incidents" / "bulk"  # more than half the tree: too large to share whole
    bulk.mkdir()
    for n in range(150):
        (bulk / f"bulk-{n:03d}.yaml").write_text(f"id: bulk-{n:03d}\n", encoding="utf-8")
    (root / "incidents" / "2015" / "deeper").mkdir()
    (root / "incidents" / "2015" / "deeper" / "x.yaml").write_text("id: x\n", encoding="utf-8")
    (root / "incidents" / ".hidden").mkdir()
    (root / "incidents" / ".hidden" / "y.yaml").write_text("id: y\n", encoding="utf-8")
    for name in ("top.yaml", "top2.yml", "notes.txt"):  # files in incidents/ itself
        (root / "incidents" / name).write_text("id: top\n", encoding="utf-8")
    ledger = api.open_ledger(str(root)).ledger
    whole = storage.scan_tree(ledger)
    forks: list[int] = []
    fork = storage._fork_scan

    def counted(*share: Any) -> tuple[int, int]:
        forks.append(len(share[1]))
        return fork(*share)
    monkeypatch.setattr(storage, "_fork_scan", counted)
    split = storage.scan_tree(ledger, split=True)
    # A helper scanned a share: whole folders, or also parts of folders listed first.
    assert forks and (forks[0] > 0) == (large_bytes == 0)
    assert split.digests == whole.digests and split.count == whole.count == 273
    assert split.packed == whole.packed and "incidents/2015/deeper" in whole.packed
    if bucket_files == 5:
        assert any(storage.BUCKET_MARK in key for key in whole.packed)


def test_load_and_records_equal_the_uncached_ones(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger import library as api

    files = sorted((big / "incidents").rglob("*.yaml"))
    _set(files[0], "status: ", "status: nope-")
    (files[1].parent / "dup.yaml").write_text(files[1].read_text(encoding="utf-8"), encoding="utf-8")
    (files[2].parent / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    session = api.open_ledger(str(big))

    def answers() -> tuple[object, ...]:
        loaded = api.load(session)
        some = api.load(session, [files[0], files[3]], need_data=False)
        return (loaded.records, loaded.problems, loaded.unreadable, list(api.iter_records(session)),
                [(c.path, c.data, c.problems) for c in some.checked], some.cross,
                api.find_record(session, files[4].stem[:-1]))
    cached = answers()
    assert answers() == cached
    monkeypatch.setenv("LEDGER_NO_CACHE", "1")
    assert answers() == cached


def test_a_cache_of_another_layout_is_replaced(big: Path) -> None:
    import sqlite3

    first = _validate(big)
    db = next((big / ".ledger-cache").glob("*.sqlite"))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 12345")
    result = invoke(["--ledger", str(big), "validate", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == "" and json.loads(result.stdout) == first
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] != 12345


def test_another_build_of_the_code_is_another_cache(tmp_path: Path) -> None:
    # Installs from a git checkout share a version number; their results must not be shared.
    import os

    from ledger.store import files as storage

    package = tmp_path / "pkg"
    (package / "render").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    (package / "render" / "b.py").write_text("y = 2\n", encoding="utf-8")
    first = storage.code_stamp(package)
    # The same code installed elsewhere, at another time: the same stamp.
    elsewhere = shutil.copytree(package, tmp_path / "site" / "pkg")
    os.utime(elsewhere / "render" / "b.py", ns=(1, 1))
    assert storage.code_stamp(elsewhere) == first
    (package / "render" / "b.py").write_text("y = 3\n", encoding="utf-8")
    changed = storage.code_stamp(package)
    assert changed != first
    (package / "render" / "b.py").rename(package / "b.py")  # the same code, moved
    assert storage.code_stamp(package) not in (first, changed)


def test_a_cache_restored_on_another_machine_is_used(big: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """CI restores .ledger-cache into a fresh checkout: another path, new
    mtimes and inodes.  Every file is hashed again, but none is parsed."""
    from ledger.core import validate

    bad = sorted((big / "incidents").rglob("*.yaml"))[3]
    _set(bad, "status: ", "status: nope-")
    first = _validate(big)
    elsewhere = shutil.copytree(big, tmp_path / "runner" / "checkout", copy_function=shutil.copy)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a record was checked again")
    monkeypatch.setattr(validate, "check_record", refuse)
    again = _validate(elsewhere)
    assert again["problems"] == first["problems"] and not again["ok"]
