"""`ledger edit ID`: $EDITOR on a record; only a valid result is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Result, invoke, use_editor
from ledger.core.problems import Problem
from ledger.editing import editor, template
from ledger.library import Ledger

RECORD = "incidents/2020/2020-04-18-ilyashev-jailed-6fsa.yaml"


@pytest.fixture
def ledger(ledger_dir: Path) -> Path:
    return ledger_dir


def edit(root: Path, *args: str) -> Result:
    return invoke(["--ledger", str(root), "edit", *args])


def leftovers(root: Path) -> list[Path]:
    return sorted(root.rglob(".*.edit.yaml"))


def test_valid_change_is_saved_with_the_editors_comment(ledger: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch,
               "text = text.replace('status: likely', 'status: confirmed  # second source found')\n"
               "text = text.replace('location:', '# Checked against the court record.\\nlocation:')\n"
               "text += '# reviewed by the editor script\\n'")
    result = edit(ledger, "2020-04-18-ilya")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2020-04-18-ilyashev-jailed-6fsa\n"
    assert f"saved {RECORD}" in result.stderr
    text = (ledger / RECORD).read_text(encoding="utf-8")
    assert "status: confirmed  # second source found" in text
    assert "# Checked against the court record.\nlocation:" in text
    assert "# reviewed by the editor script" in text
    assert "# The article says the arrest was" in text  # the comments that were there
    assert invoke(["--ledger", str(ledger), "validate"]).exit_code == 0
    assert invoke(["--ledger", str(ledger), "fmt", "--check"]).exit_code == 0
    assert leftovers(ledger) == []


def test_result_is_made_canonical(ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch,
               "text = text.replace('status: likely\\n', '')\n"
               "text = text.replace('\\ntitle:', '\\nstatus: \"possible\"\\ntitle:', 1)")
    assert edit(ledger, "2020-04-18-ilyashev").exit_code == 0
    lines = (ledger / RECORD).read_text(encoding="utf-8").splitlines()
    assert lines.index("status: possible") > lines.index("date: 2020-04-18")


@pytest.mark.parametrize(("body", "says"), [
    ("text = text.replace('status: likely', 'status: bogus')", "'bogus' is not a known status"),
    ("text = text.replace('  - type: arrest', '  - type: arest')", "did you mean 'arrest'?"),
    ("text = text.replace('- ilyashev', '- ilyashv', 1)", "[unknown-actor]"),
    ("text = text.replace('date: 2020-04-18\\n', 'date: 2020-04-31\\n', 1)", "April 2020 has only 30 days"),
    ("text = text.replace('title: Activist', 'title: [Activist')", "YAML syntax error"),
    ("text = text.replace('id: 2020-04-18-ilyashev-jailed-6fsa', 'id: renamed-1234')", "[id-mismatch]"),
    ("text = text.replace('\\nrelated:', '\\nrelated:\\n  - 2020-nope-abcd\\nx:', 1) if 'related:' in text "
     "else text + 'related:\\n  - 2020-nope-abcd\\n'", "not an incident in this ledger"),
])
def test_an_edit_that_breaks_the_record_is_not_saved(ledger: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, body: str,
                                                     says: str) -> None:
    before = (ledger / RECORD).read_bytes()
    use_editor(tmp_path, monkeypatch, body)
    result = edit(ledger, "2020-04-18-ilyashev")
    assert result.exit_code == 1
    assert says in result.stderr
    assert f"{RECORD}:" in result.stderr and "it was not changed" in result.stderr
    assert (ledger / RECORD).read_bytes() == before
    assert leftovers(ledger) == []


def test_problem_lines_are_the_users_lines(ledger: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch, "text = text.replace('status: likely', 'status: bogus')")
    result = edit(ledger, "2020-04-18-ilyashev")
    lines = (ledger / RECORD).read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.startswith("status:"))
    assert f"{RECORD}:{line}:9: error:" in result.stderr


def test_no_change_writes_nothing(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "true")
    monkeypatch.setenv("VISUAL", "")
    before = (ledger / RECORD).stat().st_mtime_ns
    result = edit(ledger, "2020-04-18-ilyashev", "--format", "json")
    assert result.exit_code == 0 and '"action": "unchanged"' in result.stdout
    assert "no changes" in result.stderr
    assert (ledger / RECORD).stat().st_mtime_ns == before


def test_visual_wins_over_editor(ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch, "text = text.replace('status: likely', 'status: possible')")
    monkeypatch.setenv("VISUAL", "false")  # an editor that fails: nothing is saved
    result = edit(ledger, "2020-04-18-ilyashev")
    assert result.exit_code == 1 and "exited with status 1" in result.stderr
    assert "status: likely" in (ledger / RECORD).read_text(encoding="utf-8")


def test_missing_editor_exits_3(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere --wait")
    monkeypatch.delenv("VISUAL", raising=False)
    result = edit(ledger, "2020-04-18-ilyashev")
    assert result.exit_code == 3 and "editor 'no-such-editor-anywhere' not found" in result.stderr
    assert leftovers(ledger) == []


def test_record_changed_meanwhile_is_not_overwritten(ledger: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The editor script also changes the record itself, as a `git pull` would.
    use_editor(tmp_path, monkeypatch,
               f"record = {str(ledger / RECORD)!r}\n"
               "open(record, 'a', encoding='utf-8').write('# pulled meanwhile\\n')\n"
               "text = text.replace('status: likely', 'status: possible')")
    result = edit(ledger, "2020-04-18-ilyashev")
    assert result.exit_code == 1 and "changed on disk" in result.stderr
    on_disk = (ledger / RECORD).read_text(encoding="utf-8")
    assert on_disk.endswith("# pulled meanwhile\n") and "status: likely" in on_disk
    [kept] = leftovers(ledger)
    assert "status: possible" in kept.read_text(encoding="utf-8")
    assert kept.relative_to(ledger).as_posix() in result.stderr
    assert invoke(["--ledger", str(ledger), "validate"]).exit_code == 0  # the copy is not read as a record


def test_a_record_too_broken_to_parse_can_be_fixed(ledger: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    good = (ledger / RECORD).read_text(encoding="utf-8")
    (ledger / RECORD).write_text(good.replace("status: likely", "status: [likely"), encoding="utf-8")
    use_editor(tmp_path, monkeypatch, "text = text.replace('status: [likely', 'status: likely')")
    result = edit(ledger, "2020-04-18-ilyashev-jailed")
    assert result.exit_code == 0, result.stderr
    assert (ledger / RECORD).read_text(encoding="utf-8") == good


@pytest.mark.parametrize(("needle", "code", "says"), [
    ("2020-04", 2, "matches"),
    ("no-such-incident", 1, "no incident"),
])
def test_unknown_or_ambiguous_id(ledger: Path, needle: str, code: int, says: str) -> None:
    result = edit(ledger, needle)
    assert result.exit_code == code and says in result.stderr


def test_reopen_shows_the_problems_at_the_top_until_fixed(ledger: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor loop itself, with a terminal's "reopen?" answered yes."""
    seen = tmp_path / "seen"
    seen.mkdir()
    use_editor(tmp_path, monkeypatch,
               f"import pathlib; n = len(list(pathlib.Path({str(seen)!r}).iterdir()))\n"
               f"pathlib.Path({str(seen)!r}, str(n)).write_text(text)\n"
               "text = text.replace('status: likely', 'status: bogus').replace('status: bogus', "
               "'status: bogus' if n == 0 else 'status: possible')")
    session = Ledger.open(str(ledger)).session
    shown: list[Problem] = []

    def judge(saved: str) -> editor.Verdict[str]:
        body = template.strip_help(saved, everywhere=False)
        if "status: bogus" in body:
            line = body.split("\n").index("status: bogus") + 1
            return editor.Verdict([Problem(RECORD, line, 9, "schema-enum", "'bogus' is not a known status",
                                           hint="allowed: likely, possible")])
        return editor.Verdict([], body)

    original = (ledger / RECORD).read_text(encoding="utf-8")
    run = editor.edit(original, (ledger / RECORD).parent, "x", judge, show=shown.extend, reopen=lambda: True)
    assert run.verdict.result is not None and "status: possible" in run.verdict.result
    assert [p.code for p in shown] == ["schema-enum"]
    second = (seen / "1").read_text(encoding="utf-8").split("\n")
    header = [line for line in second if line.startswith("#:")]
    assert header[0].startswith("#: Not saved yet")
    status_line = second.index("status: bogus") + 1
    assert f"#:   line {status_line}: error: 'bogus' is not a known status [schema-enum]" in header
    assert "#:     hint: allowed: likely, possible" in header
    assert leftovers(ledger) == []
    del session
