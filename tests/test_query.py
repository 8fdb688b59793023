"""list's filters, sort and formats on a synthetic ledger, each answer
computed independently from the generated records (tests/synth.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import Result, invoke

Record = dict[str, Any]


@dataclass
class Ledger:
    root: Path
    records: list[Record]

    def run(self, *args: str) -> Result:
        return invoke(["--ledger", str(self.root), *args])

    def ids(self, *args: str) -> list[str]:
        result = self.run("list", *args, "--format", "ids")
        assert result.exit_code == 0, result.stderr
        return result.stdout.split()

    def expect(self, keep: Callable[[Record], bool]) -> list[str]:
        """Ids of the records keep accepts, in the ledger's path order."""
        return sorted((r["id"] for r in self.records if keep(r)), key=path_of)


def path_of(rid: str) -> str:
    return f"incidents/{rid[:4]}/{rid}.yaml"


@pytest.fixture(scope="module")
def syn(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    records = synth.generate(240, seed=11)
    return Ledger(synth.write_ledger(tmp_path_factory.mktemp("syn") / "ledger", records), records)


# -- what the filters should keep, written out plainly ---------------------------

def actor_texts(r: Record) -> list[str]:
    return [synth.fold(t) for a in r.get("actors", []) for t in [a["name"], *a.get("names", {}).values()]]


def values_at(node: Any, parts: list[str]) -> list[Any]:
    if isinstance(node, list):
        return [v for item in node for v in values_at(item, parts)]
    if not parts:
        return [node]
    return values_at(node[parts[0]], parts[1:]) if isinstance(node, dict) and parts[0] in node else []


def where_holds(r: Record, spec: str) -> bool:
    path, value = spec.split("=", 1)
    for found in values_at(r, path.split(".")):
        if isinstance(found, bool):
            if str(found).lower() == value.lower():
                return True
        elif isinstance(found, (int, float)):
            if found == float(value):
                return True
        elif isinstance(found, dict):
            if any(synth.fold(value) in synth.fold(v) for v in found.values()):
                return True
        elif synth.fold(value) in synth.fold(found):
            return True
    return False


def in_window(r: Record, since: str | None, until: str | None) -> bool:
    lower, upper = synth.bounds(r["date"])
    start = synth.bounds(since)[0] if since else None
    end = synth.bounds(until)[1] if until else None
    return ((end is None or lower is None or lower <= end)
            and (start is None or upper is None or upper >= start))


# -- the date window -----------------------------------------------------------------

WINDOWS = [
    ("2021-03", None), (None, "2016"), ("2019-06", "2019-06"), ("2020-02-29", "2020-02-29"),
    ("2015-12-31", "2016-01-01"), ("2024-12-15", None), (None, "2010-01"), ("2017-1X", "2018"),
    ("2012-06-01/2012-08-31", "2013"), ("2011", "2011~"),
]


@pytest.mark.parametrize(("since", "until"), WINDOWS)
def test_date_window_matches_overlap(syn: Ledger, since: str | None, until: str | None) -> None:
    args = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    expected = syn.expect(lambda r: in_window(r, since, until))
    assert 0 < len(expected) < len(syn.records)
    assert syn.ids(*args) == expected


# Hand-made: each date against windows whose answers are written out.
EDGE_DATES = {
    "month": "2020-03", "year": "2016", "crossing": "2020-02-25/2020-03-02", "x-day": "2019-12-XX",
    "x-month": "2018-1X", "x-year": "201X", "open-start": "../2020-01", "open-end": "2021-05-01/..",
    "unknown-end": "2020-04-10/", "spring": "2020-21", "winter": "2019-24", "approx": "2020-03-15~",
}
EDGE_CASES = [
    (["--since", "2020-03-02", "--until", "2020-03-02"], {"month", "crossing", "spring"}),
    (["--since", "2020-03"], {"month", "crossing", "open-end", "unknown-end", "spring", "approx"}),
    (["--until", "2016"], {"year", "x-year", "open-start"}),
    (["--since", "2020-01-31", "--until", "2020-01-31"], {"open-start", "winter"}),
    (["--since", "2016-12-31", "--until", "2017-01-01"], {"year", "x-year", "open-start"}),
    (["--since", "2018-09-30", "--until", "2018-10-01"], {"x-month", "x-year", "open-start"}),
    (["--since", "2022"], {"open-end", "unknown-end"}),
    (["--since", "2019-12-31", "--until", "2019-12-31"], {"x-day", "open-start", "winter", "x-year"}),
]


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    records = []
    for i, (name, date) in enumerate(EDGE_DATES.items()):
        rec = synth.generate(1, seed=i)[0]
        rec.update(id=f"edge-{name}", date=date, confidentiality="public")
        for act in rec["acts"]:
            act.pop("date", None)
        rec.pop("related", None)
        records.append(rec)
    return Ledger(synth.write_ledger(tmp_path_factory.mktemp("edges") / "ledger", records), records)


def test_edge_ledger_is_valid(edges: Ledger) -> None:
    result = edges.run("validate")
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize(("args", "names"), EDGE_CASES)
def test_edtf_edges(edges: Ledger, args: list[str], names: set[str]) -> None:
    assert set(edges.ids(*args)) == {f"edge-{n}" for n in names}


# -- every other filter, alone and combined ---------------------------------------

FILTERS: list[tuple[list[str], Callable[[Record], bool]]] = [
    (["--country", "kz"], lambda r: r["location"]["country"] == "KZ"),
    (["--country", "KZ", "--country", "by"], lambda r: r["location"]["country"] in ("KZ", "BY")),
    (["--country", "no"], lambda r: r["location"]["country"] == "NO"),
    (["--act", "arrest"], lambda r: any(a["type"] == "arrest" for a in r["acts"])),
    (["--act", "charge", "--act", "FINE"], lambda r: any(a["type"] in ("charge", "fine") for a in r["acts"])),
    (["--status", "confirmed"], lambda r: r["status"] == "confirmed"),
    (["--status", "likely", "--status", "possible"], lambda r: r["status"] in ("likely", "possible")),
    (["--tag", "covid-19"], lambda r: "covid-19" in r.get("tags", [])),
    (["--tag", "protest", "--tag", "Election"], lambda r: {"protest", "election"} & set(r.get("tags", []))),
    (["--right", "privacy"], lambda r: "privacy" in r.get("rights", [])),
    (["--right", "assembly", "--right", "movement"],
     lambda r: {"assembly", "movement"} & set(r.get("rights", []))),
    (["--actor", "ilyashev"], lambda r: any("ilyashev" in t for t in actor_texts(r))),
    (["--actor", "ИЛЬЯШЕВ"], lambda r: any("ильяшев" in t for t in actor_texts(r))),
    # Stored decomposed (NFD) in some records, searched composed.
    (["--actor", "Ёлкин"], lambda r: any("ёлкин" in t for t in actor_texts(r))),
    (["--actor", "йорш"], lambda r: any("йорш" in t for t in actor_texts(r))),
    (["--actor", "шәмшет"], lambda r: any("шәмшет" in t for t in actor_texts(r))),
    (["--actor", "anna VON"], lambda r: any("anna von" in t for t in actor_texts(r))),
    (["--actor", "macleod", "--actor", "Бяляцкі"],
     lambda r: any("macleod" in t or "бяляцкі" in t for t in actor_texts(r))),
    (["--text", "prosecutor"],
     lambda r: any("prosecutor" in synth.fold(r.get(k, "")) for k in ("title", "description"))),
    (["--text", "FAKE NEWS"],
     lambda r: any("fake news" in synth.fold(r.get(k, "")) for k in ("title", "description"))),
    (["--text", "of alnur"], lambda r: "of alnur" in synth.fold(r["title"])),
]
WHERES = [
    ["location.region=almaty"], ["location.region=Region"], ["acts.type=charge"],
    ["actors.names.ru=Ильяшев"], ["actors.name=COURT"], ["sources.confidential=true"],
    ["actors.occupation=journalist"], ["tags=covid"], ["acts.outcome=jail"], ["actors.names=шәмшет"],
    ["location.region=Minsk", "location.region=oslo"],
]


@pytest.mark.parametrize(("args", "keep"), FILTERS, ids=[" ".join(a) for a, _ in FILTERS])
def test_filter(syn: Ledger, args: list[str], keep: Callable[[Record], bool]) -> None:
    expected = syn.expect(keep)
    assert 0 < len(expected) < len(syn.records)
    assert syn.ids(*args) == expected


@pytest.mark.parametrize("specs", WHERES, ids=[" ".join(w) for w in WHERES])
def test_where(syn: Ledger, specs: list[str]) -> None:
    expected = syn.expect(lambda r: any(where_holds(r, s) for s in specs))
    assert 0 < len(expected) < len(syn.records)
    assert syn.ids(*[a for s in specs for a in ("--where", s)]) == expected


def test_where_number_is_exact(syn: Ledger) -> None:
    lat = next(r["location"]["lat"] for r in syn.records if "lat" in r["location"])
    expected = syn.expect(lambda r: r["location"].get("lat") == lat)
    assert syn.ids("--where", f"location.lat={lat}") == expected
    assert syn.ids("--where", f"location.lat={lat + 0.001}") == []


def test_where_on_different_fields_must_all_hold(syn: Ledger) -> None:
    # A substring: status=likely matches "unlikely" too, as --status likely would not.
    expected = syn.expect(lambda r: where_holds(r, "location.region=a") and "likely" in r["status"])
    assert len(expected) > 0
    assert syn.ids("--where", "location.region=a", "--where", "status=likely") == expected


COMBINED: list[tuple[list[str], Callable[[Record], bool]]] = [
    (["--country", "kz", "--act", "arrest", "--since", "2015-03"],
     lambda r: r["location"]["country"] == "KZ" and any(a["type"] == "arrest" for a in r["acts"])
     and in_window(r, "2015-03", None)),
    (["--actor", "шураев", "--status", "confirmed", "--status", "unknown", "--until", "2020"],
     lambda r: any("шураев" in t for t in actor_texts(r)) and r["status"] in ("confirmed", "unknown")
     and in_window(r, None, "2020")),
    (["--tag", "covid-19", "--right", "expression", "--text", "police"],
     lambda r: "covid-19" in r.get("tags", []) and "expression" in r.get("rights", [])
     and "police" in synth.fold(r.get("description", "") + " " + r["title"])),
    (["--where", "location.region=almaty", "--act", "charge", "--country", "KZ", "--since", "2012"],
     lambda r: where_holds(r, "location.region=almaty") and any(a["type"] == "charge" for a in r["acts"])
     and in_window(r, "2012", None)),
]


@pytest.mark.parametrize(("args", "keep"), COMBINED, ids=[" ".join(a) for a, _ in COMBINED])
def test_combined_filters_all_hold(syn: Ledger, args: list[str], keep: Callable[[Record], bool]) -> None:
    expected = syn.expect(keep)
    assert len(expected) > 0
    assert syn.ids(*args) == expected


# -- sort and limit ------------------------------------------------------------------

def start_of(r: Record) -> dt.date:
    return synth.bounds(r["date"])[0] or dt.date.min


def test_sort_by_date_uses_the_edtf_start(syn: Ledger) -> None:
    by_path = sorted(syn.records, key=lambda r: path_of(r["id"]))
    assert syn.ids("--sort", "date") == [r["id"] for r in sorted(by_path, key=start_of)]
    newest = sorted(by_path, key=start_of, reverse=True)
    assert syn.ids("--sort", "-date", "--limit", "25") == [r["id"] for r in newest[:25]]


@pytest.mark.parametrize(("field", "key"), [
    ("title", lambda r: synth.fold(r["title"])),
    ("country", lambda r: r["location"]["country"].casefold()),
    ("status", lambda r: r["status"]),
])
def test_sort_by_field(syn: Ledger, field: str, key: Callable[[Record], Any]) -> None:
    by_path = sorted(syn.records, key=lambda r: path_of(r["id"]))
    assert syn.ids("--sort", field) == [r["id"] for r in sorted(by_path, key=key)]


def test_sort_missing_values_last_and_limit(syn: Ledger) -> None:
    by_path = sorted(syn.records, key=lambda r: path_of(r["id"]))
    having = [r for r in by_path if "region" in r["location"]]
    lacking = [r for r in by_path if "region" not in r["location"]]
    assert lacking and having
    expected = sorted(having, key=lambda r: synth.fold(r["location"]["region"]), reverse=True) + lacking
    assert syn.ids("--sort", "-location.region") == [r["id"] for r in expected]
    assert syn.ids("--limit", "5") == [r["id"] for r in by_path[:5]]
    assert syn.ids("--limit", "0") == []


# -- usage errors ---------------------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (["--since", "2020-13"], "month 13"),
    (["--until", "soon"], "--until"),
    (["--since", "../2020"], "--since"),
    (["--since", "2021", "--until", "2020"], "before"),
    (["--where", "location.regio=x"], "location.region"),
    (["--where", "nofield"], "FIELD=VALUE"),
    (["--where", "location.lat=north"], "numbers"),
    (["--where", "sources.confidential=maybe"], "true or false"),
    (["--sort", "nope"], "nope"),
    (["--act", "arest"], "arrest, detention"),
    (["--status", "sure"], "confirmed, likely"),
    (["--right", "speech"], "expression"),
    (["--country", "Kazakstn"], "did you mean KZ (Kazakhstan)?"),
    (["--country", "XX"], "--country"),
    (["--limit", "-1"], "--limit"),
])
def test_bad_options_are_usage_errors(run: Any, args: list[str], says: str) -> None:
    result = run("list", *args)
    assert result.exit_code == 2, result.stdout
    assert says in result.stderr


# -- formats -------------------------------------------------------------------------

def test_json_is_the_records_as_stored(syn: Ledger) -> None:
    result = syn.run("list", "--format", "json", "--country", "kg")
    out = json.loads(result.stdout)
    stored = {r["id"]: r for r in syn.records}
    assert [r["id"] for r in out] == syn.expect(lambda r: r["location"]["country"] == "KG")
    for r in out:
        assert r.pop("path") == path_of(r["id"])
        assert r == stored[r["id"]]


def test_jsonl_csv_yaml(syn: Ledger) -> None:
    expected = syn.expect(lambda r: r["status"] == "unlikely")
    lines = syn.run("list", "--status", "unlikely", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == expected
    table = syn.run("list", "--status", "unlikely", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [row["id"] for row in rows] == expected
    stored = {r["id"]: r for r in syn.records}
    assert all(row["title"] == stored[row["id"]]["title"] and row["date"] == stored[row["id"]]["date"]
               for row in rows)
    from ruamel.yaml import YAML

    docs = list(YAML(typ="safe").load_all(syn.run("list", "--status", "unlikely", "--format", "yaml").stdout))
    assert [d["id"] for d in docs] == expected


@pytest.mark.parametrize("width", ["70", "120"])
def test_table_fits_and_shows_the_columns(syn: Ledger, monkeypatch: pytest.MonkeyPatch, width: str) -> None:
    monkeypatch.setenv("COLUMNS", width)
    out = syn.run("list", "--country", "uz").stdout
    assert max(len(line) for line in out.splitlines()) <= int(width)
    shown = ("id", "date", "country", "acts", "title") if width == "120" else ("id", "date", "title")
    assert out.splitlines()[0].split() == list(shown)
    n = len(syn.expect(lambda r: r["location"]["country"] == "UZ"))
    assert f"{n} incidents" in out


# -- --public --------------------------------------------------------------------------

def test_public_leaves_out_what_is_not_public(syn: Ledger) -> None:
    result = syn.run("list", "--public", "--format", "json")
    assert result.exit_code == 0 and "withheld" in result.stderr
    out = json.loads(result.stdout)
    assert [r["id"] for r in out] == syn.expect(lambda r: r["confidentiality"] == "public")
    for r in out:
        assert not any(a.get("confidential") for a in r.get("actors", []))
        assert not any(s.get("confidential") for s in r["sources"])


def test_public_search_cannot_find_withheld_names(syn: Ledger) -> None:
    def named_openly(r: Record) -> bool:
        return r["confidentiality"] == "public" and any(
            "shamshet" in synth.fold(a["name"]) and not a.get("confidential") for a in r["actors"])

    hidden = syn.expect(lambda r: r["confidentiality"] == "public" and any(
        "shamshet" in synth.fold(a["name"]) and a.get("confidential") for a in r["actors"]))
    assert hidden, "the generator should hide some"
    assert syn.ids("--public", "--actor", "Shamshet") == syn.expect(named_openly)


def test_status_filter_survives_a_mistyped_status(ledger_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An invalid record (status given as a list) must not crash a query."""
    from conftest import invoke

    path = next((ledger_dir / "incidents").rglob("*.yaml"))
    import re

    text, count = re.subn(r"(?m)^status: \w+$", "status: [likely]", path.read_text(encoding="utf-8"))
    assert count == 1
    path.write_text(text, encoding="utf-8")
    for env in ({}, {"LEDGER_NO_CACHE": "1"}):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        result = invoke(["--ledger", str(ledger_dir), "list", "--status", "likely", "--format", "ids"])
        assert result.exit_code == 0, result.stderr
