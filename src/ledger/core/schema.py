"""The ledger's JSON Schema: loaded once, compiled once, and read for
everything the code must not hard-code (vocabularies, canonical key order,
field descriptions).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from ledger.core import schema_check
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
        # Refs, loops and the shapes the readers below walk: checked now, since
        # every command reads the structure, and no command may fetch or hang.
        self.facts = schema_check.check_document(document, source)
        self.digest = hashlib.sha256(
            json.dumps(document, sort_keys=True).encode()).hexdigest()

    # -- compiled validator -------------------------------------------------
    @cached_property
    def validator(self) -> Any:
        from jsonschema.exceptions import SchemaError
        from referencing import Registry

        cls = _python_validator_class()
        self._check_patterns()
        try:
            cls.check_schema(self.document, format_checker=_format_checker())
        except SchemaError as exc:
            where = schema_check.pointer_text(tuple(str(p) for p in exc.absolute_path))
            raise LedgerError(f"{self.source}: broken schema at {where}: {_short(exc.message)}") from None
        except RecursionError:
            raise LedgerError(f"{self.source}: broken schema: nested too deeply to check") from None
        # The walk at load time already refused every $ref leading out of the
        # file.  A Registry of our own retrieves nothing either (its default
        # refuses every URI), where jsonschema's default one fetches http(s).
        return cls(self.document, format_checker=_format_checker(), registry=Registry())

    def _check_patterns(self) -> None:
        from ledger.core.patterns import PatternError, compile_pattern

        for parts, pattern in self.facts.patterns:
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                raise LedgerError(f"{self.source}: broken schema at {schema_check.pointer_text(parts)}: "
                                  f"pattern {_short(repr(pattern))} {exc}") from None
        pattern_keys = [parts for parts, _ in self.facts.patterns if parts[-2:-1] == ("patternProperties",)]
        if self.facts.unevaluated and pattern_keys:
            # jsonschema evaluates those patterns with Python's backtracking `re`.
            where = schema_check.pointer_text(self.facts.unevaluated[0])
            raise LedgerError(f"{self.source}: unsupported schema at {where}: unevaluatedProperties "
                              "together with patternProperties cannot be checked in bounded time",
                              hint="use additionalProperties instead of unevaluatedProperties")

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
            # Draft 2020-12 as the Python validator reads it, and nothing fetched.
            return jsonschema_rs.Draft202012Validator(
                self.document, formats=formats.fast_formats(), validate_formats=True,
                retriever=_refuse_retrieval)
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


def _refuse_retrieval(uri: str) -> Any:
    raise LedgerError(f"{uri}: ledger never fetches schemas")


def _format_checker() -> Any:
    """The format checks of ledger.core.formats: the same on every machine."""
    from ledger.core import formats

    return formats.checker()


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


@cache
def _python_validator_class() -> Any:
    """Draft 2020-12 with every keyword that matches a schema pattern against
    record text going through ledger.core.patterns instead of `re`."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    from ledger.core.patterns import search

    base = Draft202012Validator.VALIDATORS

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Any:
        if validator.is_type(instance, "string") and not search(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "object"):
            return
        for patrn, subschema in patterns.items():
            for key, value in instance.items():
                if search(patrn, key):
                    yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    def additional_properties(validator: Any, allowed: Any, instance: Any, schema: Any) -> Any:
        # jsonschema's own keyword matches patternProperties with `re`: hand it
        # the keys those patterns match as plain properties instead.
        if "patternProperties" in schema and validator.is_type(instance, "object"):
            matched = {key: True for key in instance
                       if any(search(p, key) for p in schema["patternProperties"])}
            schema = {k: v for k, v in schema.items() if k != "patternProperties"}
            schema["properties"] = {**schema.get("properties", {}), **matched}
        yield from base["additionalProperties"](validator, allowed, instance, schema)

    return validators.extend(Draft202012Validator, {
        "pattern": pattern, "patternProperties": pattern_properties,
        "additionalProperties": additional_properties})

