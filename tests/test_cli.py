"""The example ledger through the real entry point, as a new user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, invoke

COMMANDS = ["validate", "fmt", "list", "show", "summary", "actors", "export"]


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("ledger ")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command: str | None) -> None:
    result = invoke([command, "--help"] if command else ["--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    if command:
        assert len(result.stdout.strip().splitlines()) > 3


def test_validate_example_ledger(run) -> None:  # type: ignore[no-untyped-def]
    result = run("validate")
    assert result.exit_code == 0, result.stdout
    assert "ok:" in result.stdout


def test_validate_json_shape(run) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(run("validate", "--format", "json").stdout)
    assert doc["version"] == 1 and doc["ok"] is True and doc["files"] >= 4
    assert doc["problems"] == []


def test_list_json_names_the_three_activists(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    text = json.dumps(records, ensure_ascii=False)
    for name in ("Ilyashev", "Shuraev", "Shamshet", "Ильяшев"):
        assert name in text
    for r in records:
        assert r["path"].startswith("incidents/")
        assert isinstance(r["date"], str)


@pytest.mark.parametrize("fmt", ["table", "jsonl", "csv", "ids", "yaml"])
def test_list_formats(run, fmt: str) -> None:  # type: ignore[no-untyped-def]
    result = run("list", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "ilyashev" in result.stdout.lower()
    if fmt == "jsonl":
        assert all(json.loads(line)["id"] for line in result.stdout.splitlines())
    if fmt == "ids":
        assert len(result.stdout.splitlines()) == len(list((REPO / "incidents").rglob("*.yaml")))
    if fmt == "csv":
        assert result.stdout.splitlines()[0].startswith("id,title,date,")


def test_table_fits_narrow_terminal(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "70")
    result = run("list")
    assert max(len(line) for line in result.stdout.splitlines()) <= 70


@pytest.mark.parametrize("command", [
    ["list"], ["show", "2020-04-18-shamshet"], ["actors"],
    ["summary", "--by", "actor"], ["summary", "--by", "actor", "--by", "year"]])
def test_tables_show_brackets_and_colons_as_written(run, ledger_dir: Path,  # type: ignore[no-untyped-def]
                                                    command: list[str]) -> None:
    # Rich reads "[name withheld]" as a style tag and drops it, and ":flag:" as an emoji code.
    path = ledger_dir / "incidents" / "2020" / "2020-04-18-shamshet-arrested-g68z.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Ulan Shamshet", "name: 'Ulan [name withheld] :flag:'", 1)
                    .replace("title: Activist Ulan", "title: Activist [bold] Ulan", 1), encoding="utf-8")
    result = run(*command)
    assert result.exit_code in (0, 1), result.stderr
    flat = " ".join(result.stdout.split())
    if command[0] in ("list", "show"):
        assert "[bold]" in flat
    if command[0] != "list":
        assert "[name withheld] :flag:" in flat.replace("│ ", "").replace(" │", "")


def test_show_by_prefix(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "2020-04-18-ilyashev")
    assert result.exit_code == 0, result.stderr
    assert "Alnur Ilyashev" in result.stdout and "Алнур Ильяшев" in result.stdout
    assert "sentence" in result.stdout


def test_show_ambiguous_and_unknown(run) -> None:  # type: ignore[no-untyped-def]
    amb = run("show", "2020-04")
    assert amb.exit_code == 2 and "matches" in amb.stderr
    none = run("show", "nope-nothing")
    assert none.exit_code == 1 and "no incident" in none.stderr


def test_fmt_check_clean_and_modeline(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("fmt", "--check")
    assert result.exit_code == 0, result.stdout + result.stderr
    for path in (ledger_dir / "incidents").rglob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../../schema/incident.schema.json\n---\n")


def test_no_ledger_found_exits_3(tmp_path: Path) -> None:
    result = invoke(["validate"], cwd=tmp_path)
    assert result.exit_code == 3
    assert "no ledger found" in result.stderr


def test_broken_schema_exits_3(ledger_dir: Path) -> None:
    (ledger_dir / "schema" / "incident.schema.json").write_text('{"type": "object", "properties": ')
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 3
    assert "incident.schema.json" in result.stderr


def test_invalid_schema_exits_3(ledger_dir: Path) -> None:
    (ledger_dir / "schema" / "incident.schema.json").write_text('{"type": "object", "minProperties": "x"}')
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 3 and "broken schema" in result.stderr


def test_usage_error_exits_2(run) -> None:  # type: ignore[no-untyped-def]
    assert run("list", "--format", "nope").exit_code == 2
    assert run("validate", "/nonexistent/file.yaml").exit_code == 2


def test_ledger_found_from_subfolder(ledger_dir: Path) -> None:
    result = invoke(["validate"], cwd=ledger_dir / "incidents" / "2020")
    assert result.exit_code == 0, result.stderr


def test_ledger_dir_env(ledger_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DIR", str(ledger_dir))
    result = invoke(["list", "--format", "ids"], cwd=tmp_path)
    assert result.exit_code == 0 and "ilyashev" in result.stdout


def test_installed_console_script(ledger_dir: Path) -> None:
    """The real `ledger` executable, in a separate process."""
    exe = Path(sys.executable).with_name("ledger")
    assert exe.exists(), "install the package (pip install -e '.[test]') before testing"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([str(exe), "--ledger", str(ledger_dir), "validate", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ok"] is True


def test_format_choices_match_the_renderer_registry() -> None:
    """Every --format a command offers has a renderer, and vice versa."""
    from ledger.cli import app as cli
    from ledger.render import formats

    pairs = {"ValidateFormat": "problems", "ListFormat": "records", "ShowFormat": "record",
             "SummaryFormat": "summary", "ActorsFormat": "actors", "DiffFormat": "diff",
             "TextJson": "log"}
    for kind in ("verify", "evidence-added", "saved", "initialized"):
        assert set(formats(kind)) == {m.value for m in cli.TextJson}, kind
    for enum_name, kind in pairs.items():
        offered = {m.value for m in getattr(cli, enum_name)}
        assert offered == set(formats(kind)), (enum_name, kind)


def test_help_lists_every_command_in_task_order() -> None:
    from ledger.cli.app import COMMAND_ORDER

    text = invoke(["--help"]).stdout.split("Commands:", 1)[1]
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  ") and line.strip()]
    assert listed == list(COMMAND_ORDER)


def test_completion_offers_ids_and_the_schemas_values() -> None:
    exe = Path(sys.executable).with_name("ledger")

    def complete(line: str) -> str:
        env = {**os.environ, "_LEDGER_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
        done = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return done.stdout

    ids = complete(f"ledger --ledger {REPO} show 2020-04-18-s")
    assert "2020-04-18-shamshet-arrested-g68z" in ids and "2020-04-18-shuraev-arrested-y3np" in ids
    assert "ilyashev" not in ids
    assert "2020-04-18-shuraev-arrested-y3np" in complete(f"ledger --ledger {REPO} log 2020-04-18-shu")
    assert '"arrest":"Taken into custody' in complete(f"ledger --ledger {REPO} list --act ar")
    assert '"likely":' in complete(f"ledger --ledger {REPO} summary --status l")
    # No ledger there: nothing to offer (the shell's default), and no traceback.
    assert "confirmed" not in complete("ledger --ledger /no/such/folder list --status ")


@pytest.mark.internal_error
def test_the_internal_error_guard_trips(run, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                        _no_internal_errors: list[str]) -> None:
    """A crash inside a command is reported to the test suite, which fails the
    test unless it is marked as provoking one (as this one is)."""
    from ledger.store import loader

    def boom(self, id_or_prefix):  # type: ignore[no-untyped-def]
        raise RuntimeError("injected")

    monkeypatch.setattr(loader.Loader, "find", boom)
    result = run("show", "2020-04-18")
    assert result.exit_code == 3
    assert "internal error: RuntimeError: injected" in result.stderr
    assert _no_internal_errors == ["RuntimeError: injected"]


@pytest.mark.internal_error
def test_the_guard_sees_crashes_in_ledger_processes(ledger_dir: Path, tmp_path: Path,
                                                   _no_internal_errors: list[str]) -> None:
    """The console script reports to the same guard through its log file."""
    import os
    import subprocess
    import sys

    hook = tmp_path / "sitecustomize.py"
    hook.write_text("from ledger.store import loader\n"
                    "def boom(self, *a, **k):\n    raise RuntimeError('in a process')\n"
                    "loader.Loader.check = boom\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "ledger", "--ledger", str(ledger_dir), "validate"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 3 and "internal error: RuntimeError: in a process" in proc.stderr
    log = Path(os.environ["LEDGER_INTERNAL_ERRORS"])
    assert log.read_text(encoding="utf-8").splitlines() == ["RuntimeError: in a process"]
