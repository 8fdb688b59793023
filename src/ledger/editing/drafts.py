"""Drafts: work that could not be saved as a record yet, kept so it is never lost.

`ledger add` keeps a draft of the answers given so far (written after every
answer, so Ctrl-C, a closed terminal or a crash loses at most the answer
being typed), and of a text edited in $EDITOR that did not validate; `ledger
edit` keeps the changed text of a record that did not validate.  `ledger add
--resume [NAME]` and `ledger edit ID` pick them up; a draft is deleted once
its record is saved.

Drafts are never where a commit or the record walker could reach them: in a
git repository, inside its private folder (``.git/ledger/drafts/``), else in
the user's state folder (``$XDG_STATE_HOME/incident-ledger/drafts/<hash of the
ledger's path>/``).  Each is one JSON file, readable only by its owner, as
it may name confidential people.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledger.core.problems import ExitCode, LedgerError, UsageError
from ledger.editing.prompts import Prompter, Question, check_answer
from ledger.store import files as storage
from ledger.store import private
from ledger.store.session import Session

VERSION = 1
ADD, EDIT = "add", "edit"
LATEST = ""  # the name asked for by a bare `--resume`


@dataclass
class Draft:
    name: str
    kind: str  # ADD or EDIT
    created: str  # local time, ISO 8601, to the second
    folder: Path
    answers: list[list[Any]] = field(default_factory=list)  # [question key, answer] as the interview got them
    base: dict[str, Any] = field(default_factory=dict)  # the record the interview started from (flags)
    text: str | None = None  # a text from $EDITOR; when set, it is what a resume opens
    record_id: str = ""  # EDIT: the record
    based_on: str = ""  # EDIT: sha256 of the record's bytes the change started from

    @property
    def path(self) -> Path:
        return self.folder / f"{self.name}.json"

    @property
    def saved(self) -> bool:
        return self.path.is_file()

    @property
    def when(self) -> str:
        return self.created.replace("T", " ")

    def describe(self) -> str:
        if self.text is not None:
            return f"draft {self.name} (an unsaved text from {self.when})"
        return f"draft {self.name} ({len(self.answers)} answers from {self.when})"

    def save(self) -> None:
        """Write the draft; a failure is a message naming the folder, never a traceback."""
        doc = {"version": VERSION, **{k: v for k, v in asdict(self).items() if k != "folder"}}
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            storage.write_atomic(self.path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
            os.chmod(self.path, 0o600)
        except OSError as exc:
            raise LedgerError(f"cannot keep a draft in {self.folder}: {exc.strerror or exc}") from None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            storage.remove_file(self.path)


def folder(session: Session) -> Path:
    """Where this ledger's drafts live: see the module's description."""
    git_dir, top = private.git_dir(session.root), private.work_tree(session.root)
    if git_dir is not None and top is not None:
        inside = os.path.relpath(session.root, top).replace(os.sep, "/").removeprefix(".")
        base = git_dir / "ledger" / "drafts"
        # Two ledgers in one repository keep their drafts apart.
        return base / _digest(inside) if inside else base
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "incident-ledger" / "drafts" / _digest(str(session.root.resolve()))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def new_add(session: Session, base: dict[str, Any]) -> Draft:
    """A draft for a new record; nothing is written until it holds something."""
    where = folder(session)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name, n = f"add-{stamp}", 2
    while (where / f"{name}.json").exists():
        name, n = f"add-{stamp}-{n}", n + 1
    return Draft(name, ADD, _now(), where, base=dict(base))


def for_edit(session: Session, record_id: str, text: str, raw: bytes) -> Draft:
    return Draft(f"edit-{record_id}", EDIT, _now(), folder(session), text=text, record_id=record_id,
                 based_on=hashlib.sha256(raw).hexdigest())


def of_record(session: Session, record_id: str) -> Draft | None:
    found = _read(folder(session) / f"edit-{record_id}.json")
    return found if found is not None and found.kind == EDIT and found.record_id == record_id else None


def all_drafts(session: Session) -> list[Draft]:
    where = folder(session)
    try:
        paths = sorted(where.glob("*.json"))
    except OSError:
        return []
    return [d for d in map(_read, paths) if d is not None]


def find(session: Session, name: str) -> Draft:
    """The draft `--resume NAME` names; LATEST: the newest draft of a new record."""
    drafts = all_drafts(session)
    if name == LATEST:
        adds = [d for d in drafts if d.kind == ADD]
        if not adds:
            raise UsageError("there is no draft to resume",
                             hint="a draft is kept when `ledger add` is interrupted or its record not saved")
        return max(adds, key=lambda d: (d.created, d.name))
    wanted = name.strip().removesuffix(".json").rsplit("/", 1)[-1]
    for draft in drafts:
        if draft.name == wanted:
            if draft.kind == EDIT:
                raise UsageError(f"draft {draft.name} holds changes to {draft.record_id}",
                                 hint=f"`ledger edit {draft.record_id}` opens them")
            return draft
    names = ", ".join(d.name for d in drafts if d.kind == ADD) or "none"
    raise UsageError(f"no draft named {name!r}", hint=f"drafts of this ledger: {names}")


def _read(path: Path) -> Draft | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        return None
    base = doc.get("base")
    answers = [list(a) for a in doc.get("answers") or [] if isinstance(a, list) and len(a) == 2]
    try:
        draft = Draft(name=path.stem, kind=str(doc["kind"]), created=str(doc["created"]), folder=path.parent,
                      answers=answers,
                      base=base if isinstance(base, dict) else {},
                      text=doc["text"] if isinstance(doc.get("text"), str) else None,
                      record_id=str(doc.get("record_id") or ""), based_on=str(doc.get("based_on") or ""))
    except (KeyError, TypeError):
        return None
    return draft if draft.kind in (ADD, EDIT) else None


def is_stale(draft: Draft, raw: bytes) -> bool:
    """True when the record changed since the draft's change started from it."""
    return draft.based_on != hashlib.sha256(raw).hexdigest()


def interrupted(draft: Draft | None) -> LedgerError:
    """Ctrl-C, as an error saying where the answers so far were kept (typer
    turns a KeyboardInterrupt into a silent exit 130)."""
    if draft is None or not draft.saved:
        return LedgerError("interrupted; nothing was written", exit_code=ExitCode.INTERRUPTED)
    return LedgerError(f"interrupted; nothing was written, and your answers are kept in {draft.path}",
                       hint="`ledger add --resume` continues from them", exit_code=ExitCode.INTERRUPTED)


class Journal:
    """A Prompter that keeps every answer in the draft as it is given, and
    first gives back the answers a resumed draft holds, for as long as the
    questions are the same ones (the schema may have changed meanwhile)."""

    def __init__(self, prompter: Prompter, draft: Draft) -> None:
        self.prompter = prompter
        self.draft = draft
        self.replay: deque[list[Any]] = deque(draft.answers)
        self.unkept = False  # the draft could not be written
        draft.answers = []

    def _replayed(self, key: str, fits: Any) -> Any:
        if self.replay and self.replay[0][0] == key and fits(self.replay[0][1]):
            return self.replay.popleft()[1]
        self.replay.clear()
        return None

    def _keep(self, key: str, answer: Any) -> None:
        self.draft.answers.append([key, answer])
        if self.replay or self.unkept:  # while replaying, the file already holds these
            return
        try:
            self.draft.save()
        except LedgerError as exc:
            # The safety net failing must not stop the interview itself.
            self.unkept = True
            self.prompter.say(f"note: {exc.message}; if this is interrupted, the answers are lost")

    def ask(self, question: Question) -> str:
        def fits(value: Any) -> bool:
            return isinstance(value, str) and ((value == "" and not question.required)
                                               or check_answer(question, value) is None)

        answer = self._replayed(question.key, fits)
        if answer is None:
            answer = self.prompter.ask(question)
        else:
            self.prompter.say(f"{question.label}: {answer or '-'}")
        self._keep(question.key, answer)
        return str(answer)

    def confirm(self, key: str, label: str, *, default: bool) -> bool:
        answer = self._replayed(key, lambda v: isinstance(v, bool))
        if answer is None:
            answer = self.prompter.confirm(key, label, default=default)
        else:
            self.prompter.say(f"{label} {'yes' if answer else 'no'}")
        self._keep(key, answer)
        return bool(answer)

    def say(self, text: str) -> None:
        self.prompter.say(text)
