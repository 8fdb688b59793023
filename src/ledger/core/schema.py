"""The ledger's JSON Schema: loaded once, compiled once, and read for
everything the code must not hard-code (vocabularies, canonical key order,
field descriptions).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ledger.core.problems import LedgerError

SUPPORTED_VERSION = 1


@dataclass(frozen=True)
class Vocabulary:
    name: str  # $defs key, e.g. "act_type"
    title: str
    values: tuple[str, ...]
    descriptions: dict[str, str] = field(default_factory=dict)


class Schema:
    def __init__(self, document: dict[str, Any], source: str = "schema") -> None:
        if not isinstance(document, dict) or document.get("type") != "object":
            raise LedgerError(f"{source}: the incident schema must describe an object")
        self.document = document
        self.source = source
        self.digest = hashlib.sha256(
            json.dumps(document, sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_file(cls, path: Path, rel: str) -> Schema:
        from ledger.store.files import read_json

        return cls(read_json(path, "schema"), rel)

    # -- compiled validator -------------------------------------------------
    @cached_property
    def validator(self) -> Any:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        from ledger.core import formats

        try:
            Draft202012Validator.check_schema(self.document)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
            raise LedgerError(f"{self.source}: broken schema at {where}: {exc.message}") from None
        return Draft202012Validator(self.document, format_checker=formats.checker())

    # True when this very document (same digest) is known to compile: the
    # record cache says so when it holds results made with it.  The Python
    # validator (slow to import and build) is then left until a record fails.
    vetted = False

    @cached_property
    def fast_validator(self) -> Any:
        """jsonschema-rs, when installed: a yes/no answer about 100x faster than
        the Python validator, which then only runs on records that fail (for
        its detailed, located errors).  None when unavailable."""
        if not self.vetted:
            self.validator  # noqa: B018  the Python validator vets the schema first
        try:
            import jsonschema_rs
        except ImportError:
            return None
        from ledger.core import formats

        try:
            return jsonschema_rs.validator_for(self.document, formats=formats.fast_formats(),
                                               validate_formats=True)
        except Exception:  # an exotic schema it cannot compile: use the Python validator
            return None

    def is_valid(self, data: Any) -> bool | None:
        """True/False from the fast validator, None when it cannot tell."""
        fast = self.fast_validator
        if fast is None:
            return None
        try:
            return bool(fast.is_valid(data))
        except Exception:
            return None

    # -- structure read from the schema -------------------------------------
    def resolve(self, node: Any) -> Any:
        """Follow local $ref (and single-branch allOf) to the real subschema."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                break
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                raise LedgerError(f"{self.source}: $ref {ref} points nowhere")
            node = target
            seen += 1
        return node if isinstance(node, dict) else {}

    def subschema(self, path: tuple[str, ...]) -> dict[str, Any]:
        """Schema of a field path; list items are written as "*"."""
        node = self.resolve(self.document)
        for part in path:
            if part == "*":
                node = self.resolve(node.get("items", {}))
            else:
                node = self.resolve(node.get("properties", {}).get(part, {}))
        return dict(node)

    def key_order(self, path: tuple[str, ...]) -> list[str]:
        return list(self.subschema(path).get("properties", {}))

    @cached_property
    def vocabularies(self) -> dict[str, Vocabulary]:
        out: dict[str, Vocabulary] = {}
        for name, node in self.document.get("$defs", {}).items():
            if isinstance(node, dict) and isinstance(node.get("enum"), list):
                values = tuple(str(v) for v in node["enum"])
                descs = node.get("enumDescriptions") or []
                out[name] = Vocabulary(name, node.get("title", name), values,
                                       dict(zip(values, (str(d) for d in descs), strict=False)))
        return out

    def vocabulary_for(self, path: tuple[str, ...]) -> Vocabulary | None:
        """The vocabulary a field draws from (e.g. ("acts", "*", "type"))."""
        node = self.subschema(path)
        if node.get("type") == "array":
            node = self.resolve(node.get("items", {}))
        values = node.get("enum")
        if not isinstance(values, list):
            return None
        for vocab in self.vocabularies.values():
            if list(vocab.values) == [str(v) for v in values]:
                return vocab
        return Vocabulary(".".join(path), node.get("title", path[-1]),
                          tuple(str(v) for v in values))


def load(path: Path, rel: str) -> Schema:
    return Schema.from_file(path, rel)
