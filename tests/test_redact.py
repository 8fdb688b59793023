"""The public view: no planted secret survives, in any command or format.

Two levels: a property test of `redact` over generated records (every
confidential place holds a planted secret, and the redacted record must
still be valid), and the real commands over a copy of the example ledger
with a confidential record, a restricted record and a public record with a
confidential witness and a confidential evidence file.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, Result, invoke
from ledger.core import redact
from ledger.store.session import load_schema

SCHEMA = load_schema(REPO / "schema" / "incident.schema.json", "schema")

# -- property test over generated records ----------------------------------------

# Every secret below contains one of these; public content never does.
MARKS = ("zecret", "зекрет")
SECRET_DIGEST = "5ec7e7ed" * 8
WITHHELD_ID = "2020-01-01-zecret-withheld-aaaa"
OTHER_ID = "2020-01-02-public-other-bbbb"


def _leaks(text: str) -> list[str]:
    folded = text.casefold()
    return [m for m in (*MARKS, SECRET_DIGEST) if m in folded]


def _public_actor(i: int) -> dict[str, Any]:
    return {"ref": f"pub{i}", "name": f"Public Person {i}", "names": {"ru": f"Публичный {i}"},
            "kind": "person", "occupation": "journalist"}


def _secret_actor(i: int) -> dict[str, Any]:
    return {"ref": f"zecret-{i}", "name": f"Zecret Latinova {i}",
            "names": {"ru": f"Зекрет Кириллова {i}", "kk": f"Зекрет Қазақша {i}"},
            "kind": "person", "occupation": f"zecret occupation {i}",
            "affiliation": f"Zecret Affiliation {i}", "confidential": True}


def _public_source(i: int) -> dict[str, Any]:
    return {"ref": f"src{i}", "title": f"Public report {i}", "url": f"https://example.org/{i}",
            "type": "news-report"}


def _secret_source(i: int) -> dict[str, Any]:
    return {"ref": f"zecret-src-{i}", "title": f"Zecret title {i}", "publisher": "Zecret Press",
            "url": f"https://zecret.example/{i}", "archived_url": f"https://archive.org/zecret/{i}",
            "file": f"evidence/zecret-{i}.pdf", "sha256": SECRET_DIGEST, "size": 5,
            "added_by": "Zecret Researcher", "type": "testimony", "confidential": True}


@st.composite
def ledgers(draw: Any) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    actors = [_public_actor(i) for i in range(draw(st.integers(0, 3)))]
    actors += [_secret_actor(i) for i in range(draw(st.integers(0, 3)))]
    actors = draw(st.permutations(actors))
    # An act may even name a ref no actor has (an invalid record): it must not leak either.
    refs = [a["ref"] for a in actors] + ["zecret-ghost"]
    acts = [{"type": draw(st.sampled_from(["arrest", "charge", "search"])),
             "victims": draw(st.lists(st.sampled_from(refs), unique=True, max_size=4)),
             "perpetrators": draw(st.lists(st.sampled_from(refs), unique=True, max_size=2))}
            for _ in range(draw(st.integers(1, 3)))]
    sources = [_public_source(i) for i in range(draw(st.integers(0, 2)))]
    sources += [_secret_source(i) for i in range(draw(st.integers(0, 2)))]
    sources = draw(st.permutations(sources)) or [_public_source(0)]
    record: dict[str, Any] = {
        "schema_version": 2, "id": "2020-01-03-generated-cccc", "title": "A generated incident",
        "date": "2020-01-03", "status": "likely", "location": {"country": "KZ"},
        "acts": acts, "sources": sources,
    }
    if actors:
        record["actors"] = actors
    level = draw(st.sampled_from([None, "public", "restricted", "confidential"]))
    if level:
        record["confidentiality"] = level
    related = draw(st.lists(st.sampled_from([WITHHELD_ID, OTHER_ID]), unique=True))
    if related:
        record["related"] = related
    if draw(st.booleans()):
        record["duplicate_of"] = draw(st.sampled_from([WITHHELD_ID, OTHER_ID]))
    withheld = {"schema_version": 2, "id": WITHHELD_ID, "title": "Zecret withheld incident",
                "date": "2020-01-01", "status": "likely", "location": {"country": "KZ"},
                "acts": [{"type": "arrest"}], "sources": [_public_source(9)],
                "confidentiality": draw(st.sampled_from(["restricted", "confidential"]))}
    other = {"schema_version": 2, "id": OTHER_ID, "title": "Another public incident",
             "date": "2020-01-02", "status": "likely", "location": {"country": "KZ"},
             "acts": [{"type": "arrest"}], "sources": [_public_source(8)]}
    rows = draw(st.permutations([("a.yaml", record), ("w.yaml", withheld), ("o.yaml", other)]))
    return rows, record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_public_records_keep_no_secret_and_stay_valid(
        case: tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]) -> None:
    rows, record = case
    before = copy.deepcopy(rows)
    withheld = redact.Withheld()
    out = list(redact.public_records(rows, withheld))

    assert rows == before, "redaction must not change its input"
    assert not _leaks(json.dumps(out, ensure_ascii=False))
    assert not _leaks(withheld.summary())
    # Public rows carry no path: the record is found by its id.
    assert {p for p, _ in out} <= {redact.NO_PATH}
    assert [r["id"] for _, r in out] == [r["id"] for _, r in rows if redact.is_public(r)]
    shown = next((r for _, r in out if r["id"] == record["id"]), None)
    assert withheld.records == 1 + (shown is None)
    if shown is None:
        return
    errors = [e.message for e in SCHEMA.validator.iter_errors(shown)]
    assert not errors, errors
    secret_actors = [a for a in record.get("actors", []) if a.get("confidential")]
    secret_sources = [s for s in record["sources"] if s.get("confidential")]
    assert (withheld.actors, withheld.sources) == (len(secret_actors), len(secret_sources))
    # What is public survives unchanged; each withheld person still counts as one.
    assert [a for a in shown.get("actors", []) if a["ref"].startswith("pub")] == \
        [a for a in record.get("actors", []) if not a.get("confidential")]
    for act, orig in zip(shown["acts"], record["acts"], strict=True):
        for role in redact.ROLES:
            assert len(act[role]) == len(orig[role])
    assert shown.get("related", []) == [i for i in record.get("related", []) if i == OTHER_ID]


def test_public_record_without_ledger_context_drops_every_link() -> None:
    record = {"id": "x-1", "related": [OTHER_ID], "duplicate_of": OTHER_ID, "sources": []}
    shown = redact.public_record(record, redact.Withheld())
    assert shown is not None and "related" not in shown and "duplicate_of" not in shown


@pytest.mark.parametrize(("value", "public"), [
    (None, True), ("public", True), ("restricted", False), ("confidential", False),
    ("secret", False), ("", False), (True, False)])
def test_unknown_levels_fail_closed(value: Any, public: bool) -> None:
    record = {"id": "x-1", "confidentiality": value}
    assert (redact.public_record(record, redact.Withheld()) is not None) is public


@pytest.mark.parametrize(("flag", "withheld"), [
    (True, True), (False, False), (None, False), ("yes", True), (1, True)])
def test_item_flag_fails_closed(flag: Any, withheld: bool) -> None:
    record = {"id": "x-1", "actors": [{"ref": "a", "name": "A", "confidential": flag}],
              "sources": [{"ref": "s", "title": "S"}]}
    shown = redact.public_record(record, redact.Withheld())
    assert shown is not None
    assert (shown.get("actors", []) == []) is withheld


@pytest.mark.parametrize("broken", [
    {"sources": "zecret"}, {"sources": {"title": "zecret", "confidential": True}},
    {"actors": {"name": "Zecret"}}, {"actors": ["zecret"]},
    {"acts": [{"victims": [{"name": "zecret"}]}], "sources": []}])
def test_broken_shapes_fail_closed(broken: dict[str, Any]) -> None:
    shown = redact.public_record({"id": "x-1", **broken}, redact.Withheld())
    assert not _leaks(json.dumps(shown, ensure_ascii=False))


def test_summary_line() -> None:
    assert redact.Withheld(2, 1, 0).summary() == "public view: withheld 2 records, 1 actor, 0 sources"


# -- the real commands over a planted ledger ---------------------------------------

ILYASHEV = "incidents/2020/2020-04-18-ilyashev-jailed-6fsa.yaml"
CONFIDENTIAL_ID = "2020-04-18-shuraev-arrested-y3np"
RESTRICTED_ID = "2020-04-activists-detained-dfjp"
PUBLIC_ID = "2020-04-18-ilyashev-jailed-6fsa"
# Unique strings planted in every place a public release must not show.
PLANTED = {
    "witness_latin": "Witnessa Plantedova",
    "witness_cyrillic": "Свидетельница Посаженная",
    "witness_occupation": "planted-occupation-7731",
    "witness_ref": "planted_witness_ref",
    "evidence_title": "Planted evidence title 5530",
    "evidence_file": "planted-scan-6642",
    "evidence_publisher": "Planted Publisher 1187",
    "confidential_title": "Planted confidential title 4410",
    "restricted_description": "planted-restricted-description-9921",
}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def planted_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The example ledger with one confidential, one restricted and one public
    record with a confidential witness and a confidential evidence source.
    Shared by the tests that only read it."""
    base = tmp_path_factory.mktemp("planted")
    root = base / "ledger"
    for part in ("schema", "incidents", "actors"):
        shutil.copytree(REPO / part, root / part)
    inc = root / "incidents" / "2020"
    p = PLANTED
    _edit(inc / f"{CONFIDENTIAL_ID}.yaml", "confidentiality: public", "confidentiality: confidential")
    _edit(inc / f"{CONFIDENTIAL_ID}.yaml", "\ntitle: ", f"\ntitle: {p['confidential_title']} ")
    _edit(inc / f"{RESTRICTED_ID}.yaml", "confidentiality: public", "confidentiality: restricted")
    _edit(inc / f"{RESTRICTED_ID}.yaml", "\ndescription: |\n",
          f"\ndescription: |\n  {p['restricted_description']}\n")
    _edit(inc / f"{PUBLIC_ID}.yaml", "actors:\n",
          f"actors:\n  - ref: {p['witness_ref']}\n    name: {p['witness_latin']}\n"
          f"    names:\n      ru: {p['witness_cyrillic']}\n    kind: person\n"
          f"    occupation: {p['witness_occupation']}\n    confidential: true\n")
    _edit(inc / f"{PUBLIC_ID}.yaml", "    victims:\n      - ilyashev\n",
          f"    victims:\n      - ilyashev\n      - {p['witness_ref']}\n")
    scan = base / f"{p['evidence_file']}.pdf"
    scan.write_bytes(b"%PDF planted evidence bytes 8812")
    added = invoke(["--ledger", str(root), "evidence", "add", PUBLIC_ID, str(scan),
                    "--confidential", "--title", p["evidence_title"], "--type", "testimony",
                    "--format", "json"])
    assert added.exit_code == 0, added.stderr
    digest = json.loads(added.stdout)["sha256"]
    _edit(root / ILYASHEV, f"    title: {p['evidence_title']}\n",
          f"    title: {p['evidence_title']}\n    publisher: {p['evidence_publisher']}\n")
    return root, {**p, "evidence_sha256": digest}


@pytest.fixture
def planted(planted_ledger: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return planted_ledger[1]


@pytest.fixture
def shared(planted_ledger: tuple[Path, dict[str, str]]) -> Any:
    """Run a command on the shared planted ledger (the test must not change it)."""
    def _run(*args: str) -> Result:
        return invoke(["--ledger", str(planted_ledger[0]), *args])
    return _run


@pytest.fixture
def own(planted_ledger: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    """A private copy of the planted ledger, for a test that edits it."""
    root = tmp_path / "ledger"
    shutil.copytree(planted_ledger[0], root)
    return root


def _secrets(planted: dict[str, str]) -> list[str]:
    return [*planted.values(), CONFIDENTIAL_ID, RESTRICTED_ID]


def _found(text: str, planted: dict[str, str]) -> list[str]:
    folded = text.casefold()
    return [s for s in _secrets(planted) if s.casefold() in folded]


def _sqlite_text(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


PUBLIC_OUTPUTS = [
    *(["list", "--public", "--format", f] for f in ("table", "json", "jsonl", "csv", "ids", "yaml")),
    *(["show", PUBLIC_ID, "--public", "--format", f] for f in ("text", "json", "yaml")),
    *(["summary", "--public", "--by", by, "--format", f]
      for by in ("actor", "year") for f in ("table", "json", "csv", "markdown")),
    *(["actors", "--public", "--format", f] for f in ("table", "json")),
    *(["export", "--public", "--format", f] for f in ("json", "jsonl", "csv")),
    ["export", "--public", "--format", "csv", "--table", "actors"],
    ["export", "--public", "--format", "csv", "--table", "sources"],
    ["export", "--public", "--format", "sqlite", "--output", "{out}/public.sqlite"],
]


@pytest.mark.parametrize("args", PUBLIC_OUTPUTS, ids=lambda a: "-".join(a[:1] + a[2:]).replace("{out}/", ""))
def test_no_planted_secret_in_any_public_output(planted: dict[str, str], shared: Any,
                                                tmp_path: Path, args: list[str]) -> None:
    args = [a.replace("{out}", str(tmp_path)) for a in args]
    result = shared(*args)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    if "sqlite" in args:
        text = _sqlite_text(tmp_path / "public.sqlite")
    assert not _found(text, planted)
    assert not _found(result.stderr, planted)
    assert re.search(r"public view: withheld \d+ records?", result.stderr)
    if args[0] in ("list", "export", "show") and "table" not in args:
        assert PUBLIC_ID in text


def test_public_export_is_the_public_records_only(shared: Any) -> None:
    result = shared("export", "--public", "--format", "jsonl")
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert PUBLIC_ID in ids and CONFIDENTIAL_ID not in ids and RESTRICTED_ID not in ids
    assert "withheld 2 records, 1 actor, 1 source" in result.stderr


def test_full_export_has_everything(planted: dict[str, str], shared: Any) -> None:
    result = shared("export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(list((REPO / "incidents").rglob("*.yaml")))
    assert not set(_secrets(planted)) - set(_found(result.stdout, planted))


def test_planted_ledger_validates_and_list_marks_confidential(
        shared: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = shared("validate", "--strict")
    assert result.exit_code == 0, result.stdout
    monkeypatch.setenv("COLUMNS", "400")  # no folding: each marker on one line
    table = shared("list").stdout
    assert "🔒 confidential:" in table and "🔒 restricted:" in table
    assert "🔒 confidential 1 actor + 1 source:" in table


def test_show_public_of_withheld_record_fails(shared: Any) -> None:
    # To a public view a withheld record is exactly an id that does not exist.
    result = shared("show", CONFIDENTIAL_ID, "--public")
    missing = shared("show", "2020-01-01-no-such-record-zzzz", "--public")
    assert result.exit_code == missing.exit_code == 1
    assert result.stderr == missing.stderr.replace("2020-01-01-no-such-record-zzzz", CONFIDENTIAL_ID)
    assert "no incident with id" in result.stderr and not result.stdout
    assert PLANTED["confidential_title"] not in result.stderr


def test_show_marks_confidential_parts(shared: Any) -> None:
    text = shared("show", PUBLIC_ID).stdout
    assert PLANTED["witness_latin"] in text and "[confidential]" in text


# -- the warning that protects free text --------------------------------------------

@pytest.mark.parametrize(("written", "warns"), [
    ("Witnessa Plantedova", True),
    ("WITNESSA PLANTEDOVA", True),
    ("Свидетельница Посаженная", True),
    ("Witnessa Plantedovas", False),  # another word: not the name
    ("an unnamed witness", False),
])
def test_validate_warns_about_confidential_name_in_text(own: Path, written: str, warns: bool) -> None:
    _edit(own / ILYASHEV, "\ndescription: |\n", f"\ndescription: |\n  Seen by {written}.\n")
    result = invoke(["--ledger", str(own), "validate", "--format", "json"])
    problems = [p for p in json.loads(result.stdout)["problems"]
                if p["code"] == "confidential-name-in-text"]
    assert bool(problems) is warns
    if warns:
        assert problems[0]["severity"] == "warning" and problems[0]["pointer"] == "/description"
        assert result.exit_code == 0
        assert invoke(["--ledger", str(own), "validate", "--strict"]).exit_code == 1


def test_no_warning_for_a_record_that_is_never_published(own: Path) -> None:
    _edit(own / ILYASHEV, "confidentiality: public", "confidentiality: restricted")
    _edit(own / ILYASHEV, "\ndescription: |\n", "\ndescription: |\n  Seen by Witnessa Plantedova.\n")
    result = invoke(["--ledger", str(own), "validate", "--format", "json"])
    assert result.exit_code == 0
    assert "confidential-name-in-text" not in result.stdout
