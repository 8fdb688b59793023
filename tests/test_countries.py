"""Countries by name: --country Kazakhstan (or Казахстан, Қазақстан, KAZ)
acts as --country KZ in filters and in `ledger add`; an unknown name gets
"did you mean" with the closest countries; completion offers codes with names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, invoke
from ledger.core import countries
from ledger.editing.prompts import match_choice

EXAMPLE_IDS = sorted(p.stem for p in (REPO / "incidents").rglob("*.yaml"))


@pytest.mark.parametrize("name", ["Kazakhstan", "kazakhstan", "Казахстан", "Қазақстан", "Kasachstan", "KAZ",
                                  " KZ ", "Republic of Kazakhstan"])
def test_a_country_name_filters_as_its_code(run: Any, name: str) -> None:
    by_name = run("list", "--country", name, "--format", "ids")
    assert by_name.exit_code == 0, by_name.stderr
    assert sorted(by_name.stdout.split()) == EXAMPLE_IDS
    summary = run("summary", "--country", name, "--by", "country", "--format", "json")
    assert summary.exit_code == 0, summary.stderr
    assert json.loads(summary.stdout)["rows"] == [{"country": "KZ", "count": len(EXAMPLE_IDS)}]


def test_export_takes_a_name_too(run: Any) -> None:
    result = run("export", "--country", "Қазақстан", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert sorted(json.loads(line)["id"] for line in result.stdout.splitlines()) == EXAMPLE_IDS


def test_another_country_by_name_finds_nothing_here(run: Any) -> None:
    result = run("list", "--country", "Кыргызстан", "--format", "ids")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("typed", "meant"), [
    ("Kazakstn", "KZ (Kazakhstan)"), ("Kyrgyzstn", "KG (Kyrgyzstan)"), ("Uzbekstan", "UZ (Uzbekistan)")])
def test_an_unknown_name_gets_the_closest_countries(run: Any, typed: str, meant: str) -> None:
    result = run("list", "--country", typed)
    assert result.exit_code == 2
    assert f"'{typed}' is not a country this ledger knows" in result.stderr
    assert f"did you mean {meant}" in result.stderr
    assert "AD, AE" not in result.stderr  # no list of every code


def test_nonsense_gets_no_random_countries(run: Any) -> None:
    result = run("list", "--country", "Qwxzvbn")
    assert result.exit_code == 2
    assert "did you mean" not in result.stderr and "ISO 3166-1 code" in result.stderr


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    assert invoke(["init", str(root)]).exit_code == 0
    return root


@pytest.mark.parametrize("name", ["Kazakhstan", "Казахстан"])
def test_add_writes_the_code_for_a_name(fresh: Path, name: str) -> None:
    result = invoke(["--ledger", str(fresh), "add", "--no-input", "--title", "Detained",
                     "--date", "2020-04-18", "--country", name, "--act", "arrest", "--source", "https://rus.azattyq.org/a/30563137.html"])
    assert result.exit_code == 0, result.stderr
    [record] = list((fresh / "incidents").rglob("*.yaml"))
    assert re.search(r"(?m)^  country: KZ$", record.read_text(encoding="utf-8"))
    assert f"country '{name}' written as its code, KZ" in result.stderr


def test_add_refuses_an_unknown_name_with_the_closest_country(fresh: Path) -> None:
    result = invoke(["--ledger", str(fresh), "add", "--no-input", "--title", "Detained",
                     "--date", "2020-04-18", "--country", "Kazakstn", "--act", "arrest", "--source", "https://example.org/a"])
    assert result.exit_code == 1
    assert "did you mean KZ (Kazakhstan)?" in result.stderr
    assert list((fresh / "incidents").rglob("*.yaml")) == []


def test_validate_says_which_code_a_name_means(run: Any, ledger_dir: Path) -> None:
    record = sorted((ledger_dir / "incidents").rglob("*.yaml"))[0]
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("  country: KZ\n", "  country: Kazakhstan\n", 1), encoding="utf-8")
    result = run("validate", "--format", "json")
    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["pointer"] == "/location/country"
    assert problem["hint"] == "records hold the ISO 3166-1 code: write KZ (Kazakhstan)"


def _complete(line: str) -> str:
    exe = Path(sys.executable).with_name("ledger")
    env = {**os.environ, "_LEDGER_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
    done = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def test_completion_offers_codes_with_names_and_names_with_codes() -> None:
    by_code = _complete(f"ledger --ledger {REPO} list --country K")
    assert '"KZ":"Kazakhstan"' in by_code and '"KG":"Kyrgyzstan"' in by_code
    assert '"Kazakhstan":"KZ"' in _complete(f"ledger --ledger {REPO} summary --country Kaz")
    assert '"KZ":"Kazakhstan"' in _complete(f"ledger --ledger {REPO} add --country KZ")


def test_names_come_from_the_schema_where_pycountry_has_none() -> None:
    schema = json.loads((REPO / "schema" / "incident.schema.json").read_text(encoding="utf-8"))
    country = schema["$defs"]["country"]
    assert len(country["enumDescriptions"]) == len(country["enum"])
    names = dict(zip(country["enum"], country["enumDescriptions"], strict=True))
    assert names["KZ"] == "Kazakhstan" and names["XK"] == "Kosovo"
    assert countries.code_for("Kosovo") is None  # not in ISO 3166-1 ...
    assert countries.code_for("Kosovo", names) == "XK"  # ... but the ledger's schema names it


def test_a_prompt_takes_a_choice_by_its_description() -> None:
    choices = {"KZ": "Kazakhstan", "KG": "Kyrgyzstan"}
    assert match_choice(choices, "kazakhstan") == "KZ"
    assert match_choice(choices, "kz") == "KZ"
    assert match_choice(choices, "Narnia") is None
