"""Evidence files: adding them to a record (the pure checks are in ledger.core.evidence).

Adding evidence (:func:`add`) copies the
file under ``evidence/<incident-id>/`` and appends a source to the record,
validating the new record before anything is kept.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.core.problems import ExitCode, LedgerError, UsageError

if TYPE_CHECKING:
    from ledger.store.session import Session

from ledger.core.evidence import (  # noqa: F401  the pure checks, named here for callers
    EVIDENCE_DIR,
    FAILED,
    FileCheck,
    Lookup,
    RecordEvidence,
    VerifyReport,
    check_sources,
    unsafe,
    verify,
)


@dataclass(frozen=True)
class Added:
    record_path: str
    ref: str
    file: str
    sha256: str
    size: int
    copied: bool  # False: an identical file was already in place
    already: bool = False  # the record already had this evidence; nothing changed


def safe_name(name: str) -> str:
    """A file name that is harmless on every system and in a URL path."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[^\w.\-]+", "-", name)
    name = re.sub(r"-*\.-*", ".", name).strip("-.")
    if not name:
        raise UsageError("the evidence file needs a name made of letters, digits, '.', '-' or '_'")
    return name[:120]


def next_ref(record: dict[str, Any], stem: str = "ev") -> str:
    taken = {s.get("ref") for s in record.get("sources") or [] if isinstance(s, dict)}
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def new_source(record: dict[str, Any], *, file: str, sha256: str, size: int, captured: str,
               added_by: str, title: str | None, type: str | None,
               confidential: bool) -> dict[str, Any]:
    src: dict[str, Any] = {"ref": next_ref(record)}
    if title:
        src["title"] = title
    if type:
        src["type"] = type
    src.update(file=file, sha256=sha256, size=size, captured=captured)
    if added_by:
        src["added_by"] = added_by
    if confidential:
        src["confidential"] = True
    return src


def _source_type(session: Session, wanted: str | None) -> str | None:
    vocab = session.schema.vocabulary_for(("sources", "*", "type"))
    if vocab is None:
        return wanted
    if wanted is None:
        return "document" if "document" in vocab.values else None
    if wanted not in vocab.values:
        raise UsageError(f"{wanted!r} is not a source type in this ledger's schema",
                         hint="choose from " + ", ".join(vocab.values))
    return wanted


def _captured(value: str | None, today: dt.date) -> str:
    if value is None:
        return today.isoformat()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--captured {value!r} is not a date (YYYY-MM-DD)") from None
    if day > today:
        raise UsageError(f"--captured {value} is in the future")
    return day.isoformat()


def add(session: Session, id_or_prefix: str, file: Path, *, link: bool = False,
        title: str | None = None, type: str | None = None, captured: str | None = None,
        confidential: bool = False, added_by: str = "",
        today: dt.date | None = None) -> Added:
    """Copy (or hard-link) file under evidence/<id>/ and record it as a source."""
    from ledger.store import write

    # The whole read-change-write holds the ledger's write lock: evidence added
    # from several processes at once all ends up in the record.
    with write.locked(session.root):
        return _add(session, id_or_prefix, file, link=link, title=title, type=type, captured=captured,
                    confidential=confidential, added_by=added_by, today=today or dt.date.today())


def _add(session: Session, id_or_prefix: str, file: Path, *, link: bool, title: str | None,
         type: str | None, captured: str | None, confidential: bool, added_by: str,
         today: dt.date) -> Added:
    from ledger.core import ids
    from ledger.store import files as storage
    from ledger.store import write
    from ledger.store.loader import Loader

    rel_record, record = Loader(session).find(id_or_prefix)
    if not ids.is_valid(record.get("id")):
        # Never build a path from an id that could hold '/', '..' or upper case.
        raise LedgerError(f"{rel_record}: its id {record.get('id')!r} is not a valid id; "
                          "evidence is kept under evidence/<id>/", hint="run `ledger validate`",
                          exit_code=ExitCode.INVALID)
    kind = _source_type(session, type)
    when = _captured(captured, today)
    if not file.is_file():
        raise UsageError(f"{file}: no such file" if not file.exists() else f"{file} is not a file")
    try:
        digest = storage.sha256_file(file)
    except OSError as exc:
        raise LedgerError(f"cannot read {file}: {exc.strerror}") from None
    for src in record.get("sources") or []:
        if isinstance(src, dict) and src.get("sha256") == digest:
            return Added(rel_record, str(src.get("ref")), str(src.get("file", "")), digest,
                         int(src.get("size") or 0), copied=False, already=True)
    rel, copied = _place(session, str(record["id"]), file, digest, link)
    try:
        source = new_source(record, file=rel, sha256=digest, size=file.stat().st_size,
                            captured=when, added_by=added_by, title=title, type=kind,
                            confidential=confidential)
        _append_source(session, rel_record, source, today)
    except BaseException:
        if copied:
            write.remove(session.root, rel)
        raise
    return Added(rel_record, source["ref"], rel, digest, source["size"], copied)


def _place(session: Session, incident: str, file: Path, digest: str, link: bool) -> tuple[str, bool]:
    """Where the file now is (relative to the root), and whether it was put there now."""
    from ledger.store import write

    name = safe_name(file.name)
    stem, dot, suffix = name.rpartition(".") if "." in name[1:] else (name, "", "")
    for n in range(1, 100):
        candidate = name if n == 1 else f"{stem}-{n}{dot}{suffix}"
        rel = f"{EVIDENCE_DIR}/{incident}/{candidate}"
        try:
            placed, actual = write.place_copy(session.root, rel, file, link=link)
        except FileExistsError:
            continue  # another file holds this name: never overwrite it
        except OSError as exc:
            hint = "leave out --link to copy the file" if link else ""
            raise LedgerError(f"cannot {'link' if link else 'copy'} {file} to {rel}: {exc.strerror}",
                              hint=hint) from None
        if actual != digest:
            if placed:
                write.remove(session.root, rel)
            raise LedgerError(f"{file} changed while it was being copied; try again")
        return rel, placed
    raise LedgerError(f"too many files named like {name} in {EVIDENCE_DIR}/{incident}/")


def _append_source(session: Session, rel_record: str, source: dict[str, Any],
                   today: dt.date) -> None:
    """Rewrite the record with one more source, canonical and with its comments,
    refusing if that would make it invalid or if it changed meanwhile."""
    from ledger.core import yamlio
    from ledger.core.fmt import FormatError, append_item, format_text
    from ledger.core.validate import check_record
    from ledger.store import files as storage
    from ledger.store import write

    path = session.root / rel_record
    raw, problem = storage.read_record(session.layout, rel_record)
    text = yamlio.decode(raw)[0] if raw is not None else None
    if raw is None or text is None:
        raise LedgerError(f"cannot read {rel_record}" + (f": {problem.message}" if problem else ""))
    try:
        new = format_text(append_item(text, "sources", source), session.schema_ref(path),
                          session.schema.key_order)
    except FormatError as exc:
        raise LedgerError(f"{rel_record}:{exc.issue.line}:{exc.issue.column}: {exc.issue.message}",
                          hint="run `ledger validate` and fix the record first",
                          exit_code=ExitCode.INVALID) from None
    before = check_record(rel_record, raw, session.schema, today=today)
    after = check_record(rel_record, new.encode("utf-8"), session.schema, today=today)
    old = {(p.code, p.pointer, p.message) for p in before.problems}
    fresh = [p for p in after.problems if p.is_error and (p.code, p.pointer, p.message) not in old]
    if fresh:
        first = fresh[0]
        raise LedgerError(f"adding the source would make {rel_record} invalid: {first.message} "
                          f"[{first.code}]", exit_code=ExitCode.INVALID)
    write.replace(session.root, rel_record, new, expected=raw)


def default_added_by(root: Path) -> str:
    """git's user.name for the ledger, else the login name, else nothing."""
    import getpass

    from ledger.store import gitio

    try:
        name = gitio.run(["config", "user.name"], root, ok=(0, 1)).stdout.decode("utf-8", "replace")
    except LedgerError:
        name = ""
    if name.strip():
        return name.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
