"""Results of `ledger add`, `ledger edit` and `ledger init`.

The text form of a saved record is its id alone on a line, so that
``id=$(ledger add ...)`` works in scripts; the path goes to stderr as a
diagnostic.  With --dry-run, the text form is the record itself.
"""

from __future__ import annotations

from typing import Any

from ledger.editing.save import Saved
from ledger.render import Output, register
from ledger.render.neutral import dumps, line
from ledger.store.scaffold import Initialized


@register("saved", "text")
def saved_text(result: Saved, out: Output, **_: Any) -> None:
    out.write(result.text if result.action == "checked" else line(result.rid) + "\n")


@register("saved", "json")
def saved_json(result: Saved, out: Output, **_: Any) -> None:
    doc: dict[str, Any] = {"version": 1, "id": result.rid, "path": result.path, "action": result.action}
    if result.action == "checked":
        doc["record"] = result.text
    out.write(dumps(doc, indent=2) + "\n")


@register("initialized", "text")
def initialized_text(result: Initialized, out: Output, **_: Any) -> None:
    for rel in result.created:
        out.write(f"created {line(rel)}\n")
    for rel in result.kept:
        out.write(f"kept    {line(rel)} (it existed; compare it with what `ledger init` writes)\n")
    out.write({"initialized": "git: a new repository was initialised here\n",
               "existing": "git: inside an existing repository\n",
               "failed": f"git: no repository was made ({line(str(result.git_problem))})\n",
               }.get(result.git, ""))


@register("initialized", "json")
def initialized_json(result: Initialized, out: Output, **_: Any) -> None:
    doc = {"version": 1, "root": str(result.root), "created": result.created, "kept": result.kept,
           "git": result.git}
    out.write(dumps(doc, indent=2) + "\n")
