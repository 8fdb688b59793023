"""`ledger import`: spreadsheets in (CSV, XLSX, JSON, JSONL), through the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import invoke

openpyxl = pytest.importorskip("openpyxl")

MAPPING = """
[import]
dataset = "field-office"
key = "No"

[fields]
title = "Title"
date = { column = "Date", formats = ["%d/%m/%Y", "%b-%Y"] }
status = { value = "likely" }
"location.country" = "Country"
"location.place" = "City"
"location.lat" = { column = "Geo", split = ",", item = 0 }
"location.lon" = { column = "Geo", split = ",", item = 1 }
tags = { column = "Tags", split = "," }
"acts.type" = { column = "Tags", split = ",", map = {arrest="arrest", beaten="assault"}, default = "other" }
"acts.victims" = { column = "Victims", split = "," }
"sources.url" = { columns = "Link *" }
description = { template = "{Summary} — {Notes}" }
"""

HEADER = ["No", "Title", "Date", "Country", "City", "Geo", "Tags", "Victims", "Link 1", "Link 2",
          "Summary", "Notes"]
ROWS = [
    ["1", "Café owner detained", "12/03/2021", "KG", "Bishkek", "42.87, 74.59", "arrest, press",
     "Азамат Иванов", "https://a.example/1", "https://b.example/2", "Held overnight", "Released on bail"],
    ["2", "Protest dispersed", "Jan-2017", "KZ", "Almaty", "", "beaten", "", "https://c.example/3", "",
     "Police used batons", ""],
    ["3", "Believed arrest", "(Believed to be) 2020-06-01", "KZ", "", "", "", "", "https://d.example/4", "",
     "", ""],
]


def _csv(rows: list[list[str]], sep: str = ";") -> str:
    return "\r\n".join(sep.join(cells) for cells in [HEADER, *rows]) + "\r\n"


def _records(root: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    from ledger.core import yamlio

    out = {}
    for path in sorted((root / "incidents").rglob("*.yaml")):
        data = yamlio.parse(path.read_text(encoding="utf-8"))[0]
        ext = data.get("external_ids", {}).get("field-office")
        if ext:
            out[ext] = data
    return out


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "incidents").rglob("*"))
            if p.is_file()}


def _import(ledger_dir: Path, *args: str) -> object:
    return invoke(["--ledger", str(ledger_dir), "import", *args])


@pytest.fixture
def sheet(tmp_path: Path) -> tuple[Path, Path]:
    """A ';' CSV with a UTF-8 BOM and CRLF lines, and its mapping."""
    data = tmp_path / "office.csv"
    data.write_bytes(b"\xef\xbb\xbf" + _csv(ROWS).encode("utf-8"))
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


def test_csv_every_mapping_form(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    result = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert "3 added, 0 updated, 0 unchanged" in result.stderr
    records = _records(ledger_dir)
    one = records["1"]
    assert one["title"] == "Café owner detained"
    assert one["date"] == "2021-03-12"
    assert one["status"] == "likely"  # a constant
    assert one["location"] == {"country": "KG", "place": "Bishkek", "lat": 42.87, "lon": 74.59}
    assert one["tags"] == ["arrest", "press"]  # a split list
    # map: arrest kept, press not in the map (dropped)
    assert [a["type"] for a in one["acts"]] == ["arrest"]
    assert one["acts"][0]["victims"] == ["azamat_ivanov"]  # a name in a cell becomes an actor
    assert [a["name"] for a in one["actors"]] == ["Азамат Иванов"]
    assert [s["url"] for s in one["sources"]] == ["https://a.example/1", "https://b.example/2"]
    assert [s["ref"] for s in one["sources"]] == ["s1", "s2"]
    assert one["description"] == "Held overnight — Released on bail"  # a template
    assert one["external_ids"] == {"field-office": "1"}
    assert one["recorded"]["date"] == dt.date.today().isoformat()
    two = records["2"]
    assert two["date"] == "2017-01"  # %b-%Y states a month, not a day
    assert [a["type"] for a in two["acts"]] == ["assault"]
    assert two["description"] == "Police used batons"  # the separator goes with the empty Notes
    assert "lat" not in two["location"]
    three = records["3"]
    assert three["date"] == "2020-06-01"
    assert three["date_text"] == "(Believed to be) 2020-06-01"
    assert [a["type"] for a in three["acts"]] == ["other"]  # the default, with no value left
    assert invoke(["--ledger", str(ledger_dir), "validate"]).exit_code == 0


def test_cp1252_comma_csv(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    text = _csv(ROWS[:1], sep=",").replace("42.87, 74.59", '"42.87, 74.59"')
    text = text.replace("arrest, press", '"arrest, press"').replace("Café owner", "Señora Muñoz café owner")
    data.write_bytes(text.encode("cp1252", errors="replace"))
    result = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert _records(ledger_dir)["1"]["title"] == "Señora Muñoz café owner detained"
    assert _records(ledger_dir)["1"]["tags"] == ["arrest", "press"]


def test_cp1251_cyrillic_csv(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    # Excel on a Russian Windows: a Cyrillic code page, and nothing in the file says so.
    data, mapping = sheet
    rows = [[*ROWS[1][:1], "Разгон мирного протеста в Алматы", *ROWS[1][2:7], "Жанар Ахметова, Асель Нурова",
             *ROWS[1][8:]]]
    data.write_bytes(_csv(rows).encode("cp1251"))
    result = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    record = _records(ledger_dir)["2"]
    assert record["title"] == "Разгон мирного протеста в Алматы"
    assert [a["name"] for a in record["actors"]] == ["Жанар Ахметова", "Асель Нурова"]


def test_utf16_tab_separated(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    # Excel's "Unicode text": UTF-16 with a BOM, tab between cells.
    data, mapping = sheet
    data.write_bytes(_csv(ROWS[1:2], sep="\t").encode("utf-16"))
    result = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert _records(ledger_dir)["2"]["date"] == "2017-01"


def test_bad_rows_are_located_and_skipped(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    bad = [["4", "No such date", "31/02/2020", "KZ", "", "", "", "", "https://e.example", "", "", ""],
           ["5", "Unknown country", "01/02/2020", "XX", "", "", "", "", "https://f.example", "", "", ""],
           ["6", "No source", "01/02/2020", "KZ", "", "", "", "", "", "", "", ""],
           ["", "No key", "01/02/2020", "KZ", "", "", "", "", "https://g.example", "", "", ""],
           ["1", "Key again", "01/02/2020", "KZ", "", "", "", "", "https://h.example", "", "", ""]]
    data.write_bytes(_csv([ROWS[0], *bad]).encode("utf-8"))
    result = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert result.exit_code == 1
    name = str(data)
    assert f"{name}:3:C: error: date: '31/02/2020' is not a date" in result.stderr
    assert f"{name}:4:D: error: location.country: " in result.stderr  # column D: Country
    assert "[schema-enum]" in result.stderr
    # The required sources are empty: located at the first column that could have given them.
    assert f"{name}:5:I: error: missing required field 'sources' [schema-required]" in result.stderr
    assert f"{name}:6:A: error: the key column 'No' is empty" in result.stderr
    assert f"{name}:7:A: error: key '1' is also on row 2 [import-key-twice]" in result.stderr
    assert "1 added, 0 updated, 0 unchanged, 5 skipped" in result.stderr
    assert list(_records(ledger_dir)) == ["1"]


def test_a_field_no_column_fills_is_explained(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    mapping.write_text(MAPPING.replace('"acts.type"', '# "acts.type"').replace('"acts.victims"', '# x'),
                       encoding="utf-8")
    result = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert result.exit_code == 1
    assert f"{data}:2:A: error: missing required field 'acts' [schema-required]" in result.stderr
    assert 'hint: no column fills acts.type: map one under [fields], or give it a constant: "acts.type" =' \
        in result.stderr
    assert "0 added, 0 updated, 0 unchanged, 3 skipped" in result.stderr


def test_reimport_changes_nothing(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    assert _import(ledger_dir, str(data), "--mapping", str(mapping)).exit_code == 0
    before = _snapshot(ledger_dir)
    again = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert again.exit_code == 0, again.stderr
    assert "0 added, 0 updated, 3 unchanged" in again.stderr
    assert _snapshot(ledger_dir) == before


def test_changed_row_updates_mapped_fields_and_keeps_hand_work(ledger_dir: Path,
                                                                sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    assert _import(ledger_dir, str(data), "--mapping", str(mapping)).exit_code == 0
    path = next(p for p in (ledger_dir / "incidents").rglob("*.yaml") if "cafe-owner" in p.name)
    text = path.read_text(encoding="utf-8")
    # By hand: a comment, another source, and a field the mapping does not fill.
    text = text.replace("title: ", "# Checked with the office on the phone.\ntitle: ")
    text = text.replace("sources:\n", "sources:\n  - ref: hand\n    title: Interview notes\n")
    text = text.replace("recorded:\n", "rights:\n  - liberty\nrecorded:\n")
    path.write_text(text, encoding="utf-8")
    rows = [list(ROWS[0]), *ROWS[1:]]
    rows[0][1] = "Café owner detained overnight"
    rows[0][9] = "https://b.example/2-updated"
    data.write_bytes(_csv(rows).encode("utf-8"))
    dry = _import(ledger_dir, str(data), "--mapping", str(mapping), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "would update" in dry.stdout
    assert 'title: "Café owner detained" -> "Café owner detained overnight"' in dry.stdout
    assert path.read_text(encoding="utf-8") == text  # a dry run writes nothing
    result = _import(ledger_dir, str(data), "--mapping", str(mapping), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"] == {"added": 0, "updated": 1, "unchanged": 2, "skipped": 0, "duplicate": 0}
    changed = next(r for r in report["rows"] if r["action"] == "updated")
    assert {c["field"] for c in changed["changes"]} >= {"title"}
    after = path.read_text(encoding="utf-8")
    assert "# Checked with the office on the phone.\ntitle: Café owner detained overnight" in after
    record = _records(ledger_dir)["1"]
    assert record["rights"] == ["liberty"]
    refs = {s["ref"]: s for s in record["sources"]}
    assert refs["hand"] == {"ref": "hand", "title": "Interview notes"}
    assert "https://b.example/2-updated" in [s.get("url") for s in record["sources"]]
    assert invoke(["--ledger", str(ledger_dir), "validate"]).exit_code == 0


def test_dry_run_writes_nothing(ledger_dir: Path, sheet: tuple[Path, Path]) -> None:
    data, mapping = sheet
    before = _snapshot(ledger_dir)
    result = _import(ledger_dir, str(data), "--mapping", str(mapping), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.count("would add") == 3
    assert "(dry run: nothing written)" in result.stderr
    assert _snapshot(ledger_dir) == before


def test_possible_duplicate(ledger_dir: Path, tmp_path: Path) -> None:
    # The example ledger holds Ilyashev's sentence, 2020-04-18 in KZ; his name in Cyrillic, in capitals.
    data = tmp_path / "other.csv"
    data.write_text("ref,title,date,country,victim,url\n"
                    "x1,Ilyashev jailed,2020-04-18,KZ,АЛНУР ИЛЬЯШЕВ,https://x.example/1\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[import]\ndataset = "partner"\nkey = "ref"\n[fields]\ntitle = "title"\n'
                       'date = "date"\n'
                       '"location.country" = "country"\n"acts.type" = { value = "sentence" }\n'
                       '"acts.victims" = "victim"\n"sources.url" = "url"\nstatus = { value = "possible" }\n',
                       encoding="utf-8")
    skipped = _import(ledger_dir, str(data), "--mapping", str(mapping), "--skip-duplicates")
    assert skipped.exit_code == 0, skipped.stderr
    assert "looks like 2020-04-18-ilyashev-jailed-6fsa" in skipped.stderr
    assert "not added (possible duplicate)" in skipped.stdout
    assert not list((ledger_dir / "incidents").rglob("*ilyashev-jailed-[!6]*"))
    kept = _import(ledger_dir, str(data), "--mapping", str(mapping))
    assert kept.exit_code == 0
    assert "looks like 2020-04-18-ilyashev-jailed-6fsa" in kept.stderr
    assert "possible duplicate of 2020-04-18-ilyashev-jailed-6fsa" in kept.stdout
    assert "1 added" in kept.stderr


def test_xlsx_with_dates_and_numbers(ledger_dir: Path, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    ws = book.create_sheet("Incidents")
    ws.append(["ID", "Title", "When", "Country", "Lat"])
    ws.append([17, "Raid on a newsroom", dt.datetime(2021, 5, 4), "KG", 42.5])
    ws.append([None, None, None, None, None])  # a blank row keeps the numbering
    ws.append([18, "Blogger fined", "May 2021", "KZ", None])
    path = tmp_path / "office.xlsx"
    book.save(path)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[import]\ndataset = "office"\nkey = "ID"\nsheet = "Incidents"\n[fields]\n'
                       'title = "Title"\ndate = { column = "When", formats = ["%B %Y"] }\n'
                       '"location.country" = "Country"\n"location.lat" = "Lat"\n'
                       '"acts.type" = { value = "search" }\n"sources.title" = { value = "Office report" }\n'
                       'status = { value = "confirmed" }\n', encoding="utf-8")
    result = _import(ledger_dir, str(path), "--mapping", str(mapping), "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [(r["row"], r["key"], r["action"]) for r in rows] == [(2, "17", "added"), (4, "18", "added")]
    from ledger.core import yamlio

    texts = {p.name: yamlio.parse(p.read_text(encoding="utf-8"))[0]
             for p in (ledger_dir / "incidents").rglob("2021-*.yaml")}
    by_key = {r["external_ids"]["office"]: r for r in texts.values()}
    assert by_key["17"]["date"] == "2021-05-04" and by_key["17"]["location"]["lat"] == 42.5
    assert by_key["18"]["date"] == "2021-05"


def test_json_nested_rows_and_jsonl(ledger_dir: Path, tmp_path: Path) -> None:
    doc = {"meta": {"n": 1}, "data": [
        {"id": "a-1", "what": {"title": "Journalist searched", "date": "2019-11-02", "country": "KZ"},
         "links": [{"url": "https://n.example/1", "text": "First report"},
                   {"url": "https://n.example/2", "text": "Follow-up"}]}]}
    path = tmp_path / "partner.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    mapping = tmp_path / "m.toml"
    common = ('key = "id"\n[fields]\ntitle = "what.title"\ndate = "what.date"\n'
              '"location.country" = "what.country"\n"acts.type" = { value = "search" }\n'
              '"sources.url" = "links.url"\n"sources.title" = "links.text"\nstatus = { value = "likely" }\n')
    mapping.write_text('[import]\ndataset = "partner"\nrows = "data"\n' + common, encoding="utf-8")
    result = _import(ledger_dir, str(path), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    from ledger.core import yamlio

    made = [yamlio.parse(p.read_text(encoding="utf-8"))[0]
            for p in (ledger_dir / "incidents").rglob("2019-*.yaml")]
    assert len(made) == 1
    assert [(s["url"], s["title"]) for s in made[0]["sources"]] == [
        ("https://n.example/1", "First report"), ("https://n.example/2", "Follow-up")]
    lines = tmp_path / "partner.jsonl"
    lines.write_text(json.dumps(doc["data"][0]) + "\n\n" + json.dumps(
        {"id": "a-2", "what": {"title": "Second", "date": "2019-13-40", "country": "KZ"},
         "links": [{"url": "https://n.example/3"}]}) + "\n", encoding="utf-8")
    jsonl_map = tmp_path / "l.toml"
    jsonl_map.write_text('[import]\ndataset = "partner"\n' + common, encoding="utf-8")
    again = _import(ledger_dir, str(lines), "--mapping", str(jsonl_map))
    assert again.exit_code == 1
    assert f"{lines}:3:what.date: error: " in again.stderr  # the line of the JSONL file
    assert "0 added, 0 updated, 1 unchanged, 1 skipped" in again.stderr


def test_init_mapping_guesses_columns(ledger_dir: Path, sheet: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = sheet
    data.write_bytes(_csv(ROWS).replace("No;", "ID;").replace("Victims", "Victim").encode("utf-8"))
    out = tmp_path / "start.toml"
    result = _import(ledger_dir, "--init-mapping", str(data), "--mapping", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert 'key = "ID"' in text and 'title = "Title"' in text
    assert '"location.country" = "Country"' in text and '"location.place" = "City"' in text
    assert 'date = { column = "Date", formats = ["%d/%m/%Y"' in text
    assert "#   location.lat: number" in text  # the schema's fields, as comments
    assert '#   "Geo"' in text  # a column it could not place
    assert _import(ledger_dir, "--init-mapping", str(data), "--mapping", str(out)).exit_code == 2  # kept
    text = text.replace('[fields]', '[fields]\nstatus = { value = "likely" }\n'
                        '"acts.type" = { value = "arrest" }\n"sources.url" = { columns = "Link *" }')
    out.write_text(text, encoding="utf-8")
    dry = _import(ledger_dir, str(data), "--mapping", str(out), "--dry-run")
    assert dry.stdout.count("would add") == 3, dry.stderr


def test_xlsx_round_trip_changes_nothing(ledger_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    exported = invoke(["--ledger", str(ledger_dir), "export", "--output", str(path)])
    assert exported.exit_code == 0, exported.stderr
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["incidents", "acts", "actors", "sources", "profiles"]
    assert [c.value for c in book["incidents"][1]][:3] == ["id", "title", "date"]
    mapping = tmp_path / "back.toml"
    assert _import(ledger_dir, "--init-mapping", str(path), "--mapping", str(mapping)).exit_code == 0
    before = _snapshot(ledger_dir)
    result = _import(ledger_dir, str(path), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert "0 added, 0 updated, 4 unchanged" in result.stderr
    assert _snapshot(ledger_dir) == before


def test_xlsx_cells_cannot_be_formulas(ledger_dir: Path, tmp_path: Path) -> None:
    record = next((ledger_dir / "incidents").rglob("*ilyashev*"))
    text = record.read_text(encoding="utf-8")
    record.write_text(re.sub(r"\ntitle: .*", "\ntitle: '=HYPERLINK(\"http://evil.example\")'", text),
                      encoding="utf-8")
    safe, raw = tmp_path / "safe.xlsx", tmp_path / "raw.xlsx"
    assert invoke(["--ledger", str(ledger_dir), "export", "-o", str(safe)]).exit_code == 0
    assert invoke(["--ledger", str(ledger_dir), "export", "-o", str(raw), "--raw"]).exit_code == 0
    cell = next(c for c in openpyxl.load_workbook(safe)["incidents"]["B"] if str(c.value).startswith("="))
    assert cell.data_type == "s" and cell.quotePrefix
    raw_cell = next(c for c in openpyxl.load_workbook(raw)["incidents"]["B"] if str(c.value).startswith("="))
    assert raw_cell.data_type == "f"
    assert invoke(["--ledger", str(ledger_dir), "export"]).exit_code == 0  # jsonl stays the default
    assert invoke(["--ledger", str(ledger_dir), "export", "--format", "xlsx"]).exit_code == 2


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("broken.json", b'{"data": [1, ', "broken.json:1:"),
    ("fake.xlsx", b"not a zip at all", "not an XLSX workbook"),
    ("rows.jsonl", b'{"id": "1"}\n[1, 2]\n', "rows.jsonl:2: a row is not an object"),
    ("empty.csv", b"", "the file is empty"),
])
def test_malformed_files_are_located_errors(ledger_dir: Path, tmp_path: Path, name: str, content: bytes,
                                            needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[import]\ndataset = "d"\nkey = "id"\n[fields]\ntitle = "title"\n', encoding="utf-8")
    result = _import(ledger_dir, str(path), "--mapping", str(mapping))
    assert result.exit_code == 3, result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize(("mapping", "needle"), [
    ('[import]\nkey = "No"\n[fields]\ntitle = "Title"\n', "import.dataset is required"),
    ('[import]\ndataset = "d"\n[fields]\ntitle = "Title"\n', "import.key is required"),
    ('[import]\ndataset = "d"\nkey = "No"\n[fields]\ntitel = "Title"\n', "an incident has no field 'titel'"),
    ('[import]\ndataset = "d"\nkey = "No"\n[fields]\ntitle = "Nope"\n', "has no column 'Nope'"),
    ('[import]\ndataset = "d"\nkey = "No"\n[fields]\ntitle = { colum = "Title" }\n',
     "unknown option 'colum'"),
    ('[import\n', "not TOML"),
])
def test_bad_mapping_is_a_usage_error(ledger_dir: Path, sheet: tuple[Path, Path], mapping: str,
                                      needle: str) -> None:
    data, path = sheet
    path.write_text(mapping, encoding="utf-8")
    result = _import(ledger_dir, str(data), "--mapping", str(path))
    assert result.exit_code == 2, result.stderr
    assert needle in result.stderr


def test_xlsx_that_unpacks_too_large_is_refused(ledger_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.store import sheets

    book = openpyxl.Workbook()
    book.active.append(["id", "title"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    monkeypatch.setattr(sheets, "MAX_UNPACKED", 1000)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[import]\ndataset = "d"\nkey = "id"\n[fields]\ntitle = "title"\n', encoding="utf-8")
    result = _import(ledger_dir, str(path), "--mapping", str(mapping))
    assert result.exit_code == 3
    assert f"{path}: unpacks to " in result.stderr and "at most 1000 are read" in result.stderr


def test_init_mapping_finds_json_rows(ledger_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "partner.json"
    path.write_text(json.dumps({"meta": {}, "result": {"items": [
        {"uuid": "u1", "what": {"title": "T", "date": "2019-11-02"}, "links": [{"url": "https://x.example"}]}]}}),
        encoding="utf-8")
    result = _import(ledger_dir, "--init-mapping", str(path))
    assert result.exit_code == 0, result.stderr
    assert 'rows = "result.items"' in result.stdout and 'key = "uuid"' in result.stdout
    assert 'title = "what.title"' in result.stdout and '"sources.url" = "links.url"' in result.stdout
