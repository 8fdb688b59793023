"""Record changes: `ledger diff` (text, json, markdown) and `ledger log` (text, json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ledger.core.diff import DiffResult, FieldChange, RecordChange, Version
from ledger.render import Output, register
from ledger.render.neutral import code, dumps, line, lines, markdown

if TYPE_CHECKING:
    from ledger.store.history import Commit, Log

# Markdown goes into pull-request comments (at most 65,536 characters) and job
# summaries: long values are cut, and so is the list once it grows past this.
MARKDOWN_VALUE_CHARS = 200
MARKDOWN_BUDGET = 60_000


def counts(result: DiffResult) -> str:
    parts = [f"{len(result.added)} added", f"{len(result.removed)} removed",
             f"{len(result.modified)} changed"]
    moved = len(result.moved)
    if moved:
        parts.append(f"{moved} moved")
    return ", ".join(parts)


def show(value: Any) -> str:
    """A value as a reader wants it: text as is, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _title(version: Version) -> str:
    title = version.data.get("title") if version.data is not None else None
    return title if isinstance(title, str) else ""


def change_json(c: FieldChange) -> dict[str, Any]:
    return {"field": c.field, "old": c.old, "new": c.new}


def _unparseable(change: RecordChange) -> dict[str, str]:
    out = {}
    for side, version in (("old", change.old), ("new", change.new)):
        if version.data is None:
            out[side] = version.issue
    return out


# -- json -------------------------------------------------------------------------

@register("diff", "json")
def render_json(result: DiffResult, out: Output, **_: Any) -> None:
    changed = []
    for c in result.modified:
        item: dict[str, Any] = {"id": c.id, "path": c.path,
                                "changes": [change_json(f) for f in c.changes]}
        if c.old_path is not None:
            item["old_path"] = c.old_path
        bad = _unparseable(c)
        if bad:
            item["unparseable"] = bad
        changed.append(item)
    doc = {
        "version": 1,
        "from": result.from_rev,
        "to": result.to_rev,
        "added": [rid for rid, _ in result.added],
        "removed": [rid for rid, _ in result.removed],
        "changed": changed,
        "moved": [{"id": c.id, "path": c.path, "old_path": c.old_path} for c in result.moved],
        "from_commit": result.from_commit,
        "to_commit": result.to_commit,
    }
    out.write(dumps(doc, indent=2) + "\n")


# -- text -------------------------------------------------------------------------

def change_lines(changes: list[FieldChange], unparseable: dict[str, str], indent: str) -> Iterator[
        tuple[str, str]]:
    """(style, line) pairs describing field changes, diff-like.  Record text
    never starts a line: a value's own lines each follow the +/- marker."""
    for side, why in unparseable.items():
        yield "red", f"{indent}! {'older' if side == 'old' else 'newer'} version does not parse: {line(why)}"
    for c in changes:
        field = line(c.field)
        if c.old is None:
            yield from _block("green", f"{indent}+ {field}: ", show(c.new))
        elif c.new is None:
            yield from _block("red", f"{indent}- {field}: ", show(c.old))
        else:
            old, new = show(c.old), show(c.new)
            if "\n" not in old + new and len(old) + len(new) + len(field) < 70:
                yield "yellow", f"{indent}~ {field}: {line(old)} → {line(new)}"
            else:
                yield "yellow", f"{indent}~ {field}:"
                yield from _block("red", f"{indent}    - ", old)
                yield from _block("green", f"{indent}    + ", new)


def _block(style: str, head: str, text: str) -> Iterator[tuple[str, str]]:
    parts = lines(text.rstrip("\n"))
    yield style, head + parts[0]
    # "+ description: first" over "+              second": the marker repeats.
    marker = len(head) - len(head.lstrip()) + 1
    pad = head[:marker] + " " * (len(head) - marker)
    for part in parts[1:]:
        yield style, pad + part


def _print(console: Any, style: str, line: str) -> None:
    from rich.text import Text

    # Lines are not wrapped by Rich: the terminal wraps them, and piped output
    # stays one line per change for grep.
    console.print(Text(line, style=style), soft_wrap=True)


@register("diff", "text")
def render_text(result: DiffResult, out: Output, **_: Any) -> None:
    console = out.console()
    _print(console, "bold", f"{line(result.from_rev)} → {line(result.to_rev)}: {counts(result)}")
    for rid, version in result.added:
        _print(console, "green", f"+ {line(rid)}  {line(version.path)}")
        if _title(version):
            _print(console, "", f"    {line(_title(version))}")
    for rid, version in result.removed:
        _print(console, "red", f"- {line(rid)}  {line(version.path)}")
        if _title(version):
            _print(console, "", f"    {line(_title(version))}")
    modified = {c.id for c in result.modified}
    for c in result.changed:
        where = f"moved from {line(c.old_path or '')} to {line(c.path)}"
        if c.id not in modified:
            _print(console, "cyan", f"> {line(c.id)}  {where}")
            continue
        _print(console, "yellow bold", f"~ {line(c.id)}  {line(c.path)}")
        if c.old_path is not None:
            _print(console, "cyan", f"    {where}")
        for style, text in change_lines(c.changes, _unparseable(c), "    "):
            _print(console, style, text)


# -- markdown ---------------------------------------------------------------------

def cell(value: Any, limit: int = MARKDOWN_VALUE_CHARS) -> str:
    """A value as one table cell: abbreviated, literal (see neutral.markdown)."""
    text = "—" if value is None else show(value)
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return markdown(text)


def _markdown_lines(result: DiffResult) -> Iterator[str]:
    for title, rows in (("Added", result.added), ("Removed", result.removed)):
        if rows:
            yield from ("", f"### {title}", "", "| id | title | path |", "| --- | --- | --- |")
            for rid, v in rows:
                yield f"| {code(rid)} | {cell(_title(v))} | {code(v.path)} |"
    for c in result.modified:
        moved = f", moved from {code(c.old_path)}" if c.old_path else ""
        yield from ("", f"### Changed: {code(c.id)}", "",
                    f"{cell(_title(c.new) or _title(c.old))} ({code(c.path)}{moved})")
        for side, why in _unparseable(c).items():
            yield ""
            yield f"> **The {'older' if side == 'old' else 'newer'} version does not parse:** {cell(why)}"
        if c.changes:
            yield from ("", "| field | old | new |", "| --- | --- | --- |")
            for f in c.changes:
                yield f"| {code(f.field)} | {cell(f.old)} | {cell(f.new)} |"
    only_moved = [c for c in result.moved if not (c.changes or _unparseable(c))]
    if only_moved:
        yield from ("", "### Moved", "")
        for c in only_moved:
            yield f"- {code(c.id)}: {code(c.old_path or '')} → {code(c.path)}"


@register("diff", "markdown")
def render_markdown(result: DiffResult, out: Output, **_: Any) -> None:
    summary = "**No incident changed**" if result.empty else f"**{counts(result)}**"
    shown = [f"{summary} ({code(result.from_rev)} → {code(result.to_rev)})"]
    size = len(shown[0])
    for md in _markdown_lines(result):
        if size + len(md) > MARKDOWN_BUDGET:
            shown += ["", "_… cut here to fit a pull-request comment; run `ledger diff` to see "
                          "everything._"]
            break
        shown.append(md)
        size += len(md) + 1
    out.write("\n".join(shown) + "\n")


# -- log --------------------------------------------------------------------------

def _commit_json(c: Commit) -> dict[str, Any]:
    item: dict[str, Any] = {
        "commit": c.commit, "author": c.author, "email": c.email, "date": c.date,
        "message": c.message, "status": c.status, "merge": c.merge, "path": c.path,
        "changes": [change_json(f) for f in c.changes],
    }
    if c.old_path is not None:
        item["old_path"] = c.old_path
    if c.unparseable:
        item["unparseable"] = c.unparseable
    return item


@register("log", "json")
def render_log_json(log: Log, out: Output, **_: Any) -> None:
    doc = {"version": 1, "id": log.id, "path": log.path,
           "commits": [_commit_json(c) for c in log.commits]}
    out.write(dumps(doc, indent=2) + "\n")


@register("log", "text")
def render_log_text(log: Log, out: Output, **_: Any) -> None:
    console = out.console()
    n = len(log.commits)
    _print(console, "bold", f"{line(log.id)}  {line(log.path)}  ({n} commit{'s' if n != 1 else ''})")
    if not log.commits:
        _print(console, "", "no commit touches this record yet")
    for c in log.commits:
        _print(console, "", "")
        merge = " (merge; against its first parent)" if c.merge else ""
        _print(console, "yellow", f"commit {line(c.commit[:12])}{merge}  {line(c.date)}  "
                                  f"{line(c.author)} <{line(c.email)}>")
        subject = c.message.split("\n", 1)[0]
        _print(console, "", f"    {line(subject)}")
        if c.status == "added":
            _print(console, "green", "    + record added")
        elif c.status == "removed":
            _print(console, "red", "    - record removed")
        elif c.status == "unchanged":
            _print(console, "dim", "    (layout or comments only; no field changed)")
        if c.old_path is not None:
            _print(console, "cyan", f"    moved from {line(c.old_path)} to {line(c.path)}")
        for style, text in change_lines(c.changes, c.unparseable, "    "):
            _print(console, style, text)
