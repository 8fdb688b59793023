"""`ledger add`: four ways in, one way out.

A new record comes from flags, from a YAML or JSON document (a file or
standard input), from a template edited in $EDITOR, or from questions in a
terminal.  Every way ends in ``recording.prepare`` (complete, format, check
as `ledger validate` would) and ``recording.write_new`` (exclusive create),
so none can write an invalid record or overwrite a file.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.core import yamlio
from ledger.core.problems import ExitCode, LedgerError, Problem, UsageError
from ledger.editing import compose, drafts, editor, template
from ledger.editing import save as recording
from ledger.editing.prompts import Prompter, Question
from ledger.store import files as storage
from ledger.store import gitio, profiles
from ledger.store.session import Session

STATE_FILE = "answers.json"  # remembered answers, in the user's state folder
STDIN = "-"


@dataclass
class Request:
    fields: compose.Fields
    slug: str | None = None
    document: str | None = None  # --from: a path, or "-" for standard input
    edit: bool = False
    interactive: bool = False
    piped: bool = False  # stdin is not a terminal: with no flags, it may hold the document
    dry_run: bool = False
    resume: str | None = None  # a draft to continue: its name, or drafts.LATEST


@dataclass
class Io:
    """How a flow talks to the user; the CLI supplies it."""

    read_stdin: Callable[[int], str]  # at most that many characters
    show: Callable[[list[Problem]], None]  # problems, as validate prints them
    prompter: Prompter | None = None  # None without a terminal: nothing is asked
    tell: Callable[[str], None] = lambda text: print(text, file=sys.stderr)  # a note for the user

    def reopen(self) -> Callable[[], bool] | None:
        """The question after an edit that does not validate; None: no terminal to ask in."""
        prompter = self.prompter
        if prompter is None:
            return None
        return lambda: prompter.confirm("reopen", "Reopen the editor to fix them?", default=True)


def add(session: Session, req: Request, io: Io) -> recording.Candidate:
    """The record req describes, written unless req.dry_run; a candidate
    with errors is returned unwritten."""
    ctx = compose.Context(session.schema, dt.date.today(), gitio.author_name(session.root), req.slug,
                          profiles=profiles.load(session, dt.date.today()).by_id)
    if req.resume is not None:
        return _resume(session, req, ctx, io)
    if req.document is not None:
        if req.fields.given() or req.edit:
            raise UsageError("--from gives the whole record; it does not combine with field flags or --edit",
                             hint="put every field in the document, or leave out --from")
        return _from_document(session, req, ctx, _stdin(session, io) if req.document == STDIN else None)
    if req.edit:
        return _in_editor(session, req, ctx, io, None)
    if req.interactive and io.prompter is not None:
        return _interview(session, req, ctx, io, io.prompter)
    piped = _stdin(session, io) if req.piped and not req.fields.given() else ""
    if piped.strip():  # `ledger add < record.yaml`
        return _from_document(session, replace(req, document=STDIN), ctx, piped)
    if not req.fields.given():
        raise UsageError("nothing to record",
                         hint="give the fields as flags (--title, --date, --country, --act, --source ...), "
                              "a document with --from FILE (or --from - for standard input), "
                              "or --edit; in a terminal, `ledger add` asks for each field")
    text = recording.document_text(compose.record_from_fields(req.fields))
    return _commit(session, req, lambda: recording.prepare(session, text, ctx, recording.known_ids(session)))


def _commit(session: Session, req: Request, build: Callable[[], recording.Candidate],
            draft: drafts.Draft | None = None) -> recording.Candidate:
    if req.dry_run:
        return build()
    written = recording.write_new(session, build)
    if written.written and draft is not None:
        draft.discard()
    return written


def _resume(session: Session, req: Request, ctx: compose.Context, io: Io) -> recording.Candidate:
    """Continue a draft: a text in the editor, answers in the interview."""
    assert req.resume is not None
    if req.fields.given() or req.document is not None:
        raise UsageError("--resume continues a draft as it was; it does not combine with field flags "
                         "or --from")
    draft = drafts.find(session, req.resume)
    if draft.text is not None:
        io.tell(f"resuming {draft.describe()}")
        return _in_editor(session, req, ctx, io, draft.text, draft)
    if io.prompter is None:
        raise UsageError(f"{draft.name} holds answers to questions; resume it in a terminal",
                         hint="run `ledger add --resume` in a terminal, without --no-input")
    io.prompter.say(f"Resuming {draft.describe()}:")
    return _interview(session, req, ctx, io, io.prompter, draft)


def _once_then(first: recording.Candidate, build: Callable[[], recording.Candidate]
               ) -> Callable[[], recording.Candidate]:
    """A build that returns first, already checked, then builds anew (after a
    name clash, for a fresh id suffix)."""
    pending = [first]
    return lambda: pending.pop() if pending else build()


# -- a document -----------------------------------------------------------------

def _stdin(session: Session, io: Io) -> str:
    # One character past the limit tells a too-large document from one that fits.
    return io.read_stdin(session.layout.settings.max_file_size + 1)


def _from_document(session: Session, req: Request, ctx: compose.Context,
                   stdin: str | None) -> recording.Candidate:
    """The record in a document: stdin's text, or the file req.document names."""
    assert req.document is not None
    label = "<stdin>" if stdin is not None else req.document
    limit = session.layout.settings.max_file_size
    raw = stdin.encode("utf-8") if stdin is not None else storage.read_document(Path(req.document), limit)
    if len(raw) > limit:
        return recording.Candidate("", "", [Problem(label, 1, 1, "file-too-large",
                                                    f"the document is larger than {limit} bytes")])
    text, issue = yamlio.decode(raw)
    if text is None:
        assert issue is not None
        return recording.Candidate("", "", [Problem(label, issue.line, issue.column, issue.code,
                                                    issue.message, hint=issue.hint)])
    body, positions = text, text
    if text.lstrip().startswith(("{", "[")):
        data, problem = _json(text, label)
        if problem is not None:
            # A YAML flow mapping starts with "{" too: it is only wrong if YAML cannot read it.
            if yamlio.parse(text)[0] is None or problem.code != "json-syntax":
                return recording.Candidate("", "", [problem])
        else:
            # JSON is YAML, so positions in the user's text are found too (unless it is indented with tabs).
            body, positions = recording.document_text(data), text if yamlio.compose(text) is not None else ""

    def build() -> recording.Candidate:
        return recording.prepare(session, body, ctx, recording.known_ids(session), label=label,
                                 positions=positions)

    candidate = build()
    if candidate.empty:
        candidate.problems = [Problem(label, 1, 1, "empty", "the document holds no fields")]
    return candidate if not candidate.ok else _commit(session, req, _once_then(candidate, build))


def _json(text: str, label: str) -> tuple[Any, Problem | None]:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"duplicate key '{key}'")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant), None
    except json.JSONDecodeError as exc:
        return None, Problem(label, exc.lineno, exc.colno, "json-syntax", f"JSON syntax error: {exc.msg}")
    except ValueError as exc:
        return None, Problem(label, 1, 1, "json-value", f"JSON: {exc}")
    except RecursionError:
        return None, Problem(label, 1, 1, "too-deep", "the document is nested too deeply")


# -- $EDITOR --------------------------------------------------------------------

def _in_editor(session: Session, req: Request, ctx: compose.Context, io: Io,
               initial: str | None, draft: drafts.Draft | None = None) -> recording.Candidate:
    if initial is None:
        # The copy is edited in incidents/ itself (see storage.edit_copy).
        ref = session.schema_ref(session.layout.incidents_dir / "new.yaml")
        initial = template.new_record(session.schema, ref, compose.record_from_fields(req.fields))
    bodies: list[str] = []
    texts: list[str] = []  # as saved, help lines and all: what a draft keeps

    def prepare(body: str, positions: str | None = None) -> recording.Candidate:
        return recording.prepare(session, body, ctx, recording.known_ids(session),
                                 label="new record" if positions is not None else "", positions=positions)

    def judge(saved: str) -> editor.Verdict[recording.Candidate]:
        body = template.strip_help(saved)
        bodies.append(body)
        texts.append(saved)
        issue = yamlio.parse(body)[1]
        if issue is not None and issue.code == "empty":  # everything deleted: the user gave up
            return editor.Verdict([])
        candidate = prepare(body, template.strip_help(saved, keep_lines=True))
        if candidate.empty:
            return editor.Verdict([])
        return editor.Verdict([] if candidate.ok else candidate.problems, candidate)

    edited = editor.edit(initial, session.layout.incidents_dir, "new", judge, show=io.show,
                         reopen=io.reopen())
    if edited.verdict.problems:
        draft = draft or drafts.new_add(session, {})
        draft.text = texts[-1]
        try:
            draft.save()
        except LedgerError as exc:
            raise LedgerError(f"the record does not validate; nothing was written, and the text could not "
                              f"be kept: {exc.message}", exit_code=ExitCode.INVALID) from None
        raise LedgerError(f"the record does not validate; nothing was written, and your text is kept in "
                          f"{draft.path}", hint=f"`ledger add --resume {draft.name}` opens it again",
                          exit_code=ExitCode.INVALID)
    if edited.verdict.result is None:
        kept = f"; {draft.describe()} is kept" if draft is not None and draft.saved else ""
        raise LedgerError(f"nothing was entered; nothing was written{kept}", exit_code=ExitCode.INVALID)
    for problem in edited.verdict.result.problems:  # warnings: shown, not blocking
        io.show([problem])
    return _commit(session, req, _once_then(prepare(bodies[-1]), lambda: prepare(bodies[-1])), draft)


# -- questions in a terminal ----------------------------------------------------

def _interview(session: Session, req: Request, ctx: compose.Context, io: Io,
               prompter: Prompter, draft: drafts.Draft | None = None) -> recording.Candidate:
    draft = draft or drafts.new_add(session, compose.record_from_fields(req.fields))
    try:
        return _ask_and_save(session, req, ctx, io, prompter, draft)
    except KeyboardInterrupt:
        raise drafts.interrupted(draft) from None


def _ask_and_save(session: Session, req: Request, ctx: compose.Context, io: Io,
                  prompter: Prompter, draft: drafts.Draft) -> recording.Candidate:
    from ledger.editing.earlier import Earlier
    from ledger.editing.interview import Interview

    state = storage.read_user_state(STATE_FILE)
    memory = state.get(str(session.root), {})
    schema = session.schema
    interview = Interview(schema, drafts.Journal(prompter, draft), today=ctx.today,
                          remembered=memory if isinstance(memory, dict) else {},
                          recorded_by=ctx.recorded_by, earlier=Earlier(session))
    record = interview.run(draft.base)
    text = recording.document_text(record)

    def build() -> recording.Candidate:
        return recording.prepare(session, text, ctx, recording.known_ids(session))

    candidate = build()
    prompter.say("\n" + candidate.text)
    if candidate.problems:
        io.show(candidate.problems)
    choices = {"yes": f"write it to {candidate.rel or 'the ledger'}",
               "edit": "open it in $EDITOR first",
               "no": "do not write it (the answers are kept as a draft)"}
    if not candidate.ok:
        del choices["yes"]
    answer = prompter.ask(Question("save", "Save this record?", choices=choices,
                                   default="yes" if candidate.ok else "edit"))
    if answer == "edit":
        result = _in_editor(session, req, ctx, io, candidate.text, draft)
    elif answer == "yes":
        result = _commit(session, req, _once_then(candidate, build), draft)
    else:
        if not draft.saved:
            try:
                draft.save()
            except LedgerError as exc:
                raise LedgerError(f"not written, and the answers could not be kept: {exc.message}",
                                  exit_code=ExitCode.INVALID) from None
        raise LedgerError(f"not written; your answers are kept in {draft.path}",
                          hint=f"`ledger add --resume {draft.name}` continues from them; "
                               "delete that file to throw them away",
                          exit_code=ExitCode.INVALID)
    if result.written:
        _remember(session, state, record)
    return result


def _remember(session: Session, state: dict[str, Any], record: dict[str, Any]) -> None:
    from ledger.editing.interview import REMEMBERED

    answers = {}
    for path in (*REMEMBERED, "recorded.by"):
        value = _first(record, path.split("."))
        if isinstance(value, str):
            answers[path] = value
    old = state.get(str(session.root))
    state[str(session.root)] = {**(old if isinstance(old, dict) else {}), **answers}
    storage.write_user_state(STATE_FILE, state)


def _first(node: Any, parts: list[str]) -> Any:
    """The value at a dotted path, from the first list item that has one."""
    if not parts:
        return node
    if isinstance(node, list):
        for item in node:
            found = _first(item, parts)
            if found is not None:
                return found
        return None
    if isinstance(node, dict) and parts[0] in node:
        return _first(node[parts[0]], parts[1:])
    return None
