"""`ledger init`: a new, ready ledger from the files shipped in ledger/data.

A ledger's own files (settings, schema) are never overwritten: a folder
that already is a ledger, or holds one of them, is refused before anything
is written.  The project files around it (.gitignore, the pre-commit and CI
configurations) are written only where none exists, so running init in an
existing repository never clobbers its set-up; the ones kept are reported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ledger.core.problems import ExitCode, LedgerError, UsageError
from ledger.store import files as storage
from ledger.store import gitio, write
from ledger.version import __version__

# Path in the new ledger -> package data file ("" = an empty file).
LEDGER_FILES = {
    storage.CONFIG_FILE: "ledger.toml",
    storage.DEFAULT_SCHEMA: "incident.schema.json",
    f"schema/{storage.ACTOR_SCHEMA}": storage.ACTOR_SCHEMA,
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


DISTRIBUTION = "incident-ledger"
WORKFLOW = ".github/workflows/ledger.yml"


def _data(name: str) -> str:
    return (resources.files("ledger") / "data" / name).read_text(encoding="utf-8") if name else ""


def _contents(rel: str, name: str) -> str:
    text = _data(name)
    if rel == WORKFLOW:
        text = workflow_text(text, install_requirement())
    return text


def workflow_text(template: str, requirement: str) -> str:
    """The CI workflow, installing requirement (or, when "", whatever the
    repository variable LEDGER_INSTALL says)."""
    # Inside a single-quoted GitHub expression string, a quote is doubled.
    return template.replace("@LEDGER_INSTALL@", requirement.replace("'", "''")) \
        .replace("@LEDGER_VERSION@", __version__)


def install_requirement() -> str:
    """A pip requirement for exactly this copy of the tool, from the record
    pip keeps of where it came from (PEP 610 direct_url.json): a git commit
    or an archive URL that CI can fetch too.  "" when there is none to give:
    a local folder, an editable checkout, or an index (the name on PyPI
    belongs to another project, so `incident-ledger==VERSION` could install
    something else)."""
    try:
        raw = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
        origin = json.loads(raw) if raw else None
    except (metadata.PackageNotFoundError, ValueError, OSError):
        return ""
    return requirement_from(origin)


def requirement_from(origin: object) -> str:
    if not isinstance(origin, dict) or not isinstance(origin.get("url"), str):
        return ""
    url = _public_url(origin["url"])
    if not url:
        return ""
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id")
        if vcs.get("vcs") != "git" or not isinstance(commit, str) or not commit.isalnum():
            return ""
        return f"{DISTRIBUTION} @ git+{url}@{commit}"
    archive = origin.get("archive_info")
    if isinstance(archive, dict):
        digest = archive.get("hash") or ""
        algorithm, _, value = digest.partition("=") if isinstance(digest, str) else ("", "", "")
        fragment = f"#{algorithm}={value}" if algorithm and value.isalnum() else ""
        return f"{DISTRIBUTION} @ {url}{fragment}"
    return ""


def _public_url(url: str) -> str:
    """url without credentials, when CI could fetch it (https, ssh); "" for
    local files.  The workflow is committed, so no token may end up in it."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http", "ssh") or not parts.hostname or any(c in url for c in " '\"\n"):
        return ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    user = "git@" if parts.username == "git" and parts.password is None else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, ""))


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
            write.create(root, rel, _contents(rel, name))
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
