"""`ledger rename OLD NEW`: give a record a new id, and every link to it too.

Ids are permanent, but one made from a first title can hold a name that
must not be published; renaming is how such an id is retired.  The record's
file moves within its folder, its `id` changes, and every `related` /
`duplicate_of` entry naming OLD in any record of the ledger is rewritten.
Only those scalars change in each file's text: comments, quoting and layout
stay exactly as they were.  The changed records are checked as `validate`
would; a rename that adds an error is refused.  All files change in one step
(``store.batch``): nothing changes unless everything can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.core import ids, yamlio
from ledger.core.fmt import FormatError, format_text
from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError
from ledger.editing import save as recording
from ledger.store import batch
from ledger.store import files as storage
from ledger.store.session import Session

LINK_KEYS = ("related", "duplicate_of")


@dataclass
class Renamed:
    """What `ledger rename` changed (or, when refused, why not)."""

    old: str
    new: str
    old_path: str  # relative to the ledger root
    new_path: str
    linked: list[tuple[str, str]] = field(default_factory=list)  # (id, path) of records whose links changed
    problems: list[Problem] = field(default_factory=list)  # of the changed records, as validate reports them
    skipped: list[str] = field(default_factory=list)  # files naming OLD that could not be read as records


@dataclass
class _File:
    rel: str
    path: Path
    raw: bytes
    text: str
    data: dict[str, Any]


def rename(session: Session, old: str, new: str, *, today: dt.date | None = None) -> Renamed:
    """Rename OLD to NEW, or raise: UsageError (exit 2) for a NEW that is
    malformed or taken, LedgerError exit 1 when the result would not
    validate (nothing is written), exit 3 when a file cannot be written."""
    today = today or dt.date.today()
    known = recording.known_ids(session)
    old = old.strip().removesuffix(".yaml").rsplit("/", 1)[-1]
    _check_new(old, new, known)
    if old not in known:
        raise LedgerError(f"no incident with id {old!r}", hint="`ledger list --format ids` shows every id",
                          exit_code=ExitCode.INVALID)
    record = _read(session, session.root / known[old])
    if record is None:
        raise LedgerError(f"{known[old]} cannot be read as a record; fix it first",
                          hint="`ledger validate` says what is wrong", exit_code=ExitCode.INVALID)
    new_path = record.path.with_name(new + record.path.suffix)
    result = Renamed(old, new, record.rel, session.layout.rel(new_path))
    if new_path.exists() or new_path.is_symlink():
        raise UsageError(f"{result.new_path} already exists", hint="choose another id")

    changed: list[tuple[_File, str]] = [(record, _rewrite(record, old, new, session, renamed=True))]
    for other in _linking(session, old, skip=record.path, skipped=result.skipped):
        changed.append((other, _rewrite(other, old, new, session, renamed=False)))
        result.linked.append((str(other.data.get("id", "")), other.rel))

    after = {rid: rel for rid, rel in known.items() if rid != old} | {new: result.new_path}
    added = _added_errors(session, changed, result, known, after, today)
    if added:
        result.problems = added
        raise Refused(result)
    writes = [batch.Write(new_path, changed[0][1], None, mode=_mode(record.path))]
    writes += [batch.Write(f.path, text, f.raw) for f, text in changed[1:]]
    label = {f.path: f.rel for f, _ in changed} | {new_path: result.new_path}
    batch.apply(session.root, writes, [batch.Remove(record.path, record.raw)], label=label)
    return result


class Refused(LedgerError):
    """The rename would make the ledger invalid; nothing was written."""

    def __init__(self, result: Renamed) -> None:
        super().__init__(f"renaming {result.old} to {result.new} would leave invalid records; "
                         "nothing was changed", exit_code=ExitCode.INVALID)
        self.result = result


def _mode(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return None


def _check_new(old: str, new: str, known: dict[str, str]) -> None:
    if not ids.is_valid(new):
        raise UsageError(f"{new!r} is not a valid id",
                         hint="lower-case letters, digits and '-', 3 to 100 characters, "
                              "e.g. 2020-04-18-activist-sentenced-k3q9")
    if new == old:
        raise UsageError(f"the record is already called {new}")
    if new in known:
        raise UsageError(f"id {new} is already taken by {known[new]}",
                         hint="ids are permanent and unique; choose another")


def _read(session: Session, path: Path) -> _File | None:
    """The record at path, or None when it is not a readable mapping."""
    if path.is_symlink() or not path.is_file():
        return None  # never read or replaced through a link (SPEC 7)
    raw, _ = storage.read_record(session.layout, session.layout.rel(path))
    text = yamlio.decode(raw)[0] if raw is not None else None
    data = yamlio.parse(text)[0] if text is not None else None
    if raw is None or text is None or not isinstance(data, dict):
        return None
    return _File(session.layout.rel(path), path, raw, text, data)


def _linking(session: Session, old: str, *, skip: Path, skipped: list[str]) -> Iterator[_File]:
    """Every other record whose related / duplicate_of names old."""
    needle = old.encode("utf-8")
    for path in storage.iter_record_files(session.layout):
        if path == skip:
            continue
        raw, _ = storage.read_record(session.layout, session.layout.rel(path))
        if raw is None or needle not in raw:  # most files: no parse needed
            continue
        found = _read(session, path)
        if found is None:
            skipped.append(session.layout.rel(path))
        elif _links_to(found.data, old):
            yield found


def _links_to(data: dict[str, Any], rid: str) -> bool:
    related = data.get("related")
    return (isinstance(related, list) and rid in related) or data.get("duplicate_of") == rid


def _expected(data: dict[str, Any], old: str, new: str, *, renamed: bool) -> dict[str, Any]:
    out = dict(data)
    if renamed:
        out["id"] = new
    if isinstance(out.get("related"), list):
        out["related"] = [new if v == old else v for v in out["related"]]
    if out.get("duplicate_of") == old:
        out["duplicate_of"] = new
    return out


def _rewrite(f: _File, old: str, new: str, session: Session, *, renamed: bool) -> str:
    """f's text with OLD replaced by NEW where it is the id or a link, and nowhere else."""
    want = _expected(f.data, old, new, renamed=renamed)
    spans = _spans(f.text, old, renamed=renamed)
    if spans is not None:
        for quoted in (False, True):
            text = _splice(f.text, spans, new, quoted)
            if yamlio.parse(text)[0] == want:
                return text
    # A layout the scalars cannot be found in: rewrite the record canonically
    # (as `ledger fmt` would), which still keeps every comment.
    def change(doc: Any) -> None:
        for key, value in want.items():
            if doc.get(key) != value:
                doc[key] = value

    try:
        text = format_text(f.text, session.schema_ref(f.path), session.schema.key_order, transform=change)
    except FormatError as exc:
        raise LedgerError(f"{f.rel}: cannot rewrite it: {exc.issue.message}; nothing was changed",
                          exit_code=ExitCode.INVALID) from None
    return text


Span = tuple[int, int, str]  # start, end, the quote character ("" when plain)


def _spans(text: str, old: str, *, renamed: bool) -> list[Span] | None:
    """Where the scalars to change are in text, or None when they cannot be pinned down."""
    root = yamlio.compose(text)
    if root is None or getattr(root, "id", "") != "mapping":
        return None
    starts = _line_starts(text)
    nodes = []
    for key, value in root.value:
        name = getattr(key, "value", None)
        if name == "id" and renamed:
            nodes.append(value)
        elif name == "related" and getattr(value, "id", "") == "sequence":
            nodes += [item for item in value.value if getattr(item, "value", None) == old]
        elif name == "duplicate_of" and getattr(value, "value", None) == old:
            nodes.append(value)
    spans: list[Span] = []
    for node in nodes:
        if getattr(node, "id", "") != "scalar":
            return None
        quote = node.style if node.style in ("'", '"') else ""
        start = _offset(starts, node.start_mark)
        end = start + len(node.value) + 2 * len(quote)
        if text[start:end] != f"{quote}{node.value}{quote}" or node.style not in ("", None, "'", '"'):
            return None
        spans.append((start, end, quote))
    return sorted(spans)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts


def _offset(starts: list[int], mark: Any) -> int:
    return starts[mark.line] + mark.column if mark.line < len(starts) else -1


def _splice(text: str, spans: list[Span], new: str, quoted: bool) -> str:
    out, last = [], 0
    for start, end, quote in spans:
        q = quote or ("'" if quoted else "")
        out += [text[last:start], f"{q}{new}{q}"]
        last = end
    return "".join([*out, text[last:]])


def _added_errors(session: Session, changed: list[tuple[_File, str]], result: Renamed,
                  before: dict[str, str], after: dict[str, str], today: dt.date) -> list[Problem]:
    """Errors the changed records would have that they did not have before
    (an error already there is not the rename's doing, and does not stop it).
    The renamed record's own problems are kept in result.problems, so that a
    NEW that still holds a confidential name is warned about."""
    added: list[Problem] = []
    for i, (f, text) in enumerate(changed):
        rel = result.new_path if i == 0 else f.rel
        old_keys = _keys(recording.check(session, f.rel, f.text, before, today=today))
        now = recording.check(session, rel, text, after, today=today)
        if i == 0:
            result.problems = now
        added += [p for p in now if p.is_error and (p.code, p.pointer) not in old_keys]
    return added


def _keys(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.code, p.pointer) for p in problems if p.is_error}

