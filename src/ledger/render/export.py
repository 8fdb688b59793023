"""Exports as text: CSV (one table), JSON Lines and JSON.  SQLite is not a
text format; ``export.write_sqlite`` fills a database instead."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.core import tables as export
from ledger.core.schema import SUPPORTED_VERSION, Schema
from ledger.render import Output, register
from ledger.render.neutral import csv_cell, csv_row, dumps
from ledger.render.records import _with_path, render_jsonl


@dataclass
class Export:
    rows: Iterable[tuple[str, dict[str, Any]]]
    schema: Schema
    table: str = "incidents"
    public: bool = False
    profiles: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # public ones only when public
    schema_version: int = SUPPORTED_VERSION


@register("export", "csv")
def render_csv(result: Export, out: Output, *, raw: bool = False, **_: Any) -> None:
    columns = export.table_columns(result.schema, result.table, paths=not result.public)
    writer = csv.DictWriter(out.stream, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    rows = export.profile_rows(result.profiles) if result.table == "profiles" else \
        export.table_rows(result.schema, result.table, result.rows)
    if raw:
        writer.writeheader()
        writer.writerows(rows)
        return
    # Column names come from the ledger's schema, which is as untrusted as its records.
    writer.writerow({c: csv_cell(c) for c in columns})
    writer.writerows(map(csv_row, rows))


@register("export", "jsonl")
def render_export_jsonl(result: Export, out: Output, **_: Any) -> None:
    """One incident a line; with --table profiles, one actor profile a line."""
    if result.table == "profiles":
        for path, profile in result.profiles:
            out.write(dumps(_with_path(path, profile) if not result.public else profile) + "\n")
        return
    render_jsonl(result.rows, out)


@register("export", "json")
def render_json(result: Export, out: Output, **_: Any) -> None:
    # Written record by record: an export of the whole ledger need not fit in a string.
    out.write(dumps({"version": 1, "schema_version": result.schema_version,
                     "public": result.public})[:-1] + ', "incidents": [')
    first = True
    for path, record in result.rows:
        out.write(("\n" if first else ",\n") + dumps(_with_path(path, record)))
        first = False
    out.write("\n]" if not first else "]")
    profiles = [_with_path(path, p) if not result.public else p for path, p in result.profiles]
    out.write(', "profiles": ' + dumps(profiles) + "}\n")


XLSX_TABLES = ("incidents", "acts", "actors", "sources", "profiles")
# Excel's limit for one cell; a longer description is cut rather than a broken file written.
XLSX_CELL_MAX = 32767


def write_xlsx(path: Any, rows: list[tuple[str, dict[str, Any]]], schema: Schema, *, public: bool = False,
               raw: bool = False, profiles: list[tuple[str, dict[str, Any]]] | None = None) -> None:
    """The CSV tables as the sheets of one workbook, every cell text.

    Neutral (the default): a cell is a text cell, and one that a spreadsheet
    would take for a formula once edited (=, +, -, @ ...) is marked as quoted
    text (Excel's quotePrefix) instead of gaining an apostrophe, so the value
    reads back unchanged.  raw: openpyxl's own typing (a text starting with
    "=" becomes a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from ledger.core.hidden import escape

    book = Workbook(write_only=True)
    for table in XLSX_TABLES:
        sheet = book.create_sheet(table)
        columns = export.table_columns(schema, table, paths=not public)

        def cells(values: list[str], sheet: Any = sheet) -> list[Any]:
            out = []
            for value in values:
                # XML 1.0 cannot hold C0 controls: they are written as visible escapes.
                text = ILLEGAL_CHARACTERS_RE.sub(lambda m: escape(m.group()), value)[:XLSX_CELL_MAX]
                cell = WriteOnlyCell(sheet, value=text)
                if not raw:
                    cell.data_type = "s"
                    if csv_cell(text) != text:
                        cell.quotePrefix = True
                out.append(cell)
            return out

        sheet.append(cells(columns))
        found = export.profile_rows(profiles or []) if table == "profiles" else \
            export.table_rows(schema, table, rows)
        for row in found:
            sheet.append(cells([row.get(c, "") for c in columns]))
    book.save(path)
