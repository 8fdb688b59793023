"""Shell completion of values: incident ids, and the schema's vocabularies.

Completion runs on every <TAB>, so it reads no record: an incident's id is
its file name, and vocabularies come from the schema document alone (no
validator is built).  Completion never fails loudly: a missing or broken
ledger completes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ledger.core.problems import LedgerError

if TYPE_CHECKING:
    from ledger.store.files import Layout

# Imported by the CLI at start-up: this module imports nothing more until a
# completer runs (`ledger --help` stays as fast as `import typer`).
Completer = Callable[[Any, str], list[Any]]


def _ledger(ctx: Any) -> Layout:
    """The ledger the command line names (--ledger, $LEDGER_DIR) or stands in."""
    from ledger.store import files as storage

    root = ctx.find_root() if ctx is not None else None
    given = root.params.get("ledger") if root is not None else None
    return storage.find_ledger(given if isinstance(given, str) else None)


def ids(ctx: Any, incomplete: str) -> list[str]:
    """Ids of the ledger's incidents that start with what is typed."""
    from ledger.store import files as storage

    try:
        found = storage.record_names(_ledger(ctx))
        return sorted(name for name in found if name.startswith(incomplete))
    except (LedgerError, OSError):
        return []


def vocabulary(path: tuple[str, ...]) -> Completer:
    """A completer of the values the schema allows at a field path, each with
    its description; none when the schema leaves the field free."""

    def complete(ctx: Any, incomplete: str) -> list[Any]:

        from ledger.store.session import load_schema

        try:
            ledger = _ledger(ctx)
            vocab = load_schema(ledger.schema_path, ledger.settings.schema).vocabulary_for(path)
        except (LedgerError, OSError):
            return []
        if vocab is None:
            return []
        if path == ("location", "country"):  # by code or by name: Kaz<TAB> offers KZ
            from ledger.core import countries

            return countries.complete(incomplete, vocab.values, vocab.descriptions)
        return [(v, vocab.descriptions.get(v, "")) for v in vocab.values if v.startswith(incomplete)]
    return complete
