"""`ledger log ID` against real git repositories built from the example ledger."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitrepo import commit, edit, git, ledger
from test_diff import GROUP, NEW_TITLE, OLD_TITLE, SHURAEV, add_record, stem

SHURAEV_ID = stem(SHURAEV)


def history(root: Path, rid: str) -> list[dict[str, Any]]:
    result = ledger(root, "log", rid, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["version"] == 1
    commits: list[dict[str, Any]] = doc["commits"]
    return commits


def test_log_shows_both_commits_authors_and_fields(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    edit(repo / SHURAEV, f"title: {OLD_TITLE}", f"title: {NEW_TITLE}")
    second = commit(repo, "Correct Shuraev's title\n\nThe source calls him a civil activist.",
                    author="Aigerim Bekova")
    result = ledger(repo, "log", SHURAEV_ID)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"{SHURAEV_ID}  {SHURAEV}  (2 commits)")
    assert f"commit {second[:12]}" in out and f"commit {first[:12]}" in out
    assert "Aigerim Bekova <aigerim@example.org>" in out and "Test Researcher" in out
    assert "Correct Shuraev's title" in out and "+ record added" in out
    assert f"- {OLD_TITLE}" in out and f"+ {NEW_TITLE}" in out

    commits = history(repo, SHURAEV_ID[:16])  # a prefix is enough
    assert [(c["commit"], c["status"], c["author"]) for c in commits] == [
        (second, "changed", "Aigerim Bekova"), (first, "added", "Test Researcher")]
    assert commits[0]["changes"] == [{"field": "title", "old": OLD_TITLE, "new": NEW_TITLE}]
    assert commits[0]["message"].endswith("The source calls him a civil activist.")
    assert commits[0]["email"] == "aigerim@example.org" and commits[0]["date"][:2] == "20"


def test_log_follows_a_move(repo: Path) -> None:
    target = "incidents/kz/" + SHURAEV.rsplit("/", 1)[-1]
    (repo / target).parent.mkdir()
    git(repo, "mv", SHURAEV, target)
    commit(repo, "Group by country")
    edit(repo / target, "status: likely", "status: confirmed")
    commit(repo, "Confirm")
    commits = history(repo, SHURAEV_ID)
    assert [c["status"] for c in commits] == ["changed", "moved", "added"]
    assert commits[0]["changes"] == [{"field": "status", "old": "likely", "new": "confirmed"}]
    assert (commits[1]["old_path"], commits[1]["path"]) == (SHURAEV, target)
    assert commits[2]["path"] == SHURAEV
    assert f"moved from {SHURAEV} to {target}" in ledger(repo, "log", SHURAEV_ID).stdout


def test_log_of_a_removed_record_by_full_id(repo: Path) -> None:
    (repo / GROUP).unlink()
    commit(repo, "Remove the group record")
    commits = history(repo, stem(GROUP))
    assert [c["status"] for c in commits] == ["removed", "added"]
    assert all(c["path"] == GROUP for c in commits)
    assert "- record removed" in ledger(repo, "log", stem(GROUP)).stdout
    prefix = ledger(repo, "log", stem(GROUP)[:12])
    assert prefix.exit_code == 1 and "no incident" in prefix.stderr


def test_log_of_an_uncommitted_record_is_empty(repo: Path) -> None:
    add_record(repo)
    result = ledger(repo, "log", "2020-04-21-example")
    assert result.exit_code == 0 and "(0 commits)" in result.stdout
    assert "no commit touches this record yet" in result.stdout


def test_layout_only_commit_and_unparseable_version(repo: Path) -> None:
    edit(repo / SHURAEV, "status: likely", "# re-checked\nstatus: 'likely'")
    commit(repo, "Comment only")
    (repo / SHURAEV).write_text("status: [broken\n", encoding="utf-8")
    commit(repo, "Break it")
    result = ledger(repo, "log", SHURAEV_ID, "--format", "json")
    assert result.exit_code == 0
    assert f"{SHURAEV}:2:1: error:" in result.stderr
    commits = json.loads(result.stdout)["commits"]
    assert [c["status"] for c in commits] == ["changed", "unchanged", "added"]
    assert "YAML syntax error" in commits[0]["unparseable"]["new"]
    assert "layout or comments only" in ledger(repo, "log", SHURAEV_ID).stdout


def test_log_through_a_merge(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo / SHURAEV, "status: likely", "status: confirmed")
    branch = commit(repo, "Feature: confirm", author="Dana Feature")
    git(repo, "checkout", "-q", "main")
    edit(repo / SHURAEV, "status: likely", "status: possible")
    commit(repo, "Main: doubt")
    conflict = subprocess.run(["git", "merge", "-q", "feature"], cwd=repo, capture_output=True,
                              timeout=60, check=False)
    assert conflict.returncode != 0  # both sides changed the status
    edit(repo / SHURAEV, "<<<<<<< HEAD\nstatus: possible\n=======\nstatus: confirmed\n>>>>>>> feature\n",
         "status: confirmed\n")
    merge = commit(repo, "Merge feature: confirmed after all")
    commits = history(repo, SHURAEV_ID)
    by_commit = {c["commit"]: c for c in commits}
    assert by_commit[branch]["changes"] == [{"field": "status", "old": "likely", "new": "confirmed"}]
    # The merge resolved the conflict: against its first parent it changed the status.
    assert by_commit[merge]["changes"] == [{"field": "status", "old": "possible", "new": "confirmed"}]
    assert (by_commit[merge]["merge"], by_commit[branch]["merge"]) == (True, False)
    assert len(commits) == 4
    assert f"commit {merge[:12]} (merge; against its first parent)" in ledger(repo, "log", SHURAEV_ID).stdout


def test_log_errors(repo: Path, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = ledger(repo, "log", "2099-01-01-nothing-here")
    assert unknown.exit_code == 1 and "no incident with id" in unknown.stderr
    ambiguous = ledger(repo, "log", "2020-04")
    assert ambiguous.exit_code == 2 and "matches" in ambiguous.stderr
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(ledger_dir.parent))
    outside = ledger(ledger_dir, "log", SHURAEV_ID)
    assert outside.exit_code == 3 and "not in a git repository" in outside.stderr
