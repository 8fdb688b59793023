"""Peak memory of `ledger` commands on a small and a ten-times-larger ledger.

    python bench/memory.py [--small 5000] [--large 50000] [--runs 3]

Generates both ledgers (bench/generate.py) under bench/out/ unless they are
there, then runs each command as a separate process and prints its largest
peak RSS (the process and its workers, as the kernel counts them) at each
size and the ratio large / small.  Flat memory is a ratio near 1: what a
command holds should not grow with the number of records.  Needs the package
installed (`pip install .`).  Nothing here asserts: read the numbers.

A process started from a large one is charged the large one's memory as its
peak until it execs, so this script stays small: it generates the ledgers in
a child process and holds no list of their files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import cache_dirs, ledger_at, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()

    exe = shutil.which("ledger") or str(Path(sys.executable).with_name("ledger"))
    no_cache = {**os.environ, "LEDGER_NO_CACHE": "1"}
    commands: list[tuple[str, list[str], bool, dict[str, str] | None]] = [
        # (name, arguments, drop the cache before each run, environment)
        ("validate (cold: no cache)", ["validate"], True, None),
        ("validate (warm)", ["validate"], False, None),
        ("validate (cache off)", ["validate"], False, no_cache),
        ("list --format ids (warm)", ["list", "--format", "ids"], False, None),
        ("list --format jsonl (warm)", ["list", "--format", "jsonl"], False, None),
        ("list --format csv (warm)", ["list", "--format", "csv"], False, None),
        ("export --format jsonl (warm)", ["export", "--format", "jsonl"], False, None),
        ("export --format csv (warm)", ["export", "--format", "csv"], False, None),
    ]
    roots = [ledger_at(args.out, n) for n in (args.small, args.large)]
    print(f"# peak RSS in MiB, largest of {args.runs} runs")
    print(f"{'command':<32} {args.small:>10,} {args.large:>10,}   ratio")
    for name, argv, cold, env in commands:
        peaks = []
        for root in roots:
            before = f"rm -rf {cache_dirs(root)}" if cold else None
            if not cold:
                timed([exe, "validate"], cwd=root, runs=1)  # the cache is there and current
            peaks.append(timed([exe, *argv], cwd=root, runs=args.runs, before=before, env=env)[3])
        print(f"{name:<32} {peaks[0]:10.1f} {peaks[1]:10.1f}   {peaks[1] / peaks[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
