"""The library: a ledger as a Python object, the product the `ledger` command is a thin layer over.

    import ledger

    book = ledger.Ledger.open("path/to/ledger")   # or Ledger.open() to look up from here
    for path, record in book.records():
        ...
    problems = book.check()                        # [] when every record is valid
    path, record = book.find("2020-04-18")         # an id, or an unambiguous start of one
    saved = book.add({...})                        # completed, checked, written; LedgerError if invalid
    for path, record in book.public():            # the redacted release

Each command of the CLI parses its options, calls one of these, renders the
answer and exits.  Policy lives here or below (redaction, counting, which
fast path answers), never in the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.core.problems import Problem
from ledger.store import files
from ledger.store.loader import Loader, Row, Verdict
from ledger.store.session import Session

if TYPE_CHECKING:
    from ledger.core.duplicates import Pair
    from ledger.core.evidence import VerifyReport
    from ledger.core.query import Filter, Order
    from ledger.core.redact import Withheld
    from ledger.core.schema import Schema
    from ledger.core.summary import Key, Summary
    from ledger.editing.save import Candidate
    from ledger.report.make import Built

__all__ = ["Ledger", "Public", "Row", "Verdict"]


@dataclass
class Public:
    """A public view: the records a release may hold, and what it left out."""

    rows: list[Row]
    withheld: Any = None  # core.redact.Withheld: counts of what was left out

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    @property
    def summary(self) -> str:
        return str(self.withheld.summary()) if self.withheld is not None else ""


@dataclass
class Ledger:
    """An open ledger.  Answers come from the files; the memo only makes them faster."""

    session: Session
    today: dt.date | None = None
    _loader: Loader | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: str | Path | None = None, *, today: dt.date | None = None) -> Ledger:
        """The ledger at path, else at $LEDGER_DIR, else the nearest one at or above
        the current folder (as the command finds it)."""
        return cls(Session(files.find_ledger(str(path) if path is not None else None)), today)

    @property
    def root(self) -> Path:
        return self.session.root

    @property
    def schema(self) -> Schema:
        return self.session.schema

    @property
    def loader(self) -> Loader:
        if self._loader is None:
            self._loader = Loader(self.session, today=self.today)
        return self._loader

    def refresh(self) -> None:
        """Forget what this object read: the next call looks at the files again."""
        self._loader = None

    # -- reading -------------------------------------------------------------

    def records(self, filter: Filter | None = None) -> Iterator[Row]:
        """(path, record) of each record the filter keeps (all without one), in path order."""
        return self.loader.select(self._widen(filter))

    def profiles(self) -> list[Row]:
        """(path, profile) of every actor profile in actors/, read from the files."""
        return list(self.loader.profiles().rows)

    def public_profiles(self, withheld: Withheld | None = None) -> list[Row]:
        """The profiles a public release may hold: none confidential (each
        counted in withheld.actors when given), without paths, and only those
        a record can refer to (a string id)."""
        from ledger.core.model import confidential_profile

        out: list[Row] = []
        for _, p in self.profiles():
            if confidential_profile(p):
                if withheld is not None:
                    withheld.actors += 1
            elif isinstance(p.get("id"), str):
                out.append(("", p))
        return out

    @property
    def unreadable_profiles(self) -> list[str]:
        """Profile files no record can refer to: unreadable, or without a string id."""
        found = self.loader.profiles()
        named = {rel for rel, p in found.rows if isinstance(p.get("id"), str)}
        every = dict.fromkeys([*(p.path for p in found.problems), *(rel for rel, _ in found.rows)])
        return [rel for rel in every if rel not in named and rel.startswith(f"{files.ACTORS}/")]

    @property
    def schema_version(self) -> int | None:
        """The schema version the ledger's schema declares (None: it declares none)."""
        from ledger.core.migrations import schema_version

        return schema_version(self.schema.document)

    def profile_map(self, *, public: bool = False) -> dict[str, dict[str, Any]]:
        """Profiles by id; public: without the confidential ones."""
        from ledger.core.model import confidential_profile

        found = self.loader.profiles().by_id
        return {k: v for k, v in found.items() if not (public and confidential_profile(v))}

    def resolved(self, rows: Iterable[Row], *, public: bool = False) -> Iterator[Row]:
        """Rows for reading (never for writing): each actor with a profile
        completed from it (model.with_profiles; public: an actor of an unknown
        profile is confidential)."""
        from ledger.core.model import with_profiles

        profiles = self.loader.profiles().by_id
        return ((p, with_profiles(r, profiles, public=public)) for p, r in rows)

    def _widen(self, filter: Filter | None, rows: Iterable[Row] | None = None,
               profiles: dict[str, dict[str, Any]] | None = None) -> Filter | None:
        """--actor finds every incident of each profile and merged actor a name
        (or alias) matches, as `ledger actors` merges them (rows: the records
        to merge, default all)."""
        if filter is None or not filter.actors:
            return filter
        from ledger.core.actors import widen

        if rows is None:
            rows = self.resolved(self.loader.select(None))
            profiles = self.profile_map()
        return widen(filter, rows, profiles)

    def ids(self, filter: Filter | None = None) -> Iterator[Row]:
        """(path, {"id": id}) of each record the filter keeps, without unpacking
        records where the memo's facets answer the filter."""
        filter = self._widen(filter)
        quick = self.loader.ids(filter)
        if quick is not None:
            return quick
        return ((p, {"id": r["id"]} if "id" in r else {}) for p, r in self.loader.select(filter))

    def select(self, filter: Filter | None = None, order: Order | None = None,
               limit: int | None = None, *, ids_only: bool = False) -> Iterator[Row]:
        """What list and export show: filtered, sorted, cut."""
        from itertools import islice

        from ledger.core import query

        if ids_only and order is None:
            rows = self.ids(filter)
            return rows if limit is None else islice(rows, limit)
        rows = self.records(filter)
        if order is not None:
            rows = iter(query.sort_rows(rows, order))
        return rows if limit is None else islice(rows, limit)

    @property
    def unreadable(self) -> list[str]:
        """Record files that could not be read or parsed (left out of records())."""
        return self.loader.unreadable()

    def find(self, id_or_prefix: str) -> Row:
        """A record by id, or by a prefix only one id starts with; LedgerError otherwise."""
        return self.loader.find(id_or_prefix)

    def count(self, keys: Sequence[Key], filter: Filter | None = None) -> Summary:
        """summary.count of the records the filter keeps."""
        if any(k.name == "actor" for k in keys) and self.loader.profiles().rows:
            from ledger.core.summary import count

            # Actors that name only their profile are counted under the profile's name.
            return count(self.resolved(self.records(filter)), keys)
        counted: Summary = self.loader.count(keys, self._widen(filter))
        return counted

    def duplicates(self, filter: Filter | None = None, *, min_score: float | None = None,
                   incidents: bool = True, actors: bool = True) -> list[Pair]:
        """Candidate duplicate incidents and actors among the records the filter
        keeps, best first (``ledger duplicates``); resolved pairs are left out."""
        from ledger.core import duplicates

        rows = list(self.records(filter))
        return duplicates.find_pairs(rows, min_score=duplicates.DEFAULT_MIN_SCORE if min_score is None
                                     else min_score, incidents=incidents, actors=actors,
                                     profiles=self.loader.profiles().by_id)

    # -- checking ------------------------------------------------------------

    def verdict(self, paths: Sequence[Path] | None = None) -> Verdict:
        """Files checked and every problem (sorted), for the whole ledger or paths."""
        return self.loader.check(list(paths) if paths is not None else None)

    def check(self, paths: Sequence[Path] | None = None) -> list[Problem]:
        """Every problem of the ledger (or of the files in paths), sorted; [] when all is well."""
        return self.verdict(paths).problems

    def verify(self) -> VerifyReport:
        """Every evidence file of every record re-hashed (never from the memo:
        verify exists to read every byte again) and compared with its sha256."""
        from functools import cache

        from ledger.core.evidence import verify

        root = self.root

        @cache
        def lookup(rel: str) -> files.FileState:
            return files.hash_evidence(files.locate_evidence(root, rel))

        return verify(self.records(), lookup)  # records streamed: memory stays flat

    # -- the public release --------------------------------------------------------

    def public(self, filter: Filter | None = None, order: Order | None = None,
               limit: int | None = None) -> Public:
        """The redacted view, from what the files hold: records a public release
        may carry, without confidential actors and sources; filters apply after
        redaction, so a search cannot match a withheld name."""
        from itertools import islice

        from ledger.core import query, redact

        withheld = redact.Withheld()
        # Resolved first: an actor whose profile is confidential is confidential.
        rows = list(redact.public_records(self.resolved(self._from_files(), public=True), withheld,
                                          publish=self.session.layout.settings.publish))
        # Widened from the redacted records, so a withheld alias cannot widen a public search.
        filter = self._widen(filter, rows, self.profile_map(public=True))
        picked: Iterator[Row] = iter(rows) if filter is None else query.select(rows, filter)
        if order is not None:
            picked = iter(query.sort_rows(picked, order))
        if limit is not None:
            picked = islice(picked, limit)
        return Public(list(picked), withheld)

    def public_record(self, id_or_prefix: str) -> Public:
        """One record as a public release holds it (the view's only row); a
        withheld record is, to a public view, exactly like an id that does not exist."""
        view = self.public()
        from ledger.core import ids

        return Public([ids.pick(view, id_or_prefix, listing="ledger list --public --format ids")],
                      view.withheld)

    def _from_files(self) -> Iterator[Row]:
        """Every record parsed from its file, never from the memo: what a release
        publishes must be what the files hold."""
        from ledger.core import yamlio

        for e in files.walk(self.session.layout):
            if not e.regular:
                continue
            raw, _ = files.read_record(self.session.layout, e.rel)
            if raw is None:
                continue
            text, _ = yamlio.decode(raw)
            data = yamlio.parse(text)[0] if text is not None else None
            if isinstance(data, dict):
                yield e.rel, data

    # -- the report ------------------------------------------------------------------

    def report(self, output: str | Path, *, filter: Filter | None = None, public: bool = False,
               force: bool = False, criteria: Sequence[tuple[str, Sequence[str]]] = (),
               allow_invalid: bool = False, warn: Any = None) -> Built:
        """The static website of the records the filter keeps (of the public
        view with public) written into the folder output, replacing it whole
        (SPEC 12).  criteria: the filter options as given, for the site to say."""
        from ledger.report.make import make

        return make(self, Path(output), filter=filter, public=public, force=force, criteria=criteria,
                    allow_invalid=allow_invalid, warn=warn or (lambda _m: None))

    # -- writing -------------------------------------------------------------------

    def add(self, record: dict[str, Any], *, slug: str | None = None) -> Candidate:
        """Complete record (id, schema_version, recorded, refs), check it as
        validate would and write it as a new file; LedgerError (exit 1) listing
        the problems when it is not valid."""
        from ledger.editing import save

        candidate = save.add_record(self.session, record, slug=slug)
        self.refresh()
        return candidate
