"""The only module that runs git.

Every call is a plain ``git`` subprocess with ``-C <repository top>``; a
missing git, a folder outside any repository or an unknown revision becomes
a :class:`LedgerError` (exit 3) carrying git's own reason.  Contents of many
files are read through one ``git cat-file --batch`` process, never one
process per file.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.core.problems import LedgerError

# Commit metadata fields in `git log` output, in this order.
_LOG_FIELDS = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%B"
_COMMIT_MARK = "\x1e"


@dataclass(frozen=True)
class Repo:
    top: Path  # the repository's top folder
    prefix: str  # the ledger root relative to top, POSIX, "" or ending in "/"


@dataclass(frozen=True)
class Blob:
    sha: str
    size: int


@dataclass
class LogEntry:
    """One commit of `git log --follow` for one file."""

    commit: str
    parents: list[str]
    author: str
    email: str
    date: str  # ISO 8601, the author date
    message: str
    status: str = ""  # A, M, D, R (renamed); "" for a merge git shows without a diff
    path: str = ""  # the file's path in this commit, relative to the repository top
    old_path: str = ""  # its path in the parent, when renamed


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Read-only commands must not take the index lock (a concurrent `git commit`
    # would fail), and git must not stop to ask for anything.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def run(args: Sequence[str], cwd: Path, *, input: bytes | None = None,
        ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess[bytes]:
    """Run git; any exit status outside ok is a LedgerError with git's reason."""
    try:
        proc = subprocess.run(["git", "-c", "core.quotepath=false", *args], cwd=cwd, input=input,
                              capture_output=True, env=_env(), check=False)
    except FileNotFoundError:
        raise LedgerError("git is not installed",
                          hint="install git; `ledger diff` and `ledger log` read history through it"
                          ) from None
    except OSError as exc:
        raise LedgerError(f"cannot run git: {exc.strerror}") from None
    if proc.returncode not in ok:
        raise LedgerError(f"git {args[0]}: {reason(proc.stderr)}")
    return proc


def reason(stderr: bytes) -> str:
    """git's message without its "fatal: " / "error: " banner."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return "failed"
    first = lines[0]
    for banner in ("fatal: ", "error: "):
        first = first.removeprefix(banner)
    return first


def find_repo(folder: Path) -> Repo:
    """The repository holding folder, and folder's place in it."""
    proc = run(["rev-parse", "--is-inside-work-tree"], folder, ok=(0, 128))
    if proc.returncode != 0 or proc.stdout.strip() != b"true":
        why = reason(proc.stderr) if proc.returncode != 0 else "it is not in a working tree"
        raise LedgerError(f"{folder} is not in a git repository ({why})",
                          hint="run `git init` there, or point --ledger at a ledger inside a repository")
    out = run(["rev-parse", "--show-toplevel", "--show-prefix"], folder).stdout.decode("utf-8")
    top, _, prefix = out.partition("\n")
    return Repo(Path(top.strip()), prefix.strip("\n"))


def resolve(repo: Repo, rev: str) -> str:
    """The full commit id a revision names."""
    if not rev or rev.startswith("-"):
        raise LedgerError(f"unknown revision {rev!r}")
    proc = run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
               repo.top, ok=(0, 1, 128))
    if proc.returncode != 0:
        detail = reason(proc.stderr) if proc.stderr.strip() else "not a commit in this repository"
        raise LedgerError(f"unknown revision {rev!r}: {detail}",
                          hint="`git log --oneline` lists the commits")
    return proc.stdout.decode("ascii").strip()


def is_unborn(repo: Repo) -> bool:
    """True in a repository with no commit yet (HEAD names a branch to be)."""
    head = run(["rev-parse", "--verify", "--quiet", "HEAD"], repo.top, ok=(0, 1, 128))
    return head.returncode != 0 and run(["symbolic-ref", "-q", "HEAD"], repo.top,
                                        ok=(0, 1)).returncode == 0


def merge_base(repo: Repo, a: str, b: str) -> str:
    """The commit where revisions a and b forked."""
    proc = run(["merge-base", "--end-of-options", a, b], repo.top, ok=(0, 1))
    if proc.returncode != 0:
        raise LedgerError(f"{a} and {b} have no common ancestor")
    return proc.stdout.decode("ascii").strip()


def list_tree(repo: Repo, commit: str, path: str) -> dict[str, Blob]:
    """Regular files under path (relative to top) in commit: path -> blob."""
    out = run(["ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", path or "."],
              repo.top).stdout
    files: dict[str, Blob] = {}
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        # Symlinks and submodules are never records.
        if kind == b"blob" and mode in (b"100644", b"100755"):
            files[name.decode("utf-8", "surrogateescape")] = Blob(sha.decode("ascii"), int(size))
    return files


def read_objects(repo: Repo, names: Sequence[str]) -> dict[str, bytes | None]:
    """Contents of many objects ("<sha>" or "<commit>:<path>") in one process;
    None for a name that does not exist."""
    if not names:
        return {}
    for name in names:
        if "\n" in name:
            raise LedgerError(f"cannot read {name!r} from git: the name holds a line break")
    request = "".join(n + "\n" for n in names).encode("utf-8", "surrogateescape")
    out = run(["cat-file", "--batch"], repo.top, input=request).stdout
    result: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            result[name] = out[pos:pos + size] if header[1] == b"blob" else None
            pos += size + 1  # the content, then a newline
        else:  # "<name> missing" / "ambiguous"
            result[name] = None
    return result


def changed_in_worktree(repo: Repo, commit: str, path: str) -> set[str]:
    """Tracked files under path whose working-tree content (staged or not)
    differs from commit."""
    out = run(["diff", "--name-only", "--no-renames", "-z", commit, "--", path or "."],
              repo.top).stdout
    return {n.decode("utf-8", "surrogateescape") for n in out.split(b"\0") if n}


def log_follow(repo: Repo, path: str) -> list[LogEntry]:
    """The commits that touched path, newest first, following renames."""
    args = ["log", "--follow", "-z", "--no-color", f"--format={_COMMIT_MARK}{_LOG_FIELDS}",
            "--name-status"]
    # A merge that changed the file against its first parent (a conflict
    # resolved, a branch landing) is shown with that diff; --follow alone never
    # shows merges.  Git before 2.31 lacks the option and shows no merges.
    proc = run([*args, "--diff-merges=first-parent", "--", path], repo.top, ok=(0, 128, 129))
    if proc.returncode != 0:
        if b"diff-merges" not in proc.stderr:
            raise LedgerError(f"git log: {reason(proc.stderr)}")
        proc = run([*args, "--", path], repo.top)
    out = proc.stdout.decode("utf-8", "surrogateescape")
    entries: list[LogEntry] = []
    status: dict[int, list[str]] = {}  # entry index -> [status, path, (path)]
    tokens = out.split("\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].strip("\n")
        # A commit message never holds a NUL, so the five fields after the
        # marked commit id are always whole tokens.
        if token.startswith(_COMMIT_MARK) and i + 5 < len(tokens):
            commit, parents, author, email, date, message = (token[1:], *tokens[i + 1:i + 6])
            entries.append(LogEntry(commit, parents.split(), author, email, date, message.strip()))
            i += 6
            continue
        if token and entries:
            status.setdefault(len(entries) - 1, []).append(token)
        i += 1
    for n, (code, *paths) in status.items():
        e = entries[n]
        e.status = code[:1]
        if e.status in ("R", "C") and len(paths) >= 2:
            e.old_path, e.path = paths[0], paths[1]
        elif paths:
            e.path = paths[0]
    return entries


def deleted_paths(repo: Repo, pathspecs: Sequence[str]) -> list[str]:
    """Paths matching the pathspecs that some commit deleted, newest first."""
    out = run(["log", "--diff-filter=D", "--name-only", "--format=", "-z", "--", *pathspecs],
              repo.top).stdout
    seen: list[str] = []
    for n in out.split(b"\0"):
        name = n.decode("utf-8", "surrogateescape").strip("\n")
        if name and name not in seen:
            seen.append(name)
    return seen


def inside_work_tree(folder: Path) -> bool:
    """True when folder is inside a git working tree; False outside one and
    when git is not installed."""
    try:
        proc = run(["rev-parse", "--is-inside-work-tree"], folder, ok=(0, 128))
    except LedgerError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def private_folder(folder: Path) -> tuple[Path, str] | None:
    """The repository's own folder (.git, or a worktree's), which no commit
    carries, and folder's path inside the working tree ("" at its top);
    None outside a working tree or without git."""
    try:
        proc = run(["rev-parse", "--is-inside-work-tree", "--absolute-git-dir", "--show-prefix"], folder,
                   ok=(0, 128))
    except LedgerError:
        return None
    lines = proc.stdout.decode("utf-8", "replace").split("\n")
    if proc.returncode != 0 or len(lines) < 3 or lines[0] != "true" or not lines[1]:
        return None
    return Path(lines[1]), lines[2].rstrip("/")


def init_repository(folder: Path) -> None:
    run(["init", "--quiet"], folder)


def author_name(folder: Path) -> str | None:
    """The name git would record as the author here ($GIT_AUTHOR_NAME, else
    user.name), or None when git is missing or has no identity."""
    try:
        proc = run(["var", "GIT_AUTHOR_IDENT"], folder, ok=(0, 128))
    except LedgerError:
        return None
    name = proc.stdout.decode("utf-8", "replace").rsplit("<", 1)[0].strip()
    return name if proc.returncode == 0 and name else None
