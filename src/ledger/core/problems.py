"""Problems found in user data are values, not exceptions.

Everything that can be wrong with a record (a YAML syntax error, a schema
violation, a dangling reference) becomes a :class:`Problem` with the file,
line and column, so one run reports every problem at once.  Exceptions are
kept for the few conditions where the tool cannot run at all
(:class:`LedgerError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1  # invalid records or a failed check
    USAGE = 2
    CANNOT_RUN = 3  # no ledger, broken schema, unreadable file, git missing
    INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # relative to the ledger root, POSIX separators
    line: int  # 1-based; 0 when the problem concerns the file as a whole
    column: int  # 1-based
    code: str  # stable, kebab-case: "schema-enum", "yaml-syntax", ...
    message: str
    severity: str = "error"  # "error" | "warning"
    pointer: str = ""  # JSON pointer into the record ("" = whole record)
    hint: str = field(default="", compare=False)

    def with_position(self, line: int, column: int) -> Problem:
        return Problem(self.path, line, column, self.code, self.message,
                       self.severity, self.pointer, self.hint)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class LedgerError(Exception):
    """The command cannot do its job at all (exit 3 unless said otherwise)."""

    def __init__(self, message: str, *, hint: str = "",
                 exit_code: ExitCode = ExitCode.CANNOT_RUN) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


class UsageError(LedgerError):
    """The command line asks for something impossible (exit 2)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint, exit_code=ExitCode.USAGE)
