"""The record cache: never the source of truth, so no answer may depend on it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    from ledger import api

    root = tmp_path / "par"
    generate(root, api.PARALLEL_THRESHOLD + 50, seed=3)
    files = sorted((root / "incidents").rglob("*.yaml"))
    for i, f in enumerate(files[::37]):
        f.write_text(f.read_text().replace("type: ", "type: bogus-" if i % 2 else "type: ", 1)
                     .replace("country: ", "country: Q" if i % 3 == 0 else "country: ", 1))
    monkeypatch.setenv("LEDGER_NO_CACHE", "1")
    parallel = _validate(root)
    monkeypatch.setenv("LEDGER_SERIAL", "1")
    serial = _validate(root)
    assert parallel == serial and not serial["ok"]
