"""Actor profiles (SPEC 9, ``actors/<id>.yaml``) as the report reads them:
every regular YAML file directly in the ledger's ``actors/`` folder, parsed
as records are (never following a link, never past the size limit).  A
ledger without the folder has no profiles; a file that cannot be read or
parsed is skipped and named in the warnings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ledger.core import yamlio
from ledger.store import files

FOLDER = "actors"


def read(root: Path, limit: int) -> tuple[list[dict[str, Any]], list[str]]:
    """(profiles in file-name order, files skipped)."""
    folder = root / FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return [], []
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith((".yaml", ".yml")))
    except OSError:
        return [], [FOLDER]
    found, skipped = [], []
    for name in names:
        rel = f"{FOLDER}/{name}"
        try:
            raw = files.read_beneath(root, rel, limit)
        except OSError:
            skipped.append(rel)
            continue
        text, _ = yamlio.decode(raw) if len(raw) <= limit else (None, None)
        data = yamlio.parse(text)[0] if text is not None else None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            found.append(data)
        else:
            skipped.append(rel)
    return found, skipped
