"""`ledger add`: from flags, documents, $EDITOR and questions, into a fresh ledger."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke, use_editor
from gitrepo import commit, git, isolate
from ledger.core import yamlio
from ledger.core.problems import Problem
from ledger.editing import add as adding
from ledger.editing import compose
from ledger.editing import save as recording
from ledger.editing.prompts import Question, check_answer, normalise_answer, yes_no
from ledger.library import Ledger

URL = "https://example.org/rferl-2020-04-20"
ILYASHEV = ["--title", "Activist Alnur Ilyashev sentenced to two months in jail", "--date", "2020-04-18",
            "--country", "KZ", "--place", "Almaty", "--act", "charge", "--act", "sentence",
            "--victim", "Alnur Ilyashev", "--perpetrator", "Almaty court", "--source", URL,
            "--tag", "covid-19", "--status", "likely"]


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Remembered answers go to the user's state folder: keep the tester's own out.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    isolate(monkeypatch)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    assert invoke(["init", str(root)]).exit_code == 0
    return root


def add(root: Path, *args: str, input: str | None = None) -> Any:
    return invoke(["--ledger", str(root), "add", *args], input=input)


def records(root: Path) -> list[Path]:
    return sorted((root / "incidents").rglob("*.yaml"))


def data(path: Path) -> dict[str, Any]:
    parsed, issue = yamlio.parse(path.read_text(encoding="utf-8"))
    assert parsed is not None, issue
    return parsed


def check_clean(root: Path) -> None:
    validated = invoke(["--ledger", str(root), "validate"])
    assert validated.exit_code == 0, validated.stdout
    formatted = invoke(["--ledger", str(root), "fmt", "--check"])
    assert formatted.exit_code == 0, formatted.stdout + formatted.stderr


# -- flags ------------------------------------------------------------------------

def test_flags_record_holds_exactly_what_was_given(fresh: Path) -> None:
    result = add(fresh, "--no-input", *ILYASHEV)
    assert result.exit_code == 0, result.stderr
    [path] = records(fresh)
    rid = result.stdout.strip()
    assert path == fresh / "incidents" / "2020" / f"{rid}.yaml"
    assert rid.startswith("2020-04-18-activist-alnur-ilyashev-sentenced-to-two-")
    assert f"added incidents/2020/{rid}.yaml" in result.stderr
    record = data(path)
    assert record.pop("id") == rid
    assert record.pop("recorded") == {"by": "Test Researcher", "date": record_today()}
    refs = {"victims": ["alnur_ilyashev"], "perpetrators": ["almaty_court"]}
    assert record == {
        "schema_version": 2,
        "title": "Activist Alnur Ilyashev sentenced to two months in jail",
        "date": "2020-04-18",
        "status": "likely",
        "location": {"country": "KZ", "place": "Almaty"},
        "acts": [{"type": "charge", **refs}, {"type": "sentence", **refs}],
        "actors": [{"ref": "alnur_ilyashev", "name": "Alnur Ilyashev"},
                   {"ref": "almaty_court", "name": "Almaty court"}],
        "sources": [{"ref": "s1", "url": URL}],
        "tags": ["covid-19"],
    }
    check_clean(fresh)


def record_today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def test_status_left_out_takes_the_schema_default_and_says_so(fresh: Path) -> None:
    args = [a for a in ILYASHEV if a not in ("--status", "likely")]
    result = add(fresh, *args)
    assert result.exit_code == 0, result.stderr
    assert "status not given: using the schema's default, 'unknown'" in result.stderr
    assert data(records(fresh)[0])["status"] == "unknown"


def test_vocabulary_case_is_fixed_and_sources_pair_up(fresh: Path) -> None:
    result = add(fresh, "--title", "Two reports", "--date", "2020-04", "--country", "kz", "--act", "Arrest",
                 "--source", "https://a.example/1", "--source", "https://b.example/2",
                 "--source-title", "First", "--source-title", "Second", "--publisher", "RFE/RL",
                 "--published", "2020-04-20", "--source-type", "news-report", "--right", "liberty",
                 "--date-text", "in April", "--region", "Almaty Region",
                 "--description", "line one\nline two")
    assert result.exit_code == 0, result.stderr
    record = data(records(fresh)[0])
    assert record["location"] == {"country": "KZ", "region": "Almaty Region"}
    assert record["acts"] == [{"type": "arrest"}]
    assert record["sources"] == [
        {"ref": "s1", "title": "First", "publisher": "RFE/RL", "url": "https://a.example/1",
         "published": "2020-04-20", "type": "news-report"},
        {"ref": "s2", "title": "Second", "url": "https://b.example/2"}]
    assert record["description"] == "line one\nline two"
    check_clean(fresh)


def test_same_name_twice_is_one_actor_and_refs_stay_unique(fresh: Path) -> None:
    result = add(fresh, "--title", "t t", "--date", "2020", "--country", "KZ", "--act", "threat",
                 "--victim", "A. Person", "--victim", "a. person", "--perpetrator", "A Person",
                 "--source-title", "Testimony")
    assert result.exit_code == 0, result.stderr
    record = data(records(fresh)[0])
    assert record["actors"] == [{"ref": "a_person", "name": "A. Person"},
                                {"ref": "a_person_2", "name": "A Person"}]
    assert record["acts"][0]["victims"] == ["a_person"]
    assert record["date"] == "2020"
    check_clean(fresh)


@pytest.mark.parametrize(("args", "field", "says"), [
    (["--date", "2021-02-30"], "date", "February 2021 has only 28 days"),
    (["--act", "arest"], "acts.type", "allowed: arrest, detention,"),
    (["--country", "XX"], "location.country", "allowed: AD, AE,"),
    (["--status", "sure"], "status", "allowed: confirmed, likely, possible, unlikely, unknown"),
    (["--tag", "Fake News"], "tags", "kebab-case"),
    (["--date", "2999-01-01"], "date", "in the future"),
    (["--related", "2020-no-such-incident-abcd"], "related", "not an incident in this ledger"),
    (["--source", "not a url"], "sources.url", "is not a valid URL"),
])
def test_refusals_name_the_field_and_write_nothing(fresh: Path, args: list[str], field: str,
                                                     says: str) -> None:
    base = {"--title": "t", "--date": "2020-04-18", "--country": "KZ", "--act": "arrest",
            "--source": URL, "--status": "likely"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [x for pair in base.items() for x in pair]
    if args[0] in ("--tag", "--related"):
        argv += args
    result = add(fresh, *argv)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"(in {field})" in result.stderr or f"{field}" in result.stderr
    assert says in result.stderr
    assert "the record was not written" in result.stderr
    assert records(fresh) == []


def test_refusal_lines_have_validate_form(fresh: Path) -> None:
    result = add(fresh, "--title", "t", "--date", "2020-04-18", "--country", "KZ", "--act", "arest",
                 "--source", URL)
    first = result.stderr.splitlines()[1]
    assert first.startswith("incidents/2020/2020-04-18-t-") and first.endswith("[schema-enum]")
    assert ":11:11: error: 'arest' is not a known act type" in first
    assert "    hint: did you mean 'arrest'?" in result.stderr


# -- documents --------------------------------------------------------------------

YAML_DOC = """\
# From the RFE/RL report of 20 April 2020.
title: Journalist Ulan Shamshet arrested
date: 2020-04-18   # a Saturday
status: likely
location:
  country: KZ
  place: Shymkent
acts:
  - type: arrest
    victims: [Ulan Shamshet]
    perpetrators: [police]
actors:
  - ref: police
    name: Shymkent police
    kind: state-body
sources:
  - url: https://example.org/rferl-2020-04-20
    publisher: RFE/RL
"""


def test_yaml_on_stdin_is_completed_and_keeps_comments(fresh: Path) -> None:
    result = add(fresh, "--from", "-", input=YAML_DOC)
    assert result.exit_code == 0, result.stderr
    [path] = records(fresh)
    text = path.read_text(encoding="utf-8")
    assert "# From the RFE/RL report of 20 April 2020." in text and "# a Saturday" in text
    record = data(path)
    assert record["id"] == result.stdout.strip()
    assert record["acts"][0] == {"type": "arrest", "victims": ["ulan_shamshet"], "perpetrators": ["police"]}
    assert record["actors"][1] == {"ref": "ulan_shamshet", "name": "Ulan Shamshet"}
    assert record["sources"][0]["ref"] == "s1"
    check_clean(fresh)


def test_json_on_stdin_and_from_a_file(fresh: Path, tmp_path: Path) -> None:
    doc = {"title": "Activist Arman Shuraev detained", "date": "2020-04", "status": "possible",
           "location": {"country": "KZ"}, "acts": [{"type": "detention", "victims": ["Arman Shuraev"]}],
           "sources": [{"title": "RFE/RL, 20 April 2020"}], "tags": ["covid-19"]}
    piped = add(fresh, "--from", "-", input=json.dumps(doc, indent="\t"))
    assert piped.exit_code == 0, piped.stderr
    file = tmp_path / "doc.json"
    file.write_text(json.dumps(doc), encoding="utf-8")
    from_file = add(fresh, "--from", str(file))
    assert from_file.exit_code == 0, from_file.stderr
    plain = add(fresh, input=json.dumps(doc))  # no terminal, no flags: the document on stdin
    assert plain.exit_code == 0, plain.stderr
    written = [data(p) for p in records(fresh)]
    assert len(written) == 3 and len({r["id"] for r in written}) == 3
    assert all(r["acts"][0]["victims"] == ["arman_shuraev"] and r["date"] == "2020-04" for r in written)
    check_clean(fresh)


def test_yaml_flow_mapping_is_not_mistaken_for_json(fresh: Path) -> None:
    doc = "{title: Flow style, date: 2020-04, location: {country: KZ}, acts: [{type: arrest}], " \
          "sources: [{title: A report}]}"
    result = add(fresh, input=doc)
    assert result.exit_code == 0, result.stderr
    assert data(records(fresh)[0])["title"] == "Flow style"


def test_oversized_document_is_refused_unread(fresh: Path) -> None:
    result = add(fresh, "--from", "-", input="title: x\n" + "#" * (3 * 1024 * 1024))
    assert result.exit_code == 1 and "[file-too-large]" in result.stderr
    assert records(fresh) == []


def test_document_problems_point_into_the_users_file(fresh: Path, tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(YAML_DOC.replace("type: arrest", "type: arest"), encoding="utf-8")
    result = add(fresh, "--from", str(file))
    assert result.exit_code == 1
    assert f"{file}:9:11: error: 'arest' is not a known act type" in result.stderr
    assert records(fresh) == []


@pytest.mark.parametrize(("text", "says"), [
    ('{"title": "x",', "JSON syntax error"),
    ('{"title": "x", "title": "y"}', "duplicate key 'title'"),
    ("{title: x, acts: [}", "JSON syntax error"),
    ('{"lat": NaN}', "NaN is not allowed"),
    ("title: [unclosed", "YAML syntax error"),
    ("- a list\n", "must be a mapping"),
    ("", "holds no record"),
    ("title:\nacts: []\n", "holds no fields"),
])
def test_broken_documents_are_refused(fresh: Path, text: str, says: str) -> None:
    result = add(fresh, "--from", "-", input=text)
    assert result.exit_code == 1, result.stderr
    assert says in result.stderr and "<stdin>" in result.stderr
    assert records(fresh) == []


def test_document_may_choose_its_id_once(fresh: Path) -> None:
    doc = YAML_DOC + "id: 2020-04-18-shamshet-arrested-abcd\n"
    first = add(fresh, "--from", "-", input=doc)
    assert first.stdout.strip() == "2020-04-18-shamshet-arrested-abcd", first.stderr
    second = add(fresh, "--from", "-", input=doc)
    assert second.exit_code == 1 and "[duplicate-id]" in second.stderr
    unsafe = add(fresh, "--from", "-", input=YAML_DOC + "id: ../../etc/passwd\n")
    assert unsafe.exit_code == 1 and "id: '../../etc/passwd' has the wrong form" in unsafe.stderr
    assert len(records(fresh)) == 1


@pytest.mark.parametrize(("args", "says"), [
    ([], "nothing to record"),
    (["--from", "-", "--title", "x"], "does not combine"),
    (["--from", "/nonexistent/doc.yaml"], "no such file"),
])
def test_usage_errors_exit_2(fresh: Path, args: list[str], says: str) -> None:
    result = add(fresh, "--no-input", *args)
    assert result.exit_code == 2 and says in result.stderr
    assert records(fresh) == []


def test_slug_option_is_made_safe(fresh: Path) -> None:
    result = add(fresh, *ILYASHEV, "--slug", "../../Ilyashev JAILED")
    assert result.stdout.startswith("2020-04-18-ilyashev-jailed-"), result.stderr
    assert records(fresh)[0].parent == fresh / "incidents" / "2020"


def test_dry_run_shows_the_record_and_writes_nothing(fresh: Path) -> None:
    result = add(fresh, *ILYASHEV, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("# yaml-language-server: $schema=../../schema/incident.schema.json\n")
    assert "name: Alnur Ilyashev" in result.stdout
    assert records(fresh) == []


def test_json_output(fresh: Path) -> None:
    doc = json.loads(add(fresh, *ILYASHEV, "--format", "json").stdout)
    assert doc["version"] == 1 and doc["action"] == "added"
    assert doc["path"] == f"incidents/2020/{doc['id']}.yaml"


# -- ids never clash ---------------------------------------------------------------

def test_a_taken_name_draws_a_new_suffix(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Ledger.open(str(fresh)).session
    text = recording.document_text(compose.record_from_fields(compose.Fields(
        title="Same", date="2020-04-18", country="KZ", acts=["arrest"], sources=[URL])))

    def build(seed: int) -> recording.Candidate:
        ctx = compose.Context(session.schema, compose.dt.date.today(), choose=random.Random(seed).choice)
        return recording.prepare(session, text, ctx, {})  # as if another writer had not been seen yet

    taken = build(1)
    (fresh / taken.rel).parent.mkdir(parents=True)
    (fresh / taken.rel).write_text("taken by another writer", encoding="utf-8")
    seeds = iter([1, 2])
    written = recording.write_new(session, lambda: build(next(seeds)))
    assert written.written and written.rid != taken.rid and written.rid[:-4] == taken.rid[:-4]
    assert (fresh / taken.rel).read_text(encoding="utf-8") == "taken by another writer"


def test_sixteen_simultaneous_adds_give_sixteen_records(fresh: Path) -> None:
    exe = Path(sys.executable).with_name("ledger")
    procs = [subprocess.Popen([str(exe), "--ledger", str(fresh), "add", "--no-input", *ILYASHEV],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(16)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 16, [err for _, err in outs]
    made = {out.strip() for out, _ in outs}
    assert len(made) == 16
    assert {p.stem for p in records(fresh)} == made
    check_clean(fresh)


def test_adds_on_two_branches_merge_without_conflict(fresh: Path) -> None:
    git(fresh, "checkout", "-q", "-b", "main")
    commit(fresh, "New ledger")
    for branch in ("alice", "bob"):
        git(fresh, "checkout", "-q", "-b", branch, "main")
        for _ in range(10):
            assert add(fresh, *ILYASHEV).exit_code == 0
        commit(fresh, f"{branch}: ten incidents")
    git(fresh, "checkout", "-q", "main")
    git(fresh, "merge", "-q", "--no-edit", "alice")
    git(fresh, "merge", "-q", "--no-edit", "bob")
    assert len(records(fresh)) == 20
    check_clean(fresh)


# -- $EDITOR ---------------------------------------------------------------------

FILL = r"""
for field, value in [("title", "Blogger detained"), ("date", "2020-04-1X  # mid-April"),
                     ("  country", "KZ"), ("  - type", "detention"), ("    url", "https://x.example/a"),
                     ("    victims", "[Some Blogger]")]:
    text = re.sub(rf"(?m)^{re.escape(field)}:.*$", f"{field}: {value}", text, count=1)
text = text.replace("title: Blogger", "# Written in the editor\ntitle: Blogger")
"""


def test_edit_fills_the_template(fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_editor(tmp_path, monkeypatch, "open(sys.argv[1] + '.seen', 'w').write(text)\n" + FILL)
    result = add(fresh, "--edit", "--status", "possible")
    assert result.exit_code == 0, result.stderr
    [path] = records(fresh)
    text = path.read_text(encoding="utf-8")
    assert "#:" not in text and "# Written in the editor" in text and "# mid-April" in text
    record = data(path)
    assert record["status"] == "possible" and record["date"] == "2020-04-1X"
    assert record["actors"] == [{"ref": "some_blogger", "name": "Some Blogger"}]
    seen = next((fresh / "incidents").glob(".*.seen")).read_text(encoding="utf-8")
    assert seen.startswith("# yaml-language-server: $schema=../schema/incident.schema.json\n---\n")
    assert "#: title (required): One line saying what happened." in seen
    assert 'status: "possible"' in seen
    assert not list((fresh / "incidents").glob(".*.edit.yaml"))
    check_clean(fresh)


@pytest.mark.parametrize(("body", "says"), [
    ("", "nothing was entered"),
    ("text = ''", "nothing was entered"),
    (FILL + "\ntext = text.replace('type: detention', 'type: detension')", "did you mean 'detention'"),
    (FILL + "\ntext = text.replace('title: ', 'title: [')", "YAML syntax error"),
])
def test_edit_that_gives_up_or_fails_writes_nothing(fresh: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, body: str,
                                                    says: str) -> None:
    use_editor(tmp_path, monkeypatch, body)
    result = add(fresh, "--edit")
    assert result.exit_code == 1 and says in result.stderr
    assert records(fresh) == []
    assert list((fresh / "incidents").glob(".*")) == [fresh / "incidents" / ".gitkeep"]


# -- questions --------------------------------------------------------------------

class Scripted:
    """Answers keyed by question, checked by the same rules as typed answers;
    a rejected answer is followed by the next one for the same question."""

    def __init__(self, answers: list[tuple[str, str]]) -> None:
        self.answers = deque(answers)
        self.rejected: list[tuple[str, str]] = []
        self.said: list[str] = []
        self.questions: list[Question] = []

    def _next(self, key: str) -> str:
        assert self.answers, f"no answer left for {key}"
        want, answer = self.answers.popleft()
        if answer == "^C":
            raise KeyboardInterrupt
        assert want == key, f"asked {key}, the script answers {want}"
        return answer

    def ask(self, question: Question) -> str:
        self.questions.append(question)
        answer = self._next(question.key)
        problem = check_answer(question, answer)
        if problem:
            self.rejected.append((question.key, problem))
            return self.ask(question)
        return normalise_answer(question, answer)

    def confirm(self, key: str, label: str, *, default: bool) -> bool:
        return yes_no(self._next(key), default)

    def say(self, text: str) -> None:
        self.said.append(text)


STORY = [
    ("title", "Activist Alnur Ilyashev sentenced"),
    ("date", "2020-02-30"), ("date", "2020-04-18"),
    ("date_text", ""),
    ("location.country", "kz"), ("location.region", ""), ("location.place", "Almaty"),
    ("acts.type", "sent"), ("acts.date", ""),
    ("acts.victims", "Alnur Ilyashev"),
    ("actors.confidential", ""),  # asked at once, for every new name
    ("actors.kind", "person"), ("actors.occupation", "civil activist"),
    ("actors.names", "ru: Алнур Ильяшев"),
    ("acts.perpetrators", "Almaty court"),
    ("actors.confidential", "no"),
    ("actors.kind", "state-body"), ("actors.occupation", ""), ("actors.names", ""),
    ("acts.legal_basis", ""), ("acts.outcome", "two months in jail"), ("acts.description", ""),
    ("another.acts", "y"),
    ("acts.type", "charge"), ("acts.date", "2020-04-18~"),
    ("acts.victims", ""),  # the previous act's victims
    ("acts.perpetrators", "-"),
    ("acts.legal_basis", ""), ("acts.outcome", ""), ("acts.description", ""),
    ("another.acts", "n"),
    ("sources.url", URL), ("sources.title", ""), ("sources.publisher", "RFE/RL"),
    ("sources.published", "2020-04-20"), ("sources.type", "news-report"), ("sources.reliability", ""),
    ("another.sources", "n"),
    ("status", ""),  # the schema's default
    ("rights", "liberty, Expression"), ("tags", "Fake News"), ("tags", "covid-19"),
    ("confidentiality", ""), ("description", "Sentenced by a court in Almaty."),
    ("more", "n"),
    ("save", "y"),
]


def interview(root: Path, answers: list[tuple[str, str]], **fields: Any) -> tuple[Any, Scripted]:
    prompter = Scripted(answers)
    shown: list[Problem] = []
    io = adding.Io(read_stdin=lambda limit: "", show=shown.extend, prompter=prompter)
    request = adding.Request(compose.Fields(**fields), interactive=True)
    result = adding.add(Ledger.open(str(root)).session, request, io)
    assert not prompter.answers, f"questions not asked: {list(prompter.answers)}"
    return result, prompter


def test_interview_records_the_story(fresh: Path) -> None:
    result, prompter = interview(fresh, STORY)
    assert result.written
    record = data(fresh / result.rel)
    assert record["date"] == "2020-04-18" and record["status"] == "unknown"
    assert record["location"] == {"country": "KZ", "place": "Almaty"}
    assert record["acts"] == [
        {"type": "sentence", "victims": ["alnur_ilyashev"], "perpetrators": ["almaty_court"],
         "outcome": "two months in jail"},
        {"type": "charge", "date": "2020-04-18~", "victims": ["alnur_ilyashev"]}]
    assert record["actors"][0] == {"ref": "alnur_ilyashev", "name": "Alnur Ilyashev",
                                   "names": {"ru": "Алнур Ильяшев"}, "kind": "person",
                                   "occupation": "civil activist"}
    assert record["rights"] == ["liberty", "expression"] and record["tags"] == ["covid-19"]
    assert record["recorded"]["by"] == "Test Researcher"
    assert [key for key, _ in prompter.rejected] == ["date", "tags"]
    assert "February 2020 has only 29 days" in prompter.rejected[0][1]
    assert any("id: " + result.rid in text for text in prompter.said)  # the preview
    check_clean(fresh)


def test_interview_questions_come_from_the_schema(fresh: Path) -> None:
    schema_path = fresh / "schema" / "incident.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["$defs"]["act_type"]["enum"].append("raid")
    schema["$defs"]["act_type"]["enumDescriptions"].append("A police raid on premises.")
    schema["properties"]["witnesses"] = {"type": "integer", "minimum": 0, "description": "How many saw it."}
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    answers = [*STORY[:STORY.index(("another.acts", "y"))], ("another.acts", "n"),
               *STORY[STORY.index(("sources.url", URL)):]]
    answers[answers.index(("acts.type", "sent"))] = ("acts.type", "raid")
    at = answers.index(("more", "n"))
    answers[at:at] = [("witnesses", "many"), ("witnesses", "3")]  # a new field, after the known ones
    result, prompter = interview(fresh, answers)
    record = data(fresh / result.rel)
    assert record["acts"][0]["type"] == "raid" and record["witnesses"] == 3
    act_question = next(q for q in prompter.questions if q.key == "acts.type")
    assert act_question.choices["raid"] == "A police raid on premises."
    assert ("witnesses", "witnesses must be a whole number") in prompter.rejected


def test_flags_fill_in_answers_and_answers_are_remembered(fresh: Path) -> None:
    first, _ = interview(fresh, STORY)
    assert first.written
    answers = [("date_text", ""), ("location.country", ""),  # remembered: KZ
               ("location.region", ""), ("location.place", "Shymkent"),
               ("sources.url", URL), ("sources.title", ""), ("sources.publisher", ""),  # remembered
               ("sources.published", ""), ("sources.type", ""), ("sources.reliability", ""),
               ("another.sources", "n"), ("rights", ""), ("tags", ""), ("confidentiality", ""),
               ("description", ""), ("more", "n"), ("save", "yes")]
    second, prompter = interview(fresh, answers, title="Second", date="2020-05", acts=["search"],
                                 status="likely")
    record = data(fresh / second.rel)
    assert record["location"] == {"country": "KZ", "place": "Shymkent"}
    assert record["sources"][0]["publisher"] == "RFE/RL"
    assert record["status"] == "likely" and record["acts"] == [{"type": "search"}]
    defaults = {q.key: q.default for q in prompter.questions}
    assert defaults["location.country"] == "KZ" and defaults["sources.type"] == "news-report"


def test_more_details_are_asked_on_request(fresh: Path) -> None:
    answers = [
        *STORY[:STORY.index(("more", "n"))], ("more", "y"),
        ("location.lat", "43.24"), ("location.lon", "76.89"), ("location.precision", "city"),
        ("actors.affiliation", ""),  # confidential was asked with the name
        ("actors.affiliation", ""),
        ("sources.language", "en"), ("sources.archived_url", ""), ("sources.file", ""),
        ("sources.sha256", ""), ("sources.size", ""), ("sources.captured", ""), ("sources.added_by", ""),
        ("sources.confidential", ""),
        ("add.interventions", "y"), ("interventions.type", "open-letter"), ("interventions.by", "Adil Soz"),
        ("interventions.to", "Prosecutor-General"), ("interventions.date", "2020-04"),
        ("interventions.description", ""), ("another.interventions", "n"),
        ("related", ""), ("duplicate_of", ""), ("save", "y")]
    answers[answers.index(("actors.confidential", ""))] = ("actors.confidential", "yes")
    result, _ = interview(fresh, answers)
    record = data(fresh / result.rel)
    assert record["location"]["lat"] == 43.24 and record["location"]["precision"] == "city"
    assert record["actors"][0]["confidential"] is True and record["sources"][0]["language"] == "en"
    assert record["interventions"] == [{"type": "open-letter", "by": "Adil Soz", "to": "Prosecutor-General",
                                        "date": "2020-04"}]


@pytest.mark.parametrize("stop", ["^C", "no"])
def test_interrupted_or_discarded_interview_leaves_nothing(fresh: Path, stop: str) -> None:
    answers = [*STORY[:5], ("location.country", "^C")] if stop == "^C" else [*STORY[:-1], ("save", "no")]
    with pytest.raises((KeyboardInterrupt, adding.LedgerError)):
        interview(fresh, answers)
    assert records(fresh) == []
    assert not (fresh.parent / "state" / "incident-ledger" / adding.STATE_FILE).exists()  # nothing remembered


def test_terminal_prompter_completes_choices() -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from ledger.editing.terminal import TerminalPrompter, status_line

    question = Question("acts.type", "What happened", required=True,
                        choices={"arrest": "Taken into custody.", "sentence": "Sentenced by a court."})
    with create_pipe_input() as pipe:
        pipe.send_text("sent\t\r")
        assert TerminalPrompter(input=pipe, output=DummyOutput()).ask(question) == "sentence"
    with create_pipe_input() as pipe:
        pipe.send_text("bogus\r\x15arrest\r")  # rejected, line cleared, typed again
        assert TerminalPrompter(input=pipe, output=DummyOutput()).ask(question) == "arrest"
    assert status_line(question, "arrest") == "arrest: Taken into custody."
    date = Question("date", "Date", explain=lambda t: f"{t} means sometime in April 2020")
    assert status_line(date, "2020-04") == "✓ 2020-04 means sometime in April 2020"


def test_real_terminal(fresh: Path, tmp_path: Path) -> None:
    """`ledger add` in a pseudo-terminal, as a person would type it."""
    import re
    import select

    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "100", "LINES": "40"}
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", "--ledger", str(fresh), "add", *ILYASHEV[:-2], "--date-text",
         "on April 18", "--description", "Sentenced."],
        stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = ""

    def expect(text: str) -> None:
        nonlocal seen
        while text not in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r", "", seen):
            ready, _, _ = select.select([master], [], [], 30)
            assert ready, f"waited for {text!r}; the screen shows {seen[-400:]!r}"
            try:
                seen += os.read(master, 4096).decode("utf-8", "replace")
            except OSError:
                raise AssertionError(f"ledger ended before {text!r}: {seen[-400:]!r}") from None

    try:
        for label, keys in [("Region", "\r"), ("Status (required) [unknown]:", "lik\r"),
                            ("Rights", "expr\t\r"), ("Confidentiality", "\r"),
                            ("Add more details", "\r"), ("Save this record?", "y\r")]:
            expect(label)
            os.write(master, keys.encode())
        expect("added incidents/2020/")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    [path] = records(fresh)
    record = data(path)
    assert record["status"] == "likely" and record["rights"] == ["expression"]
    assert record["date_text"] == "on April 18"


def test_ctrl_c_in_a_real_terminal_leaves_nothing(fresh: Path) -> None:
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "--ledger", str(fresh), "add"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    try:
        seen = b""
        while b"Title" not in seen:
            seen += os.read(master, 4096)
        os.write(master, b"An incident\r2020-04\r\x03")
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert records(fresh) == []
    assert list((fresh / "incidents").iterdir()) == [fresh / "incidents" / ".gitkeep"]


def test_a_testimony_source_is_asked_whether_it_is_confidential(fresh: Path) -> None:
    at = STORY.index(("sources.type", "news-report"))
    answers = [*STORY[:at], ("sources.type", "testimony"), ("sources.reliability", ""),
               ("sources.confidential", "yes"), *STORY[at + 2:]]
    answers[answers.index(("actors.confidential", ""))] = ("actors.confidential", "yes")
    result, prompter = interview(fresh, answers)
    record = data(fresh / result.rel)
    assert record["sources"][0]["type"] == "testimony" and record["sources"][0]["confidential"] is True
    assert record["actors"][0]["confidential"] is True
    keys = [q.key for q in prompter.questions]
    # Right after the name, before anything else about the person.
    assert keys[keys.index("acts.victims") + 1] == "actors.confidential"
    public = invoke(["--ledger", str(fresh), "export", "--public", "--format", "json"])
    assert public.exit_code == 0
    [shown] = json.loads(public.stdout)["incidents"]
    names = json.dumps(shown["actors"])
    assert "Alnur Ilyashev" not in names and "Almaty court" in names
    assert URL not in public.stdout


def test_earlier_answers_in_the_ledger_are_offered(fresh: Path) -> None:
    first, _ = interview(fresh, STORY)
    assert first.written
    path = fresh / first.rel
    # A confidential name is never offered, even to the same researcher.
    assert invoke(["--ledger", str(fresh), "set", first.rid, "actors.1.confidential=yes"]).exit_code == 0
    assert data(path)["actors"][1]["name"] == "Almaty court"
    answers = [("title", "Second"), *STORY[1:STORY.index(("sources.url", URL))],
               ("sources.url", URL), ("sources.title", ""), ("sources.publisher", ""),
               ("sources.published", ""), ("sources.type", ""), ("sources.reliability", ""),
               ("another.sources", "n"), *STORY[STORY.index(("status", "")):]]
    answers[answers.index(("actors.names", "ru: Алнур Ильяшев"))] = ("actors.names", "")
    # The names are known to the ledger now, but new to this record: asked about again.
    second, prompter = interview(fresh, answers)
    assert second.written
    offered: dict[str, list[str]] = {}
    for q in prompter.questions:  # the first time each is asked
        offered.setdefault(q.key, list(q.suggestions))
    assert offered["location.place"] == ["Almaty"]
    assert offered["sources.publisher"] == ["RFE/RL"]
    assert "Alnur Ilyashev" in offered["acts.victims"] and "Almaty court" not in offered["acts.victims"]


def test_terminal_prompter_completes_earlier_answers() -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from ledger.editing.terminal import TerminalPrompter, _ChoiceCompleter

    completer = _ChoiceCompleter(dict.fromkeys(["Almaty", "Astana", "Shalkar"], ""), False)
    offered = [c.text for c in completer.get_completions(Document("al"), CompleteEvent())]
    assert offered == ["Almaty", "Shalkar"]  # those starting so first, then those containing it
    place = Question("location.place", "Place", suggestions=["Almaty", "Astana"])
    with create_pipe_input() as pipe:
        pipe.send_text("Shymkent\r")  # a suggestion, not a choice: anything else is taken
        assert TerminalPrompter(input=pipe, output=DummyOutput()).ask(place) == "Shymkent"
