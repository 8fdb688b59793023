"""An open ledger as the layers below the library see it: where it is, and its schema."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ledger.core.schema import Schema
from ledger.store.files import Layout


@dataclass
class Session:
    layout: Layout

    @cached_property
    def schema(self) -> Schema:
        path = self.layout.schema_path
        # Compiled on first use, not here: a warm run answered from the memo
        # never needs the validator (answers are keyed by the schema's digest,
        # so a changed schema always reaches a compile, and a broken one exit 3).
        return Schema.from_file(path, self.layout.rel(path))

    @property
    def root(self) -> Path:
        return self.layout.root

    def schema_ref(self, record_path: Path) -> str:
        """Modeline target: the schema relative to the record's folder."""
        return Path(os.path.relpath(self.layout.schema_path, record_path.parent)).as_posix()
