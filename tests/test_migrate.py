"""`ledger migrate`: a schema 1 ledger (the example as it was) upgraded to schema 2,
through the real command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, invoke
from ledger.core import yamlio

V1 = FIXTURES / "v1"
RECORDS = sorted((V1 / "incidents").rglob("*.yaml"))


@pytest.fixture
def old(tmp_path: Path) -> Path:
    root = tmp_path / "old"
    shutil.copytree(V1, root)
    return root


def ledger(root: Path, *args: str) -> Any:
    return invoke(["--ledger", str(root), *args])


def load(path: Path) -> dict[str, Any]:
    data, issue = yamlio.parse(path.read_text(encoding="utf-8"))
    assert issue is None, issue
    return data  # type: ignore[no-any-return]


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_version_1_ledger_is_read_until_migrated(old: Path) -> None:
    assert ledger(old, "validate").exit_code == 0
    listed = ledger(old, "list", "--format", "csv")
    assert listed.exit_code == 0 and listed.stdout.count(",2026-11-28") >= 4  # recorded_on from recorded.on
    shown = ledger(old, "show", "2020-04-18-ilyashev")
    assert shown.exit_code == 0 and "recorded by Incident Ledger example on 2026-11-28" in shown.stdout


def test_migrate_upgrades_every_record_field_by_field(old: Path) -> None:
    before = {p.name: load(p) for p in RECORDS}
    result = ledger(old, "migrate")
    assert result.exit_code == 0, result.stderr
    assert "schema version 2: 6 file(s) changed" in result.stderr
    for name, was in before.items():
        now = load(old / "incidents" / "2020" / name)
        assert now["schema_version"] == 2
        assert now["recorded"] == {"by": was["recorded"]["by"], "date": was["recorded"]["on"]}
        rest = {k: v for k, v in now.items() if k not in ("schema_version", "recorded")}
        assert rest == {k: v for k, v in was.items() if k not in ("schema_version", "recorded")}
    assert ledger(old, "validate").exit_code == 0
    assert ledger(old, "fmt", "--check").exit_code == 0
    schema = json.loads((old / "schema" / "incident.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == 2
    assert "date" in schema["properties"]["recorded"]["properties"]
    assert "on" not in schema["properties"]["recorded"]["properties"]
    assert {"aliases", "profile", "external_ids"} <= set(schema["$defs"]["actor"]["properties"])
    assert (old / "schema" / "actor.schema.json").is_file()


def test_comments_survive(old: Path) -> None:
    def comments(path: Path) -> list[str]:
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip().startswith("#") and "yaml-language-server" not in line]

    before = {p.name: comments(p) for p in RECORDS}
    assert sum(map(len, before.values())) > 5
    record = old / "incidents" / "2020" / RECORDS[0].name
    record.write_text(record.read_text(encoding="utf-8").replace(
        "  on: 2026-11-28", "  # the day it was typed in\n  on: 2026-11-28  # keep"), encoding="utf-8")
    assert ledger(old, "migrate").exit_code == 0
    for name, was in before.items():
        assert comments(old / "incidents" / "2020" / name)[:len(was)] == was or \
            set(was) <= set(comments(old / "incidents" / "2020" / name))
    text = record.read_text(encoding="utf-8")
    assert "  # the day it was typed in\n  date: 2026-11-28  # keep\n" in text


def test_a_customised_schema_keeps_its_customisations(old: Path) -> None:
    path = old / "schema" / "incident.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["$defs"]["act_type"]["enum"].append("internet-shutdown")
    schema["properties"]["witnesses"] = {"type": "integer", "description": "How many saw it."}
    schema["properties"]["title"]["description"] = "Our own words for the title."
    schema["properties"]["recorded"]["properties"]["on"]["description"] = "The day we typed it in."
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert ledger(old, "migrate").exit_code == 0
    now = json.loads(path.read_text(encoding="utf-8"))
    assert "internet-shutdown" in now["$defs"]["act_type"]["enum"]
    assert now["properties"]["witnesses"] == {"type": "integer", "description": "How many saw it."}
    assert now["properties"]["title"]["description"] == "Our own words for the title."
    assert now["properties"]["recorded"]["properties"]["date"]["description"] == "The day we typed it in."
    assert now["properties"]["schema_version"]["const"] == 2
    assert ledger(old, "validate").exit_code == 0


def test_dry_run_prints_the_diff_and_writes_nothing(old: Path) -> None:
    before = snapshot(old)
    result = ledger(old, "migrate", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "-  on: 2026-11-28\n+  date: 2026-11-28\n" in result.stdout
    assert "-schema_version: 1\n+schema_version: 2\n" in result.stdout
    assert '-      "const": 1,\n+      "const": 2,\n' in result.stdout
    assert "+++ b/schema/actor.schema.json" in result.stdout
    assert "would change 6 file(s)" in result.stderr
    assert snapshot(old) == before


def test_a_second_run_changes_nothing(old: Path) -> None:
    assert ledger(old, "migrate").exit_code == 0
    after = snapshot(old)
    again = ledger(old, "migrate")
    assert again.exit_code == 0 and "nothing to migrate" in again.stderr
    assert snapshot(old) == after
    dry = ledger(old, "migrate", "--dry-run")
    assert dry.exit_code == 0 and dry.stdout == ""


def test_a_half_done_migration_is_finished_by_running_again(old: Path, tmp_path: Path) -> None:
    done = tmp_path / "done"
    shutil.copytree(old, done)
    assert ledger(done, "migrate").exit_code == 0
    # As if a run had stopped after the schema and one record.
    for rel in ("schema/incident.schema.json", f"incidents/2020/{RECORDS[0].name}"):
        shutil.copy(done / rel, old / rel)
    assert ledger(old, "migrate").exit_code == 0
    assert snapshot(old) == snapshot(done)


def test_records_of_two_versions_are_a_problem_whose_hint_is_migrate(old: Path) -> None:
    assert ledger(old, "migrate").exit_code == 0
    stale = old / "incidents" / "2020" / RECORDS[1].name
    shutil.copy(RECORDS[1], stale)
    checked = ledger(old, "validate", "--format", "json")
    assert checked.exit_code == 1
    problems = json.loads(checked.stdout)["problems"]
    mixed = [p for p in problems if p["code"] == "schema-version-mixed"]
    assert [p["path"] for p in mixed] == [f"incidents/2020/{RECORDS[1].name}"]
    text = ledger(old, "validate").stdout
    assert "hint: run `ledger migrate`" in text
    # Still read by every command until migrated.
    listed = ledger(old, "list", "--format", "ids")
    assert listed.exit_code == 0 and len(listed.stdout.split()) == 4
    # A query on the new field name reads the old one in the record not yet migrated.
    dated = ledger(old, "list", "--format", "ids", "--where", "recorded.date=2026-11-28")
    assert dated.exit_code == 0 and len(dated.stdout.split()) == 4
    assert ledger(old, "migrate").exit_code == 0
    assert ledger(old, "validate").exit_code == 0


def test_a_record_that_does_not_parse_stops_the_whole_run(old: Path) -> None:
    (old / "incidents" / "2020" / "broken-one.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    before = snapshot(old)
    result = ledger(old, "migrate")
    assert result.exit_code == 1
    assert "incidents/2020/broken-one.yaml:" in result.stderr and "nothing was migrated" in result.stderr
    assert snapshot(old) == before


def test_to_a_version_this_ledger_does_not_know_is_a_usage_error(old: Path) -> None:
    result = ledger(old, "migrate", "--to", "9")
    assert result.exit_code == 2 and "schema versions 1 to 2" in result.stderr
    assert ledger(old, "migrate", "--to", "1").stderr.startswith("nothing to migrate")
