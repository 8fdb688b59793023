"""`ledger edit ID`: change a record in $EDITOR, safely.

The record opens in a temporary copy; the saved text is checked as
`ledger validate` would (problems at the user's own line numbers), put in
canonical form with the user's comments kept, and written over the record
atomically, only if the record did not change on disk meanwhile.  A text
that does not validate is never written: the user may reopen it (in a
terminal), or the command ends with exit 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledger.core import yamlio
from ledger.core.problems import ExitCode, LedgerError
from ledger.editing import drafts, editor, template
from ledger.editing import save as recording
from ledger.editing.add import Io
from ledger.store import files as storage
from ledger.store.loader import Loader
from ledger.store.session import Session


@dataclass
class Change:
    candidate: recording.Candidate
    changed: bool  # False: saved as it was, nothing written


def find(session: Session, id_or_prefix: str) -> str:
    """The record's path (relative to the root).  A record too broken to
    parse has no id to find, so file names are tried too: `ledger edit` is
    how such a file gets fixed."""
    try:
        return Loader(session).find(id_or_prefix)[0]
    except LedgerError as exc:
        if exc.exit_code != ExitCode.INVALID:
            raise
        known = recording.known_ids(session)
        needle = id_or_prefix.strip().removesuffix(".yaml").rsplit("/", 1)[-1]
        hits = [rel for rid, rel in known.items() if rid == needle] or \
            [rel for rid, rel in known.items() if rid.startswith(needle)]
        if len(hits) != 1:
            raise
        return hits[0]


def read_original(session: Session, rel: str) -> tuple[bytes, str]:
    """The record's bytes as read, and its text."""
    raw, problem = storage.read_record(session.layout, rel)
    if raw is None:
        assert problem is not None
        raise LedgerError(f"{rel}: {problem.message}")
    original, issue = yamlio.decode(raw)
    if original is None:
        assert issue is not None
        raise LedgerError(f"{rel}:{issue.line}:{issue.column}: {issue.message}; cannot edit it as text",
                          hint=issue.hint)
    return raw, original


def edit(session: Session, id_or_prefix: str, io: Io) -> Change:
    rel = find(session, id_or_prefix)
    path = session.root / rel
    raw, original = read_original(session, rel)
    today = dt.date.today()
    draft = drafts.of_record(session, path.stem)
    from_draft = _use_draft(draft, raw, io)
    texts: list[str] = []

    def judge(saved: str) -> editor.Verdict[Change]:
        texts.append(saved)
        unchanged = editor.Verdict([], Change(recording.Candidate(rel, original, rid=path.stem), False))
        if saved == original:
            return unchanged
        candidate = recording.check_edit(session, rel, saved, recording.known_ids(session), today=today)
        if not candidate.ok:
            return editor.Verdict(candidate.problems)
        if candidate.text == original:  # only layout changed, and fmt put it back
            return unchanged
        candidate.rid = path.stem
        now, _ = storage.read_record(session.layout, rel)
        # Someone (a git pull, another editor) changed the record meanwhile:
        # writing would silently undo their change, so keep ours aside instead.
        return editor.Verdict([], Change(candidate, changed=True), keep_copy=now != raw)

    initial = draft.text if from_draft and draft is not None and draft.text is not None else original
    edited = editor.edit(initial, path.parent, path.stem, judge, show=io.show, reopen=io.reopen())
    if edited.copy is not None:
        raise LedgerError(f"{rel} changed on disk while it was open in the editor; it was not overwritten",
                          hint=f"your version is in {session.layout.rel(edited.copy)}: compare the two, "
                               "then run `ledger edit` again",
                          exit_code=ExitCode.INVALID)
    result = edited.verdict.result
    if edited.verdict.problems or result is None:
        kept = drafts.for_edit(session, path.stem, template.strip_help(texts[-1], everywhere=False), raw)
        try:
            kept.save()
        except LedgerError as exc:
            raise LedgerError(f"{rel} does not validate with these changes; it was not changed, and the "
                              f"changes could not be kept: {exc.message}",
                              exit_code=ExitCode.INVALID) from None
        raise LedgerError(f"{rel} does not validate with these changes; it was not changed, and your "
                          f"changes are kept in {kept.path}",
                          hint=f"`ledger edit {path.stem}` opens them again", exit_code=ExitCode.INVALID)
    if result.changed:
        from ledger.store import write

        # Compared again under the write lock: a change made since the check
        # above (a fmt, an evidence add) is kept, not overwritten.
        try:
            write.replace(session.root, rel, result.candidate.text, expected=raw)
        except write.WriteConflict:
            copy = storage.edit_copy(path.parent, path.stem, result.candidate.text)
            raise LedgerError(f"{rel} changed on disk while it was open in the editor; it was not "
                              "overwritten", hint=f"your version is in {session.layout.rel(copy)}: compare "
                              "the two, then run `ledger edit` again", exit_code=ExitCode.INVALID) from None
        result.candidate.written = True
    if draft is not None and (result.changed or from_draft):
        draft.discard()
    return result


def _use_draft(draft: drafts.Draft | None, raw: bytes, io: Io) -> bool:
    """Whether to start from the changes a draft keeps: asked in a terminal;
    without one, yes unless the record changed since the draft was made
    (editing the draft would then quietly undo that change)."""
    if draft is None or draft.text is None:
        return False
    stale = drafts.is_stale(draft, raw)
    changed = " The record has changed since then: check that they do not undo that change." if stale else ""
    if io.prompter is not None:
        io.prompter.say(f"You have unsaved changes to this record from {draft.when}, kept in "
                        f"{draft.path}.{changed}")
        use = io.prompter.confirm("draft", "Continue from them?", default=True)
    else:
        use = not stale
    if use:
        io.tell(f"continuing from your unsaved changes of {draft.when} ({draft.path})")
    else:
        io.tell(f"starting from the record as it is; your unsaved changes of {draft.when} stay in "
                f"{draft.path} until the record is saved"
                + ("" if io.prompter is not None else " (the record changed since they were made)"))
    return use
