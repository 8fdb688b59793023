"""export writes only what was asked: the format its file name says, into a
folder that exists, and a public release only from valid records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

IDS = 4  # records in the example ledger


def test_unknown_suffix_is_a_usage_error_listing_the_known(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "x.ods"
    result = run("export", "--output", str(target))
    assert result.exit_code == 2
    assert ".ods" in result.stderr and ".xlsx" in result.stderr
    assert ".csv" in result.stderr and ".jsonl" in result.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == [tmp_path / "ledger"]


def test_no_suffix_needs_a_format(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "out"
    assert run("export", "--output", str(target)).exit_code == 2 and not target.exists()
    result = run("export", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("id,")


def test_suffix_and_format_must_agree(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    result = run("export", "--format", "csv", "--output", str(target))
    assert result.exit_code == 2 and "json" in result.stderr and not target.exists()
    assert run("export", "--output", str(target)).exit_code == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))["incidents"]) == IDS


def test_missing_folder_is_an_error_naming_it(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.csv"
    result = run("export", "--output", str(target))
    assert result.exit_code == 3
    assert str(tmp_path / "nonexistent" / "dir") in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "nonexistent").exists()


def _break_one(ledger_dir: Path) -> None:
    (ledger_dir / "incidents" / "2020" / "broken.yaml").write_text("title: only a title\n", encoding="utf-8")


def test_export_with_invalid_records_says_how_many(run: Any, ledger_dir: Path) -> None:
    _break_one(ledger_dir)
    (ledger_dir / "incidents" / "2020" / "worse.yaml").write_text("title: [\n", encoding="utf-8")
    result = run("export", "--format", "jsonl")
    assert result.exit_code == 0
    assert "2 record files are invalid" in result.stderr
    assert "incidents/2020/broken.yaml" in result.stderr
    assert len(result.stdout.splitlines()) == IDS + 1  # the one that parses is exported as it is


def test_valid_ledger_exports_without_a_warning(run: Any) -> None:
    result = run("export", "--public", "--format", "jsonl")
    assert result.exit_code == 0 and "invalid" not in result.stderr
    assert len(result.stdout.splitlines()) == IDS


@pytest.mark.parametrize("to_file", [False, True])
def test_public_export_refuses_invalid_records(run: Any, ledger_dir: Path, tmp_path: Path,
                                               to_file: bool) -> None:
    _break_one(ledger_dir)
    target = tmp_path / "public.csv"
    args = ["--output", str(target)] if to_file else ["--format", "csv"]
    result = run("export", "--public", *args)
    assert result.exit_code == 1
    assert "1 record file is invalid" in result.stderr and "--allow-invalid" in result.stderr
    assert result.stdout == "" and not target.exists()
    allowed = run("export", "--public", "--allow-invalid", *args)
    assert allowed.exit_code == 0, allowed.stderr
    assert "1 record file is invalid" in allowed.stderr
    written = target.read_text(encoding="utf-8") if to_file else allowed.stdout
    assert written.startswith("id,") and len(written.splitlines()) >= IDS + 1
