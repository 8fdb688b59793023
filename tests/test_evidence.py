"""Evidence files: `ledger evidence add`, `ledger verify`, and the sha256 check in validate."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import Result
from ledger.editing import evidence

ID = "2020-04-18-ilyashev-jailed-6fsa"
RECORD = f"incidents/2020/{ID}.yaml"


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "Скан письма (1).pdf"
    path.parent.mkdir()
    path.write_bytes(b"%PDF-1.4 letter to the Prosecutor-General")
    return path


def _add(run, *args: str) -> Result:  # type: ignore[no-untyped-def]
    return run("evidence", "add", *args)


def _source(ledger_dir: Path, ref: str) -> dict[str, object]:
    from ledger.core import yamlio

    data, _ = yamlio.parse((ledger_dir / RECORD).read_text(encoding="utf-8"))
    return next(s for s in data["sources"] if s["ref"] == ref)


def test_add_copies_hashes_and_records(run, ledger_dir: Path, scan: Path) -> None:  # type: ignore[no-untyped-def]
    before = (ledger_dir / RECORD).read_text(encoding="utf-8")
    result = _add(run, ID[:14], str(scan), "--title", "Letter", "--captured", "2020-04-21",
                  "--added-by", "Aigerim", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert out == {"version": 1, "record": RECORD, "ref": "ev1", "sha256": digest,
                   "file": f"evidence/{ID}/Скан-письма-1.pdf", "size": scan.stat().st_size,
                   "copied": True, "changed": True}
    assert (ledger_dir / out["file"]).read_bytes() == scan.read_bytes()
    assert _source(ledger_dir, "ev1") == {
        "ref": "ev1", "title": "Letter", "type": "document", "file": out["file"], "sha256": digest,
        "size": scan.stat().st_size, "captured": "2020-04-21", "added_by": "Aigerim"}
    after = (ledger_dir / RECORD).read_text(encoding="utf-8")
    # Only the new source was added: comments and everything else are kept.
    assert after.startswith(before.rstrip("\n").split("\ninterventions:")[0].split("\nsources:")[0])
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == \
        [line for line in after.splitlines() if line.lstrip().startswith("#")]
    assert run("fmt", "--check").exit_code == 0
    assert run("validate", "--strict").exit_code == 0


def test_add_defaults_and_confidential(run, ledger_dir: Path, scan: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    result = _add(run, ID, str(scan), "--confidential", "--type", "photograph")
    assert result.exit_code == 0, result.stderr
    src = _source(ledger_dir, "ev1")
    assert src["captured"] == dt.date.today().isoformat()
    assert src["confidential"] is True and src["type"] == "photograph"
    assert src["added_by"]  # git user.name or the login name


def test_add_same_content_twice_changes_nothing(run, ledger_dir: Path, scan: Path) -> None:  # type: ignore[no-untyped-def]
    assert _add(run, ID, str(scan)).exit_code == 0
    text = (ledger_dir / RECORD).read_text(encoding="utf-8")
    again = _add(run, ID, str(scan))
    assert again.exit_code == 0 and "already recorded as ev1" in again.stdout
    assert (ledger_dir / RECORD).read_text(encoding="utf-8") == text


def test_add_never_overwrites_a_different_file(run, ledger_dir: Path, scan: Path,
                                               tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _add(run, ID, str(scan)).exit_code == 0
    other = tmp_path / "elsewhere" / scan.name
    other.parent.mkdir()
    other.write_bytes(b"a different letter")
    result = _add(run, ID, str(other), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["file"] == f"evidence/{ID}/Скан-письма-1-2.pdf"
    assert (ledger_dir / f"evidence/{ID}/Скан-письма-1.pdf").read_bytes() == scan.read_bytes()
    assert _source(ledger_dir, "ev2")["sha256"] == hashlib.sha256(b"a different letter").hexdigest()


def test_add_link_shares_the_file(run, ledger_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A hard link needs the same file system: keep the source beside the ledger.
    source = ledger_dir.parent / "photo.jpg"
    source.write_bytes(b"\xff\xd8 jpeg")
    result = _add(run, ID, str(source), "--link", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert os.path.samefile(source, ledger_dir / json.loads(result.stdout)["file"])


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--title", "two\nlines"], 1, "would make"),
    (["--type", "rumour"], 2, "not a source type"),
    (["--captured", "2999-01-01"], 2, "in the future"),
    (["--captured", "yesterday"], 2, "not a date"),
])
def test_add_refuses_and_leaves_nothing(run, ledger_dir: Path, scan: Path, args: list[str],
                                        code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    before = (ledger_dir / RECORD).read_bytes()
    result = _add(run, ID, str(scan), *args)
    assert result.exit_code == code and message in result.stderr
    assert (ledger_dir / RECORD).read_bytes() == before
    assert not (ledger_dir / "evidence").exists() or not any((ledger_dir / "evidence").iterdir())


@pytest.mark.parametrize("target", ["missing.pdf", "."])
def test_add_needs_a_file(run, tmp_path: Path, target: str) -> None:  # type: ignore[no-untyped-def]
    result = _add(run, ID, str(tmp_path / target))
    assert result.exit_code == 2


# -- verify ---------------------------------------------------------------------------

@pytest.fixture
def added(run, ledger_dir: Path, scan: Path) -> Path:  # type: ignore[no-untyped-def]
    result = _add(run, ID, str(scan), "--format", "json")
    assert result.exit_code == 0, result.stderr
    return ledger_dir / json.loads(result.stdout)["file"]


def test_verify_passes_on_intact_evidence(run, added: Path) -> None:  # type: ignore[no-untyped-def]
    text = run("verify")
    assert text.exit_code == 0, text.stdout
    assert text.stdout.splitlines()[-1] == "ok: 1 evidence file in 1 record: 1 ok"
    doc = json.loads(run("verify", "--format", "json").stdout)
    assert doc["version"] == 1 and doc["ok"] is True and doc["counts"] == {"ok": 1}
    assert doc["records"][0]["id"] == ID and doc["records"][0]["files"][0]["status"] == "ok"


@pytest.mark.parametrize("damage", ["alter", "remove"])
def test_verify_fails_naming_file_and_record(run, ledger_dir: Path, added: Path,
                                             damage: str) -> None:  # type: ignore[no-untyped-def]
    assert run("validate").exit_code == 0  # warms the validation cache with the intact file
    if damage == "alter":
        stat = added.stat()
        added.write_bytes(added.read_bytes().replace(b"letter", b"LETTER"))
        os.utime(added, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a careful forger keeps the mtime
    else:
        added.unlink()
    status = "mismatch" if damage == "alter" else "missing"
    rel = added.relative_to(ledger_dir).as_posix()
    text = run("verify")
    assert text.exit_code == 1
    assert f"FAIL {RECORD} ({ID}): 1 {status}" in text.stdout and rel in text.stdout
    doc = json.loads(run("verify", "--format", "json").stdout)
    assert doc["ok"] is False and doc["counts"] == {status: 1}
    entry = doc["records"][0]
    assert (entry["path"], entry["id"], entry["files"][0]["file"], entry["files"][0]["status"]) == \
        (RECORD, ID, rel, status)
    if damage == "alter":
        os.utime(added)  # validate trusts an unchanged stat; an ordinary edit changes it
    checked = run("validate", "--format", "json")
    assert checked.exit_code == 1
    assert [p["code"] for p in json.loads(checked.stdout)["problems"]] == [f"evidence-{status}"]


def _point_source_at(ledger_dir: Path, file: str) -> None:
    text = (ledger_dir / RECORD).read_text(encoding="utf-8")
    start = text.index("    file: evidence/")
    end = text.index("\n", start)
    (ledger_dir / RECORD).write_text(f"{text[:start]}    file: {file}{text[end:]}", encoding="utf-8")


@pytest.mark.parametrize("how", ["symlink-file", "symlink-folder", "dotdot", "absolute"])
def test_paths_outside_the_ledger_are_reported_never_read(run, ledger_dir: Path, added: Path,
                                                          tmp_path: Path, how: str) -> None:  # type: ignore[no-untyped-def]
    # The outside file has exactly the recorded content: reading it would say "ok".
    outside = tmp_path / "secret" / "copy.pdf"
    outside.parent.mkdir()
    outside.write_bytes(added.read_bytes())
    rel = added.relative_to(ledger_dir).as_posix()
    if how == "symlink-file":
        added.unlink()
        added.symlink_to(outside)
    elif how == "symlink-folder":
        (ledger_dir / "evidence" / "link").symlink_to(outside.parent)
        rel = "evidence/link/copy.pdf"
        _point_source_at(ledger_dir, rel)
    elif how == "dotdot":
        rel = "evidence/../../secret/copy.pdf"
        _point_source_at(ledger_dir, rel)
    else:
        rel = str(outside)
        _point_source_at(ledger_dir, rel)
    doc = json.loads(run("verify", "--format", "json").stdout)
    assert doc["ok"] is False
    assert doc["records"][0]["files"][0] | {"expected": ""} == {
        "source": "ev1", "index": 1, "file": rel, "status": "outside", "expected": "", "actual": ""}
    codes = [p["code"] for p in json.loads(run("validate", "--format", "json").stdout)["problems"]]
    assert "evidence-outside" in codes


def test_a_symlink_inside_the_ledger_is_followed(run, ledger_dir: Path, added: Path) -> None:  # type: ignore[no-untyped-def]
    real = ledger_dir / "evidence" / "real.pdf"
    added.rename(real)
    added.symlink_to(real)
    assert run("verify").exit_code == 0


def test_verify_without_evidence(run) -> None:  # type: ignore[no-untyped-def]
    result = run("verify", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"version": 1, "ok": True, "files": 0, "counts": {},
                                         "records": []}
    assert run("verify").stdout == "no evidence files to verify\n"


# -- pure helpers -----------------------------------------------------------------------

@pytest.mark.parametrize(("path", "unsafe"), [
    ("evidence/a.pdf", False), ("evidence/sub/a b.pdf", False), ("evidence/a..b.pdf", False),
    ("../a.pdf", True), ("evidence/../../a.pdf", True), ("/etc/passwd", True), ("~/a.pdf", True),
    ("evidence\\a.pdf", True), ("C:/a.pdf", True), ("", True)])
def test_unsafe_paths(path: str, unsafe: bool) -> None:
    assert evidence.unsafe(path) is unsafe


@pytest.mark.parametrize(("name", "safe"), [
    ("Скан письма (1).pdf", "Скан-письма-1.pdf"), ("../../etc/passwd", "passwd"),
    (".hidden", "hidden"), ("a b.tar.gz", "a-b.tar.gz"), ("C:\\x\\report.doc", "report.doc")])
def test_safe_name(name: str, safe: str) -> None:
    assert evidence.safe_name(name) == safe
