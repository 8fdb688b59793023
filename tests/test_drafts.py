"""No lost work: drafts kept by `ledger add` and `ledger edit`, and picked up again."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke, use_editor
from gitrepo import git, isolate
from ledger.core.problems import ExitCode, LedgerError
from ledger.editing import add as adding
from ledger.editing import compose, drafts
from ledger.library import Ledger
from test_add import FILL, ILYASHEV, STORY, Scripted, data, records

RECORD = "incidents/2020/2020-04-18-ilyashev-jailed-6fsa.yaml"


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A new ledger in its own git repository."""
    root = tmp_path / "ledger"
    assert invoke(["init", str(root)]).exit_code == 0
    return root


def kept(root: Path) -> list[Path]:
    return sorted((root / ".git" / "ledger" / "drafts").glob("*.json"))


def ask(root: Path, answers: list[tuple[str, str]], *, resume: str | None = None) -> tuple[Any, Scripted]:
    prompter = Scripted(answers)
    io = adding.Io(read_stdin=lambda limit: "", show=lambda problems: None, prompter=prompter)
    request = adding.Request(compose.Fields(), interactive=True, resume=resume)
    result = adding.add(Ledger.open(str(root)).session, request, io)
    assert not prompter.answers, f"questions not asked: {list(prompter.answers)}"
    return result, prompter


def test_saying_no_keeps_the_answers_and_resume_continues_from_them(fresh: Path) -> None:
    with pytest.raises(LedgerError) as refused:
        ask(fresh, [*STORY[:-1], ("save", "no")])
    assert refused.value.exit_code == ExitCode.INVALID
    [draft] = kept(fresh)
    assert f"your answers are kept in {draft}" in refused.value.message
    assert f"ledger add --resume {draft.stem}" in refused.value.hint
    assert records(fresh) == []

    # Every answer comes back without a question; only "save" is asked again.
    result, prompter = ask(fresh, [("save", "yes")], resume=drafts.LATEST)
    assert result.written and [q.key for q in prompter.questions] == ["save"]
    assert any(text.startswith("Resuming draft add-") for text in prompter.said)
    assert "Title (one line: what happened): Activist Alnur Ilyashev sentenced" in prompter.said
    record = data(fresh / result.rel)
    assert record["acts"][0]["outcome"] == "two months in jail" and record["tags"] == ["covid-19"]
    assert kept(fresh) == []  # saved: the draft is gone


def test_ctrl_c_keeps_the_answers_given_so_far(fresh: Path) -> None:
    stop = STORY.index(("acts.perpetrators", "Almaty court"))
    with pytest.raises(LedgerError) as stopped:
        ask(fresh, [*STORY[:stop], ("acts.perpetrators", "^C")])
    assert stopped.value.exit_code == ExitCode.INTERRUPTED == 130
    [draft] = kept(fresh)
    assert f"interrupted; nothing was written, and your answers are kept in {draft}" == stopped.value.message
    saved = json.loads(draft.read_text(encoding="utf-8"))
    assert saved["answers"][-1] == ["actors.names", "ru: Алнур Ильяшев"]
    assert oct(draft.stat().st_mode & 0o777) == "0o600"
    # Resumed by name: the interview carries on inside the first act.
    result, prompter = ask(fresh, STORY[stop:], resume=draft.stem)
    assert prompter.questions[0].key == "acts.perpetrators"
    record = data(fresh / result.rel)
    assert record["actors"][0]["names"] == {"ru": "Алнур Ильяшев"}
    assert record["acts"][0]["perpetrators"] == ["almaty_court"]
    assert kept(fresh) == []


def test_drafts_are_out_of_the_ledger_and_out_of_git(fresh: Path) -> None:
    with pytest.raises(LedgerError):
        ask(fresh, [*STORY[:3], ("date_text", "^C")])
    assert len(kept(fresh)) == 1
    assert git(fresh, "status", "--porcelain", "--untracked-files=all").split() == \
        ["??", ".github/workflows/ledger.yml", "??", ".gitignore", "??", ".pre-commit-config.yaml",
         "??", "incidents/.gitkeep", "??", "ledger.toml", "??", "schema/actor.schema.json", "??",
         "schema/incident.schema.json"]
    checked = invoke(["--ledger", str(fresh), "validate", "--format", "json"])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["files"] == 0


def test_outside_git_drafts_go_to_the_state_folder(ledger_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = drafts.folder(Ledger.open(str(ledger_dir)).session)
    assert folder.parent == tmp_path / "state" / "incident-ledger" / "drafts"
    assert re.fullmatch(r"[0-9a-f]{16}", folder.name)
    other = tmp_path / "other"
    other.mkdir()
    (other / "ledger.toml").write_text("", encoding="utf-8")
    assert drafts.folder(Ledger.open(str(other)).session) != folder  # one folder per ledger


def test_nothing_to_resume_and_unknown_names(fresh: Path) -> None:
    none = invoke(["--ledger", str(fresh), "add", "--resume"])
    assert none.exit_code == 2 and "there is no draft to resume" in none.stderr
    with pytest.raises(LedgerError):
        ask(fresh, [("title", "^C")])
    assert kept(fresh) == []  # nothing was answered: nothing to keep
    with pytest.raises(LedgerError):
        ask(fresh, [("title", "Something"), ("date", "^C")])
    [draft] = kept(fresh)
    unknown = invoke(["--ledger", str(fresh), "add", "--resume", "add-nope"])
    assert unknown.exit_code == 2 and f"drafts of this ledger: {draft.stem}" in unknown.stderr
    # Answers need questions: without a terminal they cannot be continued.
    piped = invoke(["--ledger", str(fresh), "add", "--resume"])
    assert piped.exit_code == 2 and "resume it in a terminal" in piped.stderr
    stray = invoke(["--ledger", str(fresh), "add", "add-nope"])
    assert stray.exit_code == 2 and "with --resume" in stray.stderr


def test_add_edit_that_does_not_validate_is_kept_and_reopened(fresh: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch, FILL + "\ntext = text.replace('type: detention', 'type: detension')")
    failed = invoke(["--ledger", str(fresh), "add", "--edit"])
    assert failed.exit_code == 1 and "did you mean 'detention'" in failed.stderr
    [draft] = kept(fresh)
    assert f"your text is kept in {draft}" in failed.stderr
    assert records(fresh) == []
    # The editor opens on the kept text (the typo still in it) and fixes it.
    use_editor(tmp_path, monkeypatch, "assert 'type: detension' in text\n"
                                      "text = text.replace('type: detension', 'type: detention')")
    resumed = invoke(["--ledger", str(fresh), "add", "--resume", draft.stem])
    assert resumed.exit_code == 0, resumed.stderr
    assert f"resuming draft {draft.stem}" in resumed.stderr
    [path] = records(fresh)
    assert data(path)["acts"][0]["type"] == "detention"
    assert "# Written in the editor" in path.read_text(encoding="utf-8")
    assert kept(fresh) == []


def test_failed_edit_without_a_terminal_is_kept_for_the_next_edit(ledger_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = (ledger_dir / RECORD).read_bytes()
    use_editor(tmp_path, monkeypatch,
               "text = text.replace('status: likely', 'status: confirmd')\n"
               "text = text.replace('place: Almaty', 'place: Almaty  # the city court')")
    failed = invoke(["--ledger", str(ledger_dir), "edit", "2020-04-18-ilyashev"])
    assert failed.exit_code == 1 and "it was not changed" in failed.stderr
    assert (ledger_dir / RECORD).read_bytes() == before
    folder = drafts.folder(Ledger.open(str(ledger_dir)).session)
    draft = folder / "edit-2020-04-18-ilyashev-jailed-6fsa.json"
    assert f"your changes are kept in {draft}" in failed.stderr
    assert "`ledger edit 2020-04-18-ilyashev-jailed-6fsa` opens them again" in failed.stderr

    use_editor(tmp_path, monkeypatch, "assert '# the city court' in text\n"
                                      "text = text.replace('status: confirmd', 'status: confirmed')")
    fixed = invoke(["--ledger", str(ledger_dir), "edit", "2020-04-18-ilyashev"])
    assert fixed.exit_code == 0, fixed.stderr
    assert "continuing from your unsaved changes of" in fixed.stderr and str(draft) in fixed.stderr
    text = (ledger_dir / RECORD).read_text(encoding="utf-8")
    assert "status: confirmed\n" in text and "place: Almaty  # the city court" in text
    assert not draft.exists()


def test_a_draft_older_than_the_record_is_not_used_without_a_terminal(ledger_dir: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch, "text = text.replace('status: likely', 'status: confirmd')")
    assert invoke(["--ledger", str(ledger_dir), "edit", "2020-04-18-ilyashev"]).exit_code == 1
    # Someone else's change arrives (a git pull) before the edit is taken up again.
    assert invoke(["--ledger", str(ledger_dir), "set", "2020-04-18-ilyashev", "tags+=pulled"]).exit_code == 0
    use_editor(tmp_path, monkeypatch, "assert 'confirmd' not in text\n"
                                      "text = text.replace('status: likely', 'status: possible')")
    result = invoke(["--ledger", str(ledger_dir), "edit", "2020-04-18-ilyashev"])
    assert result.exit_code == 0, result.stderr
    assert "starting from the record as it is" in result.stderr and "changed since" in result.stderr
    record = data(ledger_dir / RECORD)
    assert record["status"] == "possible" and "pulled" in record["tags"]
    assert not (drafts.folder(Ledger.open(str(ledger_dir)).session)
                / "edit-2020-04-18-ilyashev-jailed-6fsa.json").exists()  # the record was saved


# -- in a real terminal ----------------------------------------------------------------

class Terminal:
    """`ledger add` in a pseudo-terminal, answered as a person would type."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "100", "LINES": "40"}
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "ledger", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = ""

    def screen(self) -> str:
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r", "", self.seen)

    def expect(self, text: str) -> None:
        while text not in self.screen():
            ready, _, _ = select.select([self.master], [], [], 30)
            assert ready, f"waited for {text!r}; the screen shows {self.screen()[-600:]!r}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"ledger ended before {text!r}: {self.screen()[-600:]!r}")
            self.seen += chunk.decode("utf-8", "replace")

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.master)


def test_ctrl_c_in_a_real_terminal_keeps_a_draft_that_resume_finishes(fresh: Path) -> None:
    first = Terminal("--ledger", str(fresh), "add", *ILYASHEV[:-2])
    for label, keys in [("own words", "on April 18\r"), ("Region", "Almaty Region\r")]:
        first.expect(label)
        first.type(keys)
    first.expect("Status")
    first.type("\x03")
    first.expect("ledger add --resume")
    assert first.close() == 130
    assert "interrupted; nothing was written, and your answers are kept in" in first.screen()
    [draft] = kept(fresh)
    assert records(fresh) == []

    second = Terminal("--ledger", str(fresh), "add", "--resume")
    try:
        second.expect("Region: Almaty Region")  # the answer given before, shown again
        for label, keys in [("Status (required) [unknown]:", "lik\r"), ("Rights", "expr\t\r"),
                            ("Confidentiality", "\r"), ("an empty line ends", "Sentenced.\r\r"),
                            ("Add more details", "\r"),
                            ("Save this record?", "y\r")]:
            second.expect(label)
            second.type(keys)
        second.expect("added incidents/2020/")
    finally:
        code = second.close()
    assert code == 0
    [path] = records(fresh)
    record = data(path)
    assert record["location"] == {"country": "KZ", "region": "Almaty Region", "place": "Almaty"}
    assert record["status"] == "likely" and record["acts"][0]["type"] == "charge"
    assert record["date_text"] == "on April 18" and record["description"] == "Sentenced."
    assert not draft.exists()


def test_in_a_terminal_the_draft_of_an_edit_is_offered(ledger_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.editing import edit as editing

    use_editor(tmp_path, monkeypatch, "text = text.replace('status: likely', 'status: confirmd')")
    assert invoke(["--ledger", str(ledger_dir), "edit", "2020-04-18-ilyashev"]).exit_code == 1
    session = Ledger.open(str(ledger_dir)).session
    told: list[str] = []
    use_editor(tmp_path, monkeypatch, "assert 'confirmd' not in text\n"
                                      "text = text.replace('status: likely', 'status: possible')")
    declined = Scripted([("draft", "n")])
    io = adding.Io(read_stdin=lambda limit: "", show=lambda problems: None, prompter=declined,
                   tell=told.append)
    change = editing.edit(session, "2020-04-18-ilyashev", io)
    assert change.changed and data(ledger_dir / RECORD)["status"] == "possible"
    assert any("You have unsaved changes to this record" in text for text in declined.said)
    assert told and told[0].startswith("starting from the record as it is")
    assert drafts.of_record(session, "2020-04-18-ilyashev-jailed-6fsa") is None  # saved: gone


def test_a_draft_that_cannot_be_kept_does_not_stop_the_interview(fresh: Path) -> None:
    (fresh / ".git" / "ledger").write_text("not a folder", encoding="utf-8")
    result, prompter = ask(fresh, STORY)
    assert result.written
    notes = [text for text in prompter.said if text.startswith("note: cannot keep a draft")]
    assert len(notes) == 1 and "the answers are lost" in notes[0]
