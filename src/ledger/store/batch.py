"""Several files changed as one step (``ledger rename``): all of them, or none.

The changes are described here and made by the one write path
(``ledger.store.write.together``), under the ledger's write lock, never
through a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.store import write


@dataclass(frozen=True)
class Write:
    """path gets text; it must hold expected now (None: it must not exist).
    A new file gets mode (a moved file keeps its old one), else the umask's."""

    path: Path
    text: str
    expected: bytes | None
    mode: int | None = None


@dataclass(frozen=True)
class Remove:
    """path is removed; it must hold expected now."""

    path: Path
    expected: bytes


def apply(root: Path, writes: list[Write], removes: list[Remove], *, label: dict[Path, str]) -> None:
    """Make every change or none; label names each path relative to root."""
    write.together(root, [(label[w.path], w.text.encode("utf-8"), w.expected, w.mode) for w in writes],
                   [(label[r.path], r.expected) for r in removes])
