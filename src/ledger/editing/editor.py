"""Editing a record in the user's editor until it validates or they give up.

The text goes to a temporary copy beside the records (see
``storage.edit_copy``), $VISUAL or $EDITOR (default ``vi``) runs on it, and
the caller judges the saved text.  When it has errors they are printed and,
in a terminal, the user is asked whether to reopen it: the file then opens
with the problems listed at the top as ``#:`` help lines.  The temporary
copy is removed afterwards, unless the caller asks to keep it because it
holds work that could not be saved.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from ledger.core.problems import ExitCode, LedgerError, Problem
from ledger.editing import template
from ledger.store import files as storage

DEFAULT_EDITOR = "vi"
T = TypeVar("T")


@dataclass
class Verdict(Generic[T]):
    """What the caller made of one save in the editor."""

    problems: list[Problem]  # errors to fix: the user may reopen the file
    result: T | None = None  # the caller's outcome when there is nothing to fix
    keep_copy: bool = False  # leave the temporary copy: it holds work not saved elsewhere


@dataclass
class Edited(Generic[T]):
    verdict: Verdict[T]
    copy: Path | None  # the temporary copy, when it was kept


def command() -> list[str]:
    raw = os.environ.get("VISUAL") or os.environ.get("EDITOR") or DEFAULT_EDITOR
    try:
        parts = shlex.split(raw)
    except ValueError as exc:
        raise LedgerError(f"cannot read the editor command {raw!r}: {exc}",
                          hint="set $VISUAL or $EDITOR to a command, e.g. export EDITOR=nano") from None
    if not parts:
        raise LedgerError("$VISUAL/$EDITOR is empty", hint="e.g. export EDITOR=nano")
    return parts


def run(path: Path) -> None:
    cmd = [*command(), str(path)]
    try:
        proc = subprocess.run(cmd, check=False)
    except FileNotFoundError:
        raise LedgerError(f"editor {cmd[0]!r} not found",
                          hint="set $VISUAL or $EDITOR to an installed editor, e.g. export EDITOR=nano"
                          ) from None
    except OSError as exc:
        raise LedgerError(f"cannot run the editor {cmd[0]!r}: {exc.strerror}") from None
    if proc.returncode != 0:
        raise LedgerError(f"the editor ({cmd[0]}) exited with status {proc.returncode}; nothing was saved",
                          exit_code=ExitCode.INVALID)


def edit(initial: str, folder: Path, name: str, judge: Callable[[str], Verdict[T]], *,
         show: Callable[[list[Problem]], None], reopen: Callable[[], bool] | None) -> Edited[T]:
    """Edit initial until judge finds nothing to fix, or the user declines to
    reopen (reopen None: never ask, as without a terminal)."""
    path = storage.edit_copy(folder, name, initial)
    keep = False
    try:
        while True:
            run(path)
            saved = storage.read_text(path)
            verdict = judge(saved)
            if not verdict.problems or verdict.keep_copy:
                keep = verdict.keep_copy
                return Edited(verdict, path if keep else None)
            show(verdict.problems)
            if reopen is None or not reopen():
                return Edited(verdict, None)
            storage.write_atomic(path, template.with_problems(saved, verdict.problems))
    finally:
        if not keep:
            storage.remove_file(path)
