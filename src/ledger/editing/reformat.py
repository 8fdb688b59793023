"""`ledger fmt`: every record rewritten in the canonical layout, through the one write path.

A file that does not parse, or is not a regular file, is never touched; a
file that changed while it was being formatted is left as the other writer
left it (``ledger.store.write.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledger.core import yamlio
from ledger.core.fmt import FormatError, format_text
from ledger.core.problems import Problem
from ledger.store import files, write
from ledger.store.session import Session


@dataclass
class Reformatted:
    files: int = 0
    changed: list[str] = field(default_factory=list)  # rewritten (or, dry, that would be)
    failed: list[Problem] = field(default_factory=list)  # not formatted, and why
    diffs: list[tuple[str, str, str]] = field(default_factory=list)  # (path, old, new), when asked for
    written: bool = False


def reformat(session: Session, paths: list[Path] | None, *, dry: bool, diff: bool = False) -> Reformatted:
    layout = session.layout
    entries: list[files.Entry]
    if paths is None:
        entries = list(files.walk(layout)) + list(files.walk(layout, files.ACTORS))
    else:
        walked = {e.rel: e for e in files.walk(layout)}
        entries = [walked.get(rel) or files.Entry(rel, "file") for rel in (layout.rel(p) for p in paths)]
    out = Reformatted(files=len(entries), written=not dry)
    for e in entries:
        raw, problem = files.read_entry(layout, e)
        if raw is None:
            assert problem is not None
            out.failed.append(problem)
            continue
        text, issue = yamlio.decode(raw)
        try:
            if text is None:
                assert issue is not None
                raise FormatError(issue)
            schema, ref = session.schema_for(e.rel)
            new = format_text(text, ref, schema.key_order)
        except FormatError as exc:
            i = exc.issue
            out.failed.append(Problem(e.rel, i.line, i.column, i.code, i.message, hint=i.hint))
            continue
        if new.encode("utf-8") == raw:
            continue
        out.changed.append(e.rel)
        if diff:
            assert text is not None
            out.diffs.append((e.rel, text, new))
        if not dry:
            write.replace(layout.root, e.rel, new, expected=raw)
    return out
