"""Time `ledger report` on a large synthetic ledger.

    python bench/report.py [--records 10000] [--runs 3]

The target: a report of 10,000 records in under a minute, so a ledger's CI
can rebuild its site on every commit.  Generates the ledger with
bench/generate.py (under bench/out/, reused), then times whole processes:
the first report (cold: the memo is built too), a rebuild over it, and the
public report (which parses every file again, as a release must).  Exits 1
when a report takes longer than --limit seconds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HERE, ledger_at, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds a report may take")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()

    ledger_exe = shutil.which("ledger") or str(Path(sys.executable).with_name("ledger"))
    root = ledger_at(args.out, args.records)
    site = args.out / f"site-{args.records}"
    # The generated ledger is not in git: its memo is in the user's cache folder.
    cache = args.out / "report-cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    memo = f"rm -rf {shlex.quote(str(cache))}"
    base = [ledger_exe, "--ledger", str(root), "report", "--output", str(site), "--force"]
    cases = [
        ("report, cold (no memo)", base, memo),
        ("report, warm (rebuild)", base, None),
        ("report --public", [*base, "--public", "--allow-invalid"], None),
    ]
    print(f"{args.records} records, median of {args.runs} runs")
    slowest = 0.0
    for name, cmd, before in cases:
        median, low, high, peak = timed(cmd, cwd=root, runs=args.runs, before=before, env=env)
        slowest = max(slowest, high)
        print(f"{name:28} {median:7.2f} s  (min {low:.2f}, max {high:.2f})  peak {peak:.0f} MiB")
    pages = sum(1 for _ in site.rglob("*.html"))
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1048576
    print(f"site: {pages} pages, {size:.1f} MiB")
    if slowest > args.limit:
        raise SystemExit(f"slowest report took {slowest:.1f} s, over the {args.limit:.0f} s limit")


if __name__ == "__main__":
    main()
