"""`ledger report` from an open ledger: choose the records (or the public
view), count them as `ledger summary` does, take the profiles from the
ledger (store/profiles, the one reader; public: without the confidential ones), write the site
into its folder in one step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.core import summary
from ledger.report import build
from ledger.store import files

if TYPE_CHECKING:
    from ledger.core.query import Filter


@dataclass
class Built:
    folder: Path
    files: int
    incidents: int
    profiles: int
    withheld: Any = None  # core.redact.Withheld of a public report


def make(book: Any, output: Path, *, filter: Filter | None = None, public: bool = False,
         force: bool = False, criteria: Sequence[tuple[str, Sequence[str]]] = (),
         allow_invalid: bool = False, warn: Callable[[str], None] = lambda _m: None) -> Built:
    """book: the open ledger.Ledger (not imported here: the library imports this module)."""
    from ledger import exporting
    from ledger.version import __version__

    keys = {name: summary.resolve_key(book.schema, name) for name in build.KEYS}
    for rel in book.unreadable_profiles:
        warn(f"warning: {rel}: not a readable actor profile; left out of the report")
    withheld = None
    # As export: invalid records are reported; a public build refuses them,
    # since a broken record's redaction cannot be trusted.
    exporting.check_validity(book.check(), public=public, allow_invalid=allow_invalid, warn=warn)
    if public:
        view = book.public(filter)
        withheld = view.withheld
        # The public view has withheld every actor of a confidential (or unknown) profile.
        shown = [p for _, p in book.public_profiles(withheld)]
        rows = view.rows
        counts = {name: summary.count(rows, [key]) for name, key in keys.items()}
    else:
        if book.unreadable:
            warn(f"warning: {len(book.unreadable)} record files could not be read and are left out; "
                 "run `ledger validate`")
        shown = [p for _, p in book.profiles() if isinstance(p.get("id"), str)]
        rows = list(book.records(filter))
        counts = {name: book.count([key], filter) for name, key in keys.items()}
    site = build.Site(rows=rows, counts=counts, public=public, withheld=withheld, profiles=shown,
                      criteria=build.criteria_shown(criteria, public), version=__version__,
                      today=book.today or _today())
    with files.output_dir(output, marker=build.MARKER, overwrite=force, keep_clear=[book.root]) as tmp:
        written = build.write_site(site, tmp)
    return Built(output, written, len(rows), len(shown), withheld)


def _today() -> Any:
    import datetime as dt

    return dt.date.today()
