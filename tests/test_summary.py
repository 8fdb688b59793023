"""summary: counts per key and pivots, checked against counts made by hand
from the generated records; every format; the bars in the terminal."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import Result, invoke

Record = dict[str, Any]
Values = Callable[[Record], list[Any]]


@pytest.fixture(scope="module")
def syn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Record]]:
    records = synth.generate(200, seed=5)
    return synth.write_ledger(tmp_path_factory.mktemp("syn") / "ledger", records), records


def summary(syn: tuple[Path, list[Record]], *args: str) -> Result:
    return invoke(["--ledger", str(syn[0]), "summary", *args])


def start(r: Record) -> tuple[Any, Any] | None:
    """First and last day the start of a generated date can mean."""
    first = r["date"].split("/")[0]
    return None if first in ("", "..") else synth._part(first)


def year_of(r: Record) -> list[str]:
    span = start(r)
    if span is None:
        return []
    lo, hi = (f"{d.year:04d}" for d in span)
    known = next(n for n in (4, 3, 2, 1, 0) if lo[:n] == hi[:n])
    return [lo[:known] + "X" * (4 - known)]


def month_of(r: Record) -> list[str]:
    span = start(r)
    if span is None:
        return []
    lo, hi = (d.isoformat()[:7] for d in span)
    return [lo] if lo == hi else [year_of(r)[0] + "-XX"]


def series(first: str, last: str) -> list[str]:
    if len(first) == 4:
        return [str(y) for y in range(int(first), int(last) + 1)]
    return [f"{y}-{m:02d}" for y in range(int(first[:4]), int(last[:4]) + 1) for m in range(1, 13)
            if first <= f"{y}-{m:02d}" <= last]


# Each key's values for one record, written out from the SPEC.
KEYS: dict[str, Values] = {
    "year": year_of,
    "month": month_of,
    "country": lambda r: [r["location"]["country"]],
    "act": lambda r: list({a["type"] for a in r["acts"]}),
    "status": lambda r: [r["status"]],
    "right": lambda r: r.get("rights", []),
    "tag": lambda r: r.get("tags", []),
    "actor": lambda r: list({a["name"] for a in r.get("actors", [])}),
    "location.region": lambda r: [r["location"]["region"]] if "region" in r["location"] else [],
    "acts.outcome": lambda r: list({a["outcome"] for a in r["acts"] if "outcome" in a}),
}


def expected_counts(records: list[Record], keys: list[str]) -> Counter[tuple[Any, ...]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for r in records:
        combos: list[tuple[Any, ...]] = [()]
        for key in keys:
            combos = [(*c, v) for c in combos for v in (KEYS[key](r) or [None])]
        counts.update(combos)
    return counts


def rows_as_counts(doc: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    return Counter({tuple(row[k] for k in doc["by"]): row["count"] for row in doc["rows"]})


@pytest.mark.parametrize("key", list(KEYS))
def test_counts_by_one_key(syn: tuple[Path, list[Record]], key: str) -> None:
    doc = json.loads(summary(syn, "--by", key, "--format", "json").stdout)
    assert doc["version"] == 1 and doc["by"] == [key] and doc["total"] == len(syn[1])
    counts = rows_as_counts(doc)
    if key in ("year", "month"):  # a series: the quiet months and years are there, as 0
        assert +counts == expected_counts(syn[1], [key])
        precise = [row[key] for row in doc["rows"] if row[key] and "X" not in row[key]]
        assert precise == series(precise[0], precise[-1])
    else:
        assert counts == expected_counts(syn[1], [key])
        assert all(row["count"] > 0 for row in doc["rows"])


@pytest.mark.parametrize(("args", "keep"), [
    (["--since", "2020", "--until", "2022-06"],
     lambda r: (synth.bounds(r["date"])[0] is None or synth.bounds(r["date"])[0].isoformat() <= "2022-06-30")
     and (synth.bounds(r["date"])[1] is None or synth.bounds(r["date"])[1].isoformat() >= "2020-01-01")),
    (["--country", "kz", "--act", "arrest"],
     lambda r: r["location"]["country"] == "KZ" and any(a["type"] == "arrest" for a in r["acts"])),
])
def test_month_with_a_filter(syn: tuple[Path, list[Record]], args: list[str],
                             keep: Callable[[Record], bool]) -> None:
    kept = [r for r in syn[1] if keep(r)]
    doc = json.loads(summary(syn, "--by", "month", *args, "--format", "json").stdout)
    assert doc["total"] == len(kept) > 0
    assert +rows_as_counts(doc) == expected_counts(kept, ["month"])
    months = [row["month"] for row in doc["rows"]]
    def rank(m: str | None) -> tuple[bool, str]:
        return m is None, (m or "").replace("X", "9").replace("-99", "-13")
    assert months == sorted(months, key=rank)


def test_country_by_year_pivot_with_a_filter(syn: tuple[Path, list[Record]]) -> None:
    kept = [r for r in syn[1] if r["status"] in ("confirmed", "likely")]
    doc = json.loads(summary(syn, "--by", "country", "--by", "year", "--status", "confirmed",
                             "--status", "likely", "--format", "json").stdout)
    assert doc["by"] == ["country", "year"] and doc["total"] == len(kept)
    assert +rows_as_counts(doc) == expected_counts(kept, ["country", "year"])
    for row in doc["rows"]:
        assert set(row) == {"country", "year", "count"}


def test_rows_are_ordered_by_count_then_value(syn: tuple[Path, list[Record]]) -> None:
    doc = json.loads(summary(syn, "--by", "act", "--format", "json").stdout)
    keys = [(-row["count"], row["act"]) for row in doc["rows"]]
    assert keys == sorted(keys)
    years = [row["year"] for row in json.loads(summary(syn, "--format", "json").stdout)["rows"]]
    assert years[-1] is None  # open starts have no year
    assert years[:-1] == sorted(years[:-1], key=lambda y: (y.replace("X", "9"), y.count("X")))


def test_table_shows_bars_scaled_to_the_largest(syn: tuple[Path, list[Record]]) -> None:
    out = summary(syn, "--by", "country").stdout
    assert "\x1b[" not in out  # NO_COLOR
    counts = expected_counts(syn[1], ["country"])
    bars = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and (parts[0],) in counts:
            assert int(parts[1]) == counts[(parts[0],)]
            bars[parts[0]] = len(parts[2])
    assert len(bars) == len(counts)
    top = max(counts, key=lambda c: counts[c])[0]
    assert max(bars.values()) == bars[top] and "█" in out
    assert max(len(line) for line in out.splitlines()) <= 120
    assert f"{len(syn[1])} incidents" in out


def test_pivot_table_has_totals(syn: tuple[Path, list[Record]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # room for the whole table
    out = summary(syn, "--by", "status", "--by", "act").stdout
    counts = expected_counts(syn[1], ["status"])
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.split()}
    for (status,), n in counts.items():
        assert int(lines[status][-1]) == n  # row total: incidents, not the sum of cells
    assert lines["total"][-1] == str(len(syn[1]))


def test_csv_and_markdown(syn: tuple[Path, list[Record]]) -> None:
    rows = list(csv.DictReader(io.StringIO(summary(syn, "--by", "tag", "--format", "csv").stdout)))
    expected = expected_counts(syn[1], ["tag"])
    assert {(r["tag"] or None,): int(r["count"]) for r in rows} == expected
    md = summary(syn, "--by", "status", "--format", "markdown").stdout.splitlines()
    assert md[0] == "| status | count |" and md[1] == "| --- | ---: |"
    pivot = summary(syn, "--by", "country", "--by", "status", "--format", "markdown").stdout
    assert "| total |" in pivot


def test_example_ledger_counts_the_seed_article(run: Any) -> None:
    doc = json.loads(run("summary", "--by", "act", "--format", "json").stdout)
    assert {row["act"]: row["count"] for row in doc["rows"]} == {"arrest": 4, "charge": 4, "sentence": 1}


@pytest.mark.parametrize(("args", "says"), [
    (["--by", "weather"], "weather"),
    (["--by", "year", "--by", "act", "--by", "tag"], "one or two"),
    (["--by", "location"], "location.country"),
    (["--by", "year", "--by", "year"], "twice"),
    (["--by", "year", "--since", "whenever"], "--since"),
])
def test_bad_keys_are_usage_errors(run: Any, args: list[str], says: str) -> None:
    result = run("summary", *args)
    assert result.exit_code == 2 and says in result.stderr


def test_public_summary_counts_only_public_records(syn: tuple[Path, list[Record]]) -> None:
    result = summary(syn, "--public", "--by", "status", "--format", "json")
    public = [r for r in syn[1] if r["confidentiality"] == "public"]
    assert "withheld" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["total"] == len(public) < len(syn[1])
    assert rows_as_counts(doc) == expected_counts(public, ["status"])
