"""The loader: plain data from the parser's events, and the same answer
from ruamel's pure-Python parser when the C extension is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ruamel.yaml.main

from conftest import FIXTURES
from ledger.core import yamlio

ROOT = Path(__file__).resolve().parent.parent
TEXTS = sorted([*(FIXTURES / "valid").glob("*.yaml"), *(FIXTURES / "invalid").glob("*.yaml"),
                *(ROOT / "incidents").rglob("*.yaml")])
ODD = [
    "a: yes\nb: 0o17\nc: 017\nd: 1_000\ne: 1e3\nf: ~\ng: Null\nh: TRUE\ni: 0x1f\nj: '1'\nk: -.5\n",
    "date: 2020-04-18\nwhen: 12:30\neq: =\nempty:\nq: \"x\\ty\"\nfolded: >\n  a\n  b\n",
    "a: ! x\nb: !!str 1\nc: !!map {d: !!seq [1]}\n",
    "a: &x 1\nb: *x\n",
    "a: !!binary aGVsbG8=\nb: \"unclosed\n",
    "a: !!binary aGVsbG8=\n---\nb: 1\n",
    "? [a]\n: b\n",
    "1: x\n",
    "a: 1\na: 2\n",
    "<<: {a: 1}\n",
    "a: .nan\n",
    "",
    "---\n",
    "just text\n",
    "- a\n- b\n",
    "a:\n\tb: 1\n",
]


@pytest.fixture
def pure_python() -> Iterator[None]:
    """ruamel as it is without its C extension."""
    saved = ruamel.yaml.main.CParser  # type: ignore[attr-defined]
    ruamel.yaml.main.CParser = None  # type: ignore[attr-defined]
    yamlio._fast_loader_class.cache_clear()
    try:
        yield
    finally:
        ruamel.yaml.main.CParser = saved  # type: ignore[attr-defined]
        yamlio._fast_loader_class.cache_clear()


def _answers() -> list[tuple[object, object]]:
    texts = [p.read_text(encoding="utf-8") for p in TEXTS] + ODD
    return [yamlio.parse(t) for t in texts]


def test_pure_python_parser_gives_the_same_answers(pure_python: None) -> None:
    pure = _answers()
    ruamel.yaml.main.CParser = pytest.importorskip("_ruamel_yaml").CParser  # type: ignore[attr-defined]
    yamlio._fast_loader_class.cache_clear()
    fast = _answers()
    assert [d for d, _ in pure] == [d for d, _ in fast]
    assert [i.code if i else None for _, i in pure] == [i.code if i else None for _, i in fast]


def test_yaml_12_core_types() -> None:
    data, issue = yamlio.parse(ODD[0])
    assert issue is None
    assert data == {"a": "yes", "b": 15, "c": 17, "d": "1_000", "e": 1000.0, "f": None, "g": None,
                    "h": True, "i": 31, "j": "1", "k": -0.5}
    data, issue = yamlio.parse(ODD[1])
    assert issue is None
    assert data == {"date": "2020-04-18", "when": "12:30", "eq": "=", "empty": None, "q": "x\ty",
                    "folded": "a b\n"}
    assert yamlio.parse(ODD[2]) == ({"a": "x", "b": "1", "c": {"d": [1]}}, None)


@pytest.mark.parametrize(("text", "code", "line", "column"), [
    ("a: &x 1\nb: *x\n", "alias", 1, 4),
    ("a: *x\n", "alias", 1, 4),
    ("a: !!binary aGVsbG8=\nb: \"unclosed\n", "yaml-syntax", 3, 1),
    ("a: !!binary aGVsbG8=\n---\nb: 1\n", "multiple-documents", 2, 1),
    ("? [a]\n: b\n", "key-type", 1, 3),
    ("1: x\n", "key-type", 1, 1),
    ("a: 1\na: 2\n", "duplicate-key", 2, 1),
    ("a: !!bool yes\n", "bad-value", 1, 4),
    ("a: .nan\n", "bad-number", 1, 4),
    ("", "empty", 1, 1),
    ("---\n", "not-a-mapping", 1, 1),
])
def test_refusals_name_the_place(text: str, code: str, line: int, column: int) -> None:
    data, issue = yamlio.parse(text)
    assert data is None and issue is not None
    assert (issue.code, issue.line, issue.column) == (code, line, column), issue
