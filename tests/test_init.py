"""`ledger init`: a ready ledger, and nothing ever overwritten."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import REPO, invoke
from gitrepo import git, isolate

DATA = files("ledger") / "data"
LEDGER_FILES = ["ledger.toml", "schema/incident.schema.json", "schema/actor.schema.json",
                "incidents/.gitkeep"]
PROJECT_FILES = [".gitignore", ".pre-commit-config.yaml", ".github/workflows/ledger.yml"]


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def test_init_makes_a_ready_ledger(tmp_path: Path) -> None:
    root = tmp_path / "new" / "ledger"
    result = invoke(["init", str(root)])
    assert result.exit_code == 0, result.stderr
    for rel in LEDGER_FILES + PROJECT_FILES:
        assert (root / rel).is_file(), rel
        assert f"created {rel}" in result.stdout
    assert "git: a new repository was initialised here" in result.stdout
    assert f"next: cd {root} && ledger add" in result.stderr
    assert git(root, "rev-parse", "--show-toplevel").strip() == str(root)
    for schema in ("schema/incident.schema.json", "schema/actor.schema.json"):
        assert (root / schema).read_bytes() == (REPO / schema).read_bytes()
    assert "uses: actions/checkout" in (root / ".github/workflows/ledger.yml").read_text(encoding="utf-8")
    checked = invoke(["validate", "--format", "json"], cwd=root)
    assert checked.exit_code == 0 and json.loads(checked.stdout)["files"] == 0
    assert invoke(["list", "--format", "ids"], cwd=root / "incidents").stdout == ""


def test_init_in_the_current_folder_inside_a_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "ledger").mkdir()
    result = invoke(["init", "--format", "json"], cwd=tmp_path / "ledger")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["git"] == "existing"
    assert doc["created"] == LEDGER_FILES + PROJECT_FILES and doc["kept"] == []
    assert not (tmp_path / "ledger" / ".git").exists()
    assert "next: ledger add" in result.stderr


@pytest.mark.parametrize("marker", ["ledger.toml", "schema/incident.schema.json", "both-folders"])
def test_refuses_an_existing_ledger_and_writes_nothing(tmp_path: Path, marker: str) -> None:
    if marker == "both-folders":
        (tmp_path / "schema").mkdir()
        (tmp_path / "incidents").mkdir()
    else:
        (tmp_path / marker).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / marker).write_text("mine\n", encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = invoke(["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing was changed" in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_the_example_ledger_is_refused(tmp_path: Path) -> None:
    assert invoke(["init", str(REPO)]).exit_code == 1


def test_existing_project_files_are_kept(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    result = invoke(["init", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "node_modules/\n"
    assert "kept    .gitignore" in result.stdout
    assert (tmp_path / ".pre-commit-config.yaml").is_file()


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", encoding="utf-8")
    result = invoke(["init", str(tmp_path / "f")])
    assert result.exit_code == 2 and "is a file" in result.stderr


def test_packaged_schema_is_the_repository_schema() -> None:
    assert DATA.joinpath("incident.schema.json").read_bytes() == \
        (REPO / "schema" / "incident.schema.json").read_bytes()


def test_gitignore_keeps_the_cache_and_temporary_files_out(tmp_path: Path) -> None:
    root = tmp_path / "l"
    invoke(["init", str(root)])
    for name in (".ledger-cache/x.db", "incidents/.new.ab12.edit.yaml", "incidents/2020/.a.yaml.x.tmp"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x", encoding="utf-8")
    (root / "incidents/2020/2020-x-abcd.yaml").write_text("x", encoding="utf-8")
    untracked = git(root, "status", "--porcelain", "--untracked-files=all").split()
    assert "incidents/2020/2020-x-abcd.yaml" in untracked
    assert not [u for u in untracked if ".ledger-cache" in u or u.endswith((".edit.yaml", ".tmp"))]


def test_pre_commit_config_runs_the_installed_ledger_as_the_offered_hooks_do() -> None:
    config = YAML(typ="safe").load(DATA.joinpath("pre-commit-config.yaml").read_text(encoding="utf-8"))
    offered = {h["id"]: h for h in YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())}
    [repo] = config["repos"]
    assert repo["repo"] == "local"  # nothing to download, no placeholder URL
    hooks = {h["id"]: h for h in repo["hooks"]}
    assert set(hooks) == set(offered) == {"ledger-validate", "ledger-fmt"}
    for hook_id, hook in hooks.items():
        assert hook["language"] == "system"
        for key in ("entry", "files"):
            assert hook[key] == offered[hook_id][key], (hook_id, key)
        assert hook.get("pass_filenames", True) == offered[hook_id].get("pass_filenames", True)


def _pre_commit(root: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # language: system runs the `ledger` on PATH: the one installed with these tests.
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_new_ledger_passes_its_own_hooks(tmp_path: Path) -> None:
    root = tmp_path / "new"
    assert invoke(["init", str(root)]).exit_code == 0
    git(root, "add", "-A")
    first = _pre_commit(root, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"ledger validate\.+Passed", first.stdout)

    added = invoke(["--ledger", str(root), "add", "--no-input", "--title", "Journalist detained",
                    "--date", "2020-04", "--country", "KZ", "--act", "detention", "--source",
                    "https://example.org/a", "--status", "likely"])
    assert added.exit_code == 0, added.stderr
    git(root, "add", "-A")
    second = _pre_commit(root, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"ledger fmt\.+Passed", second.stdout)

    [record] = (root / "incidents").rglob("*.yaml")
    record.write_text(record.read_text(encoding="utf-8").replace("type: detention", "type: detension"),
                      encoding="utf-8")
    broken = _pre_commit(root, tmp_path)
    assert broken.returncode == 1 and re.search(r"ledger validate\.+Failed", broken.stdout)
    assert "did you mean 'detention'" in broken.stdout


def test_workflow_installs_the_copy_of_the_tool_that_wrote_it(tmp_path: Path) -> None:
    from ledger import __version__
    from ledger.store import scaffold

    invoke(["init", str(tmp_path)])
    written = (tmp_path / ".github/workflows/ledger.yml").read_text(encoding="utf-8")
    # This test suite runs from an editable checkout: no source CI could fetch.
    assert scaffold.install_requirement() == ""
    assert "LEDGER_INSTALL: ${{ vars.LEDGER_INSTALL || '' }}" in written
    assert f"incident-ledger@v{__version__}" in written and "@LEDGER_" not in written
    template = DATA.joinpath("workflow.yml").read_text(encoding="utf-8")
    pinned = scaffold.workflow_text(template, "incident-ledger @ git+https://github.com/o/r@abc123")
    step = next(s for s in YAML(typ="safe").load(pinned)["jobs"]["ledger"]["steps"]
                if s.get("name") == "Install ledger")
    assert step["env"]["LEDGER_INSTALL"] == \
        "${{ vars.LEDGER_INSTALL || 'incident-ledger @ git+https://github.com/o/r@abc123' }}"
    assert 'pip install "$LEDGER_INSTALL"' in step["run"]


@pytest.mark.parametrize(("origin", "requirement"), [
    ({"url": "https://github.com/o/incident-ledger", "vcs_info": {"vcs": "git", "commit_id": "0a1b2c",
                                                                  "requested_revision": "v0.1.0"}},
     "incident-ledger @ git+https://github.com/o/incident-ledger@0a1b2c"),
    # A token used to install must never be written into a committed file.
    ({"url": "https://user:ghp_secret@github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "ff00"}},
     "incident-ledger @ git+https://github.com/o/r.git@ff00"),
    ({"url": "ssh://git@github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "ff00"}},
     "incident-ledger @ git+ssh://git@github.com/o/r.git@ff00"),
    ({"url": "https://example.org/incident_ledger-0.1.0-py3-none-any.whl",
      "archive_info": {"hash": "sha256=abcd"}},
     "incident-ledger @ https://example.org/incident_ledger-0.1.0-py3-none-any.whl#sha256=abcd"),
    ({"url": "file:///home/me/incident-ledger", "dir_info": {"editable": True}}, ""),
    ({"url": "https://github.com/o/r", "vcs_info": {"vcs": "hg", "commit_id": "ff00"}}, ""),
    ({"url": "https://github.com/o/r' }}", "vcs_info": {"vcs": "git", "commit_id": "ff00"}}, ""),
    (None, ""),
])
def test_install_requirement_from_where_pip_got_the_tool(origin: object, requirement: str) -> None:
    from ledger.store.scaffold import requirement_from

    assert requirement_from(origin) == requirement


def test_settings_file_is_read_by_the_ledger(tmp_path: Path) -> None:
    from ledger.store import files as storage

    invoke(["init", str(tmp_path)])
    # Every setting is documented in the file, commented out at its default.
    assert storage.load_settings(tmp_path) == storage.Settings()
    text = (tmp_path / "ledger.toml").read_text(encoding="utf-8")
    assert all(f"# {key} = " in text for key in ("schema", "incidents", "max_file_size", "publish"))
    assert "cache_dir" not in text  # where the memo lives is never a ledger's setting
    assert invoke(["validate"], cwd=tmp_path).exit_code == 0
