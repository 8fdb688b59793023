"""--actor finds every incident of the merged actor that `ledger actors` shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

IDS = ["2020-04-18-ilyashev-jailed-6fsa", "2020-04-18-shamshet-arrested-g68z",
       "2020-04-18-shuraev-arrested-y3np", "2020-04-activists-detained-dfjp"]
SHURAEV = "2020-04-18-shuraev-arrested-y3np"


@pytest.fixture
def respelled(ledger_dir: Path) -> Path:
    path = ledger_dir / "incidents" / "2020" / f"{SHURAEV}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    name: Gizat Nurdauletov\n" in text
    path.write_text(text.replace("    name: Gizat Nurdauletov\n", "    name: Ghizat Nurdauletov\n", 1),
                    encoding="utf-8")
    return ledger_dir


def _ids(run: Any, *args: str) -> list[str]:
    result = run("list", "--format", "ids", *args)
    assert result.exit_code == 0, result.stderr
    return sorted(result.stdout.split())


def test_actors_merges_the_new_spelling(run: Any, respelled: Path) -> None:
    doc = json.loads(run("actors", "--format", "json").stdout)
    [merged] = [a for a in doc["actors"] if "Ghizat Nurdauletov" in a["names"]]
    assert "Gizat Nurdauletov" in merged["names"] and sorted(merged["incidents"]) == IDS


@pytest.mark.parametrize("needle", ["Ghizat", "Gizat", "ghizat nurdauletov", "Гизат", "Ғизат"])
def test_every_spelling_finds_every_incident(run: Any, respelled: Path, needle: str) -> None:
    assert _ids(run, "--actor", needle) == IDS
    doc = json.loads(run("summary", "--actor", needle, "--format", "json").stdout)
    assert doc["total"] == len(IDS)
    assert _ids(run, "--actor", needle, "--public") == IDS


def test_a_name_of_another_actor_still_narrows(run: Any, respelled: Path) -> None:
    assert _ids(run, "--actor", "Shuraev") == [SHURAEV]
    assert _ids(run, "--actor", "Shuraev", "--actor", "Ghizat") == IDS
    assert _ids(run, "--actor", "nobody-of-this-name") == []


def test_export_and_actors_use_the_same_match(run: Any, respelled: Path) -> None:
    lines = run("export", "--format", "jsonl", "--actor", "Ghizat").stdout.splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == IDS
    doc = json.loads(run("actors", "--actor", "Ghizat", "--format", "json").stdout)
    assert len(doc["actors"][0]["incidents"]) == len(IDS)
