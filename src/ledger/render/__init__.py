"""A registry of output formats.

Each kind of result (problems, records, a record, ...) has named formats;
a renderer writes one result to an output.  Machine formats write plain
text to the stream; only human formats go through Rich.  Modules register
on import and import Rich lazily, so looking up a format costs nothing.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

Renderer = Callable[..., None]
_REGISTRY: dict[str, dict[str, Renderer]] = {}
_MODULES = {
    "problems": "ledger.render.problems",
    "records": "ledger.render.records",
    "record": "ledger.render.records",
    "summary": "ledger.render.summary", "actors": "ledger.render.actors", "export": "ledger.render.export",
    "diff": "ledger.render.diff", "log": "ledger.render.diff",
    "verify": "ledger.render.evidence", "evidence-added": "ledger.render.evidence",
    "saved": "ledger.render.recording", "initialized": "ledger.render.recording",
    "renamed": "ledger.render.rename", "imported": "ledger.render.importing",
    "duplicates": "ledger.render.duplicates", "resolved": "ledger.render.duplicates",
}


@dataclass
class Output:
    """Where results go, and how the terminal looks."""

    stream: IO[str] = field(default_factory=lambda: sys.stdout)
    width: int | None = None

    def console(self) -> Any:
        from rich.console import Console

        # Record text is shown as written: "[name withheld]" is not a style
        # tag to Rich here, nor ":flag:" an emoji code.
        return Console(file=self.stream, width=self.width, highlight=False, markup=False, emoji=False,
                       no_color=bool(os.environ.get("NO_COLOR")) or None, soft_wrap=False)

    def write(self, text: str) -> None:
        self.stream.write(text)


def text(value: Any, style: str = "") -> Any:  # rich.text.Text, imported lazily
    """User text as one Rich cell or line: never markup, never a control
    sequence, never more than one line (see ledger.render.neutral)."""
    from rich.text import Text

    from ledger.render.neutral import line

    return Text(line(str(value)), style=style)


def register(kind: str, name: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        _REGISTRY.setdefault(kind, {})[name] = fn
        return fn
    return deco


def formats(kind: str) -> list[str]:
    importlib.import_module(_MODULES[kind])
    return list(_REGISTRY.get(kind, {}))


def render(kind: str, name: str, result: Any, out: Output | None = None, **options: Any) -> None:
    importlib.import_module(_MODULES[kind])
    try:
        fn = _REGISTRY[kind][name]
    except KeyError:
        from ledger.core.problems import UsageError

        raise UsageError(f"unknown format {name!r}; choose from {', '.join(formats(kind))}") from None
    fn(result, out or Output(), **options)
