"""Valid and invalid records, each dropped into a copy of the example ledger."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, invoke

VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
EXPECTED = json.loads((FIXTURES / "invalid" / "expected.json").read_text())


def _drop(ledger_dir: Path, fixture: Path) -> Path:
    target = ledger_dir / "incidents" / "fixtures" / fixture.name
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(fixture, target)
    return target


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixture_validates(ledger_dir: Path, fixture: Path) -> None:
    _drop(ledger_dir, fixture)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_is_reported_at_its_line(ledger_dir: Path, fixture: Path) -> None:
    target = _drop(ledger_dir, fixture)
    before = target.read_bytes()
    expected = EXPECTED[fixture.stem]
    result = invoke(["--ledger", str(ledger_dir), "validate", "--format", "json"])
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    mine = [p for p in report["problems"] if p["path"] == f"incidents/fixtures/{fixture.name}"]
    assert mine, report
    codes = {p["code"] for p in mine}
    assert expected["code"] in codes, mine
    if expected["line"] is not None:
        hit = [p for p in mine if p["code"] == expected["code"]]
        assert (hit[0]["line"], hit[0]["column"]) == (expected["line"], expected["column"]), hit
    # The text report names the file and line too, and nothing was modified.
    text = invoke(["--ledger", str(ledger_dir), "validate"])
    assert f"incidents/fixtures/{fixture.name}:" in text.stdout
    assert target.read_bytes() == before


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_other_commands_survive_invalid_fixture(ledger_dir: Path, fixture: Path) -> None:
    target = _drop(ledger_dir, fixture)
    before = target.read_bytes()
    for args in (["list"], ["list", "--format", "json"], ["fmt", "--check"], ["fmt"],
                 ["show", "2020-04-18-ilyashev"]):
        result = invoke(["--ledger", str(ledger_dir), *args])
        assert result.exit_code in (0, 1), (args, result.exit_code, result.stderr)
    if EXPECTED[fixture.stem]["code"] not in ("schema-enum", "schema-required", "schema-format",
                                             "date-in-future", "unknown-actor", "duplicate-ref",
                                             "id-mismatch", "schema-unknown-field", "schema-type",
                                             "schema-pattern", "schema-min-items"):
        # Files that do not parse are never rewritten by fmt.
        assert target.read_bytes() == before
