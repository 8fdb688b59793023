"""An open ledger as the layers below the library see it: where it is, and its schema."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ledger.core.schema import Schema
from ledger.store.files import ACTORS, Layout


def load_schema(path: Path, rel: str) -> Schema:
    """The JSON Schema at path (rel: how messages name it), read as a regular file."""
    from ledger.store.files import read_json

    return Schema(read_json(path, "schema", shown=rel), rel)


@dataclass
class Session:
    layout: Layout

    @cached_property
    def schema(self) -> Schema:
        path = self.layout.schema_path
        # Compiled on first use, not here: a warm run answered from the memo
        # never needs the validator (answers are keyed by the schema's digest,
        # so a changed schema always reaches a compile, and a broken one exit 3).
        return load_schema(path, self.layout.rel(path))

    @cached_property
    def actor_schema(self) -> Schema:
        """The schema of actor profiles (schema/actor.schema.json)."""
        path = self.layout.actor_schema_path
        return load_schema(path, self.layout.rel(path))

    def schema_for(self, rel: str) -> tuple[Schema, str]:
        """The schema of the record file at rel, and the modeline target for it."""
        if rel.startswith(ACTORS + "/"):
            path = self.layout.actor_schema_path
            return self.actor_schema, Path(os.path.relpath(path, (self.root / rel).parent)).as_posix()
        return self.schema, self.schema_ref(self.root / rel)

    @property
    def root(self) -> Path:
        return self.layout.root

    def schema_ref(self, record_path: Path) -> str:
        """Modeline target: the schema relative to the record's folder."""
        return Path(os.path.relpath(self.layout.schema_path, record_path.parent)).as_posix()
