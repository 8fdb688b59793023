"""Reading the files teams keep their incidents in: CSV (whatever delimiter
and encoding a spreadsheet wrote), XLSX, JSON and JSON Lines, as rows that
know where they are.

Rows are numbered as the user sees them: in CSV and XLSX the header is row
1 and the first incident row 2 (a CSV cell spanning lines is still one
row); in JSONL the line; in JSON the row's place in its list, from 1.  A
file that cannot be read is a LedgerError naming the file and the place,
never a traceback; a file larger than MAX_BYTES is refused before it is read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.core.mapping import Row
from ledger.core.problems import ExitCode, LedgerError
from ledger.store import files

MAX_BYTES = 256 * 1024 * 1024
# XLSX is a zip: its parts may unpack to far more than the file's size (a zip bomb).
MAX_UNPACKED = 1024 * 1024 * 1024
MAX_CELLS = 5_000_000
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
            ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class Sheet:
    name: str  # the file as given, for messages
    columns: list[str] | None  # None: JSON rows, whose columns are paths
    rows: list[Row]


def bad(name: str, where: str, message: str) -> LedgerError:
    return LedgerError(f"{name}:{where}: {message}" if where else f"{name}: {message}",
                       exit_code=ExitCode.CANNOT_RUN)


def format_of(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise LedgerError(f"{path}: cannot tell the format from the suffix {path.suffix or '(none)'}",
                          hint="set format = \"csv\" (or xlsx, json, jsonl) under [import] in the mapping",
                          exit_code=ExitCode.USAGE)
    return kind


def read(path: Path, fmt: str, *, sheet: str | None = None, rows: str | None = None) -> Sheet:
    data = files.read_regular(path, "file", MAX_BYTES)
    name = str(path)
    if fmt == "csv":
        return read_csv(name, data)
    if fmt == "xlsx":
        return read_xlsx(name, data, sheet)
    if fmt == "jsonl":
        return read_jsonl(name, data)
    return read_json(name, data, rows)


# -- text -------------------------------------------------------------------------------

# Single-byte code pages of other scripts that Excel writes CSV in on a Windows
# set up for them.  charset-normalizer is trusted only to tell these apart from
# Western text: between Latin code pages it guesses poorly (cp1250 for "Señora").
OTHER_SCRIPTS = frozenset({"cp1251", "koi8_r", "koi8_u", "mac_cyrillic", "cp866", "iso8859_5", "cp1253",
                           "iso8859_7", "cp1255", "iso8859_8", "cp1256", "iso8859_6", "cp874", "tis_620"})


def decode(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM; else a code page of another
    script (Cyrillic cp1251 ...) when the text reads as one; else what a
    Western Windows spreadsheet writes (cp1252), else Latin-1 (any bytes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise bad(name, "", f"not valid UTF-16 at byte {exc.start}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:256 * 1024]).best()
    if guess is not None and guess.encoding in OTHER_SCRIPTS:
        try:
            return data.decode(guess.encoding)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's name of a column."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _header(name: str, cells: list[Any]) -> list[str]:
    header = [("" if c is None else str(c)).strip() for c in cells]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise bad(name, "1", "the first row holds no column names")
    seen: dict[str, int] = {}
    for i, column in enumerate(header):
        if not column:
            continue
        if column in seen:
            raise bad(name, f"1:{letter(i)}",
                      f"column name {column!r} is also column {letter(seen[column])}; rename one")
        seen[column] = i
    return header


def _row(number: int, header: list[str], cells: list[Any]) -> Row | None:
    if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
        return None  # a blank line between rows
    values = {col: (cells[i] if i < len(cells) else None) for i, col in enumerate(header) if col}
    letters = {col: letter(i) for i, col in enumerate(header) if col}
    return Row(number, values, letters)


def read_csv(name: str, data: bytes) -> Sheet:
    text = decode(name, data)
    sample = text[:64 * 1024]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise bad(name, str(reader.line_num), f"CSV: {exc}") from None
    if not records:
        raise bad(name, "", "the file is empty")
    header = _header(name, list(records[0]))
    rows = [r for n, cells in enumerate(records[1:], start=2) if (r := _row(n, header, list(cells)))]
    return Sheet(name, [c for c in header if c], rows)


def read_xlsx(name: str, data: bytes, sheet: str | None) -> Sheet:
    import zipfile

    from openpyxl import load_workbook

    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise bad(name, "", f"not an XLSX workbook ({exc})") from None
    if unpacked > MAX_UNPACKED:
        raise bad(name, "", f"unpacks to {unpacked} bytes; at most {MAX_UNPACKED} are read")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise bad(name, "", f"not an XLSX workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise bad(name, "", f"no sheet {sheet!r}; it has {', '.join(map(repr, book.sheetnames))}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
        if first is None:
            raise bad(name, "", f"sheet {ws.title!r} is empty")
        header = _header(name, list(first))
        rows: list[Row] = []
        cells_read = 0
        for n, cells in enumerate(it, start=2):
            cells_read += len(cells)
            if cells_read > MAX_CELLS:
                raise bad(name, str(n), f"more than {MAX_CELLS} cells; split the sheet")
            row = _row(n, header, list(cells))
            if row is not None:
                rows.append(row)
        return Sheet(name, [c for c in header if c], rows)
    except LedgerError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged part
        raise bad(name, "", f"cannot read the workbook ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()


def _json_text(name: str, data: bytes) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad(name, "", f"not UTF-8 text (byte {exc.start})") from None


def _loads(name: str, text: str, where: int = 0) -> Any:
    def constant(word: str) -> Any:
        raise ValueError(f"{word} is not JSON")

    try:
        return json.loads(text, parse_constant=constant)
    except json.JSONDecodeError as exc:
        line = where or exc.lineno
        raise bad(name, f"{line}:{exc.colno}", f"JSON syntax error: {exc.msg}") from None
    except ValueError as exc:
        raise bad(name, str(where or 1), f"JSON: {exc}") from None
    except RecursionError:
        raise bad(name, str(where or 1), "JSON nested too deeply") from None


def read_json(name: str, data: bytes, rows: str | None) -> Sheet:
    doc = _loads(name, _json_text(name, data))
    node = doc
    for part in rows.split(".") if rows else []:
        if not isinstance(node, dict) or part not in node:
            raise bad(name, "", f"rows = {rows!r}: there is no {part!r} on the way to the list of rows")
        node = node[part]
    if not isinstance(node, list):
        raise bad(name, "", f"{'rows = ' + repr(rows) if rows else 'the top level'} is not a list of rows"
                            + ("; set rows under [import] to the path of the list" if not rows else ""))
    out = []
    for n, item in enumerate(node, start=1):
        if not isinstance(item, dict):
            raise bad(name, str(n), "a row is not an object")
        out.append(Row(n, item, nested=True))
    return Sheet(name, None, out)


def rows_path(path: Path) -> str | None:
    """In a JSON file whose top level is an object: the dotted path of the
    first list of objects in it (breadth first), for a starting mapping."""
    doc = _loads(str(path), _json_text(str(path), files.read_regular(path, "file", MAX_BYTES)))
    todo: list[tuple[str, Any]] = [("", doc)]
    while todo:
        prefix, node = todo.pop(0)
        if isinstance(node, list) and node and all(isinstance(i, dict) for i in node):
            return prefix or None
        if isinstance(node, dict):
            todo += [(f"{prefix}.{k}" if prefix else str(k), v) for k, v in node.items()]
    return None


def read_jsonl(name: str, data: bytes) -> Sheet:
    out = []
    for n, line in enumerate(_json_text(name, data).splitlines(), start=1):
        if not line.strip():
            continue
        item = _loads(name, line, n)
        if not isinstance(item, dict):
            raise bad(name, str(n), "a row is not an object")
        out.append(Row(n, item, nested=True))
    return Sheet(name, None, out)


def iter_columns(sheet: Sheet) -> Iterator[str]:
    """Column names, or for JSON the dotted paths of the first rows' values."""
    if sheet.columns is not None:
        yield from sheet.columns
        return
    seen: dict[str, None] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, list):
            for item in node[:5]:
                walk(item, prefix)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        elif prefix:
            seen.setdefault(prefix)

    for row in sheet.rows[:20]:
        walk(row.cells, "")
    yield from seen
