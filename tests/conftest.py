from __future__ import annotations

import io
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "internal_error: the test provokes an internal error on purpose")


@pytest.fixture(autouse=True)
def _no_internal_errors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                        tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Fail any test during which the CLI reported an internal error, in this
    process (invoke) or in a `ledger` process it ran (through a log file the
    CLI appends to).  A crash is always a bug, whatever the test asserts."""
    from ledger.cli import app

    seen: list[str] = []
    real = app.internal_error

    def watched(exc: BaseException) -> None:
        seen.append(f"{type(exc).__name__}: {exc}")
        real(exc)

    monkeypatch.setattr(app, "internal_error", watched)
    log = tmp_path_factory.mktemp("internal") / "errors.log"
    monkeypatch.setenv("LEDGER_INTERNAL_ERRORS", str(log))
    yield seen
    if log.exists():
        seen += log.read_text(encoding="utf-8").splitlines()
    if seen and not request.node.get_closest_marker("internal_error"):
        pytest.fail(f"the CLI reported an internal error: {seen}")


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pin the terminal so tables wrap the same way everywhere.
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LINES", "40")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("LEDGER_DIR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Researcher")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Researcher")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.org")


@pytest.fixture(autouse=True)
def _state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Drafts and remembered answers of ledgers outside git go to the user's
    # state folder: never the tester's own.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state-home")))


def invoke(args: list[str], *, input: str | None = None, cwd: Path | None = None) -> Result:
    """Run the real entry point in-process, as the console script would."""
    from ledger.cli import app as cli

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr, sys.stdin
    old_cwd = Path.cwd()
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.StringIO(input or "")
    code = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        cli.state.ledger_dir = None
        cli.main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
        os.chdir(old_cwd)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    """A copy of the example ledger (schema + incidents) in a fresh folder."""
    root = tmp_path / "ledger"
    root.mkdir()
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "incidents", root / "incidents")
    shutil.copytree(REPO / "actors", root / "actors")
    return root


@pytest.fixture
def run(ledger_dir: Path):  # type: ignore[no-untyped-def]
    def _run(*args: str, input: str | None = None) -> Result:
        return invoke(["--ledger", str(ledger_dir), *args], input=input)
    return _run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a copy of the example ledger, one commit deep."""
    from gitrepo import isolate, make_ledger_repo

    isolate(monkeypatch)
    return make_ledger_repo(tmp_path / "repo")


def use_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """$EDITOR becomes a Python script that runs body on the text of the file
    it is given (re and sys imported) and writes the text back."""
    script = tmp_path / "editor.py"
    script.write_text("import re, sys\npath = sys.argv[1]\ntext = open(path, encoding='utf-8').read()\n"
                      + body + "\nopen(path, 'w', encoding='utf-8').write(text)\n", encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    monkeypatch.delenv("VISUAL", raising=False)
