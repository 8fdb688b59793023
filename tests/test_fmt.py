"""The canonical formatter: a pure text -> text function that keeps every
value and comment."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, invoke
from ledger.core import yamlio
from ledger.core.fmt import format_text
from ledger.store.session import load_schema

SCHEMA = load_schema(REPO / "schema" / "incident.schema.json", "schema")
REF = "../../schema/incident.schema.json"
EXAMPLES = sorted((REPO / "incidents").rglob("*.yaml"))


def fmt(text: str) -> str:
    return format_text(text, REF, SCHEMA.key_order)


def load(text: str) -> object:
    data, issue = yamlio.parse(text)
    assert issue is None, issue
    return data


def _dump(data: object, *, indent: int, flow: bool | None, width: int) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.indent(mapping=indent, sequence=indent, offset=0)
    yaml.width = width
    yaml.allow_unicode = bool(indent % 2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


# Text that YAML must quote or block, in every script the users write.
tricky = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.sampled_from(["yes", "NO", "on", "null", "~", "2020", "1e3", "0x1F", "2020-04-18",
                     "2020-04", "a: b", "# not a comment", "- dash", "'quoted'", '"dq"',
                     " leading", "trailing ", "Алнур Ильяшев", "Ұлан Шамшет", "line\nbreak",
                     "two\n\nparagraphs\n", "tab\there", "", "@at", "`tick", "{brace}"]),
)
scalars = st.one_of(tricky, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
keys = st.one_of(st.sampled_from(list(SCHEMA.key_order(()))), st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=25)
records = st.dictionaries(keys, trees, min_size=1, max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records, indent=st.sampled_from([2, 3, 4]), flow=st.sampled_from([None, False, True]),
       width=st.sampled_from([20, 80, 4096]))
def test_format_keeps_data_and_is_idempotent(record: dict[str, object], indent: int,
                                             flow: bool | None, width: int) -> None:
    text = _dump(record, indent=indent, flow=flow, width=width)
    data, _issue = yamlio.parse(text)
    if data is None:  # e.g. a key YAML 1.2 reads as a number: not a record we can format
        return
    once = fmt(text)
    assert load(once) == data
    assert fmt(once) == once


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_records_are_canonical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert fmt(text) == text


def _scramble(text: str, seed: int) -> str:
    """Same data, other key order, other indentation, flow lists."""
    from ruamel.yaml import YAML

    data = load(text)
    rng = random.Random(seed)

    def shuffle(node: object) -> object:
        if isinstance(node, dict):
            items = list(node.items())
            rng.shuffle(items)
            return {k: shuffle(v) for k, v in items}
        if isinstance(node, list):
            return [shuffle(v) for v in node]
        return node

    yaml = YAML(typ="safe", pure=True)
    yaml.indent(mapping=4, sequence=4, offset=2)
    yaml.width = 60
    yaml.allow_unicode = True
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    out = io.StringIO()
    yaml.dump(shuffle(data), out)
    return out.getvalue()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_scrambled_record_is_restored_to_the_exact_canonical_bytes(path: Path) -> None:
    canonical = fmt(path.read_text(encoding="utf-8"))
    # Example files carry comments; compare against the comment-free canonical form.
    bare = "".join(line for line in canonical.splitlines(keepends=True)
                   if not line.lstrip().startswith("#") or line.startswith("# yaml-language-server"))
    bare = fmt(bare)
    for seed in range(3):
        scrambled = _scramble(bare, seed)
        assert scrambled != bare
        assert fmt(scrambled) == bare


def test_comments_survive_reordering() -> None:
    text = (
        "# about this record\n"
        "\n"
        "title: A title   # end-of-line note\n"
        "id: 2020-04-18-x-abcd\n"
        "schema_version: 2\n"
        "# why the date is vague\n"
        "date: 2020-04\n"
        "acts:\n"
        "- victims: [a]\n"
        "  # the type came last in the source\n"
        "  type: arrest\n"
        "status: likely\n"
        "# closing remark\n"
    )
    out = fmt(text)
    for comment in ("# about this record", "# end-of-line note", "# why the date is vague",
                    "# the type came last in the source", "# closing remark"):
        assert comment in out
    assert out.index("# why the date is vague") < out.index("date: 2020-04")
    assert out.index("# about this record") < out.index("schema_version")
    assert out.rstrip().endswith("# closing remark")
    assert out.index("# the type came last") < out.index("type: arrest")
    assert "title: A title  # end-of-line note" in out
    assert list(load(out)) == ["schema_version", "id", "title", "date", "status", "acts"]
    assert fmt(out) == out


def test_header_dates_and_blocks() -> None:
    out = fmt("---\nid: x-y-z\ndate: '2020-04-18'\ndescription: \"one\\ntwo\\n\"\n")
    assert out.startswith("# yaml-language-server: $schema=" + REF + "\n---\n")
    assert "date: 2020-04-18\n" in out
    assert "description: |\n  one\n  two\n" in out


def test_fmt_cli_check_diff_and_write(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = next((ledger_dir / "incidents").rglob("*.yaml"))
    original = path.read_text(encoding="utf-8")
    path.write_text(_scramble(fmt(original), 1), encoding="utf-8")
    scrambled = path.read_text(encoding="utf-8")
    check = run("fmt", "--check")
    assert check.exit_code == 1 and path.name in check.stdout
    diff = run("fmt", "--diff")
    assert diff.exit_code == 1 and diff.stdout.startswith("--- a/incidents/")
    assert path.read_text(encoding="utf-8") == scrambled
    write = run("fmt")
    assert write.exit_code == 1 and "reformatted" in write.stderr
    assert run("fmt", "--check").exit_code == 0
    assert load(path.read_text(encoding="utf-8")) == load(original)


def test_fmt_never_touches_unparseable_file(ledger_dir: Path) -> None:
    bad = ledger_dir / "incidents" / "broken.yaml"
    bad.write_bytes(b"title: [unclosed\n\tstatus: x\n")
    result = invoke(["--ledger", str(ledger_dir), "fmt"])
    assert result.exit_code == 1 and "incidents/broken.yaml:" in result.stderr
    assert bad.read_bytes() == b"title: [unclosed\n\tstatus: x\n"
