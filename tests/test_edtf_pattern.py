"""The `pattern` beside `format: edtf` in the example schema: editors and other
validators (ajv, the YAML language server) check dates with it while a user
types, so it must accept every form ledger reads and refuse what it can."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from test_edtf import INVALID, VALID

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema" / "incident.schema.json"
SHIPPED = ROOT / "src" / "ledger" / "data" / "incident.schema.json"

# Invalid only by the calendar, by the order of an interval's ends or by a
# rule too fiddly for a readable pattern: ledger's own check says so.
PATTERN_CANNOT_TELL = {
    "2020-02-30", "2021-02-29", "1900-02-29", "2020-04-31", "2020-02-3X", "XXX1-02-29", "201X-02-30",
    "2020-04-19/2020-04-18", "2021/2020", "2020-05/2020-04-30", "-0100/-0200", "Y20000/Y10000",
    "-0000", "Y" + "9" * 1001, "2020-04-18T10:00:00-00:00",
}
MORE_VALID = ["2020-04-18", "2020-04", "2020", "2020-04-18/2020-04-19", "2020-04-1X", "2020-04~",
              "2020-04-18?", "2020-21/2020-24~", "../2020-04-1X", "2020-XX-XX/2021", "-0044-03-15",
              "Y-12345?"]
MORE_INVALID = ["2020-04-18 ", "2020-4", "2020-1-1", "20-04-2020", "2020-04-18T10:00", "2020-04-18/..~",
                "../..", "2020?/2021?/2022", "2020-2X", "2020-04-4X", "2020-24-01", "Y1234", "2020-04-18Z"]


def _edtf_fields(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if node.get("format") == "edtf":
            found.append((where, node))
        for key, value in node.items():
            found.extend(_edtf_fields(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_edtf_fields(value, f"{where}/{i}"))
    return found


@pytest.fixture(scope="module")
def pattern() -> str:
    fields = _edtf_fields(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert len(fields) >= 3, fields
    patterns = {node.get("pattern") for _, node in fields}
    assert len(patterns) == 1 and None not in patterns, fields  # every EDTF field, the same pattern
    return str(patterns.pop())


def _matches(pattern: str, value: str) -> bool:
    # ECMA-262's "$" ends the input; Python's also matches before a final line end.
    assert pattern.startswith("^") and pattern.endswith("$")
    return re.search(pattern[:-1] + r"\Z", value) is not None


def test_the_schema_ledger_init_ships_is_the_example_schema() -> None:
    assert SHIPPED.read_bytes() == SCHEMA.read_bytes()


def test_every_valid_edtf_example_matches(pattern: str) -> None:
    values = [v for v, *_ in VALID] + MORE_VALID
    assert [v for v in values if not _matches(pattern, v)] == []


def test_invalid_dates_do_not_match_unless_only_the_calendar_tells(pattern: str) -> None:
    values = [v for v, _ in INVALID] + MORE_INVALID
    matched = {v for v in values if _matches(pattern, v)}
    assert matched == PATTERN_CANNOT_TELL


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_reads_the_pattern_the_same_way(pattern: str) -> None:
    """ajv compiles patterns as `new RegExp(pattern, "u")`."""
    values = [v for v, *_ in VALID] + MORE_VALID + [v for v, _ in INVALID] + MORE_INVALID
    script = ("const [p, vs] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const re = new RegExp(p, 'u'); console.log(JSON.stringify(vs.map(v => re.test(v))));")
    done = subprocess.run(["node", "-e", script], input=json.dumps([pattern, values]),
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [_matches(pattern, v) for v in values]


def test_a_bad_date_is_one_problem_not_two(run: Any, ledger_dir: Path) -> None:
    record = sorted((ledger_dir / "incidents").rglob("*.yaml"))[0]
    text = record.read_text(encoding="utf-8")
    assert re.search(r"(?m)^date: ", text)
    record.write_text(re.sub(r"(?m)^date: .*$", "date: 2020-13", text), encoding="utf-8")
    result = run("validate", "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["pointer"], p["code"]) for p in problems] == [("/date", "schema-format")]
    assert "month 13" in problems[0]["message"]
