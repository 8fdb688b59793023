"""--actor finds every incident of the profile or merged actor that `ledger actors` shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

IDS = ["2020-04-18-ilyashev-jailed-6fsa", "2020-04-18-shamshet-arrested-g68z",
       "2020-04-18-shuraev-arrested-y3np", "2020-04-activists-detained-dfjp"]
SHURAEV = "2020-04-18-shuraev-arrested-y3np"
SHAMSHET = "2020-04-18-shamshet-arrested-g68z"
PROFILE = "    profile: gizat-nurdauletov\n"


@pytest.fixture
def respelled(ledger_dir: Path) -> Path:
    """Two records name the Prosecutor-General inline (without the profile the
    other two use), each spelling him differently, sharing a Russian name."""
    for rid, inline in ((SHURAEV, "    name: Ghizat Nurdauletov\n    names:\n      ru: Гизат Нурдаулетов\n"),
                        (SHAMSHET, "    name: Gizat Nurdauletov\n    names:\n      ru: Гизат Нурдаулетов\n")):
        path = ledger_dir / "incidents" / "2020" / f"{rid}.yaml"
        text = path.read_text(encoding="utf-8")
        assert PROFILE in text
        path.write_text(text.replace(PROFILE, inline, 1), encoding="utf-8")
    return ledger_dir


def _ids(run: Any, *args: str) -> list[str]:
    result = run("list", "--format", "ids", *args)
    assert result.exit_code == 0, result.stderr
    return sorted(result.stdout.split())


def test_actors_lists_the_profile_then_merges_inline_spellings(run: Any, respelled: Path) -> None:
    doc = json.loads(run("actors", "--format", "json").stdout)
    [profile] = [a for a in doc["actors"] if a["profile"] == "gizat-nurdauletov"]
    assert sorted(profile["incidents"]) == sorted(set(IDS) - {SHURAEV, SHAMSHET})
    assert "Ghizat Nurdauletov" in profile["names"]  # the profile's alias
    [merged] = [a for a in doc["actors"] if a["profile"] is None and "Ghizat Nurdauletov" in a["names"]]
    assert "Gizat Nurdauletov" in merged["names"] and sorted(merged["incidents"]) == [SHAMSHET, SHURAEV]
    profiles = [a["profile"] for a in doc["actors"] if a["profile"]]
    assert [a["profile"] for a in doc["actors"][:len(profiles)]] == profiles  # profiles first


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
    found = [a for a in doc["actors"] if "Ghizat Nurdauletov" in a["names"]]
    assert len(found) == 2 and sorted(i for a in found for i in a["incidents"]) == IDS
