"""`ledger init`: a ready ledger, and nothing ever overwritten."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import REPO, invoke
from gitrepo import git, isolate

DATA = files("ledger") / "data"
LEDGER_FILES = ["ledger.toml", "schema/incident.schema.json", "incidents/.gitkeep"]
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
    schema = "schema/incident.schema.json"
    assert (root / schema).read_bytes() == (REPO / schema).read_bytes()
    assert (root / ".github/workflows/ledger.yml").read_bytes() == DATA.joinpath("workflow.yml").read_bytes()
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
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
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


def test_pre_commit_config_uses_this_projects_hooks() -> None:
    config = YAML(typ="safe").load(DATA.joinpath("pre-commit-config.yaml").read_text(encoding="utf-8"))
    offered = {h["id"] for h in YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())}
    [repo] = config["repos"]
    assert repo["repo"] == "https://github.com/incident-ledger/incident-ledger"
    assert {h["id"] for h in repo["hooks"]} == offered == {"ledger-validate", "ledger-fmt"}
    assert "pin" in DATA.joinpath("pre-commit-config.yaml").read_text(encoding="utf-8")


def test_settings_file_is_read_by_the_ledger(tmp_path: Path) -> None:
    from ledger.store import files as storage

    invoke(["init", str(tmp_path)])
    # Every setting is documented in the file, commented out at its default.
    assert storage.load_settings(tmp_path) == storage.Settings()
    assert "# cache_dir" in (tmp_path / "ledger.toml").read_text(encoding="utf-8")
    assert invoke(["validate"], cwd=tmp_path).exit_code == 0
