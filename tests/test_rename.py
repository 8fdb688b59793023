"""`ledger rename OLD NEW`: the file moves, the id and every link change, and
nothing else does; a rename that cannot be done completely changes nothing."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

OLD = "2020-04-18-ilyashev-jailed-6fsa"
NEW = "2020-04-18-activist-jailed-6fsa"
LINKING = ["2020-04-18-shamshet-arrested-g68z", "2020-04-18-shuraev-arrested-y3np",
           "2020-04-activists-detained-dfjp"]


def rec(root: Path, rid: str) -> Path:
    return root / "incidents" / "2020" / f"{rid}.yaml"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the ledger (temporary files too), but not the cache."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".ledger-cache" not in p.parts}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_rename_moves_the_file_and_rewrites_only_the_links(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    # A comment on the link and a quoted link must survive as they are.
    edit(rec(ledger_dir, LINKING[0]), f"  - {OLD}\n", f"  # the first of the three\n  - '{OLD}'  # jailed\n")
    before = snapshot(ledger_dir)
    result = run("rename", OLD, NEW)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"renamed {OLD} to {NEW}: incidents/2020/{OLD}.yaml -> incidents/2020/{NEW}.yaml",
        *(f"rewrote links in {rid} (incidents/2020/{rid}.yaml)" for rid in LINKING)]
    after = snapshot(ledger_dir)
    moved = {k.replace(OLD, NEW): v for k, v in before.items()}
    assert set(after) == set(moved)
    for rel, data in after.items():
        # Byte for byte what was there, with the id changed where it is the id or a link.
        assert data == moved[rel].replace(OLD.encode(), NEW.encode()), rel
    assert b"# the first of the three\n  - '" + NEW.encode() + b"'  # jailed\n" in \
        after[f"incidents/2020/{LINKING[0]}.yaml"]
    assert run("validate", "--strict").exit_code == 0
    assert json.loads(run("show", NEW, "--format", "json").stdout)["id"] == NEW


def test_rename_rewrites_flow_lists_and_duplicate_of(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = rec(ledger_dir, LINKING[1])
    text = path.read_text(encoding="utf-8")
    start = text.index("related:\n")
    end = text.index("confidentiality:")
    path.write_text(text[:start] + f'related: [{OLD}, {LINKING[0]}]\nduplicate_of: "{OLD}"\n' + text[end:],
                    encoding="utf-8")
    result = run("rename", OLD, NEW, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["old"] == OLD and doc["new"] == NEW
    assert doc["path"] == f"incidents/2020/{NEW}.yaml"
    assert [x["id"] for x in doc["linked"]] == LINKING
    assert f'related: [{NEW}, {LINKING[0]}]\nduplicate_of: "{NEW}"\n' in path.read_text(encoding="utf-8")


def test_an_id_inside_other_text_is_left_alone(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = rec(ledger_dir, LINKING[2])
    edit(path, "confidentiality: public\n", f"confidentiality: public\n# see {OLD} for the sentence\n")
    assert run("rename", OLD, NEW).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert f"# see {OLD} for the sentence" in text and f"  - {NEW}\n" in text


def test_rename_refuses_an_existing_new_id(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(ledger_dir)
    result = run("rename", OLD, LINKING[0])
    assert result.exit_code == 2
    assert f"id {LINKING[0]} is already taken" in result.stderr
    assert result.stdout == ""
    assert snapshot(ledger_dir) == before


@pytest.mark.parametrize("new", ["Activist-Jailed", "../../escape", "ab", "a" * 101, "2020/x-jailed",
                                 "-leading-dash", "with space", ""])
def test_an_invalid_new_id_changes_nothing(run, ledger_dir: Path, new: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(ledger_dir)
    result = run("rename", "--", OLD, new)
    assert result.exit_code == 2
    assert "is not a valid id" in result.stderr
    assert snapshot(ledger_dir) == before


def test_an_unknown_old_id_is_exit_1(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(ledger_dir)
    result = run("rename", "2020-01-01-nothing-here-aaaa", NEW)
    assert result.exit_code == 1
    assert "no incident with id" in result.stderr
    assert snapshot(ledger_dir) == before


def test_a_rename_that_would_not_validate_changes_nothing(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    # The record links to NEW already: renamed, it would point to itself.
    edit(rec(ledger_dir, OLD), "related:\n", f"related:\n  - {NEW}\n")
    before = snapshot(ledger_dir)
    result = run("rename", OLD, NEW)
    assert result.exit_code == 1
    assert "[self-reference]" in result.stderr and "nothing was changed" in result.stderr
    assert result.stdout == ""
    assert snapshot(ledger_dir) == before


def test_an_error_already_there_does_not_stop_a_rename(run, ledger_dir: Path) -> None:  # type: ignore[no-untyped-def]
    edit(rec(ledger_dir, LINKING[0]), "status: likely", "status: rumoured")
    result = run("rename", OLD, NEW)
    assert result.exit_code == 0, result.stderr
    assert f"  - {NEW}\n" in rec(ledger_dir, LINKING[0]).read_text(encoding="utf-8")


def _fail(path_part: str, real):  # type: ignore[no-untyped-def]
    def fake(*args, **kwargs):  # type: ignore[no-untyped-def]
        if any(path_part in str(a) for a in args):
            raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]))
        return real(*args, **kwargs)
    return fake


def test_a_fault_while_creating_the_new_file_changes_nothing(  # type: ignore[no-untyped-def]
        run, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    before = snapshot(ledger_dir)
    monkeypatch.setattr(os, "link", _fail(NEW, os.link))
    result = run("rename", OLD, NEW)
    assert result.exit_code == 3
    assert "No space left on device" in result.stderr and "nothing was changed" in result.stderr
    assert snapshot(ledger_dir) == before


def test_a_fault_in_the_last_step_is_undone(  # type: ignore[no-untyped-def]
        run, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    before = snapshot(ledger_dir)
    monkeypatch.setattr(os, "unlink", _fail(f"{OLD}.yaml", os.unlink))
    result = run("rename", OLD, NEW)
    monkeypatch.undo()
    assert result.exit_code == 3
    assert "nothing was changed" in result.stderr
    assert snapshot(ledger_dir) == before


def test_a_record_changed_meanwhile_is_not_overwritten(  # type: ignore[no-untyped-def]
        run, ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.store import write

    other = rec(ledger_dir, LINKING[2])
    real = write._still

    def staged_then_someone_writes(root, rel, expected):  # type: ignore[no-untyped-def]
        if rel.endswith(other.name):
            other.write_bytes(other.read_bytes() + b"# their change\n")
        return real(root, rel, expected)

    monkeypatch.setattr(write, "_still", staged_then_someone_writes)
    before = snapshot(ledger_dir)
    result = run("rename", OLD, NEW)
    assert result.exit_code == 1
    assert f"incidents/2020/{LINKING[2]}.yaml changed on disk meanwhile" in result.stderr
    after = snapshot(ledger_dir)
    assert after.pop(f"incidents/2020/{LINKING[2]}.yaml").endswith(b"# their change\n")
    before.pop(f"incidents/2020/{LINKING[2]}.yaml")
    assert after == before


def test_rename_is_listed_in_help(run) -> None:  # type: ignore[no-untyped-def]
    result = run("rename", "--help")
    assert result.exit_code == 0
    assert "OLD  The record's id now." in result.stdout and "duplicate_of" in result.stdout
