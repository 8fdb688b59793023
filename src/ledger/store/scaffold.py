"""`ledger init`: a new, ready ledger from the files shipped in ledger/data.

A ledger's own files (settings, schema) are never overwritten: a folder
that already is a ledger, or holds one of them, is refused before anything
is written.  The project files around it (.gitignore, the pre-commit and CI
configurations) are written only where none exists, so running init in an
existing repository never clobbers its set-up; the ones kept are reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ledger.core.problems import ExitCode, LedgerError, UsageError
from ledger.store import files as storage
from ledger.store import gitio, write

# Path in the new ledger -> package data file ("" = an empty file).
LEDGER_FILES = {
    storage.CONFIG_FILE: "ledger.toml",
    storage.DEFAULT_SCHEMA: "incident.schema.json",
    # git keeps no empty folders: this one makes incidents/ part of the first commit.
    f"{storage.DEFAULT_INCIDENTS}/.gitkeep": "",
}
PROJECT_FILES = {
    ".gitignore": "gitignore",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".github/workflows/ledger.yml": "workflow.yml",
}


@dataclass
class Initialized:
    root: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # project files that existed already
    git: str = ""  # "initialized", "existing" (inside a repository already) or "failed"
    git_problem: str = ""  # why git init failed (git not installed, ...)


def _data(name: str) -> str:
    return (resources.files("ledger") / "data" / name).read_text(encoding="utf-8") if name else ""


def init(folder: Path) -> Initialized:
    root = folder.expanduser().absolute()
    if root.exists() and not root.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    if root.is_dir() and storage.is_ledger_root(root):
        raise LedgerError(f"{folder} is already a ledger; nothing was changed",
                          hint="`ledger validate` checks it; `ledger add` records an incident",
                          exit_code=ExitCode.INVALID)
    clash = storage.existing(root, LEDGER_FILES)
    if clash:
        raise LedgerError(f"{folder} already has {', '.join(clash)}; nothing was changed",
                          hint="move it away, or run init in another folder", exit_code=ExitCode.INVALID)
    done = Initialized(root)
    done.kept = storage.existing(root, PROJECT_FILES)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(f"cannot make {folder}: {exc.strerror}") from None
    root = Path(os.path.realpath(root))
    for rel, name in {**LEDGER_FILES, **PROJECT_FILES}.items():
        if rel not in done.kept:
            # Through the one write path: never through a link (a .github that
            # points elsewhere), never over a file.
            write.create(root, rel, _data(name))
            done.created.append(rel)
    if gitio.inside_work_tree(root):
        done.git = "existing"
    else:
        try:
            gitio.init_repository(root)
            done.git = "initialized"
        except LedgerError as exc:
            done.git, done.git_problem = "failed", exc.message
    return done
