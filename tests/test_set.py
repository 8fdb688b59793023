"""`ledger set ID FIELD=VALUE...`: fields changed without an editor, as `edit` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Result, invoke
from ledger.core import yamlio

RECORD = "incidents/2020/2020-04-18-ilyashev-jailed-6fsa.yaml"


def set_(root: Path, *args: str) -> Result:
    return invoke(["--ledger", str(root), "set", *args])


def data(root: Path) -> dict:  # type: ignore[type-arg]
    parsed, issue = yamlio.parse((root / RECORD).read_text(encoding="utf-8"))
    assert parsed is not None, issue
    return parsed


def test_fields_are_set_added_removed_and_converted(ledger_dir: Path) -> None:
    before = data(ledger_dir)
    result = set_(ledger_dir, "2020-04-18-ilya", "status=confirmed", "tags+=covid-19,fake-news",
                  "tags-=activists", "location.region=Almaty Region", "location.lat=43.25",
                  "acts.2.outcome=fined", "acts.3.type=fine", "acts.3.victims=ilyashev", "date_text=")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2020-04-18-ilyashev-jailed-6fsa\n"
    assert f"saved {RECORD}" in result.stderr
    assert "note: tags already holds 'covid-19'" in result.stderr
    after = data(ledger_dir)
    assert after["status"] == "confirmed"
    assert after["tags"] == [t for t in before["tags"] if t != "activists"] + ["fake-news"]
    assert after["location"]["region"] == "Almaty Region" and after["location"]["lat"] == 43.25
    assert after["acts"][2]["outcome"] == "fined"
    assert after["acts"][3] == {"type": "fine", "victims": ["ilyashev"]}
    assert "date_text" not in after
    text = (ledger_dir / RECORD).read_text(encoding="utf-8")
    assert "# The article says the arrest was" in text  # comments kept
    assert "  lat: 43.25\n" in text  # a number, not the text '43.25'
    for command in (["validate"], ["fmt", "--check"]):
        assert invoke(["--ledger", str(ledger_dir), *command]).exit_code == 0


def test_objects_and_booleans_follow_the_schema(ledger_dir: Path) -> None:
    result = set_(ledger_dir, "2020-04-18-ilyashev", "acts+={type: fine, victims: [ilyashev]}",
                  "actors.0.confidential=yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["action"] == "updated"
    after = data(ledger_dir)
    assert after["acts"][-1] == {"type": "fine", "victims": ["ilyashev"]}
    assert after["actors"][0]["confidential"] is True
    text = (ledger_dir / RECORD).read_text(encoding="utf-8")
    assert "  - type: fine\n    victims:\n      - ilyashev\n" in text


@pytest.mark.parametrize(("args", "says"), [
    (["status=bogus"], "'bogus' is not a known status"),
    (["location.lat=north"], "location.lat must be a number"),
    (["title="], "missing required field 'title'"),
    (["acts.0.victims+=nobody"], "[unknown-actor]"),
    (["tags-=not-there"], "tags does not hold 'not-there'"),
    (["acts.7.type=fine"], "acts.7: the list has 3 items"),
    (["status+=x"], "status is not a list"),
])
def test_a_change_that_does_not_validate_is_refused(ledger_dir: Path, args: list[str], says: str) -> None:
    before = (ledger_dir / RECORD).read_bytes()
    result = set_(ledger_dir, "2020-04-18-ilyashev", *args)
    assert result.exit_code == 1, result.stderr
    assert says in result.stderr and "not changed" in result.stderr
    assert (ledger_dir / RECORD).read_bytes() == before


@pytest.mark.parametrize(("args", "says"), [
    (["status"], "is not FIELD=VALUE"),
    (["=x"], "is not FIELD=VALUE"),
    (["id=other-id-1234"], "an id is permanent"),
    (["tags+="], "needs a value"),
    ([], "Missing argument"),
])
def test_usage_errors(ledger_dir: Path, args: list[str], says: str) -> None:
    before = (ledger_dir / RECORD).read_bytes()
    result = set_(ledger_dir, "2020-04-18-ilyashev", *args)
    assert result.exit_code == 2 and says in result.stderr
    assert (ledger_dir / RECORD).read_bytes() == before


def test_same_value_writes_nothing_and_dry_run_prints(ledger_dir: Path) -> None:
    stamp = (ledger_dir / RECORD).stat().st_mtime_ns
    same = set_(ledger_dir, "2020-04-18-ilyashev", "status=likely")
    assert same.exit_code == 0 and f"no changes to {RECORD}" in same.stderr
    dry = set_(ledger_dir, "2020-04-18-ilyashev", "status=confirmed", "--dry-run")
    assert dry.exit_code == 0 and "status: confirmed\n" in dry.stdout
    assert (ledger_dir / RECORD).stat().st_mtime_ns == stamp


def test_ambiguous_or_unknown_id(ledger_dir: Path) -> None:
    assert set_(ledger_dir, "2020-04", "status=likely").exit_code == 2
    missing = set_(ledger_dir, "1999-nothing", "status=likely")
    assert missing.exit_code == 1 and "no incident with id" in missing.stderr
