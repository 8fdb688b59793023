"""What `ledger import` did (or would do), row by row: a table for people,
json for scripts.  Problems go to stderr as FILE:ROW:COLUMN lines."""

from __future__ import annotations

from typing import Any

from ledger.editing.importing import ACTIONS, Outcome, Report, RowProblem
from ledger.render import Output, register
from ledger.render.neutral import dumps, line


def problem_line(p: RowProblem) -> str:
    where = f"{p.file}:{p.row}:{p.column}" if p.column else f"{p.file}:{p.row}"
    return f"{line(where)}: {p.severity}: {line(p.message)} [{line(p.code)}]"


def diagnostics(report: Report) -> list[str]:
    """For stderr: each row's problems with their hints, and possible duplicates."""
    out: list[str] = []
    for o in report.outcomes:
        for p in o.problems:
            out.append(problem_line(p))
            if p.hint:
                out.append(f"    hint: {line(p.hint)}")
        if o.duplicates and o.action != "skipped":
            out.append(f"{line(report.file)}:{o.row}: warning: the row looks like {', '.join(o.duplicates)} "
                       "(same date, country and victim)" + ("; not added" if o.action == "duplicate" else ""))
    return out


def summary(report: Report) -> str:
    counts = ", ".join(f"{report.count(a)} {a if a != 'duplicate' else 'possible duplicates skipped'}"
                       for a in ACTIONS if report.count(a) or a in ("added", "updated", "unchanged"))
    tail = " (dry run: nothing written)" if report.dry_run else ""
    return f"{report.file}: {counts}{tail}"


def _value(value: Any) -> str:
    return "(none)" if value is None else line(dumps(value))


def _row_text(o: Outcome, dry_run: bool) -> list[str]:
    what = {"added": "would add" if dry_run else "added", "updated": "would update" if dry_run else "updated",
            "duplicate": "not added (possible duplicate)"}.get(o.action, o.action)
    target = f" {o.rid}" if o.rid else ""
    where = f" ({o.path})" if o.path else ""
    out = [f"row {o.row} (key {line(o.key) or '-'}): {what}{target}{where}"]
    if o.duplicates:
        out.append(f"    possible duplicate of {', '.join(o.duplicates)}")
    for c in o.changes:
        out.append(f"    {line(c.field)}: {_value(c.old)} -> {_value(c.new)}")
    if o.action == "skipped":
        errors = sum(p.is_error for p in o.problems)
        out[0] += f": {errors} error{'s' if errors != 1 else ''}"
    return out


@register("imported", "table")
def imported_table(report: Report, out: Output, **_: Any) -> None:
    for o in report.outcomes:
        if o.action == "unchanged" and not report.dry_run:
            continue
        out.write("\n".join(_row_text(o, report.dry_run)) + "\n")


@register("imported", "json")
def imported_json(report: Report, out: Output, **_: Any) -> None:
    doc = {
        "version": 1, "file": report.file, "dataset": report.dataset, "dry_run": report.dry_run,
        "counts": {a: report.count(a) for a in ACTIONS},
        "rows": [{"row": o.row, "key": o.key, "action": o.action, "id": o.rid or None, "path": o.path or None,
                  "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in o.changes],
                  "duplicates": o.duplicates,
                  "problems": [{"row": p.row, "column": p.column, "severity": p.severity, "code": p.code,
                                "message": p.message, "hint": p.hint} for p in o.problems]}
                 for o in report.outcomes],
    }
    out.write(dumps(doc, indent=2) + "\n")
