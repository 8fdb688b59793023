"""The pre-commit hooks this repository offers (.pre-commit-hooks.yaml)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import REPO, invoke
from gitrepo import commit, edit, git, isolate

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
SHURAEV = "incidents/2020/2020-04-18-shuraev-arrested-y3np.yaml"


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in YAML(typ="safe").load(HOOKS_FILE.read_text(encoding="utf-8"))}


def test_hook_definitions(hooks: dict[str, dict[str, Any]]) -> None:
    assert set(hooks) == {"ledger-validate", "ledger-fmt"}
    validate, fmt = hooks["ledger-validate"], hooks["ledger-fmt"]
    assert (validate["entry"], validate["language"]) == ("ledger validate", "python")
    # The whole ledger, never only the staged files: duplicate ids span files.
    assert validate["pass_filenames"] is False
    assert (fmt["entry"], fmt["language"]) == ("ledger fmt", "python")
    assert fmt.get("pass_filenames", True) is True


@pytest.mark.parametrize(("path", "validate", "fmt"), [
    ("incidents/2020/x.yaml", True, True),
    ("incidents/x.yml", True, True),
    ("ledger/incidents/2020/deep/x.yaml", True, True),
    ("schema/incident.schema.json", True, False),
    ("ledger/schema/incident.schema.json", True, False),
    ("README.md", False, False),
    ("myincidents/x.yaml", False, False),
    ("incidents/notes.txt", False, False),
    (".github/workflows/ledger.yml", False, False),
])
def test_hook_file_patterns(hooks: dict[str, dict[str, Any]], path: str, validate: bool,
                            fmt: bool) -> None:
    assert bool(re.search(hooks["ledger-validate"]["files"], path)) is validate
    assert bool(re.search(hooks["ledger-fmt"]["files"], path)) is fmt


def test_fmt_exits_1_after_rewriting(ledger_dir: Path) -> None:
    target = ledger_dir / SHURAEV
    edit(target, "status: likely", "status: 'likely'")
    first = invoke(["fmt"], cwd=ledger_dir)
    assert first.exit_code == 1 and f"reformatted {SHURAEV}" in first.stderr
    assert "status: likely\n" in target.read_text(encoding="utf-8")
    assert invoke(["fmt"], cwd=ledger_dir).exit_code == 0


# -- the hooks installed by pre-commit, as another repository uses them ---------------------
# The one slow test here: pre-commit builds a virtualenv and pip-installs this
# repository into it (from PyPI's cache after the first run).

def _hook_repo(dest: Path) -> str:
    """This repository as it would be committed now: a git repository to pin."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    return commit(dest, "Hook repository under test")


def _pre_commit(repo: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_pre_commit_uses_the_hooks_from_another_repository(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    sha = _hook_repo(tmp_path / "hooks")
    repo = tmp_path / "ledger"
    shutil.copytree(REPO / "schema", repo / "schema")
    shutil.copytree(REPO / "incidents", repo / "incidents")
    shutil.copytree(REPO / "actors", repo / "actors")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tmp_path / 'hooks'}\n    rev: {sha}\n    hooks:\n"
        "      - id: ledger-validate\n      - id: ledger-fmt\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "A ledger using the hooks")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)

    clean = _pre_commit(repo, env, timeout=900)  # the first run installs the hook environment
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"ledger validate\.+Passed", clean.stdout)
    assert re.search(r"ledger fmt\.+Passed", clean.stdout)

    edit(repo / SHURAEV, "  - type: arrest", "  - type: arest")
    broken = _pre_commit(repo, env, timeout=300)
    assert broken.returncode == 1
    assert re.search(r"ledger validate\.+Failed", broken.stdout)
    assert f"{SHURAEV}:" in broken.stdout and "'arest'" in broken.stdout
    git(repo, "checkout", "--", SHURAEV)

    # Checked as a whole: a second file with the same id is caught.
    shutil.copyfile(repo / SHURAEV, repo / "incidents" / "copy.yaml")
    git(repo, "add", "-A")
    duplicate = _pre_commit(repo, env, timeout=300)
    assert duplicate.returncode == 1 and "duplicate-id" in duplicate.stdout
    (repo / "incidents" / "copy.yaml").unlink()
    git(repo, "add", "-A")

    edit(repo / SHURAEV, "status: likely", "status:     'likely'")
    layout = _pre_commit(repo, env, timeout=300)
    assert layout.returncode == 1
    assert re.search(r"ledger validate\.+Passed", layout.stdout)
    assert re.search(r"ledger fmt\.+Failed", layout.stdout) and "files were modified" in layout.stdout
    assert "status: likely\n" in (repo / SHURAEV).read_text(encoding="utf-8")
