"""The console script's entry point.

`ledger --version` is answered before the CLI (typer and every command's
options) is imported: scripts call it often, and it should cost no more
than starting Python.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from ledger.version import __version__

        sys.stdout.write(f"ledger {__version__}\n")
        return
    from ledger.cli.app import main as cli_main

    cli_main()
