"""Human output fits the terminal: no line wider than COLUMNS, and ids, dates
and URLs never broken across lines, at every width; `show` labels every value
as the field it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from conftest import REPO

IDS = sorted(p.stem for p in (REPO / "incidents").rglob("*.yaml"))
ILYASHEV = "2020-04-18-ilyashev-jailed-6fsa"
SHAMSHET = "2020-04-18-shamshet-arrested-g68z"
WIDTHS = ["40", "60", "80", "120"]
COMMANDS = [["list"], ["show", ILYASHEV], ["show", SHAMSHET], ["actors"], ["summary", "--by", "month"],
            ["summary", "--by", "actor"], ["summary", "--by", "actor", "--by", "act"]]


def _check_fits(out: str, width: int) -> None:
    lines = out.splitlines()
    assert lines, "no output"
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, too_wide


def _whole(out: str, values: list[str]) -> None:
    """Each value appears in full on some line."""
    lines = out.splitlines()
    for value in values:
        assert any(value in line for line in lines), (value, out)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_output_fits_and_ids_stay_whole(run: Any, monkeypatch: pytest.MonkeyPatch, width: str,
                                        command: list[str]) -> None:
    monkeypatch.setenv("COLUMNS", width)
    result = run(*command)
    assert result.exit_code == 0, result.stderr
    _check_fits(result.stdout, int(width))
    if command[0] == "list" or command == ["actors"]:
        _whole(result.stdout, IDS)
    if command[0] == "show":
        _whole(result.stdout, [command[1]])


@pytest.mark.parametrize("width", WIDTHS)
def test_list_dates_whole_and_titles_cut_with_an_ellipsis(run: Any, monkeypatch: pytest.MonkeyPatch,
                                                          width: str) -> None:
    monkeypatch.setenv("COLUMNS", width)
    out = run("list").stdout
    _whole(out, ["2020-04-18/2020-04-19", "2020-04"])
    assert "…" in out  # the example titles are longer than any of these widths leave
    assert "Activist Alnur Ily" in out
    if width == "120":
        assert out.splitlines()[0].split() == ["id", "date", "country", "acts", "title"]


@pytest.mark.parametrize("width", WIDTHS)
def test_show_keeps_dates_and_urls_whole(run: Any, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                         width: str) -> None:
    url = "https://www.example.org/2020/04/20/rights-defenders-accuse-kazakh-authorities-of-using-restrictions"
    path = ledger_dir / "incidents" / "2020" / f"{SHAMSHET}.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    publisher: RFE/RL\n", f"    publisher: RFE/RL\n    url: {url}\n")
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", width)
    result = run("show", SHAMSHET)
    assert result.exit_code == 0, result.stderr
    _whole(result.stdout, ["2020-04-18/2020-04-19", url, SHAMSHET, ILYASHEV, "2020-04-20"])
    # Only the URL itself may be wider than the terminal: it is printed whole, on a line of its own.
    too_wide = [line.strip() for line in result.stdout.splitlines() if cell_len(line) > int(width)]
    assert too_wide in ([], [url])
    if width == "40":
        assert too_wide == [url]


def _act_block(out: str, n: int) -> str:
    acts = out.split("\nacts (")[1].split("\n\n")[0]
    return re.split(r"(?m)^\d+\. ", acts)[n]


def test_show_labels_act_fields_as_what_they_are(run: Any, ledger_dir: Path) -> None:
    path = ledger_dir / "incidents" / "2020" / f"{ILYASHEV}.yaml"
    text = path.read_text(encoding="utf-8")
    basis = "    legal_basis: Criminal Code article 274\n"
    text = text.replace("  - type: charge\n", "  - type: charge\n" + basis, 1)
    outcome = "    outcome: two months in jail\n"
    text = text.replace(outcome, outcome + "    legal_basis: Code of Administrative Offences\n", 1)
    path.write_text(text, encoding="utf-8")
    assert run("validate").exit_code == 0
    out = run("show", ILYASHEV).stdout
    charge, sentence = _act_block(out, 2), _act_block(out, 3)
    assert re.search(r"(?m)^ +legal basis +Criminal Code article 274$", charge)
    assert "outcome" not in charge
    assert re.search(r"(?m)^ +outcome +two months in jail$", sentence)
    assert re.search(r"(?m)^ +legal basis +Code of Administrative Offences$", sentence)
    # The quotes are shown, each under its own label.
    assert re.search(r"(?m)^ +description +“Charged with violating coronavirus", charge)
    assert "“A court in Almaty found him guilty" in sentence


def test_show_labels_actor_and_intervention_fields(run: Any) -> None:
    out = run("show", ILYASHEV).stdout
    actors = out.split("\nactors (")[1].split("\n\n")[0]
    assert "role " not in actors  # no column pretending occupation is a role
    zhovtis = actors.split("Yevgeny Zhovtis (zhovtis)")[1].split("\n6. ")[0]
    assert re.search(r"(?m)^ +occupation +human rights defender, director$", zhovtis)
    assert re.search(r"(?m)^ +affiliation +Kazakhstan's Bureau for Human Rights", zhovtis)
    ilyashev = actors.split("Alnur Ilyashev (ilyashev)")[1].split("\n2. ")[0]
    assert re.search(r"(?m)^ +roles +victim \(arrest, charge, sentence\)$", ilyashev)
    interventions = out.split("\ninterventions (")[1]
    assert re.search(r"(?m)^ +description +“Expressed concern over the arrests", interventions)
    assert re.search(r"(?m)^ +to +Prosecutor-General Gizat Nurdauletov$", interventions)


def test_pivot_too_wide_for_the_terminal_becomes_blocks(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "44")
    out = run("summary", "--by", "actor", "--by", "act").stdout
    lines = out.splitlines()
    court = lines.index("Almaty court")
    assert lines[court + 1].split() == ["arrest", "1", "charge", "1", "sentence", "1", "total", "1"]
    assert "too wide for a table" in out
