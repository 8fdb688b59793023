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
cases so that ``validate`` can warn about them.  Ids cannot be redacted at
all (links and file names use them), so a public view refuses to run while a
public record's id holds one of its confidential names (:func:`names_in_id`);
``ledger rename`` gives the record a clean id.

A public view carries no file paths (every row's path is :data:`NO_PATH`),
and who documented what (``recorded.by``, a source's ``added_by``) and where
the evidence lies (a source's ``file``) are withheld unless the ledger's
settings publish them (:data:`PUBLISHABLE`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ledger.core.ids import slugify
from ledger.core.problems import ExitCode, LedgerError

Record = dict[str, Any]
Row = tuple[str, Record]

ROLES = ("victims", "perpetrators")
WITHHELD_NAME = "(withheld)"
WITHHELD_SOURCE = {"ref": "withheld", "title": "(withheld source)"}
WITHHELD_FILE_TITLE = "(evidence file withheld)"
# The path of every row of a public view: renderers leave an empty path out.
NO_PATH = ""
# Fields withheld from public views unless ledger.toml's [public] publish names them.
PUBLISHABLE = ("recorded.by", "sources.added_by", "sources.file")
# Name words shorter than this are too common to mean a person ("li", "ng").
MIN_NAME_WORD = 3


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
                  public_ids: Container[str] | None = None,
                  publish: Container[str] = ()) -> Record | None:
    """The record as a public release shows it, or None when it is withheld.

    ``public_ids`` are the ids of the ledger's public records; links
    (`related`, `duplicate_of`) to any other id are dropped.  Without it the
    links are dropped altogether, since an id may name a withheld record.
    ``publish`` names the :data:`PUBLISHABLE` fields a release keeps.
    """
    if not is_public(record):
        withheld.records += 1
        return None
    out = copy.deepcopy(record)
    _redact_actors(out, withheld)
    _redact_sources(out, withheld)
    _redact_links(out, public_ids if public_ids is not None else ())
    _redact_documenters(out, publish)
    return out


def public_row(record: Record, withheld: Withheld, *, public_ids: Container[str],
               publish: Container[str] = ()) -> Row | None:
    """One row of a public view: the redacted record and no path."""
    shown = public_record(record, withheld, public_ids=public_ids, publish=publish)
    return None if shown is None else (NO_PATH, shown)


def public_records(rows: Iterable[Row], withheld: Withheld, *,
                   publish: Container[str] = ()) -> Iterator[Row]:
    """The public records among rows, redacted, in the same order, without paths.

    Pass the whole ledger (filter afterwards): links are kept only to the
    public records among these rows.  Raises LedgerError (exit 1) before
    yielding anything when a public record's id names a confidential actor.
    """
    rows = list(rows)
    ids = release_ids(rows)
    for _path, record in rows:
        shown = public_row(record, withheld, public_ids=ids, publish=publish)
        if shown is not None:
            yield shown


def release_ids(rows: Iterable[Row]) -> set[str]:
    """The ids of the public records among rows, which a release may show.

    Raises LedgerError (exit 1) naming the records whose id holds one of their
    confidential names: an id is never redacted, so no public view may be made.
    """
    ids: set[str] = set()
    leaks: list[str] = []
    for path, record in rows:
        if not is_public(record):
            continue
        rid = str(record.get("id"))
        ids.add(rid)
        if names_in_id(record):
            leaks.append(f"{rid} ({path})" if path else rid)
    if leaks:
        shown = ", ".join(leaks[:5]) + (f" and {len(leaks) - 5} more" if len(leaks) > 5 else "")
        raise LedgerError(
            f"no public view made: the id of {len(leaks)} public record{'s' if len(leaks) != 1 else ''} "
            f"holds the name of a confidential actor: {shown}",
            hint="give each a new id with `ledger rename OLD NEW`; `ledger validate` lists them "
                 "as confidential-name-in-id", exit_code=ExitCode.INVALID)
    return ids


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


def _redact_documenters(record: Record, publish: Container[str]) -> None:
    """Who documented it and where the evidence lies, unless published."""
    recorded = record.get("recorded")
    if "recorded.by" not in publish and isinstance(recorded, dict) and "by" in recorded:
        del recorded["by"]
        if not recorded:
            del record["recorded"]
    for source in record.get("sources") or []:
        if not isinstance(source, dict):
            continue
        if "sources.added_by" not in publish:
            source.pop("added_by", None)
        if "sources.file" not in publish and source.pop("file", None) is not None \
                and not (source.get("url") or source.get("title")):
            # A source needs a url, a title or a file: say one existed, not where.
            source["title"] = WITHHELD_FILE_TITLE


def _redact_links(record: Record, public_ids: Container[str]) -> None:
    related = record.get("related")
    if isinstance(related, list):
        kept = [i for i in related if isinstance(i, str) and i in public_ids]
        if kept:
            record["related"] = kept
        else:
            record.pop("related")
    elif "related" in record:  # not a list (a broken record): may still name a withheld id
        del record["related"]
    dup = record.get("duplicate_of")
    if "duplicate_of" in record and not (isinstance(dup, str) and dup in public_ids):
        del record["duplicate_of"]


# -- names left in prose --------------------------------------------------------

def secret_names(record: Record) -> list[str]:
    """Every name of every confidential actor in the record."""
    out: list[str] = []
    for actor in _secret_actors(record):
        for name in _all_names(actor):
            if name not in out:
                out.append(name)
    return out


def _secret_actors(record: Record) -> list[dict[str, Any]]:
    actors = record.get("actors")
    return [a for a in actors if isinstance(a, dict) and is_confidential(a)] \
        if isinstance(actors, list) else []


def _all_names(actor: dict[str, Any]) -> list[str]:
    """name, every script in names, and aliases (a list or a map) when present."""
    found: list[Any] = [actor.get("name")]
    for key in ("names", "aliases"):
        value = actor.get(key)
        found += list(value.values()) if isinstance(value, dict) else \
            value if isinstance(value, list) else [value]
    return [n.strip() for n in found if isinstance(n, str) and n.strip()]


# -- names in ids -----------------------------------------------------------------

def names_in_id(record: Record) -> list[tuple[str, str]]:
    """(actor ref, name) for each confidential actor a name of which the
    record's id (and so its file name) spells out.

    The name is slugged exactly as ids are made, so "Ильяшев" is found in
    "2020-04-18-ilyashev-sentenced-k3q9"; any word of the name of at least
    MIN_NAME_WORD characters counts when it is a whole word of the id.
    """
    rid = record.get("id")
    if not isinstance(rid, str):
        return []
    words = set(rid.lower().split("-"))
    hits: list[tuple[str, str]] = []
    for actor in _secret_actors(record):
        for name in _all_names(actor):
            if any(len(w) >= MIN_NAME_WORD and w in words for w in name_words(name)):
                hits.append((str(actor.get("ref", "")), name))
                break
    return hits


def secret_words(record: Record) -> set[str]:
    """Every word (as an id spells it) of a name of the record's confidential actors."""
    return {w for actor in _secret_actors(record) for name in _all_names(actor)
            for w in name_words(name) if len(w) >= MIN_NAME_WORD}


def name_words(name: str) -> list[str]:
    """The words of a name as an id would spell them (the id rule's own slug)."""
    return [w for w in slugify(name, max_length=1 << 16).split("-") if w]


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
