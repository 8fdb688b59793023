"""actors: one entry per person or body across the ledger, whatever the
spelling or script, with the incidents and roles they appear in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import invoke
from ledger.core.actors import merge

Record = dict[str, Any]


@pytest.fixture(scope="module")
def syn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Record]]:
    records = synth.generate(120, seed=3)
    return synth.write_ledger(tmp_path_factory.mktemp("syn") / "ledger", records), records


@pytest.fixture(scope="module")
def merged(syn: tuple[Path, list[Record]]) -> dict[str, Any]:
    result = invoke(["--ledger", str(syn[0]), "actors", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def spellings(latin: str | None, names: dict[str, str]) -> set[str]:
    return {synth.fold(n) for n in [latin, *names.values()] if n}


@pytest.mark.parametrize(("latin", "names"), synth.PEOPLE + synth.BODIES)
def test_each_person_is_one_actor_with_every_incident(merged: dict[str, Any],
                                                      syn: tuple[Path, list[Record]],
                                                      latin: str | None, names: dict[str, str]) -> None:
    mine = spellings(latin, names)
    found = [a for a in merged["actors"] if mine & {synth.fold(n) for n in a["names"]}]
    expected = sorted({r["id"] for r in syn[1] for a in r["actors"]
                       if mine & spellings(a["name"], a.get("names", {}))})
    assert expected, "the generator should use everyone"
    assert len(found) == 1
    assert sorted(found[0]["incidents"]) == expected
    assert {synth.fold(n) for n in found[0]["names"]} == mine


def test_roles_come_from_the_acts(merged: dict[str, Any], syn: tuple[Path, list[Record]]) -> None:
    records = {r["id"]: r for r in syn[1]}
    for actor in merged["actors"]:
        for seen in actor["appearances"]:
            acts = records[seen["id"]]["acts"]
            expected = [role for role, key in (("victim", "victims"), ("perpetrator", "perpetrators"))
                        if any(seen["ref"] in act.get(key, []) for act in acts)] or ["other"]
            assert seen["roles"] == expected
    assert merged["version"] == 1 and merged["total"] == len(merged["actors"])


def test_merge_is_transitive_and_ignores_case_and_normal_form() -> None:
    rows = [
        ("a.yaml", {"id": "a", "acts": [], "actors": [{"ref": "x", "name": "Alnur Ilyashev",
                                                        "names": {"ru": "Алнур Ильяшев"}}]}),
        ("b.yaml", {"id": "b", "acts": [], "actors": [{"ref": "y", "name": "Alnur Ilyashyev",
                                                        "names": {"ru": "АЛНУР  ИЛЬЯШЕВ"}}]}),
        ("c.yaml", {"id": "c", "acts": [], "actors": [{"ref": "z", "name": "alnur ilyashyev"}]}),
        ("d.yaml", {"id": "d", "acts": [], "actors": [{"ref": "w", "name": "Someone Else"}]}),
    ]
    actors = merge(rows)
    assert [a.incidents for a in actors] == [["a", "b", "c"], ["d"]]
    assert actors[0].names == ["Alnur Ilyashev", "Алнур Ильяшев", "Alnur Ilyashyev"]


def test_table_and_public(syn: tuple[Path, list[Record]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    out = invoke(["--ledger", str(syn[0]), "actors"]).stdout
    assert "Alnur Ilyashev" in out and "Алнур Ильяшев" in out
    assert max(len(line) for line in out.splitlines()) <= 90
    public = json.loads(invoke(["--ledger", str(syn[0]), "actors", "--public", "--format", "json"]).stdout)
    assert not any(a["confidential"] for a in public["actors"])
    shown = {i for a in public["actors"] for i in a["incidents"]}
    assert shown <= {r["id"] for r in syn[1] if r["confidentiality"] == "public"}


def test_example_ledger_merges_across_records(run: Any) -> None:
    doc = json.loads(run("actors", "--format", "json").stdout)
    authorities = next(a for a in doc["actors"] if a["name"] == "Kazakh authorities")
    assert len(authorities["incidents"]) == 4 and authorities["roles"]["perpetrator"] == 4
