"""`ledger diff` against real git repositories built from the example ledger."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, invoke
from gitrepo import commit, edit, git, isolate, ledger, make_ledger_repo
from ledger.core import diff as core
from ledger.core import yamlio
from ledger.render import Output, render

SHURAEV = "incidents/2020/2020-04-18-shuraev-arrested-y3np.yaml"
ILYASHEV = "incidents/2020/2020-04-18-ilyashev-jailed-6fsa.yaml"
SHAMSHET = "incidents/2020/2020-04-18-shamshet-arrested-g68z.yaml"
GROUP = "incidents/2020/2020-04-activists-detained-dfjp.yaml"
NEW_ID = "2020-04-21-example-fined-q2w8"
OLD_TITLE = ("Activist Arman Shuraev arrested and charged with spreading fake news about COVID-19 "
             "and violating coronavirus restrictions; awaiting trial")
NEW_TITLE = OLD_TITLE.replace("Activist Arman", "Civil activist Arman")


def stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".yaml")


def load(path: Path) -> dict[str, Any]:
    data, issue = yamlio.parse(path.read_text(encoding="utf-8"))
    assert data is not None, issue
    return data


def rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a record's data and write it back in another layout (JSON is YAML),
    so that only the data change may show."""
    data = load(path)
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=4), encoding="utf-8")


def add_record(root: Path) -> None:
    text = (root / SHAMSHET).read_text(encoding="utf-8")
    text = text.replace(f"id: {stem(SHAMSHET)}", f"id: {NEW_ID}")
    (root / "incidents" / "2020" / f"{NEW_ID}.yaml").write_text(text, encoding="utf-8")


def correct_delete_add(root: Path) -> tuple[str, str]:
    """The reviewer's scenario: one title corrected, one record deleted, one added."""
    before = git(root, "rev-parse", "HEAD").strip()
    edit(root / SHURAEV, f"title: {OLD_TITLE}", f"title: {NEW_TITLE}")
    (root / GROUP).unlink()
    add_record(root)
    return before, commit(root, "Correct a title, remove a duplicate, add a fine")


# -- the scenario ----------------------------------------------------------------

def test_commit_range_json_is_exactly_the_commit(repo: Path) -> None:
    before, after = correct_delete_add(repo)
    result = ledger(repo, "diff", "HEAD~1..HEAD", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "version": 1, "from": "HEAD~1", "to": "HEAD",
        "added": [NEW_ID], "removed": [stem(GROUP)],
        "changed": [{"id": stem(SHURAEV), "path": SHURAEV,
                     "changes": [{"field": "title", "old": OLD_TITLE, "new": NEW_TITLE}]}],
        "moved": [], "from_commit": before, "to_commit": after,
    }
    assert result.stderr == ""


def test_markdown_names_all_three(repo: Path) -> None:
    correct_delete_add(repo)
    result = ledger(repo, "diff", "HEAD~1..HEAD", "--format", "markdown")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("**1 added, 1 removed, 1 changed**")
    for rid in (NEW_ID, stem(GROUP), stem(SHURAEV)):
        assert f"`{rid}`" in result.stdout
    assert f"| `title` | {OLD_TITLE} | {NEW_TITLE} |" in lines


def test_single_revision_compares_with_the_working_tree(repo: Path) -> None:
    correct_delete_add(repo)
    result = ledger(repo, "diff", "HEAD~1")
    assert result.exit_code == 0
    assert result.stdout.startswith("HEAD~1 → WORKTREE: 1 added, 1 removed, 1 changed")
    assert f"+ {NEW_TITLE}" in result.stdout and f"- {OLD_TITLE}" in result.stdout
    assert f"+ {NEW_ID}" in result.stdout and f"- {stem(GROUP)}" in result.stdout


# -- the working tree ----------------------------------------------------------------

@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_working_tree_status_change(repo: Path, staged: bool) -> None:
    edit(repo / SHURAEV, "status: likely", "status: confirmed")
    if staged:
        git(repo, "add", SHURAEV)
    doc = json.loads(ledger(repo, "diff", "--format", "json").stdout)
    assert (doc["from"], doc["to"], doc["to_commit"]) == ("HEAD", "WORKTREE", None)
    assert doc["changed"] == [{"id": stem(SHURAEV), "path": SHURAEV,
                               "changes": [{"field": "status", "old": "likely", "new": "confirmed"}]}]
    text = ledger(repo, "diff").stdout
    assert "~ status: likely → confirmed" in text


def test_working_tree_new_and_deleted_files(repo: Path) -> None:
    add_record(repo)  # untracked: `ledger add` writes files that are not staged yet
    (repo / GROUP).unlink()
    doc = json.loads(ledger(repo, "diff", "--format", "json").stdout)
    assert (doc["added"], doc["removed"], doc["changed"]) == ([NEW_ID], [stem(GROUP)], [])


def test_clean_working_tree_and_layout_only_changes_are_no_change(repo: Path) -> None:
    assert "0 added, 0 removed, 0 changed" in ledger(repo, "diff").stdout
    # Key order, quoting, comments and indentation are layout, not content.
    for rel in (SHURAEV, ILYASHEV):
        rewrite(repo / rel, lambda data: None)
    edit(repo / SHAMSHET, "status: likely", "# checked again\nstatus: 'likely'")
    doc = json.loads(ledger(repo, "diff", "--format", "json").stdout)
    assert (doc["added"], doc["removed"], doc["changed"], doc["moved"]) == ([], [], [], [])
    assert ledger(repo, "diff", "--format", "markdown").stdout.startswith("**No incident changed**")


def test_repository_without_commits_shows_every_record_added(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    root = tmp_path / "fresh"
    shutil.copytree(REPO / "incidents", root / "incidents")
    shutil.copytree(REPO / "actors", root / "actors")
    shutil.copytree(REPO / "schema", root / "schema")
    git(root, "init", "-q", "-b", "main")
    doc = json.loads(ledger(root, "diff", "--format", "json").stdout)
    assert sorted(doc["added"]) == sorted(stem(p) for p in (SHURAEV, ILYASHEV, SHAMSHET, GROUP))
    explicit = ledger(root, "diff", "HEAD")
    assert explicit.exit_code == 3 and "unknown revision 'HEAD'" in explicit.stderr


# -- moves and renames -------------------------------------------------------------

@pytest.mark.parametrize("also_edit", [False, True], ids=["move", "move-and-edit"])
def test_moved_file_is_a_move_not_delete_and_add(repo: Path, also_edit: bool) -> None:
    target = "incidents/kz/almaty/" + SHURAEV.rsplit("/", 1)[-1]
    (repo / target).parent.mkdir(parents=True)
    git(repo, "mv", SHURAEV, target)
    if also_edit:
        edit(repo / target, "status: likely", "status: confirmed")
    commit(repo, "File Shuraev's case under Almaty")
    doc = json.loads(ledger(repo, "diff", "HEAD~1..HEAD", "--format", "json").stdout)
    assert (doc["added"], doc["removed"]) == ([], [])
    assert doc["moved"] == [{"id": stem(SHURAEV), "path": target, "old_path": SHURAEV}]
    if also_edit:
        assert doc["changed"] == [{"id": stem(SHURAEV), "path": target, "old_path": SHURAEV,
                                   "changes": [{"field": "status", "old": "likely",
                                                "new": "confirmed"}]}]
    else:
        assert doc["changed"] == []
    text = ledger(repo, "diff", "HEAD~1..HEAD").stdout
    assert f"moved from {SHURAEV} to {target}" in text
    markdown = ledger(repo, "diff", "HEAD~1..HEAD", "--format", "markdown").stdout
    assert "1 moved" in markdown.splitlines()[0] and f"`{target}`" in markdown


def test_renamed_yml_extension_is_a_move(repo: Path) -> None:
    git(repo, "mv", SHURAEV, SHURAEV.replace(".yaml", ".yml"))
    doc = json.loads(ledger(repo, "diff", "--format", "json").stdout)
    assert [m["id"] for m in doc["moved"]] == [stem(SHURAEV)] and doc["added"] == []


# -- edits of nested lists -------------------------------------------------------------

NEW_ACT = {"type": "detention", "victims": ["ilyashev"]}
LAWYER = {"ref": "lawyer", "name": "Defence lawyer", "kind": "person"}


def _insert_actor(data: dict[str, Any]) -> None:
    data["actors"].insert(0, LAWYER)


def _reorder_actors(data: dict[str, Any]) -> None:
    data["actors"].reverse()


NESTED = [
    ("append-act", lambda d: d["acts"].append(NEW_ACT), [("acts.3", None, NEW_ACT)]),
    ("change-act-type", lambda d: d["acts"][1].update(type="detention"),
     [("acts.1.type", "charge", "detention")]),
    ("add-victim", lambda d: d["acts"][0]["victims"].append("aspandiyarova"),
     [("acts.0.victims.1", None, "aspandiyarova")]),
    ("drop-act", lambda d: d["acts"].pop(0), "acts.0-removed"),
    ("insert-actor", _insert_actor, [("actors[lawyer]", None, LAWYER)]),
    ("rename-actor", lambda d: d["actors"][0].update(name="Alnur Ilyashev (activist)"),
     [("actors[ilyashev].name", "Alnur Ilyashev", "Alnur Ilyashev (activist)")]),
    ("add-name-script", lambda d: d["actors"][0]["names"].update(kk="Алнұр Ильяшев"),
     [("actors[ilyashev].names.kk", None, "Алнұр Ильяшев")]),
    ("reorder-actors", _reorder_actors, []),
    ("remove-middle-tag", lambda d: d["tags"].remove("fake-news-law"),
     [("tags.1", "fake-news-law", None)]),
    ("insert-tag", lambda d: d["tags"].insert(0, "almaty"), [("tags.0", None, "almaty")]),
    ("drop-place", lambda d: d["location"].pop("place"), [("location.place", "Almaty", None)]),
    ("source-field", lambda d: d["sources"][0].update(reliability="high"),
     [("sources[rferl-2020-04-20].reliability", "medium", "high")]),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in NESTED],
                         ids=[name for name, _, _ in NESTED])
def test_nested_list_edits_field_by_field(repo: Path, mutate: Callable[[dict[str, Any]], None],
                                          expected: Any) -> None:
    old_acts = load(repo / ILYASHEV)["acts"]
    rewrite(repo / ILYASHEV, mutate)
    doc = json.loads(ledger(repo, "diff", "--format", "json").stdout)
    changes = [(c["field"], c["old"], c["new"]) for item in doc["changed"] for c in item["changes"]]
    if expected == "acts.0-removed":
        expected = [("acts.0", old_acts[0], None)]
    assert changes == expected
    assert doc["added"] == doc["removed"] == []


@pytest.mark.parametrize(("old", "new", "expected"), [
    ({"a": 1}, {"a": True}, [("a", 1, True)]),
    ({"a": [1]}, {"a": [True]}, [("a.0", 1, True)]),
    ({"a": {"b": 1}}, {"a": "text"}, [("a", {"b": 1}, "text")]),
    ({"a": None}, {}, []),
    ({}, {"a": [{"ref": "x", "name": "X"}]}, [("a", None, [{"ref": "x", "name": "X"}])]),
    ({"a": []}, {"a": [{"ref": "x"}]}, [("a[x]", None, {"ref": "x"})]),
    ({"a": [{"ref": "x"}, {"ref": "x"}]}, {"a": [{"ref": "x"}, {"ref": "y"}]},
     [("a.1.ref", "x", "y")]),
    ({"a": ["p", "q"]}, {"a": ["p", "q", "r", "s"]}, [("a.2", None, "r"), ("a.3", None, "s")]),
])
def test_diff_values(old: dict[str, Any], new: dict[str, Any], expected: list[tuple[str, Any, Any]]
                     ) -> None:
    assert [(c.field, c.old, c.new) for c in core.diff_values(old, new)] == expected


# -- ranges and merges -----------------------------------------------------------------

def test_revision_ranges(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    edit(repo / SHURAEV, "status: likely", "status: confirmed")
    second = commit(repo, "Confirm Shuraev")
    edit(repo / ILYASHEV, "place: Almaty", "place: Almaty city")
    commit(repo, "Name the city")

    def fields(spec: str) -> list[tuple[str, str]]:
        result = ledger(repo, "diff", spec, "--format", "json")
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        return [(item["id"], c["field"]) for item in doc["changed"] for c in item["changes"]]

    both = [(stem(ILYASHEV), "location.place"), (stem(SHURAEV), "status")]
    assert fields(f"{first}..HEAD") == both
    assert fields(f"{first[:10]}..") == both  # an empty side is HEAD
    assert fields(f"{second}..HEAD") == [(stem(ILYASHEV), "location.place")]
    reverse = json.loads(ledger(repo, "diff", f"HEAD..{first}", "--format", "json").stdout)
    assert reverse["changed"][1]["changes"] == [{"field": "status", "old": "confirmed",
                                                 "new": "likely"}]


def test_three_dot_range_and_merge_commit(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo / SHAMSHET, "status: likely", "status: confirmed")
    add_record(repo)
    commit(repo, "Feature: confirm Shamshet, add a fine")
    git(repo, "checkout", "-q", "main")
    edit(repo / SHURAEV, "status: likely", "status: possible")
    commit(repo, "Main: doubt Shuraev")

    # A...B: what the branch did since it forked, not what main did meanwhile.
    doc = json.loads(ledger(repo, "diff", "main...feature", "--format", "json").stdout)
    base = git(repo, "merge-base", "main", "feature").strip()
    assert (doc["from"], doc["from_commit"], doc["to"]) == (base[:12], base, "feature")
    assert doc["added"] == [NEW_ID] and [c["id"] for c in doc["changed"]] == [stem(SHAMSHET)]
    two_dot = json.loads(ledger(repo, "diff", "main..feature", "--format", "json").stdout)
    assert sorted(c["id"] for c in two_dot["changed"]) == [stem(SHAMSHET), stem(SHURAEV)]

    git(repo, "merge", "-q", "--no-ff", "--no-edit", "feature")
    merged = json.loads(ledger(repo, "diff", "HEAD^1..HEAD", "--format", "json").stdout)
    assert merged["added"] == [NEW_ID]
    assert merged["changed"] == [{"id": stem(SHAMSHET), "path": SHAMSHET, "changes": [
        {"field": "status", "old": "likely", "new": "confirmed"}]}]
    assert json.loads(ledger(repo, "diff", "HEAD^2..HEAD", "--format", "json").stdout)["changed"] == [
        {"id": stem(SHURAEV), "path": SHURAEV,
         "changes": [{"field": "status", "old": "likely", "new": "possible"}]}]


def test_ledger_in_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    root = make_ledger_repo(tmp_path / "repo", "data/ledger")
    (tmp_path / "repo" / "README.md").write_text("not a record\n")
    edit(root / SHURAEV, "status: likely", "status: confirmed")
    commit(tmp_path / "repo", "Confirm")
    for where in (invoke(["diff", "HEAD~1..HEAD", "--format", "json"], cwd=root / "incidents"),
                  invoke(["--ledger", str(root), "diff", "HEAD~1..HEAD", "--format", "json"],
                         cwd=tmp_path / "repo")):
        doc = json.loads(where.stdout)
        assert [(c["id"], c["path"]) for c in doc["changed"]] == [(stem(SHURAEV), SHURAEV)]


# -- faults --------------------------------------------------------------------------

def test_unparseable_side_is_reported_not_fatal(repo: Path) -> None:
    (repo / SHURAEV).write_text("title: [unclosed\n", encoding="utf-8")
    result = ledger(repo, "diff", "--format", "json")
    assert result.exit_code == 0
    assert f"{SHURAEV}:2:1: error:" in result.stderr and "in WORKTREE" in result.stderr
    assert "unparseable" in result.stderr
    (item,) = json.loads(result.stdout)["changed"]
    assert item["id"] == stem(SHURAEV) and item["changes"] == []
    assert "YAML syntax error" in item["unparseable"]["new"]
    assert "does not parse" in ledger(repo, "diff", "--format", "markdown").stdout
    assert "newer version does not parse" in ledger(repo, "diff").stdout


@pytest.mark.parametrize(("spec", "message"), [
    ("nope", "unknown revision 'nope'"),
    ("nope..HEAD", "unknown revision 'nope'"),
    ("HEAD...nope", "unknown revision 'nope'"),
    ("HEAD~9", "unknown revision 'HEAD~9'"),
    ("-x", "unknown revision '-x'"),
])
def test_unknown_revision_exits_3(repo: Path, spec: str, message: str) -> None:
    result = ledger(repo, "diff", "--", spec) if spec.startswith("-") else ledger(repo, "diff", spec)
    assert result.exit_code == 3 and message in result.stderr
    assert result.stdout == ""


def test_unrelated_histories_have_no_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "other")
    commit(repo, "Unrelated")
    result = ledger(repo, "diff", "main...other")
    assert result.exit_code == 3 and "main and other have no common ancestor" in result.stderr


def test_outside_a_repository_exits_3(ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(ledger_dir.parent))
    result = ledger(ledger_dir, "diff")
    assert result.exit_code == 3 and "not in a git repository" in result.stderr


def test_git_missing_exits_3(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = ledger(repo, "diff")
    assert result.exit_code == 3 and "git is not installed" in result.stderr


# -- rendering -------------------------------------------------------------------------

def _result(changes: list[core.FieldChange], n: int = 1) -> core.DiffResult:
    result = core.DiffResult("a", "b")
    for i in range(n):
        old = core.Version(f"incidents/r{i}.yaml", {"id": f"r{i}", "title": "T | x"})
        result.changed.append(core.RecordChange(f"r{i}", old.path, None, changes, old, old))
    return result


def _markdown(result: core.DiffResult) -> str:
    stream = io.StringIO()
    render("diff", "markdown", result, Output(stream=stream))
    return stream.getvalue()


def test_markdown_escapes_and_abbreviates() -> None:
    long = "word " * 100
    text = _markdown(_result([
        core.FieldChange("description", "a | b\nline two", "<script>x</script>"),
        core.FieldChange("date_text", None, long),
    ]))
    assert "| `description` | a \\| b<br>line two | \\<script\\>x\\</script\\> |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `date_text`"))
    assert "…" in row and len(row) < 260
    assert "T \\| x" in text


def test_markdown_stays_within_a_comment() -> None:
    many = _markdown(_result([core.FieldChange("description", "x" * 300, "y" * 300)], n=400))
    assert len(many) < 65_536
    assert many.startswith("**0 added, 0 removed, 400 changed**")
    assert many.rstrip().endswith("run `ledger diff` to see everything._")


def test_text_keeps_brackets_in_values(repo: Path) -> None:
    edit(repo / SHURAEV, "status: likely", "status: '[bold]likely[/bold]'")
    assert "likely → [bold]likely[/bold]" in ledger(repo, "diff").stdout


@pytest.mark.parametrize("command", ["diff", "log"])
def test_help(command: str) -> None:
    result = invoke([command, "--help"])
    assert result.exit_code == 0 and "--format" in result.stdout
