"""The SQLite export's foreign keys are single columns (Datasette and
sqlite-utils follow only those), all hold, and lead where the records say."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import invoke

Record = dict[str, Any]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite3.Connection, list[Record]]]:
    records = synth.generate(60, seed=14)
    root = synth.write_ledger(tmp_path_factory.mktemp("keys") / "ledger", records)
    db = root.parent / "ledger.sqlite"
    result = invoke(["--ledger", str(root), "export", "--output", str(db)])
    assert result.exit_code == 0, result.stderr
    con = sqlite3.connect(db)
    yield con, records
    con.close()


def _foreign_keys(con: sqlite3.Connection) -> dict[tuple[str, int], list[tuple[str, str, str]]]:
    """(table, key id) -> [(column, parent table, parent column)] for every foreign key."""
    keys: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in con.execute(f"PRAGMA foreign_key_list({table})"):
            key_id, _seq, parent, column, parent_column = row[:5]
            keys.setdefault((table, key_id), []).append((column, parent, parent_column))
    return keys


def test_every_foreign_key_is_one_column(exported: tuple[sqlite3.Connection, list[Record]]) -> None:
    keys = _foreign_keys(exported[0])
    assert keys and all(len(columns) == 1 for columns in keys.values()), keys
    links = {(table, *columns[0]) for (table, _), columns in keys.items()}
    assert {("act_actors", "act_id", "acts", "act_id"), ("act_actors", "actor_id", "actors", "actor_id"),
            ("actor_names", "actor_id", "actors", "actor_id"), ("acts", "incident_id", "incidents", "id"),
            ("actors", "incident_id", "incidents", "id")} <= links


def test_the_keys_hold(exported: tuple[sqlite3.Connection, list[Record]]) -> None:
    con = exported[0]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("SELECT count(*) FROM act_actors WHERE actor_id IS NULL").fetchone()[0] == 0


def test_the_keys_lead_to_the_actors_the_records_name(
        exported: tuple[sqlite3.Connection, list[Record]]) -> None:
    con, records = exported
    by_sql = sorted(con.execute(
        "SELECT a.incident_id, a.idx, r.name, x.role FROM act_actors x JOIN acts a USING (act_id) "
        "JOIN actors r USING (actor_id)"))
    by_hand = sorted((r["id"], i, {a["ref"]: a["name"] for a in r["actors"]}[ref], role)
                     for r in records for i, act in enumerate(r["acts"])
                     for key, role in (("victims", "victim"), ("perpetrators", "perpetrator"))
                     for ref in act.get(key, []))
    assert by_sql == by_hand and by_sql
    names = sorted(con.execute("SELECT r.incident_id, r.ref, n.lang, n.name FROM actor_names n "
                               "JOIN actors r USING (actor_id)"))
    assert names == sorted((r["id"], a["ref"], lang, name) for r in records for a in r["actors"]
                           for lang, name in a.get("names", {}).items())


def test_an_invalid_record_still_gives_a_clean_database(tmp_path: Path) -> None:
    """A ref no actor has, and a ref used twice: left without a link, never a broken key."""
    root = tmp_path / "ledger"
    assert invoke(["init", str(root)]).exit_code == 0
    (root / "incidents" / "2020").mkdir(parents=True, exist_ok=True)
    (root / "incidents" / "2020" / "2020-04-18-odd-refs-abcd.yaml").write_text(
        "schema_version: 2\nid: 2020-04-18-odd-refs-abcd\ntitle: t\ndate: 2020-04-18\nstatus: likely\n"
        "location: {country: KZ}\n"
        "actors:\n  - {ref: a, name: First}\n  - {ref: a, name: Second, names: {ru: Второй}}\n"
        "acts:\n  - {type: arrest, victims: [a, ghost]}\n"
        "sources:\n  - {ref: s1, url: 'https://example.org/a'}\n", encoding="utf-8")
    db = tmp_path / "odd.sqlite"
    result = invoke(["--ledger", str(root), "export", "--output", str(db)])
    assert result.exit_code == 0, result.stderr
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = sorted(con.execute("SELECT x.actor_ref, r.name FROM act_actors x "
                              "LEFT JOIN actors r USING (actor_id)"))
    assert rows == [("a", "First"), ("ghost", None)]
    assert con.execute("SELECT count(*) FROM actor_names").fetchone()[0] == 0
    con.close()
