"""summary by month and year: a series without holes, and incidents dated less
precisely than the bucket counted apart, visibly, in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke

DATES = {  # file in the example ledger -> the date it gets
    "2020-04-18-ilyashev-jailed-6fsa": "2020-04-18",
    "2020-04-18-shamshet-arrested-g68z": "2020-07-02/2020-08",  # a start in July
    "2020-04-18-shuraev-arrested-y3np": "'2020'",  # some month of 2020
    "2020-04-activists-detained-dfjp": "2021/2021-03",  # an interval starting in some month of 2021
}


@pytest.fixture
def dated(ledger_dir: Path) -> Path:
    for stem, date in DATES.items():
        path = ledger_dir / "incidents" / "2020" / f"{stem}.yaml"
        path.write_text(re.sub(r"(?m)^date: .*$", f"date: {date}", path.read_text(encoding="utf-8"), count=1),
                        encoding="utf-8")
    assert invoke(["--ledger", str(ledger_dir), "validate"]).exit_code == 0
    return ledger_dir


def summary(root: Path, *args: str) -> str:
    result = invoke(["--ledger", str(root), "summary", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


# From the first precise month to the last; each year's unknown month after its months.
MONTHS = [("2020-04", 1), ("2020-05", 0), ("2020-06", 0), ("2020-07", 1), ("2020-XX", 1), ("2021-XX", 1)]


def test_json_month_series_has_zeros_and_imprecise_buckets(dated: Path) -> None:
    doc = json.loads(summary(dated, "--by", "month", "--format", "json"))
    assert doc["version"] == 1 and doc["by"] == ["month"] and doc["total"] == 4
    assert [(r["month"], r["count"]) for r in doc["rows"]] == MONTHS
    assert all(set(r) == {"month", "count"} for r in doc["rows"])
    # The answer from a warm cache is the same.
    assert json.loads(summary(dated, "--by", "month", "--format", "json")) == doc


def test_csv_and_markdown_show_the_same_series(dated: Path) -> None:
    rows = list(csv.reader(io.StringIO(summary(dated, "--by", "month", "--format", "csv"))))
    assert rows[0] == ["month", "count"] and [(m, int(n)) for m, n in rows[1:]] == MONTHS
    md = summary(dated, "--by", "month", "--format", "markdown").splitlines()
    assert md[:3] == ["| month | count |", "| --- | ---: |", "| 2020-04 | 1 |"]
    assert "| 2020-05 | 0 |" in md
    assert md.index("| 2020-07 | 1 |") + 1 == md.index("| 2020, month unknown | 1 |")
    assert "| 2021, month unknown | 1 |" in md


def test_table_shows_the_unknown_month_after_the_year(dated: Path) -> None:
    out = summary(dated, "--by", "month")
    assert re.search(r"(?m)^2020-05 +0 *$", out) and re.search(r"(?m)^2020-06 +0 *$", out)
    assert re.search(r"(?m)^2020, month unknown +1 +█+ *$", out)
    assert out.index("2020-07") < out.index("2020, month unknown") < out.index("2021, month unknown")


def test_years_of_a_decade_only_date(dated: Path) -> None:
    path = dated / "incidents" / "2020" / "2020-04-18-ilyashev-jailed-6fsa.yaml"
    path.write_text(re.sub(r"(?m)^date: .*$", "date: 201X", path.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    doc = json.loads(summary(dated, "--by", "year", "--format", "json"))
    assert [(r["year"], r["count"]) for r in doc["rows"]] == [("201X", 1), ("2020", 2), ("2021", 1)]
    assert "2010s, year unknown" in summary(dated, "--by", "year", "--format", "markdown")
    by_month = json.loads(summary(dated, "--by", "month", "--format", "json"))
    assert ("201X-XX", 1) in [(r["month"], r["count"]) for r in by_month["rows"]]


def test_year_buckets_from_a_year_only_start(dated: Path) -> None:
    doc = json.loads(summary(dated, "--by", "year", "--format", "json"))
    assert [(r["year"], r["count"]) for r in doc["rows"]] == [("2020", 3), ("2021", 1)]


def test_pivot_has_every_month_and_the_imprecise_bucket(dated: Path) -> None:
    doc = json.loads(summary(dated, "--by", "month", "--by", "status", "--format", "json"))
    statuses = {r["status"] for r in doc["rows"]}
    months = list(dict.fromkeys(r["month"] for r in doc["rows"]))
    assert months == [m for m, _ in MONTHS]
    assert len(doc["rows"]) == len(months) * len(statuses)
    assert sum(r["count"] for r in doc["rows"]) == 4
    table = summary(dated, "--by", "month", "--by", "status")
    assert "2020-05" in table and "2020, month unknown" in table
    lines: dict[str, Any] = {line.split()[0]: line.split() for line in table.splitlines() if line.split()}
    assert lines["2020-05"][-1] == "0"
