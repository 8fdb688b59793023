"""Merged actors: a table for reading, JSON for scripts."""

from __future__ import annotations

from typing import Any

from ledger.core.actors import Actor, as_json
from ledger.render import Output, register, text
from ledger.render.neutral import dumps, line

# Incidents listed per actor in the table; the rest are counted.
_SHOWN_IDS = 3


@register("actors", "json")
def render_json(actors: list[Actor], out: Output, **_: Any) -> None:
    out.write(dumps(as_json(actors), indent=2) + "\n")


@register("actors", "table")
def render_table(actors: list[Actor], out: Output, **_: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold", pad_edge=False, expand=False)
    table.add_column("actor", overflow="fold", ratio=2, min_width=14)
    table.add_column("kind", overflow="fold")
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("roles", overflow="fold")
    table.add_column("incidents", overflow="fold", ratio=3, min_width=14)
    for actor in actors:
        name = Text(line(actor.name), style="bold")
        if actor.confidential:
            name.append(" [confidential]", style="red")
        for other in actor.names[1:]:
            name.append("\n" + line(other), style="dim")
        ids = actor.incidents
        shown = "\n".join(map(line, ids[:_SHOWN_IDS])) + (f"\n... {len(ids) - _SHOWN_IDS} more"
                                               if len(ids) > _SHOWN_IDS else "")
        roles = ", ".join(f"{role} {n}" for role, n in actor.roles.items() if n)
        table.add_row(name, text(", ".join(actor.kinds)), Text(str(len(ids))), text(roles), Text(shown))
    console = out.console()
    console.print(table)
    console.print(Text(f"{len(actors)} actor{'s' if len(actors) != 1 else ''}", style="dim"))
