"""The public view of a ledger: what may leave the team, and nothing else.

One function decides what a public release holds, and every public output
(list, show, summary, export in each format) goes through it, so that a
secret removed here is removed everywhere.  The rules fail closed: a record
is public only when it says so (or says nothing), an actor or source is kept
only when it is not marked confidential, and an act's reference that does not
lead to a kept actor becomes an anonymous placeholder.  A redacted record is
still a valid record: placeholders carry a ref and a fixed label, never any
part of what they replace.

Free text (titles, descriptions, outcomes) cannot be scrubbed reliably; a
name written in prose stays there.  :func:`names_in_text` finds the verbatim
cases so that ``validate`` can warn about them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]

ROLES = ("victims", "perpetrators")
WITHHELD_NAME = "(withheld)"
WITHHELD_SOURCE = {"ref": "withheld", "title": "(withheld source)"}


@dataclass
class Withheld:
    """What a public view left out, for the one-line report on stderr."""

    records: int = 0
    actors: int = 0
    sources: int = 0

    def summary(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (f"public view: withheld {n(self.records, 'record')}, "
                f"{n(self.actors, 'actor')}, {n(self.sources, 'source')}")


def is_public(record: Record) -> bool:
    """Only an explicit `public` (or no level at all) may be published."""
    return record.get("confidentiality", "public") in (None, "public")


def is_confidential(item: Any) -> bool:
    """An actor or source entry that must not be published (non-dicts too)."""
    return not isinstance(item, dict) or item.get("confidential") not in (None, False)


def public_record(record: Record, withheld: Withheld, *,
                  public_ids: Container[str] | None = None) -> Record | None:
    """The record as a public release shows it, or None when it is withheld.

    ``public_ids`` are the ids of the ledger's public records; links
    (`related`, `duplicate_of`) to any other id are dropped.  Without it the
    links are dropped altogether, since an id may name a withheld record.
    """
    if not is_public(record):
        withheld.records += 1
        return None
    out = copy.deepcopy(record)
    _redact_actors(out, withheld)
    _redact_sources(out, withheld)
    _redact_links(out, public_ids if public_ids is not None else ())
    return out


def public_records(rows: Iterable[tuple[str, Record]],
                   withheld: Withheld) -> Iterator[tuple[str, Record]]:
    """The public records among rows, redacted, in the same order.

    Pass the whole ledger (filter afterwards): links are kept only to the
    public records among these rows.
    """
    rows = list(rows)
    ids = {str(r.get("id")) for _, r in rows if is_public(r)}
    for path, record in rows:
        shown = public_record(record, withheld, public_ids=ids)
        if shown is not None:
            yield path, shown


def _redact_actors(record: Record, withheld: Withheld) -> None:
    actors = record.get("actors")
    kept = [a for a in actors if not is_confidential(a)] if isinstance(actors, list) else []
    if isinstance(actors, list):
        withheld.actors += len(actors) - len(kept)
    known = {a.get("ref") for a in kept}
    placeholders: dict[Any, str] = {}
    taken = set(known)

    def stand_in(ref: Any) -> str:
        # One placeholder per withheld person, so "three victims" survives.
        if ref not in placeholders:
            n = len(placeholders) + 1
            while f"withheld-{n}" in taken:
                n += 1
            placeholders[ref] = f"withheld-{n}"
            taken.add(placeholders[ref])
        return placeholders[ref]

    acts = record.get("acts")
    for act in acts if isinstance(acts, list) else []:
        for role in ROLES:
            refs = act.get(role) if isinstance(act, dict) else None
            if isinstance(refs, list):
                act[role] = [r if isinstance(r, str) and r in known else stand_in(str(r))
                             for r in refs]
    kept += [{"ref": ref, "name": WITHHELD_NAME} for ref in placeholders.values()]
    if kept:
        record["actors"] = kept
    else:
        record.pop("actors", None)


def _redact_sources(record: Record, withheld: Withheld) -> None:
    if "sources" not in record:
        return
    sources = record["sources"]
    # Anything but a list of entries (a broken record) is withheld whole.
    sources = sources if isinstance(sources, list) else [sources]
    kept = [s for s in sources if not is_confidential(s)]
    withheld.sources += len(sources) - len(kept)
    # `sources` needs one entry; the placeholder says one exists without saying what.
    record["sources"] = kept or [dict(WITHHELD_SOURCE)]


def _redact_links(record: Record, public_ids: Container[str]) -> None:
    related = record.get("related")
    if isinstance(related, list):
        kept = [i for i in related if isinstance(i, str) and i in public_ids]
        if kept:
            record["related"] = kept
        else:
            record.pop("related")
    if "duplicate_of" in record and record["duplicate_of"] not in public_ids:
        del record["duplicate_of"]


# -- names left in prose --------------------------------------------------------

def secret_names(record: Record) -> list[str]:
    """Every name of every confidential actor in the record."""
    out: list[str] = []
    for actor in record.get("actors") or []:
        if not isinstance(actor, dict) or not is_confidential(actor):
            continue
        names = actor.get("names") if isinstance(actor.get("names"), dict) else {}
        assert isinstance(names, dict)
        for name in [actor.get("name"), *names.values()]:
            if isinstance(name, str) and name.strip() and name not in out:
                out.append(name.strip())
    return out


def names_in_text(record: Record) -> list[tuple[tuple[Any, ...], str]]:
    """(field path, name) for each confidential name a public release would still show.

    Only records that would be published are looked at, and only the parts
    of them that survive redaction; paths index the record as stored.
    """
    if not is_public(record):
        return []
    # Whole words only: a short name must not match inside another word.
    secrets = [(s, re.compile(rf"(?<!\w){re.escape(s)}(?!\w)", re.IGNORECASE))
               for s in secret_names(record)]
    hits: list[tuple[tuple[Any, ...], str]] = []
    for path, text in _strings(record, record, ()) if secrets else ():
        hits += [(path, name) for name, pattern in secrets if pattern.search(text)]
    return hits


def _withheld_part(record: Record, path: tuple[Any, ...]) -> bool:
    """Whether redaction removes or replaces what is at path."""
    if len(path) >= 2 and path[0] in ("actors", "sources"):
        return is_confidential(record[path[0]][path[1]])
    return len(path) >= 3 and path[0] == "acts" and path[2] in ROLES


def _strings(record: Record, node: Any,
             path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if _withheld_part(record, path):
        return
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(record, value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(record, value, (*path, i))
