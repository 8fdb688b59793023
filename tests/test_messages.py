"""Problems say what is wrong once, under the right name, with a fix that works."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, invoke, use_editor

SHAMSHET = REPO / "incidents" / "2020" / "2020-04-18-shamshet-arrested-g68z.yaml"
TOP_REQUIRED = ["acts", "id", "location", "schema_version", "sources", "status"]


def _validate_json(root: Path, *paths: str) -> list[dict[str, Any]]:
    result = invoke(["--ledger", str(root), "validate", "--format", "json", *paths])
    assert result.exit_code == 1, result.stdout + result.stderr
    problems: list[dict[str, Any]] = json.loads(result.stdout)["problems"]
    return problems


def _place(root: Path, name: str, text: str) -> Path:
    path = root / "incidents" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_missing_field_is_named_once(ledger_dir: Path) -> None:
    _place(ledger_dir, "bare.yaml", "title: x\ndate: 2020-04\n")
    found = _validate_json(ledger_dir, str(ledger_dir / "incidents/bare.yaml"))
    problems = [p for p in found if p["code"] == "schema-required"]
    assert sorted(p["message"] for p in problems) == [f"missing required field '{n}'" for n in TOP_REQUIRED]
    assert {(p["pointer"], p["line"]) for p in problems} == {("", 1)}
    assert all(p["hint"] for p in problems)


def test_missing_nested_fields_point_at_their_mapping(ledger_dir: Path) -> None:
    text = SHAMSHET.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  country: KZ\n", "", text)
    path = _place(ledger_dir, "2020/2020-04-18-shamshet-arrested-g68z.yaml", text)
    problems = [p for p in _validate_json(ledger_dir, str(path)) if p["code"] == "schema-required"]
    assert [(p["message"], p["pointer"]) for p in problems] == [
        ("missing required field 'location.country'", "/location")]
    location_line = text.splitlines().index("location:") + 1
    assert problems[0]["line"] == location_line


def test_add_names_each_missing_field_once(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert invoke(["init", str(root)]).exit_code == 0
    result = invoke(["--ledger", str(root), "add", "--title", "x", "--date", "2020-04", "--no-input"])
    assert result.exit_code == 1
    named = re.findall(r"missing required field '([a-z_.]+)'", result.stderr)
    assert named == sorted(set(named)) and set(named) >= {"location", "acts", "sources"}
    assert "(3 errors)" in result.stderr or f"({len(named)} errors)" in result.stderr
    assert not list((root / "incidents").rglob("*.yaml"))


def test_add_edit_names_each_missing_field_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root = tmp_path / "fresh"
    assert invoke(["init", str(root)]).exit_code == 0
    use_editor(tmp_path, monkeypatch, "text = 'title: x\\ndate: 2020-04\\n'")
    result = invoke(["--ledger", str(root), "add", "--edit"])
    assert result.exit_code == 1
    named = re.findall(r"missing required field '([a-z_.]+)'", result.stderr)
    assert named and len(named) == len(set(named)), result.stderr
    assert "location" in named


def test_unquoted_year_is_one_problem_with_a_quoting_hint(ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "2020" / SHAMSHET.name
    path.write_text(re.sub(r"(?m)^date: .*$", "date: 2020", path.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    problems = [p for p in _validate_json(ledger_dir, str(path)) if p["pointer"] == "/date"]
    assert len(problems) == 1, problems
    assert problems[0]["code"] == "schema-type" and "'2020'" in problems[0]["hint"]


def test_id_mismatch_hint_never_proposes_an_invalid_id(ledger_dir: Path) -> None:
    shutil.move(ledger_dir / "incidents" / "2020" / SHAMSHET.name, ledger_dir / "incidents" / "Bad Name.yaml")
    [problem] = [p for p in _validate_json(ledger_dir) if p["code"] == "id-mismatch"]
    assert problem["hint"] == f"rename the file to {SHAMSHET.stem}.yaml"


def test_id_mismatch_hint_with_an_invalid_id_offers_the_file_name(ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "2020" / SHAMSHET.name
    path.write_text(path.read_text(encoding="utf-8").replace(f"id: {SHAMSHET.stem}", "id: Bad_Id"),
                    encoding="utf-8")
    [problem] = [p for p in _validate_json(ledger_dir) if p["code"] == "id-mismatch"]
    assert problem["hint"] == f"set id: {SHAMSHET.stem}"
    fixed = path.read_text(encoding="utf-8").replace("id: Bad_Id", problem["hint"].removeprefix("set "))
    path.write_text(fixed, encoding="utf-8")
    assert invoke(["--ledger", str(ledger_dir), "validate"]).exit_code == 0


def test_id_mismatch_with_neither_valid_explains_the_form(ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "2020" / SHAMSHET.name
    path.write_text(path.read_text(encoding="utf-8").replace(f"id: {SHAMSHET.stem}", "id: Bad_Id"),
                    encoding="utf-8")
    shutil.move(path, ledger_dir / "incidents" / "Also Bad.yaml")
    [problem] = [p for p in _validate_json(ledger_dir) if p["code"] == "id-mismatch"]
    assert "valid id" in problem["hint"] and "Bad_Id" not in problem["hint"]


@pytest.mark.parametrize(("text", "says"), [
    ("title: [unclosed\n", "never closed"),
    ("title: Arrest: day 2\n", "must be quoted"),
    ('title: "open\n', "quote is opened"),
    ("a:\n  - b\n c: d\n", "indentation"),
])
def test_yaml_syntax_errors_come_with_a_hint(ledger_dir: Path, text: str, says: str) -> None:
    _place(ledger_dir, "broken.yaml", text)
    [problem] = _validate_json(ledger_dir, str(ledger_dir / "incidents/broken.yaml"))
    assert problem["code"] == "yaml-syntax" and says in problem["hint"]
    shown = invoke(["--ledger", str(ledger_dir), "validate", str(ledger_dir / "incidents/broken.yaml")])
    assert shown.exit_code == 1 and f"hint: {problem['hint']}" in shown.stdout


def test_missing_evidence_comes_with_a_hint(ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "2020" / SHAMSHET.name
    text = path.read_text(encoding="utf-8")
    evidence = r"\1\n    file: evidence/gone.pdf\n    sha256: " + "0" * 64
    text = re.sub(r"(?m)^(    language: en)$", evidence, text, count=1)
    path.write_text(text, encoding="utf-8")
    [problem] = [p for p in _validate_json(ledger_dir) if p["code"] == "evidence-missing"]
    assert "relative to the ledger root" in problem["hint"]
