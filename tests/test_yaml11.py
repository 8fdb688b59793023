"""Canonical records read the same under YAML 1.1 (PyYAML's safe loader) as
under ledger's YAML 1.2 reading: fmt quotes what 1.1 would misread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from ledger.core import yamlio
from ledger.core.fmt import format_text
from ledger.core.yaml11 import misread
from ledger.store.session import load_schema

SCHEMA = load_schema(REPO / "schema" / "incident.schema.json", "schema")
REF = "../../schema/incident.schema.json"
FILES = sorted((FIXTURES / "valid").glob("*.yaml")) + sorted((REPO / "incidents").rglob("*.yaml")) \
    + sorted((REPO / "actors").glob("*.yaml"))


def as_strings(node: Any) -> Any:
    """PyYAML's dates as the text ledger keeps."""
    if isinstance(node, dict):
        return {as_strings(k): as_strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_strings(v) for v in node]
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def ours(text: str) -> Any:
    data, issue = yamlio.parse(text)
    assert issue is None, issue
    return data


def same_in_both(text: str) -> None:
    assert as_strings(yaml.safe_load(text)) == ours(text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_canonical_file_reads_the_same_in_yaml_1_1(path: Path) -> None:
    text = format_text(path.read_text(encoding="utf-8"), REF, SCHEMA.key_order)
    same_in_both(text)


EXAMPLE = sorted((REPO / "incidents").rglob("*.yaml")) + sorted((REPO / "actors").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLE, ids=lambda p: p.name)
def test_the_example_ledger_as_stored_reads_the_same(path: Path) -> None:
    same_in_both(path.read_text(encoding="utf-8"))


MISREAD = ["NO", "no", "No", "yes", "Yes", "y", "n", "on", "On", "OFF", "off", "true", "False", "~",
           "null", "Null", "", "0123", "0o17", "0x1F", "0b101", "1_000", "1e3", "1.5e+3", "1.", ".5", "-.5",
           "1:20", "190:20:30", "1:20.5", ".inf", ".NaN", "<<", "=", "2020-04-18 10:00:00",
           "2020-4-1T1:02:03Z", "2021-02-30", "2020", "-7", "+12"]


@pytest.mark.parametrize("text", MISREAD)
def test_risky_text_is_quoted_and_reads_as_text_in_both(text: str) -> None:
    record = {"schema_version": 1, "id": "x-yy", "title": text, "tags": [text], "names": {text or "k": text}}
    out = format_text(f"schema_version: 1\nid: x-yy\ntitle: {text!r}\n", REF, SCHEMA.key_order,
                      transform=lambda d: d.update(record))
    same_in_both(out)
    assert ours(out)["title"] == text
    assert f"title: '{text}'" in out or f'title: "{text}"' in out


@pytest.mark.parametrize("text", ["Norway", "nothing", "Almaty", "2020-04", "2020-04-18/2020-04-19", "1-2",
                                  "2020-04~", "yes please", "KZ", "a=b", "on hold"])
def test_ordinary_text_stays_plain(text: str) -> None:
    assert not misread(text)
    out = format_text(f"title: {text}\n", REF, SCHEMA.key_order)
    assert f"title: {text}\n" in out
    same_in_both(out)


def test_numbers_read_the_same() -> None:
    out = format_text("location:\n  lat: 0.00001\n  lon: 1e+20\nn: 12\n", REF, SCHEMA.key_order)
    assert "lat: 1.0e-05" in out
    same_in_both(out)


scalar = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.from_regex(r"[-+]?[0-9_:.eEoxb]{1,8}", fullmatch=True),
    st.sampled_from(MISREAD),
    st.integers(-10**6, 10**6), st.booleans(), st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-zA-Z0-9~:._]{1,6}", fullmatch=True),
                       st.one_of(scalar, st.lists(scalar, max_size=3)), min_size=1, max_size=6))
def test_any_record_reads_the_same_after_fmt(data: dict[str, Any]) -> None:
    from ledger.core import fmt as fmt_

    try:
        out = format_text("x: 1\n", REF, SCHEMA.key_order, transform=lambda d: (d.clear(), d.update(data)))
    except fmt_.FormatError:
        return  # a value fmt refuses to lay out is left alone, never written
    same_in_both(out)
