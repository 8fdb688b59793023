"""The loader against the official yaml-test-suite (tests/data/yaml-test-suite,
see its README): every value case it accepts loads as the case's in.json, and
every error case is refused, except the few listed here with their reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.core import yamlio

SUITE = Path(__file__).resolve().parent / "data" / "yaml-test-suite"
CASES = sorted(p.parent.relative_to(SUITE).as_posix() for p in SUITE.rglob("in.yaml"))

# Refused by design, whatever the text: a record holds one document of plain
# JSON-like data, written out in full.
BY_DESIGN = {
    "alias",               # anchors and aliases (the "billion laughs" bomb), merge keys with them
    "multiple-documents",  # a record file is one document
    "unsafe-tag",          # local and application tags (!foo, !!set, !!binary, !!omap)
    "empty",               # a stream with no document
}

# Valid YAML that libyaml (ruamel's C parser) cannot parse: flow keys on
# several lines or without a value, reserved directives, anchors ending in ":",
# tabs as separation space, "?x" in flow (which libyaml misreads, so it is
# refused rather than read wrongly).  A refusal is safe; a wrong value is not.
LIBYAML_REFUSES = frozenset("""
    2LFX 2SXE 4MUZ/00 4MUZ/01 4MUZ/02 58MP 5MUD 5T43 652Z 6LVF 7Z25 8XYN 9SA2 BEC7 DBG4 DK3J
    FP8R HM87/00 HM87/01 HWV9 JR7V K3WX M7A3 MUS6/05 MUS6/06 NJ66 QT73 UDM2 UT92 VJP3/01 W4TN
    W5VH WZ62
    6BCT 6CA3 96NN/00 96NN/01 A2M4 DK95/00 DK95/03 DK95/04 Q5MG R4YG Y79Y/001 Y79Y/010
""".split())

# Invalid YAML that libyaml accepts and that no cheap check here catches;
# each loads as the obvious reading, so no record is misread by it.
ACCEPTED_ERRORS = {
    "9C9N": "flow sequence continued at column 0 inside a mapping (wrong indentation)",
    "QB6E": "quoted scalar continued at column 0 inside a mapping (wrong indentation)",
    "DK95/01": "a tab before the continuation of a double-quoted scalar",
    "Y79Y/003": "a tab at the start of a line inside a flow sequence",
    "S98Z": "leading empty lines of a block scalar longer than its first content line",
}


def _text(case: str) -> str:
    text, issue = yamlio.decode((SUITE / case / "in.yaml").read_bytes())
    assert issue is None, (case, issue)
    assert text is not None
    return text


def _documents(case: str) -> list[Any]:
    """The JSON documents of in.json, which holds one per YAML document."""
    raw = (SUITE / case / "in.json").read_text(encoding="utf-8")
    decoder, at, docs = json.JSONDecoder(), 0, []
    while True:
        while at < len(raw) and raw[at].isspace():
            at += 1
        if at == len(raw):
            return docs
        doc, at = decoder.raw_decode(raw, at)
        docs.append(doc)


def _kind(case: str) -> str:
    if (SUITE / case / "error").exists():
        return "error"
    return "value" if (SUITE / case / "in.json").exists() else "other"


def test_the_suite_is_there() -> None:
    kinds = [_kind(c) for c in CASES]
    assert kinds.count("value") > 250 and kinds.count("error") > 90


def test_value_cases_load_as_their_json() -> None:
    wrong, refused = [], []
    for case in (c for c in CASES if _kind(c) == "value"):
        data, issue = yamlio.parse_value(_text(case))
        if issue is None:
            if _documents(case) != [data]:
                wrong.append((case, data, _documents(case)))
        elif issue.code not in BY_DESIGN:
            refused.append(case)
            assert case in LIBYAML_REFUSES, (case, issue)
    assert wrong == []
    assert len(refused) > 0  # the list above is in use: if libyaml improves, shorten it


def test_every_error_case_is_refused() -> None:
    accepted = {}
    for case in (c for c in CASES if _kind(c) == "error"):
        data, issue = yamlio.parse_value(_text(case))
        if issue is None:
            accepted[case] = data
    assert sorted(accepted) == sorted(ACCEPTED_ERRORS)


def test_no_case_crashes_the_record_loader() -> None:
    for case in CASES:
        data, issue = yamlio.parse(_text(case))
        assert (data is None) != (issue is None), case
        if issue is not None:
            assert issue.line >= 1 and issue.code and issue.message, (case, issue)


@pytest.mark.parametrize(("text", "expected"), [
    # YAML 1.2 core schema: only these spellings are numbers
    ("a: 0b101", "0b101"), ("a: 1_000", "1_000"), ("a: +0o17", "+0o17"), ("a: -0x1F", "-0x1F"),
    ("a: 0.1_2", "0.1_2"), ("a: 0o17", 15), ("a: 0x1F", 31), ("a: -017", -17), ("a: +12", 12),
    ("a: 1e3", 1000.0), ("a: -.5", -0.5), ("a: 1.", 1.0), ("a: yes", "yes"), ("a: On", "On"),
    ("a: True", True), ("a: FALSE", False), ("a: ~", None), ("a: NULL", None), ("a:", None),
    ("a: 2020-04-18", "2020-04-18"), ("a: 12:30", "12:30"), ("a: =", "="),
    # the non-specific tag "!" makes text
    ("a: ! 12", "12"), ("a: ! true", "true"), ("a: ! null", "null"),
    # an explicit core tag types a value the core schema spells that way
    ("a: !!int 0x1f", 31), ("a: !!float 1", 1.0), ("a: !!bool TRUE", True), ("a: !!null", None),
    ("a: !!str 12", "12"), ("a: !!int '12'", 12),
])
def test_core_schema_values(text: str, expected: object) -> None:
    data, issue = yamlio.parse(text + "\n")
    assert issue is None, issue
    assert data == {"a": expected}
    assert type(data["a"]) is type(expected)


@pytest.mark.parametrize("text", ["a: !!bool yes", "a: !!null foo", "a: !!int 1_000", "a: !!float x",
                                  "a: !!int 1.5", "a: !!bool 1"])
def test_a_value_that_does_not_match_its_tag_is_refused(text: str) -> None:
    data, issue = yamlio.parse(text + "\n")
    assert data is None and issue is not None
    assert (issue.code, issue.line, issue.column) == ("bad-value", 1, 4)
    assert text.split()[-1] in issue.message


def test_a_plain_merge_key_is_text() -> None:
    assert yamlio.parse("<<: {a: 1}\nb: 2\n") == ({"<<": {"a": 1}, "b": 2}, None)


@pytest.mark.parametrize(("text", "line", "column"), [
    ("a: &x 1\n", 1, 4), ("a: 1\nb: &m {c: 1}\n", 2, 4), ("a:\n  - &s [1]\n", 2, 5), ("&k a: 1\n", 1, 1),
    ("a: &x 1\nb: *x\n", 1, 4),
])
def test_an_anchor_is_refused_even_without_an_alias(text: str, line: int, column: int) -> None:
    data, issue = yamlio.parse(text)
    assert data is None and issue is not None
    assert (issue.code, issue.line, issue.column) == ("alias", line, column)
    assert "&" in issue.message


@pytest.mark.parametrize("text", ['a: "v"# c\n', '# a header comment\na: "v"# c\n', "a: >#c\n  x\n",
                                  "a: [b, c]#d\n", "a: [-]\n", "a: {?x: 1}\n", "a: [?y]\n",
                                  "%YAML 1.2#x\n---\na: 1\n"])
def test_what_libyaml_would_misread_is_refused(text: str) -> None:
    data, issue = yamlio.parse(text)
    assert data is None and issue is not None and issue.code == "yaml-syntax", issue


@pytest.mark.parametrize(("text", "expected"), [
    ("a: b#c\n", "b#c"), ("a: 'x' # c\n", "x"), ("a: [-x, a-b]\n", ["-x", "a-b"]), ("a: '#'\n", "#"),
    ("a: [ 'a,#' ]\n", ["a,#"]), ("a: - x\n", None),
])
def test_the_extra_checks_leave_valid_text_alone(text: str, expected: object) -> None:
    data, issue = yamlio.parse(text)
    if expected is None:  # libyaml's own refusal stands
        assert data is None and issue is not None
    else:
        assert issue is None, issue
        assert data == {"a": expected}
