"""What `ledger rename` changed: text for people, json for scripts."""

from __future__ import annotations

import json
from typing import Any

from ledger.editing.rename import Renamed
from ledger.render import Output, register


@register("renamed", "text")
def renamed_text(result: Renamed, out: Output, **_: Any) -> None:
    out.write(f"renamed {result.old} to {result.new}: {result.old_path} -> {result.new_path}\n")
    for rid, path in result.linked:
        out.write(f"rewrote links in {rid} ({path})\n")


@register("renamed", "json")
def renamed_json(result: Renamed, out: Output, **_: Any) -> None:
    doc = {"version": 1, "old": result.old, "new": result.new, "old_path": result.old_path,
           "path": result.new_path, "linked": [{"id": rid, "path": path} for rid, path in result.linked]}
    out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
