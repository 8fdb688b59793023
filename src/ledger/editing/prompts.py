"""The prompt layer's interface: what the interview asks, and the rules an
answer must meet.

The interview (``ledger.editing.interview``) only talks to a :class:`Prompter`, so
tests drive it with scripted answers; ``ledger.editing.terminal`` asks the same
questions in a real terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Check = Callable[[str], "str | None"]  # the answer -> an error message, or None when fine


@dataclass(frozen=True)
class Question:
    key: str  # the field's dotted path ("location.country"), or what is asked ("another.acts")
    label: str
    help: str = ""  # the schema's description of the field
    default: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)  # value -> description; nothing else is taken
    suggestions: Sequence[str] = ()  # offered for completion, not required (names entered before)
    multiple: bool = False  # several comma-separated values
    required: bool = False
    check: Check | None = None
    explain: Callable[[str], str] | None = None  # a plain-language reading of a valid answer
    multiline: bool = False


class Prompter(Protocol):
    def ask(self, question: Question) -> str:
        """The answer as normalise_answer gives it, once check_answer takes it; "" for none."""

    def confirm(self, key: str, label: str, *, default: bool) -> bool: ...

    def say(self, text: str) -> None: ...


def split_values(answer: str) -> list[str]:
    return [v.strip() for v in answer.split(",") if v.strip()]


NONE = "-"  # typed to give no value where a default is offered


def check_answer(question: Question, answer: str) -> str | None:
    """Why an answer cannot be taken, or None.  Shared by every prompter, so
    scripted answers meet the same rules as typed ones."""
    text = answer.strip()
    if not text or text == NONE:
        missing = question.required and (text == NONE or not question.default)
        return "an answer is required here" if missing else None
    if question.choices:
        values = split_values(text) if question.multiple else [text]
        unknown = [v for v in values if match_choice(question.choices, v) is None]
        if unknown:
            return f"'{unknown[0]}' is not one of the choices (press Tab to see them)"
    return question.check(text) if question.check else None


def match_choice(choices: Mapping[str, str], typed: str) -> str | None:
    """The choice typed: the same value in any case, the only one it starts,
    or the one whose description it is (Kazakhstan for KZ)."""
    low = typed.strip().lower()
    exact = [c for c in choices if c.lower() == low]
    if exact:
        return exact[0]
    described = [c for c, d in choices.items() if d and d.lower() == low]
    if len(described) == 1:
        return described[0]
    starting = [c for c in choices if c.lower().startswith(low)] if low else []
    return starting[0] if len(starting) == 1 else None


def normalise_answer(question: Question, answer: str) -> str:
    """The answer as taken: the default for an empty one, "" for NONE, and
    choices written in full as they are listed (arrest for Arrest or arr)."""
    text = answer.strip()
    if not text:
        text = question.default
    elif text == NONE:
        return ""
    if question.choices and text:
        values = split_values(text) if question.multiple else [text]
        text = ", ".join(match_choice(question.choices, v) or v for v in values)
    return text


def check_yes_no(answer: str) -> str | None:
    return None if answer.strip().lower() in ("", "y", "yes", "n", "no") else "answer y or n"


def yes_no(answer: str, default: bool) -> bool:
    text = answer.strip().lower()
    return default if not text else text.startswith("y")
