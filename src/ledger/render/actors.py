"""Merged actors: a table for reading, JSON for scripts."""

from __future__ import annotations

from typing import Any

from ledger.core.actors import Actor, as_json
from ledger.render import Output, register
from ledger.render.neutral import dumps, line

# Incidents listed per actor in the table; the rest are counted.
_SHOWN_IDS = 3


@register("actors", "json")
def render_json(actors: list[Actor], out: Output, **_: Any) -> None:
    out.write(dumps(as_json(actors), indent=2) + "\n")


@register("actors", "table")
def render_table(actors: list[Actor], out: Output, **_: Any) -> None:
    """Actors in a table that fits the terminal, incident ids whole; roles and
    kind give way first when it is narrow, then each actor becomes a block."""
    from rich.text import Text

    from ledger.render.layout import cell_len

    console = out.console()
    width = console.width
    rows = [_row(a) for a in actors]
    widths = {name: max([cell_len(name), *(cell_len(line) for r in rows for line in r[name].split("\n"))])
              for name in ("kind", "n", "roles", "incidents")}
    names = [line for r in rows for line in r["actor"].plain.split("\n")]
    longest_name = max([cell_len("actor"), *map(cell_len, names)])
    for columns in _LAYOUTS:
        room = width - sum(widths[c] for c in columns) - _COLUMN_GAP * len(columns)
        if room >= _NAME_MIN:
            console.print(_table(rows, columns, widths, min(room, longest_name)))
            break
    else:
        _print_blocks(console, rows)
    console.print(Text(f"{len(actors)} actor{'s' if len(actors) != 1 else ''}", style="dim"))


_LAYOUTS = (("kind", "n", "roles", "incidents"), ("kind", "n", "incidents"), ("n", "incidents"))
_NAME_MIN = 14
_COLUMN_GAP = 3  # padding on both sides and the separator


def _row(actor: Actor) -> dict[str, Any]:
    from rich.text import Text

    # Names, kinds and ids come from records: one neutral line each.
    name = Text(line(actor.name), style="bold")
    if actor.confidential:
        name.append(" [confidential]", style="red")
    for other in actor.names[1:]:
        name.append("\n" + line(other), style="dim")
    ids = [line(i) for i in actor.incidents]
    shown = "\n".join(ids[:_SHOWN_IDS]) + (f"\n... {len(ids) - _SHOWN_IDS} more"
                                           if len(ids) > _SHOWN_IDS else "")
    roles = ", ".join(f"{line(role)} {n}" for role, n in actor.roles.items() if n)
    return {"actor": name, "kind": line(", ".join(actor.kinds)), "n": str(len(ids)), "roles": roles,
            "incidents": shown}


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...], widths: dict[str, int],
           name_width: int) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, header_style="bold",
                  padding=(0, 1))
    table.add_column("actor", overflow="fold", width=name_width)
    for name in columns:
        # Incident ids are copied into `ledger show`: never broken.
        table.add_column(name, no_wrap=name != "roles", overflow="fold" if name == "roles" else "ignore",
                         justify="right" if name == "n" else "left", width=widths[name])
    for row in rows:
        table.add_row(row["actor"], *(Text(row[c]) for c in columns))
    return table


def _print_blocks(console: Any, rows: list[dict[str, Any]]) -> None:
    """Too narrow for a table: each actor as a few lines, its ids one a line."""
    from rich.text import Text

    from ledger.render import layout

    lines: list[Any] = []
    for row in rows:
        lines += layout.wrap(console, row["actor"].plain, console.width, style="bold")
        about = "; ".join(x for x in (row["kind"], f"{row['n']} incidents", row["roles"]) if x)
        lines += [Text("  ").append_text(t) for t in layout.wrap(console, about, console.width - 2)]
        lines += [Text("  " + i) for i in row["incidents"].split("\n")]
    layout.print_lines(console, lines)
