"""Candidate duplicate pairs: a list for reviewing, JSON and CSV for scripts."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from ledger.core.duplicates import Pair, as_json
from ledger.render import Output, register
from ledger.render.neutral import csv_cell, dumps, line

CSV_COLUMNS = ["kind", "score", "a", "a_label", "a_detail", "b", "b_label", "b_detail", "evidence"]


@dataclass
class Found:
    pairs: list[Pair]
    min_score: float


@register("duplicates", "json")
def render_json(found: Found, out: Output, **_: Any) -> None:
    out.write(dumps(as_json(found.pairs, found.min_score), indent=2) + "\n")


@register("duplicates", "csv")
def render_csv(found: Found, out: Output, *, raw: bool = False, **_: Any) -> None:
    def cell(value: Any) -> Any:
        return value if raw else csv_cell(value)

    writer = csv.writer(out.stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in found.pairs:
        evidence = "; ".join(e.detail for e in p.evidence)
        writer.writerow([cell(v) for v in (p.kind, f"{p.score:.3f}", p.a.key, p.a.label, p.a.detail,
                                           p.b.key, p.b.label, p.b.detail, evidence)])


@register("duplicates", "table")
def render_table(found: Found, out: Output, **_: Any) -> None:
    """Each pair as a short block: score and kind, the two sides, the evidence,
    and the command that resolves it."""
    # Plain lines, never wrapped: ids and the resolve command are copied whole.
    for p in found.pairs:
        out.write(f"{p.score:.2f}  {p.kind} pair\n")
        for side in (p.a, p.b):
            out.write(f"  {line(side.key)}  {line(side.label)}  ({line(side.detail)})\n")
        for e in p.evidence:
            amount = f"x{e.factor:g}" if e.factor < 1 else f"+{e.weight:.2f}"
            out.write(f"    {amount:>5}  {line(e.detail)}\n")
        out.write(f"    resolve: ledger duplicates --resolve {line(p.a.key)} {line(p.b.key)} "
                  "--as duplicate|distinct\n\n")
    n = len(found.pairs)
    out.write(f"{n} candidate pair{'s' if n != 1 else ''} scoring {found.min_score:g} or more; "
              "each is a proposal for a person to decide\n")


@register("resolved", "json")
def render_resolved_json(done: Any, out: Output, **_: Any) -> None:
    out.write(dumps(done.as_json(), indent=2) + "\n")


@register("resolved", "text")
def render_resolved_text(done: Any, out: Output, **_: Any) -> None:
    """What was written, one line per file (stdout), for a commit message or a review."""
    if not done.changed:
        out.write(f"nothing to change: {line(done.a)} and {line(done.b)} are already {done.decision}\n")
    for path, what in done.changed:
        out.write(f"{line(path)}: {line(what)}\n")
