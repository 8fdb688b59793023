"""A confidential name in an id, and what public views withhold besides.

The planted record's id was made from a first title in Cyrillic that named
the victim ("Оскенбаева"); the title was cleaned and the actor marked
confidential, but the id still spells the name.  validate warns, public views
refuse, and after `ledger rename` every public format is free of the name,
of the documenter's name, of the evidence file's name and of file paths.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from conftest import Result
from ledger.core import ids, redact

OLD = "2020-05-04-oskenbaeva-detained-q7zk"
NEW = "2020-05-04-activist-detained-q7zk"
LINKING = "2020-04-18-shuraev-arrested-y3np"
DOCUMENTER = "Dana Documentova"
EVIDENCE = "evidence/statement-w9x3.pdf"
# What no public output may hold once the id is clean (compared case-folded).
SECRETS = ("oskenba", "оскенба", "dana documentova", "statement-w9x3", "incidents/")

RECORD = f"""\
# yaml-language-server: $schema=../../schema/incident.schema.json
---
schema_version: 2
id: {OLD}
title: Activist detained in Almaty after a post about the lockdown
date: 2020-05-04
status: likely
location:
  country: KZ
  place: Almaty
acts:
  - type: detention
    victims:
      - v1
    perpetrators:
      - police
actors:
  - ref: v1
    name: Zhanara Oskenbayeva
    names:
      ru: Жанара Оскенбаева
    kind: person
    confidential: true
  - ref: police
    name: Almaty police
    kind: state-body
sources:
  - ref: s1
    title: Witness statement
    type: testimony
    file: {EVIDENCE}
    sha256: {{digest}}
    added_by: {DOCUMENTER}
related:
  - {LINKING}
recorded:
  by: {DOCUMENTER}
  date: 2020-05-05
"""


def plant(root: Path) -> Path:
    evidence = root / EVIDENCE
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_bytes(b"%PDF-1.4 a statement")
    path = root / "incidents" / "2020" / f"{OLD}.yaml"
    path.write_text(RECORD.replace("{digest}", hashlib.sha256(evidence.read_bytes()).hexdigest()),
                    encoding="utf-8")
    return path


@pytest.fixture
def planted(ledger_dir: Path) -> Path:
    return plant(ledger_dir)


def test_the_planted_id_is_what_the_id_rule_makes_of_the_first_title() -> None:
    made = ids.new_id("2020-05-04", "Оскенбаева задержана", choose=lambda _: "q")
    assert made.startswith("2020-05-04-oskenbaeva-")
    assert redact.name_words("Жанара Оскенбаева") == ["zhanara", "oskenbaeva"]


def test_validate_warns_at_the_id_and_strict_fails(run, planted: Path) -> None:  # type: ignore[no-untyped-def]
    rel = f"incidents/2020/{OLD}.yaml"
    plain = run("validate")
    assert plain.exit_code == 0, plain.stdout
    assert f"{rel}:4:5: warning: id '{OLD}' holds the name of confidential actor 'v1'" in plain.stdout
    assert "[confidential-name-in-id]" in plain.stdout
    assert f"ledger rename {OLD} NEW-ID" in plain.stdout
    strict = run("validate", "--strict", "--format", "json")
    assert strict.exit_code == 1
    found = [p for p in json.loads(strict.stdout)["problems"] if p["code"] == "confidential-name-in-id"]
    assert [(p["path"], p["line"], p["column"], p["severity"], p["pointer"]) for p in found] == \
        [(rel, 4, 5, "warning", "/id")]


def test_a_name_word_must_be_whole_and_long_enough(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    text = RECORD.replace("Zhanara Oskenbayeva", "Al Oskenbaevakyzy").replace("Жанара Оскенбаева", "Ал")
    path = ledger_dir / "incidents" / "2020" / f"{OLD}.yaml"
    evidence = ledger_dir / EVIDENCE
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"x")
    path.write_text(text.replace("{digest}", hashlib.sha256(b"x").hexdigest()), encoding="utf-8")
    result = run("validate", "--strict")
    assert result.exit_code == 0, result.stdout
    assert "confidential-name-in-id" not in result.stdout


def test_a_public_name_in_an_id_is_no_problem(run, planted: Path) -> None:  # type: ignore[no-untyped-def]
    planted.write_text(planted.read_text(encoding="utf-8").replace("    confidential: true\n", ""),
                       encoding="utf-8")
    result = run("validate", "--strict")
    assert result.exit_code == 0, result.stdout
    assert run("export", "--public").exit_code == 0


REFUSING = [
    ["export", "--public", "--format", "json"],
    ["export", "--public", "--format", "jsonl"],
    ["export", "--public", "--format", "csv"],
    ["export", "--public", "--format", "sqlite", "--output", "{out}/public.sqlite"],
    ["list", "--public", "--format", "json"],
    ["show", LINKING, "--public", "--format", "json"],
    ["actors", "--public", "--format", "json"],
]


@pytest.mark.parametrize("args", REFUSING, ids=lambda a: "-".join(a[:1] + a[-1:]))
def test_public_views_refuse_naming_the_record(run, planted: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               args: list[str]) -> None:
    result = run(*[a.replace("{out}", str(tmp_path)) for a in args])
    assert result.exit_code == 1
    assert OLD in result.stderr and "ledger rename" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "public.sqlite").exists()


def _public_outputs(run, tmp_path: Path) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Every public format, as the bytes a release would hold."""
    out: dict[str, bytes] = {}
    for fmt in ("json", "jsonl", "csv"):
        out[f"export-{fmt}"] = _ok(run("export", "--public", "--format", fmt)).stdout.encode()
    for table in ("actors", "sources", "acts"):
        out[f"export-csv-{table}"] = _ok(run("export", "--public", "--format", "csv",
                                             "--table", table)).stdout.encode()
    db = tmp_path / "public.sqlite"
    _ok(run("export", "--public", "--output", str(db)))
    out["export-sqlite"] = db.read_bytes()
    for fmt in ("json", "jsonl", "csv", "yaml", "table"):
        out[f"list-{fmt}"] = _ok(run("list", "--public", "--format", fmt)).stdout.encode()
    for fmt in ("json", "yaml", "text"):
        out[f"show-{fmt}"] = _ok(run("show", NEW, "--public", "--format", fmt)).stdout.encode()
    return out


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def test_after_rename_no_public_output_holds_a_secret(run, planted: Path,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    renamed = run("rename", OLD, NEW)
    assert renamed.exit_code == 0, renamed.stderr
    assert run("validate", "--strict").exit_code == 0
    outputs = _public_outputs(run, tmp_path)
    for name, data in outputs.items():
        text = data.decode("utf-8", errors="replace").casefold()
        assert not [s for s in SECRETS if s in text], name
        if not name.endswith(("table", "text", "acts", "actors", "sources")):
            assert NEW in text, name
    db = sqlite3.connect(tmp_path / "public.sqlite")
    columns = [row[1] for row in db.execute("PRAGMA table_info(incidents)")]
    assert "id" in columns and "path" not in columns
    assert db.execute("SELECT file, added_by, sha256 FROM sources WHERE incident_id = ?", (NEW,)).fetchall() \
        == [(None, None, hashlib.sha256(b"%PDF-1.4 a statement").hexdigest())]
    for line in outputs["export-jsonl"].decode().splitlines():
        assert "path" not in json.loads(line)
    assert "path" not in outputs["export-csv"].decode().splitlines()[0].split(",")
    shown = json.loads(outputs["show-json"])
    assert shown["recorded"] == {"date": "2020-05-05"}
    assert shown["sources"][0] == {"ref": "s1", "title": "Witness statement", "type": "testimony",
                                   "sha256": hashlib.sha256(b"%PDF-1.4 a statement").hexdigest()}


def test_the_full_export_keeps_paths_and_documenters(run, planted: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [json.loads(line) for line in _ok(run("export", "--format", "jsonl")).stdout.splitlines()]
    mine = next(r for r in rows if r["id"] == OLD)
    assert mine["path"] == f"incidents/2020/{OLD}.yaml"
    assert mine["recorded"]["by"] == DOCUMENTER and mine["sources"][0]["file"] == EVIDENCE


def test_ledger_toml_can_publish_documenters(run, ledger_dir: Path, planted: Path) -> None:  # type: ignore[no-untyped-def]
    _ok(run("rename", OLD, NEW))
    (ledger_dir / "ledger.toml").write_text('[public]\npublish = ["recorded.by", "sources.file"]\n',
                                            encoding="utf-8")
    record = json.loads(_ok(run("show", NEW, "--public", "--format", "json")).stdout)
    assert record["recorded"]["by"] == DOCUMENTER
    assert record["sources"][0]["file"] == EVIDENCE
    assert "added_by" not in record["sources"][0]
    assert "path" not in record


@pytest.mark.parametrize("setting", ['publish = ["recorded.who"]', 'publish = "recorded.by"'])
def test_a_wrong_publish_setting_is_refused(run, ledger_dir: Path, setting: str) -> None:  # type: ignore[no-untyped-def]
    (ledger_dir / "ledger.toml").write_text(f"[public]\n{setting}\n", encoding="utf-8")
    result = run("export", "--public")
    assert result.exit_code == 3
    assert "[public] publish" in result.stderr and "recorded.by" in result.stderr
    assert result.stdout == ""


def test_a_source_that_was_only_a_file_stays_valid() -> None:
    record = {"id": NEW, "sources": [{"ref": "s1", "file": EVIDENCE, "sha256": "0" * 64}]}
    shown = redact.public_record(record, redact.Withheld())
    assert shown is not None
    assert shown["sources"] == [{"ref": "s1", "sha256": "0" * 64, "title": redact.WITHHELD_FILE_TITLE}]


def test_public_list_csv_without_rows_has_no_path_column(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list", "--public", "--format", "csv", "--country", "FR")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("id,title,") and ",path" not in result.stdout
    full = run("list", "--format", "csv", "--country", "FR")
    assert full.stdout.rstrip("\n").endswith(",path")



def test_a_withheld_record_warns_but_does_not_block_a_release(run, planted: Path) -> None:  # type: ignore[no-untyped-def]
    text = planted.read_text(encoding="utf-8")
    planted.write_text(text + "confidentiality: restricted\n", encoding="utf-8")
    warned = run("validate", "--strict")
    assert warned.exit_code == 1
    assert "[confidential-name-in-id]" in warned.stdout and "can never be made public" in warned.stdout
    released = run("export", "--public", "--format", "jsonl")
    assert released.exit_code == 0, released.stderr
    assert "oskenba" not in released.stdout.casefold()
    assert LINKING in released.stdout


def test_rename_warns_when_the_new_id_still_names_the_actor(run, planted: Path) -> None:  # type: ignore[no-untyped-def]
    still = "2020-05-04-zhanara-case-q7zk"
    result = run("rename", OLD, still)
    assert result.exit_code == 0, result.stderr
    assert f"warning: id '{still}' holds the name of confidential actor 'v1'" in result.stderr
    assert run("export", "--public").exit_code == 1
