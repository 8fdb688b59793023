"""Incident Ledger: human-rights incidents as schema-validated YAML files in git.

    import ledger
    book = ledger.Ledger.open()

``Ledger``, ``Problem`` and ``LedgerError`` are imported on first use, so
``ledger --version`` (which imports this package) stays as cheap as Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.version import __version__

__all__ = ["Ledger", "LedgerError", "Problem", "__version__"]

if TYPE_CHECKING:
    from ledger.core.problems import LedgerError, Problem
    from ledger.library import Ledger


def __getattr__(name: str) -> Any:
    if name == "Ledger":
        from ledger.library import Ledger

        return Ledger
    if name in ("Problem", "LedgerError"):
        from ledger.core import problems

        return getattr(problems, name)
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")
