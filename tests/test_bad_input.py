"""SPEC section 5: whatever a file holds, every command answers with a clear
message naming the file and line, an exit code, and no traceback, and no
record is modified."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, invoke

VALID = FIXTURES / "valid" / "full-example.yaml"
COMMANDS = [["validate"], ["validate", "--format", "json"], ["list", "--format", "json"],
            ["fmt", "--check"], ["fmt"], ["summary"], ["export", "--format", "jsonl"], ["actors"]]


def _place(ledger_dir: Path, name: str, data: bytes) -> Path:
    folder = ledger_dir / "incidents" / "hostile"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _valid_bytes(stem: str) -> bytes:
    return VALID.read_text(encoding="utf-8").replace("{id}", stem).replace(
        "id: full-example", f"id: {stem}").encode("utf-8")


HOSTILE = {
    "binary": (bytes(range(256)) * 8, {"encoding", "control-character"}),
    "invalid-utf8": (b"schema_version: 1\ntitle: caf\xe9\n", {"encoding"}),
    "nul-bytes": (b"schema_version: 1\x00\x00\ntitle: x\n", {"control-character"}),
    "latin1-cyrillic": ("title: Алнур\n".encode("cp1251"), {"encoding"}),
    "utf16": ("schema_version: 1\n".encode("utf-16"), {"encoding", "control-character"}),
    "only-comments": (b"# nothing here\n", {"empty"}),
    "scalar-top": (b"just a sentence\n", {"not-a-mapping"}),
    "null-top": (b"~\n", {"empty", "not-a-mapping"}),
    "merge-key": (b"base: &b {a: 1}\nother:\n  <<: *b\n", {"alias"}),
    "int-key": (b"1: one\n", {"key-type"}),
    "complex-key": (b"? [a, b]\n: c\n", {"key-type"}),
    "binary-tag": (b"title: !!binary aGVsbG8=\n", {"unsafe-tag"}),
    "set-tag": (b"tags: !!set {a, b}\n", {"unsafe-tag"}),
    "nan": (b"location:\n  lat: .nan\n", {"bad-number"}),
    "deep-block": (("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 80))).encode(), {"too-deep"}),
    "unclosed-quote": (b'title: "never closed\nstatus: x\n', {"yaml-syntax"}),
    "scalar-alias": (b"title: &t Detained\nsummary: *t\n", {"alias"}),
    "undefined-alias": (b"title: *nowhere\n", {"alias"}),
    "alias-key": (b"a: &k key\n*k : v\n", {"alias"}),
    "tag-then-syntax-error": (b'title: !!binary aGVsbG8=\nstatus: "never closed\n', {"yaml-syntax"}),
    "tag-then-second-document": (b"title: !!binary aGVsbG8=\n---\ntitle: b\n", {"multiple-documents"}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file(ledger_dir: Path, name: str) -> None:
    data, codes = HOSTILE[name]
    path = _place(ledger_dir, f"{name}.yaml", data)
    report = json.loads(invoke(["--ledger", str(ledger_dir), "validate", "--format", "json"]).stdout)
    mine = [p for p in report["problems"] if p["path"] == f"incidents/hostile/{name}.yaml"]
    assert mine and {p["code"] for p in mine} & codes, mine
    assert all(p["line"] >= 1 for p in mine)
    for args in COMMANDS:
        result = invoke(["--ledger", str(ledger_dir), *args])
        assert result.exit_code in (0, 1), (args, result.exit_code, result.stderr)
    assert path.read_bytes() == data


def test_bom_and_crlf_record_validates(ledger_dir: Path) -> None:
    stem = "bom-crlf-record"
    data = b"\xef\xbb\xbf" + _valid_bytes(stem).replace(b"\n", b"\r\n")
    path = _place(ledger_dir, f"{stem}.yaml", data)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 0, result.stdout
    listed = json.loads(invoke(["--ledger", str(ledger_dir), "list", "--format", "json"]).stdout)
    assert stem in {r["id"] for r in listed}
    # fmt normalises it (LF, no BOM) without losing anything.
    assert invoke(["--ledger", str(ledger_dir), "fmt", "--check"]).exit_code == 1
    assert path.read_bytes() == data
    invoke(["--ledger", str(ledger_dir), "fmt"])
    text = path.read_bytes()
    assert not text.startswith(b"\xef\xbb\xbf") and b"\r" not in text
    assert invoke(["--ledger", str(ledger_dir), "validate"]).exit_code == 0


def test_huge_file_is_refused_without_reading_it(ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "huge.yaml"
    with path.open("wb") as fh:
        fh.write(b"schema_version: 1\ndescription: |\n")
        line = b"  " + b"x" * 1000 + b"\n"
        for _ in range(40 * 1024):
            fh.write(line)
    size = path.stat().st_size
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 1
    assert "incidents/huge.yaml:1:1: error:" in result.stdout and "MB" in result.stdout
    for args in COMMANDS:
        result = invoke(["--ledger", str(ledger_dir), *args])
        assert result.exit_code in (0, 1), (args, result.exit_code, result.stderr)
    assert path.stat().st_size == size


def test_size_limit_is_configurable(ledger_dir: Path) -> None:
    (ledger_dir / "ledger.toml").write_text("[ledger]\nmax_file_size = 1000\n")
    result = invoke(["--ledger", str(ledger_dir), "validate", "--format", "json"])
    assert result.exit_code == 1
    assert {p["code"] for p in json.loads(result.stdout)["problems"]} == {"file-too-large"}


@pytest.mark.parametrize("bad_id", ["../escape", "a/b", "UPPER-case", "x", "-leading"])
def test_unsafe_ids_are_rejected(ledger_dir: Path, bad_id: str) -> None:
    data = _valid_bytes("safe-name").replace(b"id: safe-name", f"id: '{bad_id}'".encode())
    _place(ledger_dir, "safe-name.yaml", data)
    report = json.loads(invoke(["--ledger", str(ledger_dir), "validate", "--format", "json"]).stdout)
    codes = {p["code"] for p in report["problems"] if p["path"].endswith("safe-name.yaml")}
    assert "schema-pattern" in codes


@pytest.mark.parametrize("arg", ["../../etc/passwd", "..", "2020/../../x"])
def test_show_and_edit_never_leave_the_ledger(run, arg: str) -> None:  # type: ignore[no-untyped-def]
    for command in (["show", arg], ["edit", arg], ["log", arg]):
        result = run(*command)
        assert result.exit_code in (1, 2, 3), (command, result.exit_code)
        assert "root:" not in result.stdout


def test_validate_path_outside_ledger_is_a_usage_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("schema_version: 1\n")
    result = run("validate", str(outside))
    assert result.exit_code == 2 and "outside the ledger" in result.stderr


def test_symlinked_folder_outside_is_not_followed(ledger_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(VALID, outside / "full-example.yaml")
    os.symlink(outside, ledger_dir / "incidents" / "linked")
    report = json.loads(invoke(["--ledger", str(ledger_dir), "validate", "--format", "json"]).stdout)
    assert report["ok"] and all("linked" not in p["path"] for p in report["problems"])
