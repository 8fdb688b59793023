"""Export policy: which format a file gets, where it may be written, and what
invalid records mean for an export.

- The format comes from ``--format``, else from the ``--output`` suffix; a
  suffix ledger does not write (``.ods`` today) is a usage error listing the
  known ones, never a file of another format under that name.  A known
  suffix that contradicts ``--format`` is a usage error too.
- The output folder must exist: a typo in a path must not quietly grow a
  tree of folders (exit 3, naming the folder).
- An export of a ledger with invalid records warns, giving their count
  (records that parse are exported as they are); a public release refuses
  them (exit 1), because what redaction leaves out is decided from fields a
  broken record may not hold, unless the user passes ``--allow-invalid``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError

# Suffix -> format.  A new writer (xlsx, say) adds its suffixes here and its
# name to the CLI's format choices; nothing else decides what a suffix means.
SUFFIXES: dict[str, str] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
                            ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite",
                            ".xlsx": "xlsx"}
DEFAULT_FORMAT = "jsonl"  # to stdout, when no format is given


def known_suffixes() -> str:
    return ", ".join(SUFFIXES)


def choose_format(given: str | None, output: Path | None) -> str:
    """The format to write: --format, else the output file's suffix, else jsonl on stdout."""
    if output is None:
        return given or DEFAULT_FORMAT
    suffix = output.suffix.lower()
    implied = SUFFIXES.get(suffix)
    if given is None:
        if implied is None:
            what = f"ledger does not write {suffix} files" if suffix else "no suffix tells the format"
            raise UsageError(f"--output {output}: {what}",
                             hint=f"known suffixes: {known_suffixes()}; or give --format")
        return implied
    if implied is not None and implied != given:
        raise UsageError(f"--output {output} has a {implied} suffix, but --format is {given}",
                         hint=f"name the file with a suffix for {given}, or drop --format")
    return given


def check_destination(output: Path) -> None:
    """Refuse, before any record is read, a destination that cannot be written
    as asked: a folder, or a file in a folder that does not exist."""
    if output.is_dir():
        raise LedgerError(f"cannot write {output}: it is a folder")
    folder = output.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise LedgerError(f"cannot write {output}: the folder {folder} {what}",
                          hint="create the folder first, or choose another --output")


def invalid_files(problems: Iterable[Problem]) -> list[str]:
    """The files with at least one error, in order."""
    return list(dict.fromkeys(p.path for p in problems if p.is_error))


def check_validity(problems: Iterable[Problem], *, public: bool, allow_invalid: bool,
                   warn: Callable[[str], None]) -> None:
    """Say how many records are invalid; stop a public export while any is."""
    bad = invalid_files(problems)
    if not bad:
        return
    n = len(bad)
    files = f"{n} record file{'s' if n != 1 else ''}"
    shown = ", ".join(bad[:3]) + (", ..." if n > 3 else "")
    if public and not allow_invalid:
        raise LedgerError(f"{files} {'are' if n != 1 else 'is'} invalid ({shown}); a public export "
                          "is refused, because a broken record's redaction cannot be trusted",
                          hint="fix the records (ledger validate), or pass --allow-invalid to export anyway",
                          exit_code=ExitCode.INVALID)
    warn(f"warning: {files} {'are' if n != 1 else 'is'} invalid ({shown}); "
         "run `ledger validate` before relying on this export")
