"""`format` checks give one answer on every machine: the same URL is a
problem (or not) whatever optional packages happen to be installed, and the
fast and the detailed validator agree."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker

from conftest import REPO
from ledger.core import formats
from ledger.core.schema import Schema
from ledger.store.session import load_schema

BAD = ["not a url", "http://exa mple.org", "example.org/a", "https://example.org/a b", "https://x.org/%zz",
       "https://kz.kursiv.media/2020/ильяшев/"]
GOOD = ["https://rus.azattyq.org/a/30563137.html", "https://rus.azattyq.org/a/kazakhstan-activist/30563137.html",
        "http://example.org/a?b=c&d=%D0%B8#top", "https://[2001:db8::1]:8080/x"]


@pytest.fixture
def fresh_checker() -> Iterator[None]:
    formats.checker.cache_clear()
    yield
    formats.checker.cache_clear()


def _with_url(ledger_dir: Path, url: str) -> Path:
    record = sorted((ledger_dir / "incidents").rglob("*.yaml"))[0]
    text = record.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^(sources:\n  - ref: .*)$", lambda m: f"{m.group(1)}\n    url: {json.dumps(url)}",
                     text, count=1)
    assert changed != text
    record.write_text(changed, encoding="utf-8")
    return record


@pytest.mark.parametrize("url", BAD)
def test_a_bad_url_is_one_problem(run: Any, ledger_dir: Path, url: str) -> None:
    _with_url(ledger_dir, url)
    result = run("validate", "--format", "json")
    assert result.exit_code == 1, result.stdout
    problems = json.loads(result.stdout)["problems"]
    assert [(p["code"], p["pointer"]) for p in problems] == [("schema-format", "/sources/0/url")]
    assert "is not a valid URL" in problems[0]["message"]


@pytest.mark.parametrize("url", GOOD)
def test_a_good_url_is_fine(run: Any, ledger_dir: Path, url: str) -> None:
    _with_url(ledger_dir, url)
    result = run("validate")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_the_hint_mends_what_can_be_mended(run: Any, ledger_dir: Path) -> None:
    _with_url(ledger_dir, "https://kz.kursiv.media/2020/ильяшев/")
    result = run("validate", "--format", "json")
    problem = json.loads(result.stdout)["problems"][0]
    assert "did you mean 'https://kz.kursiv.media/2020/%D0%B8%D0%BB%D1%8C%D1%8F%D1%88%D0%B5%D0%B2/'" \
        in problem["hint"]


def test_add_refuses_a_bad_url(run: Any, ledger_dir: Path) -> None:
    before = sorted((ledger_dir / "incidents").rglob("*.yaml"))
    result = run("add", "--no-input", "--title", "Detained", "--date", "2020-04-18", "--country", "KZ",
                 "--act", "arrest", "--source", "http://exa mple.org")
    assert result.exit_code == 1
    assert "'http://exa mple.org' is not a valid URL" in result.stderr
    assert sorted((ledger_dir / "incidents").rglob("*.yaml")) == before


def test_the_checks_do_not_depend_on_what_jsonschema_found_installed(
        fresh_checker: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def uri_from_elsewhere(value: object) -> bool:  # as if rfc3987 (or nothing) were installed
        return True

    fewer = {k: v for k, v in FormatChecker.checkers.items() if k not in ("uri", "uri-reference")}
    plain = sorted(formats.checker().checkers)
    formats.checker.cache_clear()
    monkeypatch.setattr(FormatChecker, "checkers", fewer | {"hostname": (uri_from_elsewhere, ())})
    assert sorted(formats.checker().checkers) == plain
    assert not formats.checker().conforms("http://exa mple.org", "uri")


def test_fast_and_detailed_validators_agree() -> None:
    schema = load_schema(REPO / "schema" / "incident.schema.json", "schema")
    if schema.fast_validator is None:
        pytest.skip("jsonschema-rs is not installed")
    node = {"type": "object", "properties": {"u": {"type": "string", "format": "uri"},
                                             "d": {"type": "string", "format": "date"}}}
    local = Schema({**node, "$schema": "https://json-schema.org/draft/2020-12/schema"})
    for url in [*BAD, *GOOD]:
        assert local.is_valid({"u": url}) == (not list(local.validator.iter_errors({"u": url}))), url
    for day in ["2020-04-18", "2020-02-30", "2020-4-18", "2020-04-18T00:00:00"]:
        assert local.is_valid({"d": day}) == (not list(local.validator.iter_errors({"d": day}))), day


def test_the_signature_names_the_checks() -> None:
    signature = formats.signature()
    assert "uri," in signature and "edtf," in signature and "rfc3986-validator=" in signature
