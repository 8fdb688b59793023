"""The cache's index: list, export and summary narrowed and counted in SQL
must answer exactly as the unindexed Python path does (query.apply and
summary.count over every record), on generated ledgers with awkward values:
no date, open intervals, invalid types, case and Unicode variants."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import invoke

# Records written as text: values the filters and keys meet in invalid or unusual records.
ODD = {
    "no-date": "status: likely\nlocation: {country: KZ}\nacts: [{type: arrest}]\n",
    "open-end": "date: 2019-05-03/..\nstatus: likely\nlocation: {country: KZ}\nacts: [{type: fine}]\n",
    "open-start": "date: ../2016-02\nlocation: {country: kz}\nacts: [{type: arrest}, {type: arrest}]\n",
    "bad-date": "date: sometime\nstatus: 5\nlocation: {country: ' Kz '}\ntags: not-a-list\n",
    "year-int": "date: 2017\nlocation: KZ\nacts: arrest\nrights: [expression, 5, expression]\n",
    "season": "date: 2020-21\ntags: [COVID-19, Covid-19, ẞtraße, '']\nstatus: ''\nacts: [{type: ''}]\n",
    "no-country": "date: 2015-07\nlocation: {region: Almaty}\ntags: [protest]\nrights: [liberty]\n",
    "unknown-end": "date: 2014-03-01/\nlocation: {country: NO}\nacts: [{type: charge}]\nstatus: unknown\n",
    "qualified": "date: 2013-11-0X?\nlocation: {country: KG}\nacts: [{type: detention}]\n",
}
NUMERIC_ID = "id: 12345\ndate: 2018-01-01\nlocation: {country: KZ}\n"


def write_odd(root: Path) -> None:
    for name, body in ODD.items():
        folder = root / "incidents" / "odd"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"odd-{name}.yaml").write_text(f"id: odd-{name}\ntitle: Odd {name}\n{body}",
                                                 encoding="utf-8")
    (root / "incidents" / "odd" / "12345.yaml").write_text(NUMERIC_ID, encoding="utf-8")
    (root / "incidents" / "odd" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_NO_CACHE", raising=False)
    monkeypatch.delenv("LEDGER_CACHE_DIR", raising=False)


class Odd:
    """A generated ledger plus odd records, and its records read without the cache."""

    def __init__(self, root: Path) -> None:
        from ledger import library as api

        self.root = root
        os.environ["LEDGER_NO_CACHE"] = "1"
        try:
            self.session = api.open_ledger(str(root))
            self.rows = api.load(self.session, cross=False).records
        finally:
            del os.environ["LEDGER_NO_CACHE"]

    def run(self, *args: str) -> str:
        result = invoke(["--ledger", str(self.root), *args])
        assert result.exit_code == 0, result.stderr
        return result.stdout

    def reference(self, flt_args: dict[str, list[str]]) -> Iterator[tuple[str, dict[str, Any]]]:
        from ledger.core import query

        flt = query.build_filter(self.session.schema, since=(flt_args.get("since") or [None])[0],
                                 until=(flt_args.get("until") or [None])[0],
                                 **{k: v for k, v in flt_args.items() if k not in ("since", "until")})
        return query.apply(self.rows, flt)


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> Odd:
    root = synth.write_ledger(tmp_path_factory.mktemp("odd") / "ledger", synth.generate(150, seed=23))
    write_odd(root)
    return Odd(root)


FILTERS: list[dict[str, list[str]]] = [
    {}, {"country": ["KZ"]}, {"country": ["kz", "no"]}, {"act": ["arrest"]},
    {"act": ["arrest", "fine"], "status": ["likely"]}, {"tag": ["COVID-19"]},
    {"tag": ["sstrasse", "ẞTRASSE"]}, {"tag": [""]}, {"right": ["expression"]}, {"since": ["2018"]},
    {"until": ["2016-06"]}, {"since": ["2015-03"], "until": ["2015-09"]},
    {"since": ["2019-06-01"], "until": ["2019-06-01"]},
    {"country": ["KZ"], "act": ["arrest"], "since": ["2012"]},
    {"status": ["unknown"], "right": ["liberty", "privacy"]},
    {"since": ["2030"]}, {"until": ["1999"]},
    # Not in the index: narrowed by what is, then tested in Python.
    {"actor": ["ilyashev"]}, {"text": ["court"], "country": ["KZ"]}, {"where": ["location.region=Almaty"]},
]
KEYS = [["year"], ["month"], ["country"], ["act"], ["status"], ["tag"], ["right"], ["actor"],
        ["location.region"], ["country", "year"], ["act", "status"], ["tag", "right"], ["year", "actor"],
        ["month", "country"]]


def cli_args(flt: dict[str, list[str]]) -> list[str]:
    return [arg for name, values in flt.items() for v in values for arg in (f"--{name}", v)]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: " ".join(cli_args(f)) or "all")
def test_list_equals_the_unindexed_answer(odd: Odd, flt: dict[str, list[str]]) -> None:
    from ledger.render import Output
    from ledger.render.records import render_jsonl

    expected = list(odd.reference(flt))
    ids = odd.run("list", *cli_args(flt), "--format", "ids")
    assert ids == "".join(f"{r.get('id', '')}\n" for _, r in expected)
    out = io.StringIO()
    render_jsonl(expected, Output(stream=out))
    assert odd.run("export", *cli_args(flt), "--format", "jsonl") == out.getvalue()


@pytest.mark.parametrize(("flt", "keys"), [({}, k) for k in KEYS] + [
    (f, KEYS[i % len(KEYS)]) for i, f in enumerate(FILTERS)] + [
    (f, ["country", "year"]) for f in FILTERS[1:8]],
    ids=lambda x: " ".join(cli_args(x)) if isinstance(x, dict) else "+".join(x))
def test_summary_equals_the_unindexed_answer(odd: Odd, flt: dict[str, list[str]], keys: list[str]) -> None:
    from ledger.core import query, summary
    from ledger.render import Output, render

    by = [a for k in keys for a in ("--by", k)]
    rows = list(odd.reference(flt))
    out = io.StringIO()
    render("summary", "json", summary.count(rows, summary.resolve_keys(odd.session.schema, keys)),
           Output(stream=out))
    assert odd.run("summary", *by, *cli_args(flt), "--format", "json") == out.getvalue()
    del query


def test_summary_is_counted_in_sql(odd: Odd, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.core import summary

    # Not by a time key: those are counted in Python (library.Selection.count).
    expected = odd.run("summary", "--by", "country", "--by", "status", "--act", "arrest", "--format", "json")

    def refuse(*_: Any) -> None:
        raise AssertionError("counted in Python")
    monkeypatch.setattr(summary, "count", refuse)
    assert odd.run("summary", "--by", "country", "--by", "status", "--act", "arrest", "--format", "json") \
        == expected


def test_list_unpacks_only_what_the_index_selects(odd: Odd, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.store.cache import Cache

    flt = {"country": ["KZ"], "act": ["arrest"]}
    odd.run("list", "--format", "ids")  # the cache is up to date
    unpacked: list[int] = []
    records = Cache.records

    def counting(self: Cache, rids: list[int]) -> Any:
        unpacked.extend(rids)
        return records(self, rids)
    monkeypatch.setattr(Cache, "records", counting)
    rows = [json.loads(line) for line in odd.run("list", *cli_args(flt), "--format", "jsonl").splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for _, r in odd.reference(flt)]
    assert len(unpacked) == len(rows) > 0
    # A list of ids is answered by the index alone: no record is unpacked,
    # but for those whose id is not text (the index keeps only text ids).
    unpacked.clear()
    ids = odd.run("list", *cli_args(flt), "--format", "ids").split()
    assert ids == [r["id"] for _, r in odd.reference(flt)] and unpacked == []
    every = odd.run("list", "--format", "ids").split("\n")[:-1]
    assert every == [str(r.get("id", "")) for _, r in odd.reference({})]
    assert len(unpacked) == sum(not isinstance(r.get("id"), str) for _, r in odd.reference({})) > 0


def test_find_by_prefix_and_by_id_that_is_a_number(odd: Odd) -> None:
    shown = json.loads(odd.run("show", "1234", "--format", "json"))
    assert shown["id"] == 12345 and shown["path"] == "incidents/odd/12345.yaml"
    result = invoke(["--ledger", str(odd.root), "show", "odd-"])
    assert result.exit_code == 2 and "matches 9 incidents" in result.stderr


def test_a_record_the_index_cannot_hold_is_still_found(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.core import summary
    from ledger.store import index

    root = synth.write_ledger(tmp_path / "ledger", synth.generate(30, seed=2))
    facets = index.facets

    def partly(record: dict[str, Any], keys: Any) -> Any:
        # As for a bucket that is not text, should a summary key ever yield one.
        return None if record["id"].endswith("7") else facets(record, keys)
    monkeypatch.setattr(index, "facets", partly)
    ledger = Odd(root)
    unindexed = [r["id"] for _, r in ledger.rows if r["id"].endswith("7")]
    assert unindexed
    for flt in ({"country": ["KZ"]}, {"since": ["2020"]}, {"tag": ["protest"]}, {}):
        ids = ledger.run("list", *cli_args(flt), "--format", "ids")
        assert ids == "".join(f"{r['id']}\n" for _, r in ledger.reference(flt))
    expected = summary.count(ledger.rows, summary.resolve_keys(ledger.session.schema, ["country"]))
    counted = json.loads(ledger.run("summary", "--by", "country", "--format", "json"))
    assert counted["total"] == expected.total == 30
    assert {r["country"]: r["count"] for r in counted["rows"]} == {c[0]: n for c, n in expected.cells.items()}


def test_the_index_follows_changes(tmp_path: Path) -> None:
    root = synth.write_ledger(tmp_path / "ledger", synth.generate(40, seed=9))
    ledger = Odd(root)
    flt = {"country": ["KZ"], "since": ["2012"]}
    ledger.run("summary", "--by", "country", *cli_args(flt), "--format", "json")  # the index is filled
    files = sorted((root / "incidents").rglob("*.yaml"))
    kz = next(f for f in files if "country: KZ" in f.read_text(encoding="utf-8"))
    other = next(f for f in files if "country: KZ" not in f.read_text(encoding="utf-8"))
    kz.write_text(kz.read_text(encoding="utf-8").replace("country: KZ", "country: UZ"), encoding="utf-8")
    other.write_text(re.sub(r"country: \w\w", "country: KZ", other.read_text(encoding="utf-8")),
                     encoding="utf-8")
    files[-1].unlink()
    (files[0].parent / "new-one.yaml").write_text(
        "id: new-one\ndate: 2019-02-03\nlocation: {country: KZ}\nacts: [{type: fine}]\n", encoding="utf-8")
    ledger = Odd(root)
    for by in (["country"], ["year"], ["act", "country"]):
        from ledger.core import summary
        from ledger.render import Output, render

        out = io.StringIO()
        rows = list(ledger.reference(flt))
        render("summary", "json", summary.count(rows, summary.resolve_keys(ledger.session.schema, by)),
               Output(stream=out))
        assert ledger.run("summary", *[a for k in by for a in ("--by", k)], *cli_args(flt),
                          "--format", "json") == out.getvalue()
    assert ledger.run("list", *cli_args(flt), "--format", "ids") == \
        "".join(f"{r['id']}\n" for _, r in ledger.reference(flt))
