"""The `ledger` command: parse arguments, call the core, render, exit.

Kept thin and cheap to import: heavy modules (ruamel.yaml, jsonschema, Rich)
are imported inside the commands that need them, so `ledger --help` and
`ledger --version` start fast.  Every error is mapped to an exit code in
one place, ``main``.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger import __version__
from ledger.problems import ExitCode, LedgerError

app = typer.Typer(
    name="ledger",
    help="Document human-rights incidents as schema-validated YAML files in git.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    ledger_dir: str | None = None


state = _State()


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"ledger {__version__}\n")
        raise typer.Exit()


@app.callback()
def _global(
    ledger: Annotated[str | None, typer.Option(
        "--ledger", metavar="DIR", envvar="LEDGER_DIR", show_envvar=True,
        help="Ledger folder (default: the nearest folder at or above the current one "
             "holding ledger.toml, or schema/ and incidents/).")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Document human-rights incidents as schema-validated YAML files in git."""
    state.ledger_dir = ledger


def _session() -> Any:
    from ledger import api

    return api.open_ledger(state.ledger_dir)


def _out() -> Any:
    from ledger.render import Output

    return Output()


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


# -- validate -----------------------------------------------------------------

class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Record files or folders to check (default: the whole ledger).")] = None,
    format: Annotated[ValidateFormat, typer.Option(
        "--format", "-f", help="Report format.")] = ValidateFormat.text,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Treat warnings as failures.")] = False,
) -> None:
    """Check records against the schema and the ledger's own rules.

    Every problem is reported as PATH:LINE:COL: error: MESSAGE [CODE].
    Exit 0 when all records are valid, 1 when any is not.
    """
    from ledger import api, storage
    from ledger.render import render
    from ledger.render.problems import Report

    session = _session()
    files = storage.resolve_paths(session.ledger, [str(p) for p in paths]) if paths else None
    loaded = api.load(session, files)
    report = Report(files=len(loaded.checked), problems=loaded.problems, strict=strict,
                    path_prefix=_repo_prefix(session.root) if format in (
                        ValidateFormat.github, ValidateFormat.sarif) else "")
    render("problems", format.value, report, _out())
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.INVALID)


def _repo_prefix(root: Path) -> str:
    """The ledger's folder relative to the working directory, so that GitHub and
    SARIF viewers, which think in repository paths, find the files."""
    try:
        rel = root.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel in ("", ".") else rel + "/"


# -- fmt ----------------------------------------------------------------------

class FmtFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def fmt(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Record files or folders to format (default: the whole ledger).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; list files that would change and exit 1 if any.")] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Change nothing; show the changes as a unified diff, exit 1 if any.")] = False,
    format: Annotated[FmtFormat, typer.Option("--format", "-f", help="Output format.")] = FmtFormat.text,
) -> None:
    """Rewrite records in the canonical layout, keeping comments and values.

    Canonical: the modeline and --- header, keys in the schema's order,
    two-space indentation, plain scalars, unquoted dates, prose as | blocks.
    A file that does not parse is never touched.
    """
    import difflib
    import json

    from ledger import api, storage, yamlio
    from ledger.fmt import FormatError, format_text

    session = _session()
    files = (storage.resolve_paths(session.ledger, [str(p) for p in paths]) if paths
             else list(storage.iter_record_files(session.ledger)))
    changed: list[str] = []
    failed: list[dict[str, Any]] = []
    dry = check or diff
    for path in files:
        rel = session.ledger.rel(path)
        raw, problem = storage.read_record_bytes(session.ledger, path)
        text, issue = (yamlio.decode(raw) if raw is not None else (None, None))
        try:
            if text is None:
                raise FormatError(issue or yamlio.YamlIssue(problem.line if problem else 0,
                                                            problem.column if problem else 0,
                                                            problem.code if problem else "unreadable",
                                                            problem.message if problem else "unreadable"))
            new = format_text(text, session.schema_ref(path), session.schema.key_order)
        except FormatError as exc:
            i = exc.issue
            failed.append({"path": rel, "line": i.line, "column": i.column, "code": i.code,
                           "message": i.message})
            _err(f"{rel}:{i.line}:{i.column}: error: {i.message} [{i.code}] (not formatted)")
            continue
        assert raw is not None
        if new.encode("utf-8") == raw:
            continue
        changed.append(rel)
        if diff and format is FmtFormat.text:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=f"a/{rel}", tofile=f"b/{rel}"))
        if not dry:
            storage.write_atomic(path, new)
    verb = "would reformat" if dry else "reformatted"
    if format is FmtFormat.json:
        sys.stdout.write(json.dumps({"version": 1, "files": len(files), "changed": changed,
                                     "written": not dry, "problems": failed},
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        if check and not diff:
            for rel in changed:
                sys.stdout.write(f"{verb} {rel}\n")
        elif not dry:
            for rel in changed:
                _err(f"{verb} {rel}")
        _err(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, "
             f"{len(files) - len(changed) - len(failed)} already canonical"
             + (f", {len(failed)} not parseable" if failed else ""))
    if failed or (dry and changed):
        raise typer.Exit(ExitCode.INVALID)
    del api


# -- list / show ----------------------------------------------------------------

class ListFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    ids = "ids"
    yaml = "yaml"


@app.command("list")
def list_(
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """List incidents, one per row (filters: see --help of each option)."""
    from ledger import api
    from ledger.render import render

    session = _session()
    loaded = api.load(session, cross=False)
    _warn_unreadable(loaded)
    render("records", format.value, loaded.records, _out())


def _warn_unreadable(loaded: Any) -> None:
    bad = loaded.unreadable
    if bad:
        _err(f"warning: {len(bad)} file{'s' if len(bad) != 1 else ''} could not be read and "
             f"{'are' if len(bad) != 1 else 'is'} left out ({', '.join(bad[:3])}"
             f"{', ...' if len(bad) > 3 else ''}); run `ledger validate`")


class ShowFormat(str, Enum):
    text = "text"
    json = "json"
    yaml = "yaml"


@app.command()
def show(
    id: Annotated[str, typer.Argument(help="Incident id, or the start of one.")],
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = ShowFormat.text,
) -> None:
    """Show one incident, rendered for reading."""
    from ledger import api
    from ledger.render import render

    session = _session()
    row = api.find_record(session, id)
    render("record", format.value, row, _out())


# -- entry point ----------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Run the CLI; the one place where errors become messages and exit codes."""
    try:
        app(args=argv, prog_name="ledger")
    except LedgerError as exc:
        _err(f"ledger: error: {exc.message}")
        if exc.hint:
            _err(f"  hint: {exc.hint}")
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        _err("ledger: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # `ledger list | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # a bug in ledger, never the user's fault
        if os.environ.get("LEDGER_DEBUG"):
            raise
        _err(f"ledger: internal error: {type(exc).__name__}: {exc}")
        _err("  this is a bug in ledger; rerun with LEDGER_DEBUG=1 for details and report it")
        sys.exit(int(ExitCode.CANNOT_RUN))
