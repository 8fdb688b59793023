"""Actor profiles (actors/<id>.yaml): validated, used by actors, --actor, show,
summary and export, and withheld from public views when confidential."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

IDS = ["2020-04-18-ilyashev-jailed-6fsa", "2020-04-18-shamshet-arrested-g68z",
       "2020-04-18-shuraev-arrested-y3np", "2020-04-activists-detained-dfjp"]
SHURAEV = "2020-04-18-shuraev-arrested-y3np"
SECRET = ["Dana Secretova", "Дана Секретова", "D. Secretova", "dana-secretova"]


def ids(run: Any, *args: str) -> list[str]:
    result = run("list", "--format", "ids", *args)
    assert result.exit_code == 0, result.stderr
    return sorted(result.stdout.split())


def test_the_example_ledger_has_the_recurring_actors_as_profiles() -> None:
    names = sorted(p.stem for p in (REPO / "actors").glob("*.yaml"))
    assert names == ["adil-soz", "gizat-nurdauletov", "marzhan-aspandiyarova", "yevgeny-zhovtis"]
    soz = (REPO / "actors" / "adil-soz.yaml").read_text(encoding="utf-8")
    assert "- A Just Word" in soz and "journalists and bloggers" in soz
    assert "- Ghizat Nurdauletov" in (REPO / "actors" / "gizat-nurdauletov.yaml").read_text(encoding="utf-8")
    for path in (REPO / "incidents").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "What we have in our country is an authoritarian system" in text
        assert text.count("    profile: ") == 4


@pytest.mark.parametrize("needle", ["Ghizat", "Gizat Nurdauletov", "Гизат", "Ғизат", "A Just Word",
                                    "адил соз",
                                    "Zhovtis", "Жовтис", "Aspandiyarova"])
def test_every_spelling_and_alias_finds_every_incident(run: Any, needle: str) -> None:
    assert ids(run, "--actor", needle) == IDS
    assert ids(run, "--actor", needle, "--public") == IDS
    summary = json.loads(run("summary", "--actor", needle, "--format", "json").stdout)
    assert summary["total"] == 4


def test_actors_lists_profiles_first_with_their_incidents(run: Any) -> None:
    doc = json.loads(run("actors", "--format", "json").stdout)
    profiled = [a for a in doc["actors"] if a["profile"]]
    assert [a["profile"] for a in doc["actors"][:4]] == [a["profile"] for a in profiled]
    assert {a["profile"]: sorted(a["incidents"]) for a in profiled} == {
        "adil-soz": IDS, "gizat-nurdauletov": IDS, "marzhan-aspandiyarova": IDS, "yevgeny-zhovtis": IDS}
    [soz] = [a for a in profiled if a["profile"] == "adil-soz"]
    assert soz["name"] == "Adil Soz" and "A Just Word" in soz["names"] and soz["kinds"] == ["organisation"]


def test_show_and_summary_use_the_profile(run: Any) -> None:
    shown = run("show", SHURAEV)
    assert shown.exit_code == 0
    assert "Yevgeny Zhovtis" in shown.stdout and "Kazakhstan's Bureau for Human Rights" in shown.stdout
    summary = json.loads(run("summary", "--by", "actor", "--format", "json").stdout)
    counts = {r["actor"]: r["count"] for r in summary["rows"]}
    assert counts["Gizat Nurdauletov"] == 4 and counts["Adil Soz"] == 4


def test_a_missing_profile_and_a_bad_profile_are_problems(run: Any, ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "2020" / f"{SHURAEV}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("profile: adil-soz", "profile: adil-sox"),
                    encoding="utf-8")
    (ledger_dir / "actors" / "nameless.yaml").write_text("schema_version: 2\nid: nameless\n",
                                                          encoding="utf-8")
    result = run("validate", "--format", "json")
    assert result.exit_code == 1
    found = {(p["path"], p["code"]) for p in json.loads(result.stdout)["problems"]}
    assert found == {(f"incidents/2020/{SHURAEV}.yaml", "unknown-profile"),
                     ("actors/nameless.yaml", "schema-required")}
    assert "did you mean 'adil-soz'?" in run("validate").stdout


def test_a_changed_profile_changes_the_memoised_answer(run: Any, ledger_dir: Path) -> None:
    assert run("validate").exit_code == 0
    profile = ledger_dir / "actors" / "adil-soz.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("kind: organisation", "kind: nonsense"),
                       encoding="utf-8")
    assert run("validate").exit_code == 1
    profile.unlink()
    result = run("validate", "--format", "json")
    assert result.exit_code == 1 and len(json.loads(result.stdout)["problems"]) == 4  # one per record


@pytest.fixture
def secret(ledger_dir: Path) -> Path:
    """A confidential profile, referred to by an actor that carries no name of its own."""
    (ledger_dir / "actors" / "dana-secretova.yaml").write_text(
        "schema_version: 2\nid: dana-secretova\nname: Dana Secretova\nnames:\n  ru: Дана Секретова\n"
        "aliases:\n  - D. Secretova\nkind: person\nconfidential: true\n", encoding="utf-8")
    path = ledger_dir / "incidents" / "2020" / f"{SHURAEV}.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    profile: adil-soz\n",
                        "    profile: adil-soz\n  - ref: witness\n    profile: dana-secretova\n")
    text = text.replace("    victims:\n      - shuraev\n",
                        "    victims:\n      - shuraev\n      - witness\n", 1)
    path.write_text(text, encoding="utf-8")
    return ledger_dir


PUBLIC_OUTPUTS = [
    *(["list", "--public", "--format", f] for f in ("table", "json", "jsonl", "csv", "ids", "yaml")),
    *(["show", SHURAEV, "--public", "--format", f] for f in ("text", "json", "yaml")),
    *(["summary", "--public", "--by", "actor", "--format", f] for f in ("table", "json", "csv", "markdown")),
    *(["actors", "--public", "--format", f] for f in ("table", "json")),
    *(["export", "--public", "--format", f] for f in ("json", "jsonl", "csv")),
    *(["export", "--public", "--format", "csv", "--table", t] for t in ("actors", "acts", "profiles")),
    ["export", "--public", "--format", "jsonl", "--table", "profiles"],
    ["export", "--public", "--format", "sqlite", "--output", "{out}/public.sqlite"],
    ["export", "--public", "--format", "xlsx", "--output", "{out}/public.xlsx"],
]


@pytest.mark.parametrize("args", PUBLIC_OUTPUTS, ids=lambda a: "-".join(a[:1] + a[2:]).replace("{out}/", ""))
def test_a_confidential_profile_is_in_no_public_output(run: Any, secret: Path, tmp_path: Path,
                                                       args: list[str]) -> None:
    assert run("validate").exit_code == 0
    args = [a.replace("{out}", str(tmp_path)) for a in args]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    text = result.stdout + result.stderr
    if "sqlite" in args:
        with sqlite3.connect(tmp_path / "public.sqlite") as conn:
            text += "\n".join(conn.iterdump())
    if "xlsx" in args:  # every byte of every part of the workbook
        import zipfile

        with zipfile.ZipFile(tmp_path / "public.xlsx") as book:
            text += "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    assert not [s for s in SECRET if s.casefold() in text.casefold()]
    assert "withheld 0 records, 1 actor" in result.stderr


def test_every_export_format_carries_the_profiles(run: Any, tmp_path: Path) -> None:
    lines = run("export", "--format", "jsonl", "--table", "profiles")
    assert lines.exit_code == 0
    ids = sorted(json.loads(line)["id"] for line in lines.stdout.splitlines())
    assert ids == sorted(p.stem for p in (REPO / "actors").glob("*.yaml"))
    assert run("export", "--format", "xlsx", "--output", str(tmp_path / "all.xlsx")).exit_code == 0
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "all.xlsx", read_only=True)["profiles"]
    got = sorted(str(row[0]) for row in list(sheet.iter_rows(values_only=True))[1:])
    assert got == ids
    assert run("export", "--format", "jsonl", "--table", "acts").exit_code == 2  # profiles only


def test_the_full_views_show_the_confidential_profile(run: Any, secret: Path) -> None:
    doc = json.loads(run("actors", "--format", "json").stdout)
    [dana] = [a for a in doc["actors"] if a["profile"] == "dana-secretova"]
    assert dana["confidential"] is True and dana["incidents"] == [SHURAEV]
    assert ids(run, "--actor", "Secretova") == [SHURAEV]
    assert ids(run, "--actor", "Secretova", "--public") == []
    exported = json.loads(run("export", "--format", "json").stdout)
    assert "dana-secretova" in [p["id"] for p in exported["profiles"]]


def test_add_links_a_typed_name_to_its_profile(run: Any, ledger_dir: Path) -> None:
    result = run("add", "--no-input", "--title", "Threat to the Prosecutor-General", "--date", "2020-05-01",
                 "--country", "KZ", "--act", "threat", "--victim", "ghizat nurdauletov",
                 "--victim", "John Smith",
                 "--source", "https://example.org/x", "--status", "likely")
    assert result.exit_code == 0, result.stderr
    assert "ghizat nurdauletov: linked to the actor profile gizat-nurdauletov" in result.stderr
    [path] = (ledger_dir / "incidents" / "2020").glob("2020-05-01-*.yaml")
    text = path.read_text(encoding="utf-8")
    # The spelling typed stays: it is the one this source used.
    assert "    profile: gizat-nurdauletov\n    name: ghizat nurdauletov\n" in text
    assert "  - ref: john_smith\n    name: John Smith\n" in text
    assert ids(run, "--actor", "Гизат") == sorted([*IDS, path.stem])


def test_profile_makes_a_profile_from_an_inline_actor_and_links_every_record(
        run: Any, ledger_dir: Path) -> None:
    before = {p: p.read_bytes() for p in (ledger_dir / "incidents").rglob("*.yaml")}
    dry = run("profile", "Kazakh Authorities", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "+++ b/actors/kazakh-authorities.yaml" in dry.stdout
    assert "+    profile: kazakh-authorities" in dry.stdout
    assert {p: p.read_bytes() for p in before} == before
    assert not (ledger_dir / "actors" / "kazakh-authorities.yaml").exists()
    made = run("profile", "Kazakh Authorities")
    assert made.exit_code == 0, made.stderr
    profile = (ledger_dir / "actors" / "kazakh-authorities.yaml").read_text(encoding="utf-8")
    assert "name: Kazakh authorities\nkind: state-body\n" in profile
    for path in before:
        text = path.read_text(encoding="utf-8")
        assert "  - ref: authorities\n    profile: kazakh-authorities\n" in text
        assert "name: Kazakh authorities" not in text
    assert run("validate").exit_code == 0
    doc = json.loads(run("actors", "--format", "json").stdout)
    [authorities] = [a for a in doc["actors"] if a["profile"] == "kazakh-authorities"]
    assert sorted(authorities["incidents"]) == IDS
    again = run("profile", "Kazakh authorities")
    assert again.exit_code == 2 and "no actor without a profile" in again.stderr


def test_fmt_lays_out_a_profile_by_its_own_schema(run: Any, ledger_dir: Path) -> None:
    path = ledger_dir / "actors" / "adil-soz.yaml"
    canonical = path.read_text(encoding="utf-8")
    path.write_text("kind: organisation\nname: Adil Soz\nid: adil-soz\nschema_version: 2\n", encoding="utf-8")
    assert run("fmt").exit_code == 1
    assert path.read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../schema/actor.schema.json\n---\n"
        "schema_version: 2\nid: adil-soz\nname: Adil Soz\nkind: organisation\n")
    assert canonical.startswith("# yaml-language-server: $schema=../schema/actor.schema.json\n---\n")


def test_add_offers_every_public_profile_spelling_as_a_completion(secret: Path) -> None:
    from ledger.editing.earlier import Earlier
    from ledger.store.files import find_ledger
    from ledger.store.session import Session

    offered = Earlier(Session(find_ledger(str(secret))))()
    victims = offered["acts.victims"]
    assert {"Ghizat Nurdauletov", "Гизат Нурдаулетов", "A Just Word", "Yevgeny Zhovtis"} <= set(victims)
    assert victims.index("Ghizat Nurdauletov") < victims.index("Alnur Ilyashev")
    assert not [s for s in SECRET if s in victims]  # a completion menu is shown on a screen others may see


def test_validate_warns_of_a_confidential_profile_named_in_public_text(run: Any, secret: Path) -> None:
    path = secret / "incidents" / "2020" / f"{SHURAEV}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: Dana Secretova saw it; ", 1), encoding="utf-8")
    result = run("validate", "--format", "json")
    assert result.exit_code == 0
    [warning] = [p for p in json.loads(result.stdout)["problems"] if p["code"] == "confidential-name-in-text"]
    assert warning["path"] == f"incidents/2020/{SHURAEV}.yaml" and warning["pointer"] == "/title"
    assert "'Dana Secretova'" in warning["message"] and warning["line"] > 1
    assert run("validate", "--strict").exit_code == 1


BROKEN_SECRET = {
    # Schema-invalid but readable: any `confidential` other than false withholds.
    "confidential-yes": "schema_version: 2\nid: dana-secretova\nname: Dana Secretova\nconfidential: 'yes'\n",
    # Not readable at all: the actor that refers to it cannot be checked, so it is withheld.
    "unparsable": "schema_version: 2\nid: dana-secretova\nname: Dana Secretova\nconfidential: [true\n",
}


@pytest.mark.parametrize("broken", BROKEN_SECRET, ids=list(BROKEN_SECRET))
def test_a_broken_confidential_profile_is_still_withheld(run: Any, secret: Path, tmp_path: Path,
                                                         broken: str) -> None:
    (secret / "actors" / "dana-secretova.yaml").write_text(BROKEN_SECRET[broken], encoding="utf-8")
    assert run("export", "--public", "--format", "json").exit_code == 1  # refused while invalid
    exported = run("export", "--public", "--format", "json", "--allow-invalid")
    assert exported.exit_code == 0, exported.stderr
    assert "withheld 0 records, 1 actor" in exported.stderr
    assert SHURAEV in exported.stdout
    built = run("report", "--output", str(tmp_path / "site"), "--public", "--allow-invalid")
    assert built.exit_code == 0, built.stderr
    site = "".join(p.read_bytes().decode("utf-8", "replace")
                   for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert SHURAEV in site
    for text in (exported.stdout, site):
        assert not [s for s in SECRET if s.casefold() in text.casefold()]
    # The full views still show what the file holds.
    assert "dana-secretova" in run("export", "--format", "json").stdout
