"""Summaries: a bar chart or pivot table in the terminal, and json, csv, markdown."""

from __future__ import annotations

import csv
from typing import Any

from ledger.core.summary import Key, Summary, Value, describe_bucket
from ledger.render import Output, register, text
from ledger.render.neutral import csv_cell, dumps, line, markdown

NONE_LABEL = "(none)"
# Eighths of a block, so short bars still differ by less than one character.
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"


def _label(value: Value, key: Key) -> str:
    if value is None:
        return NONE_LABEL
    return describe_bucket(value) if key.chronological else str(value)


def _note(summary: Summary) -> str:
    noun = "incident" if summary.total == 1 else "incidents"
    text = f"{summary.total} {noun}"
    if summary.multiple and summary.total:
        text += "; an incident counts once under each of its values, so counts can add up to more"
    return text


def bar(count: int, largest: int, width: int) -> str:
    """A horizontal bar of `width` characters at most, in plain block characters."""
    if count <= 0 or largest <= 0:
        return ""
    eighths = max(1, round(count / largest * width * 8))
    full, rest = divmod(eighths, 8)
    return _FULL * full + (_EIGHTHS[rest] if rest else "")


@register("summary", "json")
def render_json(summary: Summary, out: Output, **_: Any) -> None:
    doc = {"version": 1, "by": summary.by, "total": summary.total,
           "rows": [{**dict(zip(summary.by, combo, strict=True)), "count": n} for combo, n in summary.rows]}
    out.write(dumps(doc, indent=2) + "\n")


@register("summary", "csv")
def render_csv(summary: Summary, out: Output, *, raw: bool = False, **_: Any) -> None:
    def cell(value: Any) -> Any:
        return value if raw else csv_cell(value)

    writer = csv.writer(out.stream, lineterminator="\n")
    writer.writerow([*map(cell, summary.by), "count"])
    for combo, n in summary.rows:
        writer.writerow([*(cell("" if v is None else v) for v in combo), n])


@register("summary", "markdown")
def render_markdown(summary: Summary, out: Output, **_: Any) -> None:
    if len(summary.keys) == 1:
        header = [summary.by[0], "count"]
        body = [[_label(combo[0], summary.keys[0]), str(n)] for combo, n in summary.rows]
        align = ["---", "---:"]
    else:
        header, body = _pivot(summary)
        align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [[markdown(c) for c in header], align, *([markdown(c) for c in row] for row in body)]
    out.write("".join("| " + " | ".join(cells) + " |\n" for cells in lines))
    out.write(f"\n{_note(summary)}\n")


def _pivot(summary: Summary) -> tuple[list[str], list[list[str]]]:
    """Header and body of a pivot: first key down, second key across, totals last.

    Totals are incidents, not sums of cells: with a multi-valued key an
    incident sits in several cells but counts once in its total.
    """
    rows, cols = summary.order
    first, second = summary.margins
    down, across = summary.keys
    header = [f"{summary.by[0]} \\ {summary.by[1]}", *(_label(c, across) for c in cols), "total"]
    body = [[_label(r, down), *(_cell(summary.cells.get((r, c), 0)) for c in cols), str(first[r])]
            for r in rows]
    body.append(["total", *(str(second[c]) for c in cols), str(summary.total)])
    return header, body


def _cell(n: int) -> str:
    return str(n) if n else "·"


def _print_pivot_blocks(console: Any, header: list[str], body: list[list[str]]) -> None:
    """A pivot as one block per row: its label, then "column n" pairs that wrap."""
    from rich.text import Text

    from ledger.render import layout

    lines: list[Any] = []
    for row in body:
        pairs = "   ".join(f"{name}\u00a0{cell}" for name, cell in zip(header[1:], row[1:], strict=True)
                           if cell != "·")
        lines += layout.wrap(console, row[0], console.width, style="bold")
        lines += [Text("  ").append_text(t) for t in layout.wrap(console, pairs, console.width - 2)]
    layout.print_lines(console, lines)


@register("summary", "table")
def render_table(summary: Summary, out: Output, **_: Any) -> None:
    from rich import box
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    from ledger.render.layout import cell_len

    console = out.console()
    if len(summary.keys) == 2:
        header, body = _pivot(summary)
        # One space between columns: a year-by-country pivot of 15 years fits 100 columns.
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, padding=(0, 0))
        table.add_column(text(header[0]), overflow="fold")
        for name in header[1:]:
            table.add_column(text(name), justify="right", no_wrap=True)
        for i, cells in enumerate(body):
            table.add_row(*(text(c) for c in cells), end_section=i == len(body) - 2)
        natural = Measurement.get(console, console.options.update_width(1 << 16), table).maximum
        if natural > console.width:
            # Squeezed, a pivot becomes unreadable: each row becomes a block instead.
            _print_pivot_blocks(console, header, body)
            console.print(Text(f"too wide for a table here: put the key with fewer values second "
                               f"(--by {summary.by[1]} --by {summary.by[0]}), or use --format csv",
                               style="dim"))
        else:
            console.print(table)
    else:
        rows = summary.rows
        labels = [line(_label(combo[0], summary.keys[0])) for combo, _n in rows]
        largest = max((n for _c, n in rows), default=0)
        longest = max([cell_len(summary.by[0]), *map(cell_len, labels)])
        # A time bucket is short and means nothing cut; other labels give way to the bars.
        label_width = longest if summary.keys[0].chronological else min(longest, max(12, console.width // 3))
        count_width = max(len("count"), len(str(largest)))
        # What the other columns and the separators leave for the bars.
        bar_width = max(8, console.width - label_width - count_width - 4)
        table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1))
        table.add_column(text(summary.by[0]), max_width=label_width, overflow="ellipsis", no_wrap=True)
        table.add_column("count", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True, overflow="crop")
        for label, (_c, n) in zip(labels, rows, strict=True):
            table.add_row(text(label), Text(str(n)), Text(bar(n, largest, bar_width), style="cyan"))
        console.print(table)
    console.print(Text(_note(summary), style="dim"))
