"""Real git repositories for tests: a copy of the example ledger, committed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, Result, invoke

RECORDS = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "incidents").rglob("*.yaml"))


def isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the tester's own git configuration (signing, hooks, default branch) out."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=60)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def commit(repo: Path, message: str, *, author: str = "Test Researcher") -> str:
    git(repo, "add", "-A")
    git(repo, "-c", f"user.name={author}", "commit", "-q", "-m", message,
        f"--author={author} <{author.split()[0].lower()}@example.org>")
    return git(repo, "rev-parse", "HEAD").strip()


def make_ledger_repo(top: Path, sub: str = "") -> Path:
    """A repository at top holding the example ledger (in folder sub), one commit."""
    root = top / sub if sub else top
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "incidents", root / "incidents")
    shutil.copytree(REPO / "actors", root / "actors")
    git(top, "init", "-q", "-b", "main")
    commit(top, "Add the example ledger")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def ledger(root: Path, *args: str) -> Result:
    """Run ledger inside a repository, as a user at its top would."""
    return invoke(list(args), cwd=root)
