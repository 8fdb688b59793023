"""Labelled lines that fit the terminal without breaking what must stay whole.

Prose (titles, descriptions, names) wraps at spaces.  Ids, dates and URLs
are "whole" values: never broken inside, because a reader copies them; a
whole value wider than the room beside its label moves below the label, and
one wider than the terminal is printed whole on a line of its own (the
terminal then wraps it, and copying it still gives the full value).

When the room beside the labels is under MIN_ROOM columns (a narrow
terminal), a label sits on its own line above its value, which then has the
full width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIN_ROOM = 20  # narrower than this beside the label, a value goes below it
GAP = 2


@dataclass
class Fact:
    label: str
    value: str
    whole: bool = False  # an id, date or URL: never broken
    style: str = ""


def cell_len(text: str) -> int:
    from rich.cells import cell_len as measure

    return int(measure(text))


def wrap(console: Any, text: str, width: int, *, style: str = "") -> list[Any]:
    """Lines of `text` wrapped at spaces into `width` cells (rich Text lines);
    text from records is neutralised here (see ledger.render.neutral)."""
    from rich.text import Text

    from ledger.render.neutral import terminal

    lines = Text(terminal(text), style=style).wrap(console, max(1, width))
    for line in lines:
        line.rstrip()
    return list(lines) or [Text("")]


def fact_lines(console: Any, facts: list[Fact], *, indent: int = 0, label_width: int = 15) -> list[Any]:
    """The lines of a block of labelled values, laid out for the console's width."""
    from rich.text import Text

    from ledger.render.neutral import line as one_line

    width = console.width
    out: list[Any] = []
    pad = " " * indent
    room = width - indent - label_width - GAP
    beside = room >= MIN_ROOM
    for fact in facts:
        if not fact.value:
            continue
        values = [one_line(v) for v in fact.value.split("\n")] if fact.whole else [fact.value]
        fits = all(cell_len(v) <= room for v in values)
        if beside and (not fact.whole or fits):
            body = ([Text(v, style=fact.style) for v in values] if fact.whole
                    else wrap(console, fact.value, room, style=fact.style))
            lead = Text(pad).append(fact.label.ljust(label_width), style="bold").append(" " * GAP)
            for i, line in enumerate(body):
                out.append((lead if i == 0 else Text(" " * (indent + label_width + GAP))).append_text(line))
            continue
        out.append(Text(pad).append(fact.label, style="bold"))
        under = " " * (indent + GAP)
        if fact.whole:
            out += [Text(under).append(v, style=fact.style) for v in values]
        else:
            out += [Text(under).append_text(line)
                    for line in wrap(console, fact.value, width - indent - GAP, style=fact.style)]
    return out


def heading_lines(console: Any, text: str, *, indent: int = 0, style: str = "bold") -> list[Any]:
    from rich.text import Text

    return [Text(" " * indent).append_text(line)
            for line in wrap(console, text, console.width - indent, style=style)]


def print_lines(console: Any, lines: list[Any]) -> None:
    """Each line as it is: never re-wrapped, never cropped (a whole value
    wider than the terminal stays whole)."""
    for line in lines:
        console.print(line, no_wrap=True, overflow="ignore", crop=False)
