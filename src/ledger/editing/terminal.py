"""Asking questions in a terminal, through prompt_toolkit.

Choices complete as they are typed (prefix matches first, then substring
matches), each shown with its description; answers are checked when Enter
is pressed, and a status line says what the typed answer means or what is
wrong with it ("✓ sometime in April 2020").  Ctrl-C and Ctrl-D raise
KeyboardInterrupt: nothing is written before the last question, so the
command simply stops.

Only ``ledger add`` and ``ledger edit`` in a terminal import this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import to_formatted_text
from prompt_toolkit.output import create_output
from prompt_toolkit.validation import ValidationError, Validator

from ledger.editing.prompts import (
    NONE,
    Question,
    check_answer,
    check_yes_no,
    match_choice,
    normalise_answer,
    yes_no,
)


class TerminalPrompter:
    def __init__(self, input: Any = None, output: Any = None) -> None:
        # prompt_toolkit's own pipe input and a dummy output in tests.  By
        # default questions go to the terminal even when stdout is redirected
        # (`ledger add > new-id.txt`), so that stdout carries only the result.
        self._input = input
        self._output = output if output is not None else create_output(always_prefer_tty=True)

    def _session(self) -> PromptSession[str]:
        return PromptSession(input=self._input, output=self._output)

    def ask(self, question: Question) -> str:
        if question.multiline:
            return self._ask_lines(question)
        session = self._session()
        label = question.label + (" (required)" if question.required else "") + \
            (f" [{question.default}]" if question.default else "") + ": "
        offered = dict(question.choices) or dict.fromkeys(question.suggestions, "")
        try:
            answer = session.prompt(
                label, validator=_AnswerCheck(question),
                validate_while_typing=False,
                completer=_ChoiceCompleter(offered, question.multiple) if offered else None,
                complete_while_typing=bool(offered),
                bottom_toolbar=lambda: status_line(question, session.default_buffer.text),
                reserve_space_for_menu=min(8, len(offered)))
        except EOFError:
            raise KeyboardInterrupt from None
        return normalise_answer(question, answer)

    def _ask_lines(self, question: Question) -> str:
        self.say(f"{question.label} (one or more lines; an empty line ends):")
        session = self._session()
        lines: list[str] = []
        try:
            while True:
                line = session.prompt("  ", bottom_toolbar=question.help or None)
                if not line.strip():
                    break
                lines.append(line.rstrip())
        except EOFError:
            raise KeyboardInterrupt from None
        return "\n".join(lines)

    def confirm(self, key: str, label: str, *, default: bool) -> bool:
        answer = self.ask(Question(key, f"{label} [{'Y/n' if default else 'y/N'}]", check=check_yes_no))
        return yes_no(answer, default)

    def say(self, text: str) -> None:
        # A plain str through to_formatted_text is never read as markup.
        print_formatted_text(to_formatted_text(text), output=self._output)


def status_line(question: Question, typed: str) -> str:
    """What the answer typed so far means, or what is wrong with it."""
    text = typed.strip()
    if not text:
        if question.default:
            return f"Enter takes {question.default}; {NONE} for none" + \
                (f". {question.help}" if question.help else "")
        return question.help or ("" if question.required else "Enter to skip")
    if question.choices and not question.multiple:
        match = match_choice(question.choices, text)
        if match is not None:
            meaning = question.choices[match]
            return f"{match}: {meaning}" if meaning else match
    problem = check_answer(question, text)
    if problem:
        return f"✗ {problem}"
    if question.explain and text != NONE:
        return f"✓ {question.explain(text)}"
    return question.help


class _AnswerCheck(Validator):
    def __init__(self, question: Question) -> None:
        self.question = question

    def validate(self, document: Document) -> None:
        problem = check_answer(self.question, document.text)
        if problem:
            raise ValidationError(message=problem, cursor_position=len(document.text))


class _ChoiceCompleter(Completer):
    """Vocabulary values with their descriptions; with multiple, the value
    after the last comma is completed."""

    def __init__(self, choices: Mapping[str, str], multiple: bool) -> None:
        self.choices = choices
        self.multiple = multiple

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        before = document.text_before_cursor
        word = before.rsplit(",", 1)[-1].lstrip() if self.multiple else before.lstrip()
        low = word.lower()
        taken = {v.strip().lower() for v in before.split(",")[:-1]} if self.multiple else set()
        values = [v for v in self.choices if v.lower() not in taken]
        ranked = [v for v in values if v.lower().startswith(low)] + \
            [v for v in values if low in v.lower() and not v.lower().startswith(low)]
        if len(low) > 1:  # then by description: "kaz" offers KZ (Kazakhstan)
            ranked += [v for v in values if v not in ranked and self.choices[v].lower().startswith(low)]
        for value in ranked:
            yield Completion(value, start_position=-len(word), display_meta=self.choices[value])
