"""The core's trust boundary: one walker, one write path, a memo that cannot lie.

Each case is what an outside review found: links and special files among
the records, a cache committed or edited by someone else, writers racing,
file system faults.  Every command must answer the same, with or without
the memo, and never read, write or hang outside the ledger.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import REPO, invoke
from gitrepo import git, isolate, make_ledger_repo

SHURAEV = "incidents/2020/2020-04-18-shuraev-arrested-y3np.yaml"
SHURAEV_ID = "2020-04-18-shuraev-arrested-y3np"
OUTSIDE_TEXT = "title: secret from outside the ledger\nSECRET-LINE-1\n"


def ledger(*args: str, root: Path, env: dict[str, str] | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).with_name("ledger")
    return subprocess.run([str(exe), "--ledger", str(root), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside.yaml"
    path.write_text(OUTSIDE_TEXT, encoding="utf-8")
    return path


# -- the walker ---------------------------------------------------------------------

def test_a_link_out_of_the_ledger_is_never_read(ledger_dir: Path, outside: Path) -> None:
    link = ledger_dir / "incidents/2020/x.yaml"
    link.symlink_to(outside)
    for fmt in ("text", "github", "json", "sarif"):
        result = invoke(["--ledger", str(ledger_dir), "validate", "--format", fmt])
        assert result.exit_code == 1, result.stderr
        assert "SECRET" not in result.stdout + result.stderr and "file-not-regular" in result.stdout
    listed = invoke(["--ledger", str(ledger_dir), "list", "--format", "json"])
    assert listed.exit_code == 0
    assert "secret from outside" not in listed.stdout and len(json.loads(listed.stdout)) == 4
    fmt = invoke(["--ledger", str(ledger_dir), "fmt"])
    assert fmt.exit_code == 1 and "incidents/2020/x.yaml:1:1: error: is a symbolic link" in fmt.stderr
    assert link.is_symlink() and outside.read_text(encoding="utf-8") == OUTSIDE_TEXT


@pytest.mark.parametrize("target", ["dangling", "inside"])
def test_validate_and_fmt_check_agree_on_links(ledger_dir: Path, target: str) -> None:
    """The two pre-commit hooks walk the same way: both fail on a link."""
    link = ledger_dir / "incidents/2020/odd.yaml"
    link.symlink_to(ledger_dir / ("nowhere.yaml" if target == "dangling" else SHURAEV))
    checked = invoke(["--ledger", str(ledger_dir), "validate", "--format", "json"])
    formatted = invoke(["--ledger", str(ledger_dir), "fmt", "--check"])
    assert checked.exit_code == formatted.exit_code == 1
    report = json.loads(checked.stdout)
    assert report["files"] == 9  # 4 incidents, 4 actor profiles and the link
    assert [(p["path"], p["code"]) for p in report["problems"]] == [("incidents/2020/odd.yaml",
                                                                     "file-not-regular")]
    assert "incidents/2020/odd.yaml:1:1: error: is a symbolic link" in formatted.stderr


def test_a_fifo_named_like_a_record_never_hangs(ledger_dir: Path) -> None:
    fifo = ledger_dir / "incidents/2020/pipe.yaml"
    os.mkfifo(fifo)
    for args in (["validate"], ["list", "--format", "ids"], ["fmt", "--check"], ["summary"]):
        result = ledger(*args, root=ledger_dir, timeout=60)  # a hang fails here, with TimeoutExpired
        assert result.returncode in (0, 1), (args, result.stderr)
    checked = ledger("validate", root=ledger_dir)
    assert checked.returncode == 1
    assert "incidents/2020/pipe.yaml:1:1: error: is a FIFO, not a regular file" in checked.stdout


def test_a_record_path_through_a_linked_folder_is_not_followed(ledger_dir: Path, tmp_path: Path,
                                                               outside: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(outside, elsewhere / "y.yaml")
    (ledger_dir / "incidents/linked").symlink_to(elsewhere, target_is_directory=True)
    result = invoke(["--ledger", str(ledger_dir), "validate", str(ledger_dir / "incidents/linked/y.yaml")])
    assert result.exit_code == 1
    assert "SECRET" not in result.stdout and "file-not-regular" in result.stdout
    assert invoke(["--ledger", str(ledger_dir), "validate"]).exit_code == 0  # a linked folder is not walked


def test_evidence_add_never_writes_outside(ledger_dir: Path, tmp_path: Path) -> None:
    away = tmp_path / "away"
    away.mkdir()
    (ledger_dir / "evidence").symlink_to(away, target_is_directory=True)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 evidence")
    before = (ledger_dir / SHURAEV).read_bytes()
    result = invoke(["--ledger", str(ledger_dir), "evidence", "add", SHURAEV_ID, str(scan)])
    assert result.exit_code == 3, result.stderr
    assert "cannot write evidence" in result.stderr and "symbolic link" in result.stderr
    assert list(away.iterdir()) == [] and (ledger_dir / SHURAEV).read_bytes() == before


def test_init_never_writes_through_a_linked_folder(tmp_path: Path) -> None:
    away = tmp_path / "away"
    away.mkdir()
    new = tmp_path / "new"
    new.mkdir()
    (new / ".github").symlink_to(away, target_is_directory=True)
    result = invoke(["init", str(new)])
    assert result.exit_code == 3, result.stderr
    assert ".github/workflows/ledger.yml" in result.stderr and list(away.iterdir()) == []


# -- the memo ---------------------------------------------------------------------------

def _break_shuraev(root: Path) -> None:
    path = root / SHURAEV
    path.write_text(path.read_text(encoding="utf-8").replace("status: likely", "status: rumoured"),
                    encoding="utf-8")


def test_a_committed_cache_changes_no_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache that comes with the files (committed, or in a zip) is never read:
    the memo lives in the repository's own .git folder."""
    isolate(monkeypatch)
    repo = make_ledger_repo(tmp_path / "repo")
    _break_shuraev(repo)
    planted = repo / ".ledger-cache"
    planted.mkdir()
    (planted / "records-v3.sqlite").write_bytes(b"SQLite format 3\0" + b"\xff" * 4096)
    (planted / "records-v3.sqlite-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\0" * 64)
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-qm", "a broken record, and a cache that says it is fine")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    result = ledger("validate", root=clone)
    assert result.returncode == 1 and "[schema-enum]" in result.stdout
    assert ledger("validate", root=clone, env={"LEDGER_NO_CACHE": "1"}).stdout == result.stdout
    assert (clone / ".ledger-cache/records-v3.sqlite").read_bytes().endswith(b"\xff" * 4096)  # untouched
    assert git(clone, "status", "--porcelain") == ""  # the memo is nowhere git sees


def _memo(root: Path) -> Path:
    [found] = (root / ".git" / "ledger").glob("*/memo-*.sqlite")
    return found


def test_an_edited_memo_is_not_believed(repo: Path) -> None:
    """Rows edited to call an invalid record valid (or a confidential one
    public) carry no valid signature: the memo is rebuilt from the files."""
    _break_shuraev(repo)
    first = ledger("validate", root=repo)
    assert first.returncode == 1
    memo = _memo(repo)
    with sqlite3.connect(memo) as db:
        import marshal

        (value,) = db.execute("SELECT value FROM answers WHERE name = 'check'").fetchone()
        answer = marshal.loads(value)
        answer["problems"] = []
        db.execute("UPDATE answers SET value = ? WHERE name = 'check'", (marshal.dumps(answer),))
        db.execute("UPDATE results SET data = NULL, problems = ?", (marshal.dumps([]),))
    again = ledger("validate", root=repo)
    assert again.returncode == 1 and again.stdout == first.stdout
    public = ledger("export", "--public", "--format", "jsonl", root=repo)  # still refused: it is invalid
    assert public.returncode == 1 and "1 record file is invalid" in public.stderr


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong-shape"])
def test_a_broken_memo_is_rebuilt_silently(repo: Path, damage: str) -> None:
    _break_shuraev(repo)
    first = ledger("validate", root=repo)
    memo = _memo(repo)
    if damage == "garbage":
        memo.write_bytes(os.urandom(8192))
    elif damage == "truncated":
        memo.write_bytes(memo.read_bytes()[:1000])
    else:
        with sqlite3.connect(memo) as db:
            db.execute("DROP TABLE results")
            db.execute("CREATE TABLE results (x)")
    for args in (["validate"], ["list", "--format", "ids"], ["summary", "--format", "json"]):
        result = ledger(*args, root=repo)
        assert result.returncode in (0, 1) and "internal error" not in result.stderr, (args, result.stderr)
    assert ledger("validate", root=repo).stdout == first.stdout


def test_a_memo_signed_elsewhere_is_foreign(repo: Path, tmp_path: Path) -> None:
    """Another user's (or another CI runner's) memo, restored into this one's place."""
    _break_shuraev(repo)
    other = {"XDG_STATE_HOME": str(tmp_path / "other-user")}
    assert ledger("validate", root=repo, env=other).returncode == 1
    assert ledger("validate", root=repo).returncode == 1  # signed by another key: rebuilt, same answer


def test_cache_dir_inside_the_work_tree_is_refused(repo: Path) -> None:
    result = ledger("validate", root=repo, env={"LEDGER_CACHE_DIR": str(repo / "incidents")})
    assert result.returncode == 0
    assert "LEDGER_CACHE_DIR" in result.stderr and "is not used" in result.stderr
    assert git(repo, "status", "--porcelain") == ""


def test_every_answer_is_the_same_with_and_without_the_memo(repo: Path) -> None:
    """A changing ledger, asked the same questions with the memo and without."""
    commands = [["validate", "--format", "json"], ["list", "--format", "json"],
                ["list", "--country", "KZ", "--act", "arrest", "--format", "ids"],
                ["list", "--since", "2020-04-18", "--until", "2020-04-18", "--format", "ids"],
                ["summary", "--by", "month", "--format", "json"],
                ["summary", "--by", "country", "--by", "act", "--format", "json"],
                ["show", "2020-04-18-sh"], ["actors", "--format", "json"],
                ["export", "--format", "jsonl"], ["export", "--public", "--format", "json"]]

    def answers(env: dict[str, str]) -> list[tuple[int, str]]:
        out = []
        for args in commands:
            r = ledger(*args, root=repo, env=env)
            out.append((r.returncode, r.stdout))
        return out

    steps = [lambda: None,
             lambda: _break_shuraev(repo),
             lambda: (repo / "incidents/2021").mkdir(),
             lambda: shutil.copy(repo / SHURAEV, repo / "incidents/2021/copy.yaml"),
             lambda: (repo / "incidents/2021/copy.yaml").unlink(),
             lambda: git(repo, "checkout", "-q", "--", "incidents")]
    for step in steps:
        step()
        assert answers({}) == answers({"LEDGER_NO_CACHE": "1"})


# -- the write path -----------------------------------------------------------------------

def test_parallel_evidence_adds_all_land(ledger_dir: Path, tmp_path: Path) -> None:
    files = []
    for i in range(8):
        f = tmp_path / f"scan{i}.txt"
        f.write_text(f"evidence {i}\n", encoding="utf-8")
        files.append(f)
    procs = [subprocess.Popen([str(Path(sys.executable).with_name("ledger")), "--ledger", str(ledger_dir),
                               "evidence", "add", SHURAEV_ID, str(f)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), results
    listed = invoke(["--ledger", str(ledger_dir), "show", SHURAEV_ID, "--format", "json"])
    record = json.loads(listed.stdout)
    assert sorted(s["file"] for s in record["sources"] if "file" in s) == sorted(
        f"evidence/{SHURAEV_ID}/scan{i}.txt" for i in range(8))


def test_a_slow_fmt_never_reverts_a_finished_edit(ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fmt read the record, then another writer changed it: fmt's rename would
    undo that change, so fmt stops and the other change stays."""
    from ledger.store import files

    path = ledger_dir / SHURAEV
    path.write_text(path.read_text(encoding="utf-8").replace("status: likely", "status:   likely"),
                    encoding="utf-8")
    real = files.read_record
    done = threading.Event()

    def read_then_someone_edits(layout, rel):  # type: ignore[no-untyped-def]
        found = real(layout, rel)
        if rel == SHURAEV and not done.is_set():
            done.set()
            text = path.read_text(encoding="utf-8").replace("status:   likely", "status: confirmed")
            path.write_text(text, encoding="utf-8")
        return found

    monkeypatch.setattr(files, "read_record", read_then_someone_edits)
    result = invoke(["--ledger", str(ledger_dir), "fmt"])
    assert result.exit_code == 3
    assert f"{SHURAEV} changed on disk while ledger was working on it" in result.stderr
    assert "status: confirmed" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("err", "says"), [(errno.ENOSPC, "No space left on device"),
                                           (errno.EROFS, "Read-only file system"),
                                           (errno.EACCES, "Permission denied")])
def test_file_system_faults_are_one_line_exit_3(ledger_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                err: int, says: str) -> None:
    from ledger.store import write

    path = ledger_dir / SHURAEV
    path.write_text(path.read_text(encoding="utf-8").replace("status: likely", "status:   likely"),
                    encoding="utf-8")
    before = path.read_bytes()
    real_open = os.open

    def failing_open(name, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(name, str) and name.endswith(".tmp") and flags & os.O_CREAT:
            raise OSError(err, os.strerror(err), name)
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(write.os, "open", failing_open)
    for args in (["fmt"], ["set", SHURAEV_ID, "status=confirmed"]):
        result = invoke(["--ledger", str(ledger_dir), *args])
        assert result.exit_code == 3, (args, result.stderr)
        assert f"ledger: error: cannot write {SHURAEV}: {says}" in result.stderr
        assert "internal error" not in result.stderr
        assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_record_id_with_dot_dot_cannot_steer_evidence(ledger_dir: Path, tmp_path: Path) -> None:
    path = ledger_dir / SHURAEV
    path.write_text(path.read_text(encoding="utf-8").replace(f"id: {SHURAEV_ID}", "id: x/../../../escape"),
                    encoding="utf-8")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF")
    result = invoke(["--ledger", str(ledger_dir), "evidence", "add", "2020-04-18-shuraev", str(scan)])
    assert result.exit_code in (1, 2), result.stderr
    assert not (tmp_path / "escape").exists() and not (ledger_dir.parent / "escape").exists()


# -- the library --------------------------------------------------------------------------

def test_the_library_from_a_script(ledger_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "use.py"
    script.write_text(f"""
import json, ledger
book = ledger.Ledger.open({str(ledger_dir)!r})
ids = [r["id"] for _, r in book.records()]
problems = book.check()
path, shuraev = book.find("2020-04-18-shu")
public = [r["id"] for _, r in book.public()]
try:
    book.find("no-such")
except ledger.LedgerError as exc:
    missing = exc.message
print(json.dumps({{"ids": ids, "problems": problems, "found": path, "public": public, "missing": missing,
                  "problem_class": ledger.Problem.__name__}}))
""", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          check=False, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out["ids"]) == 4 and out["problems"] == [] and out["found"] == SHURAEV
    assert out["public"] == out["ids"] and out["missing"] == "no incident with id 'no-such'"
    assert out["problem_class"] == "Problem"
