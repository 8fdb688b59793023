"""Time whole `ledger` commands on a large synthetic ledger.

    python bench/run.py [--records 10000] [--runs 5] [--no-peer]

Generates the ledger (bench/generate.py) under bench/out/, then times each
command as a separate process (median of --runs, with min and max) and
prints the ratios that the speed targets are stated in.  Needs the package
installed (`pip install -e .`); check-jsonschema is timed when installed
(`pip install check-jsonschema`).  Nothing here asserts: read the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

TYPER = "python -c 'import typer'"


def record_files(root: Path) -> list[str]:
    """Every record file under root/incidents, relative to root, sorted."""
    base = root / "incidents"
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(base) for name in names if name.endswith(".yaml"))


def ledger_at(out: Path, records: int, *, git: bool = True) -> Path:
    """The synthetic ledger of that many records, generated unless it is there,
    and (with git) committed to a repository of its own, as a team keeps it.

    Generated in a child process: a process started from a large one is
    charged the large one's memory as its peak, which would hide what the
    commands measured here use."""
    root = out / f"ledger-{records}{'' if git else '-nogit'}"
    if not (root / "incidents").is_dir() or len(record_files(root)) != records:
        print(f"generating {records} records in {root} ...", file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(root), "--records", str(records)],
                       check=True)
        if git:
            quiet = {"stdout": subprocess.DEVNULL, "check": True}
            subprocess.run(["git", "init", "-q", str(root)], **quiet)  # type: ignore[call-overload]
            subprocess.run(["git", "-C", str(root), "add", "-A"], **quiet)  # type: ignore[call-overload]
            subprocess.run(["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.org",
                            "commit", "-qm", "generated"], **quiet)  # type: ignore[call-overload]
    return root


def cache_dirs(root: Path) -> str:
    """Where ledger keeps its memo for root: inside .git, or the user's cache
    folder (named by a digest of the root, as ledger.store.private names it)."""
    import hashlib

    digest = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "incident-ledger"
    return f"'{root / '.git' / 'ledger'}' '{base / digest}'"


def timed(cmd: list[str] | str, *, cwd: Path, runs: int, before: str | None = None,
          env: dict[str, str] | None = None) -> tuple[float, float, float, float]:
    """(median, min, max) wall seconds and the largest peak RSS in MiB."""
    walls: list[float] = []
    peak = 0.0
    for _ in range(runs):
        if before:
            subprocess.run(before, shell=True, cwd=cwd, check=True)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, shell=isinstance(cmd, str), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss / 1024)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd!r} exited {proc.returncode}")
    return statistics.median(walls), min(walls), max(walls), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true", help="skip check-jsonschema")
    parser.add_argument("--no-git", action="store_true",
                        help="a ledger outside git: changes found by stat, not git's index")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()

    ledger_exe = shutil.which("ledger") or str(Path(sys.executable).with_name("ledger"))
    # An installed package has its bytecode; an editable one run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every run.
    import compileall

    compileall.compile_dir(str(HERE.parent / "src"), quiet=1)
    root = ledger_at(args.out, args.records, git=not args.no_git)
    files = record_files(root)
    drop_cache = f"rm -rf {cache_dirs(root)}"
    one = root / files[len(files) // 2]
    original = one.read_text(encoding="utf-8")
    py = sys.executable
    results: dict[str, tuple[float, float, float, float]] = {}

    def run(name: str, cmd: list[str] | str, **kw: object) -> None:
        results[name] = timed(cmd, cwd=root, runs=args.runs, **kw)  # type: ignore[arg-type]
        med, lo, hi, peak = results[name]
        print(f"{name:<44} {med:8.3f} s  (min {lo:.3f}, max {hi:.3f})  peak {peak:6.1f} MiB",
              flush=True)

    print(f"# {args.records} records{' (no git)' if args.no_git else ''}, {platform.machine()}, "
          f"{os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}")
    run(TYPER, [py, "-c", "import typer"])
    run("ledger --version", [ledger_exe, "--version"])
    run("ledger --help", [ledger_exe, "--help"])
    run("cat every record", "find incidents -name '*.yaml' -print0 | xargs -0 cat > /dev/null")
    run("validate (cold: no cache)", [ledger_exe, "validate"], before=drop_cache)
    run("validate (warm)", [ledger_exe, "validate"])
    touch = (f"{py} -c \"import pathlib,time; p=pathlib.Path('{one}'); "
             f"p.write_text(p.read_text() + '# edited ' + str(time.time()) + '\\n')\"")
    try:
        run("validate (one file changed)", [ledger_exe, "validate"], before=touch)
    finally:
        one.write_text(original, encoding="utf-8")
    run("validate (warm)", [ledger_exe, "validate"])
    run("list --country KZ --act arrest --format ids (warm)",
        [ledger_exe, "list", "--country", "KZ", "--act", "arrest", "--format", "ids"])
    run("summary --by year (warm)", [ledger_exe, "summary", "--by", "year"])
    peer = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    if not args.no_peer and Path(peer).exists():
        run("check-jsonschema (the peer)",
            [peer, "--schemafile", "schema/incident.schema.json", *files])

    def ratio(a: str, b: str) -> str:
        return f"{results[a][0] / results[b][0]:.2f}" if a in results and b in results else "n/a"

    print("\n# ratios (medians)")
    peer_ratio = ratio("check-jsonschema (the peer)", "validate (cold: no cache)")
    print(f"check-jsonschema / cold validate:  {peer_ratio}   (target >= 5 at 5,000 records)")
    for name in ("validate (warm)", "list --country KZ --act arrest --format ids (warm)",
                 "summary --by year (warm)"):
        print(f"{name} / cat:  {ratio(name, 'cat every record')}   (target <= 0.5 at 50,000 records)")
    changed = ratio("validate (one file changed)", "validate (warm)")
    print(f"one file changed / warm validate:  {changed}   (target <= 1.5)")
    print(f"--version / import typer:  {ratio('ledger --version', TYPER)}   (target <= 1.3)")
    print(f"--help / import typer:  {ratio('ledger --help', TYPER)}   (target <= 1.5)")


if __name__ == "__main__":
    main()
