"""export: every format, the filters, atomic output files and the SQLite
database, checked against the generated records."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import Result, invoke

Record = dict[str, Any]


@pytest.fixture(scope="module")
def syn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Record]]:
    records = synth.generate(120, seed=8)
    return synth.write_ledger(tmp_path_factory.mktemp("syn") / "ledger", records), records


def export(syn: tuple[Path, list[Record]], *args: str) -> Result:
    return invoke(["--ledger", str(syn[0]), "export", *args])


def by_path(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: f"incidents/{r['id'][:4]}/{r['id']}.yaml")


def test_jsonl_is_the_records_with_a_filter(syn: tuple[Path, list[Record]]) -> None:
    out = export(syn, "--format", "jsonl", "--country", "ru").stdout.splitlines()
    expected = [r for r in by_path(syn[1]) if r["location"]["country"] == "RU"]
    assert [{k: v for k, v in json.loads(line).items() if k != "path"} for line in out] == expected


def test_json_document(syn: tuple[Path, list[Record]]) -> None:
    doc = json.loads(export(syn, "--format", "json").stdout)
    assert doc["version"] == 1 and doc["public"] is False
    assert [r["id"] for r in doc["incidents"]] == [r["id"] for r in by_path(syn[1])]


@pytest.mark.parametrize(("table", "per_record", "columns"), [
    ("incidents", lambda r: 1, {"id", "title", "date", "date_start", "date_end", "country", "acts"}),
    ("acts", lambda r: len(r["acts"]), {"incident_id", "act_idx", "type", "victims", "outcome"}),
    ("actors", lambda r: len(r["actors"]), {"incident_id", "ref", "name", "names", "kind", "roles"}),
    ("sources", lambda r: len(r["sources"]), {"incident_id", "ref", "url", "title", "confidential"}),
])
def test_csv_tables(syn: tuple[Path, list[Record]], table: str, per_record: Any, columns: set[str]) -> None:
    out = export(syn, "--format", "csv", "--table", table, "--act", "charge").stdout
    reader = csv.DictReader(io.StringIO(out))
    rows = list(reader)
    kept = [r for r in by_path(syn[1]) if any(a["type"] == "charge" for a in r["acts"])]
    assert columns <= set(reader.fieldnames or ())
    assert len(rows) == sum(per_record(r) for r in kept)
    key = "id" if table == "incidents" else "incident_id"
    assert list(dict.fromkeys(row[key] for row in rows)) == [r["id"] for r in kept]


def test_csv_act_rows_name_the_actors(syn: tuple[Path, list[Record]]) -> None:
    rows = list(csv.DictReader(io.StringIO(export(syn, "--format", "csv", "--table", "acts").stdout)))
    records = {r["id"]: r for r in syn[1]}
    for row in rows[:40]:
        r = records[row["incident_id"]]
        act = r["acts"][int(row["act_idx"])]
        names = {a["ref"]: a["name"] for a in r["actors"]}
        assert row["type"] == act["type"]
        assert row["victims"] == "; ".join(names[v] for v in act["victims"])


def test_sqlite_database(syn: tuple[Path, list[Record]], tmp_path: Path) -> None:
    db = tmp_path / "out" / "ledger.sqlite"
    db.parent.mkdir()  # export never creates folders
    result = export(syn, "--output", str(db))  # format from the suffix
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in db.parent.iterdir()] == ["ledger.sqlite"]  # no temporary left behind
    records = syn[1]
    con = sqlite3.connect(db)
    count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(*) FROM incidents") == len(records)
    assert count("SELECT count(*) FROM acts") == sum(len(r["acts"]) for r in records)
    assert count("SELECT count(*) FROM actors") == sum(len(r["actors"]) for r in records)
    assert count("SELECT count(*) FROM actor_names") == sum(len(a.get("names", {}))
                                                            for r in records for a in r["actors"])
    assert count("SELECT count(*) FROM sources") == sum(len(r["sources"]) for r in records)
    assert count("SELECT count(*) FROM tags") == sum(len(r.get("tags", [])) for r in records)
    assert count("SELECT count(*) FROM act_actors WHERE role = 'victim'") == sum(
        len(a["victims"]) for r in records for a in r["acts"])
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert dict(con.execute("SELECT key, value FROM meta"))["schema_version"] == "2"
    # Analysis straight away: incidents per country with an arrest, by SQL and by hand.
    by_sql = dict(con.execute("SELECT country, count(DISTINCT i.id) FROM incidents i JOIN acts a "
                              "ON a.incident_id = i.id WHERE a.type = 'arrest' GROUP BY country"))
    by_hand: dict[str, int] = {}
    for r in records:
        if any(a["type"] == "arrest" for a in r["acts"]):
            by_hand[r["location"]["country"]] = by_hand.get(r["location"]["country"], 0) + 1
    assert by_sql == by_hand
    stored = json.loads(con.execute("SELECT record FROM incidents WHERE id = ?",
                                    (records[0]["id"],)).fetchone()[0])
    assert stored == records[0]
    con.close()


def test_sqlite_needs_output_and_never_overwrites(syn: tuple[Path, list[Record]], tmp_path: Path) -> None:
    assert export(syn, "--format", "sqlite").exit_code == 2
    db = tmp_path / "x.db"
    db.write_text("precious")
    refused = export(syn, "--format", "sqlite", "--output", str(db))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert db.read_text() == "precious"
    assert export(syn, "--output", str(db), "--force", "--limit", "3").exit_code == 0
    assert sqlite3.connect(db).execute("SELECT count(*) FROM incidents").fetchone()[0] == 3


def test_text_output_file(syn: tuple[Path, list[Record]], tmp_path: Path) -> None:
    target = tmp_path / "acts.csv"
    result = export(syn, "--table", "acts", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("incident_id,act_idx,type")
    assert export(syn, "--output", str(target)).exit_code == 2


def test_public_export_withholds(syn: tuple[Path, list[Record]], tmp_path: Path) -> None:
    db = tmp_path / "public.sqlite"
    result = export(syn, "--public", "--output", str(db))
    assert result.exit_code == 0 and "withheld" in result.stderr
    con = sqlite3.connect(db)
    public = [r for r in syn[1] if r["confidentiality"] == "public"]
    assert {i for (i,) in con.execute("SELECT id FROM incidents")} == {r["id"] for r in public}
    assert con.execute("SELECT count(*) FROM actors WHERE confidential").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM sources WHERE confidential").fetchone()[0] == 0
    # A person may be confidential in one record and named openly in another.
    secret = {(r["id"], a["name"]) for r in public for a in r["actors"] if a.get("confidential")}
    assert secret and not secret & set(con.execute("SELECT incident_id, name FROM actors"))
    lines = export(syn, "--public", "--format", "jsonl").stdout.splitlines()
    assert all(json.loads(line)["confidentiality"] == "public" for line in lines)


@pytest.mark.parametrize("args", [["--format", "json", "--table", "acts"], ["--format", "nope"],
                                  ["--sort", "nothing"]])
def test_export_usage_errors(syn: tuple[Path, list[Record]], args: list[str]) -> None:
    assert export(syn, *args).exit_code == 2


def test_failed_export_leaves_nothing(syn: tuple[Path, list[Record]], tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert export(syn, "--output", str(target), "--sort", "nothing").exit_code == 2
    assert list(tmp_path.iterdir()) == []
    folder = export(syn, "--output", str(tmp_path))
    assert folder.exit_code == 3 and "folder" in folder.stderr
