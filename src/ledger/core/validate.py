"""Checking records: pure functions from text and data to Problems.

``check_record`` handles one file (parse, schema, in-record rules) and is
independent of every other file, so it can run in parallel and be cached by
content.  ``check_ledger`` adds the rules that span files (unique ids,
links between incidents) over the already-parsed records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.core import edtf, formats, yamlio
from ledger.core.hidden import HIDDEN, MAYBE_HIDDEN, escape
from ledger.core.patterns import over_budget
from ledger.core.problems import Problem
from ledger.core.schema import Schema

if TYPE_CHECKING:
    from ledger.core.evidence import Lookup

EDTF_FIELDS: tuple[tuple[str, ...], ...] = (("date",), ("acts", "*", "date"), ("interventions", "*", "date"))
DATE_FIELDS: tuple[tuple[str, ...], ...] = (
    ("recorded", "on"), ("recorded", "date"), ("sources", "*", "published"), ("sources", "*", "captured"))


# Keys whose values are ids of other incidents in this ledger.
LINK_KEYS = ("related", "duplicate_of", "distinct")
KEY_CODES = frozenset({"schema-unknown-field", "schema-required", "duplicate-id"})


@dataclass
class Checked:
    """One file after checking: its data (when it parsed) and its problems."""

    path: str
    data: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def check_record(path: str, raw: bytes, schema: Schema, *, today: dt.date) -> Checked:
    """Every problem one file has on its own, with line and column."""
    text, issue = yamlio.decode(raw)
    if text is None:
        assert issue is not None
        return Checked(path, None, [_from_issue(path, issue)])
    data, issue = yamlio.parse(text)
    if data is None:
        assert issue is not None
        return Checked(path, None, [_from_issue(path, issue)])
    problems = schema_problems(path, data, schema)
    problems += record_problems(path, data, today=today)
    if MAYBE_HIDDEN.search(text):  # most records have no backslash at all: skip the walk
        problems += hidden_characters(path, data)
    if problems:
        problems = locate(problems, text)
    return Checked(path, data, sorted(problems))


def locate(problems: list[Problem], text: str) -> list[Problem]:
    """Give problems that only know their JSON pointer a line and column."""
    todo = [p for p in problems if p.line == 0 and p.pointer != "@file"]
    if not todo:
        return problems
    root = yamlio.compose(text)
    out = []
    for p in problems:
        if p.line == 0 and p.pointer != "@file":
            # Point at the offending value, except where the key itself is the fault.
            line, col = yamlio.locate(root, p.pointer, key=p.code in KEY_CODES)
            p = p.with_position(line, col)
        out.append(p)
    return out


def _from_issue(path: str, issue: yamlio.YamlIssue) -> Problem:
    return Problem(path, issue.line, issue.column, issue.code, issue.message,
                   hint=issue.hint, pointer="")


# -- JSON Schema ------------------------------------------------------------

def schema_problems(path: str, data: Any, schema: Schema) -> list[Problem]:
    if schema.is_valid(data):
        return []
    out = []
    for err in _without_echoes(schema.validator.iter_errors(data)):
        out.extend(_explain(path, err, schema))
    return _unique(out)


def _without_echoes(errors: Iterable[Any]) -> list[Any]:
    """The errors less a pattern's where the same value fails its format:
    the format's message says what is wrong (a date, a URL) and how to mend
    it; "has the wrong form" beside it says nothing more."""
    errors = list(errors)
    failed = {tuple(e.absolute_path) for e in errors if e.validator == "format"}
    return [e for e in errors if e.validator != "pattern" or tuple(e.absolute_path) not in failed]


def value_problems(path: tuple[str, ...], value: Any, schema: Schema) -> list[Problem]:
    """Schema problems of one field's value on its own, e.g. an answer being
    typed for ("acts", "*", "type"); messages name the field as validate does."""
    validator = schema.validator.evolve(schema=schema.subschema(path))
    out = []
    for err in _without_echoes(validator.iter_errors(value)):
        err.path.extendleft(reversed([0 if p == "*" else p for p in path]))
        out.extend(_explain("", err, schema))
    return _unique(out)


def _unique(problems: list[Problem]) -> list[Problem]:
    """jsonschema reports a `required` failure once per missing name, each
    error listing every required name; _explain answers each with all the
    missing names, so the repeats are dropped here (order kept)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for p in problems:
        key = (p.code, p.pointer, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _field_name(parts: list[Any]) -> str:
    named = [str(p) for p in parts if not isinstance(p, int)]
    return ".".join(named) if named else "record"


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "...'"


def _explain(path: str, err: Any, schema: Schema) -> list[Problem]:
    parts = list(err.absolute_path)
    where = _field_name(parts)
    kw = err.validator
    sub = err.schema if isinstance(err.schema, dict) else {}
    value = err.instance
    hint = ""
    ptr_parts = parts
    if kw == "required":
        missing = [k for k in err.validator_value if isinstance(value, dict) and k not in value]
        prefix = "".join(f"{p}." for p in parts if not isinstance(p, int))
        return [Problem(path, 0, 0, "schema-required", f"missing required field '{prefix}{name}'",
                        pointer=pointer(parts),
                        hint=schema.resolve(sub.get("properties", {}).get(name, {})).get("description", ""))
                for name in missing]
    elif kw == "additionalProperties":
        extras = [k for k in value if k not in sub.get("properties", {})] if isinstance(value, dict) else []
        out = []
        for extra in extras:
            known = list(sub.get("properties", {}))
            close = _close(extra, known, n=1)
            h = f"did you mean '{close[0]}'?" if close else f"known fields here: {', '.join(known)}"
            out.append(Problem(path, 0, 0, "schema-unknown-field",
                               f"unknown field '{extra}' in {where}", pointer=pointer([*parts, extra]),
                               hint=h))
        return out
    elif kw == "enum":
        title = (sub.get("title") or where).lower()
        allowed = [str(v) for v in err.validator_value]
        message = f"{_show(value)} is not a known {title} (in {where})"
        close = _close(str(value), allowed, n=1)
        shown = ", ".join(allowed) if len(allowed) <= 60 else ", ".join(allowed[:60]) + ", ..."
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"allowed: {shown}"
        if parts and parts[-1] == "country" and isinstance(value, str):
            vocab = schema.vocabulary_for(tuple("*" if isinstance(q, int) else str(q) for q in parts))
            hint = _country_hint(value, allowed, vocab.descriptions if vocab else {}) or hint
    elif kw == "const":
        message = f"{where} must be {err.validator_value!r}, not {_show(value)}"
        if parts == ["schema_version"]:
            hint = "this version of ledger reads schema version 1 records"
    elif kw == "type":
        wanted = err.validator_value
        names = {"string": "text", "object": "a mapping", "array": "a list", "integer": "a whole number",
                 "number": "a number", "boolean": "true or false", "null": "empty"}
        want = " or ".join(names.get(str(w), str(w))
                           for w in (wanted if isinstance(wanted, list) else [wanted]))
        message = f"{where} must be {want}, not {_type_name(value)}"
        if wanted == "string" and isinstance(value, int) and where.endswith("date"):
            hint = f"quote a year so it stays text: '{value}'"
        elif wanted == "string" and isinstance(value, (int, float, bool)):
            hint = f"quote it: '{value}'"
        elif wanted == "array" and not isinstance(value, list):
            hint = "write it as a list: one '- item' per line"
    elif kw == "format":
        cause = getattr(err, "cause", None)
        fmt = err.validator_value
        if fmt == "edtf" and cause is not None:
            message = f"{where}: {cause}"
            hint = "e.g. 2020-04-18, 2020-04 (some day in April), 2020, 2020-04-18/2020-04-19, 2020-04~"
        elif fmt == "date":
            message = f"{where}: {_show(value)} is not a valid date"
            hint = "write it as YYYY-MM-DD"
        elif fmt == "uri":
            message = f"{where}: {_show(value)} is not a valid URL"
            hint = formats.uri_hint(value)
        else:
            message = f"{where}: {_show(value)} is not a valid {fmt}"
    elif kw == "pattern" and isinstance(value, str) and over_budget(err.validator_value, value):
        message = f"{where}: {_show(value)} is too long or intricate to check against its pattern"
        hint = (f"the schema's pattern {err.validator_value} needs more backtracking than ledger allows; "
                "simplify the pattern (or the value)")
    elif kw == "pattern":
        message = f"{where}: {_show(value)} has the wrong form"
        hint = sub.get("description", "") or f"it must match {err.validator_value}"
        if parts and parts[0] == "id":
            hint = ("lower-case letters, digits and '-', 3 to 100 characters, "
                    "e.g. 2020-04-18-ilyashev-sentenced-k3q9")
        elif parts and parts[0] == "tags":
            hint = "tags are kebab-case: lower-case words joined by '-', e.g. fake-news-law"
    elif kw == "minItems":
        plural = "s" if err.validator_value != 1 else ""
        message = f"{where} needs at least {err.validator_value} item{plural}"
    elif kw == "minLength":
        message = f"{where} must not be empty"
    elif kw == "maxLength":
        message = f"{where} is too long (at most {err.validator_value} characters)"
    elif kw == "uniqueItems":
        message = f"{where} lists the same value twice"
    elif kw == "anyOf" and parts and parts[0] == "sources":
        message = f"{where} needs a url, a title or a file"
    elif kw in ("minimum", "maximum"):
        message = f"{where}: {_show(value)} is out of range ({kw} {err.validator_value})"
    elif kw == "propertyNames":
        message = f"{where}: key {_show(value)} is not allowed here"
        hint = "names are keyed by language code: en, ru, kk"
    else:
        message = f"{where}: {err.message}"
    return [Problem(path, 0, 0, f"schema-{_kebab(kw)}", message, pointer=pointer(ptr_parts), hint=hint)]


def _country_hint(value: str, allowed: list[str], names: Mapping[str, str]) -> str:
    """For a country written as a name, or misspelt: the code(s) meant."""
    from ledger.core import countries

    code = countries.code_for(value, names)
    if code is not None and code in allowed:
        return f"records hold the ISO 3166-1 code: write {code} ({names.get(code) or countries.name(code)})"
    close = [f"{c} ({name})" for c, name in countries.suggest(value, names=names) if c in allowed]
    return f"did you mean {' or '.join(close)}? (records hold the ISO 3166-1 code)" if close else ""


def _kebab(word: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in word)


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {_show(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# -- rules JSON Schema cannot express -----------------------------------------

def _walk(data: Any, path: tuple[str, ...]) -> Iterable[tuple[list[Any], Any]]:
    """(pointer parts, value) for every value at a field path with "*" for lists."""
    def rec(node: Any, rest: tuple[str, ...], trail: list[Any]) -> Iterable[tuple[list[Any], Any]]:
        if not rest:
            yield trail, node
            return
        head, tail = rest[0], rest[1:]
        if head == "*":
            if isinstance(node, list):
                for i, item in enumerate(node):
                    yield from rec(item, tail, [*trail, i])
        elif isinstance(node, dict) and head in node:
            yield from rec(node[head], tail, [*trail, head])
    return rec(data, path, [])


def record_problems(path: str, data: dict[str, Any], *, today: dt.date) -> list[Problem]:
    out: list[Problem] = []
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    rid = data.get("id")
    if isinstance(rid, str) and rid != stem:
        out.append(Problem(path, 0, 0, "id-mismatch",
                           f"id '{rid}' does not match the file name '{stem}'",
                           pointer="/id", hint=_mismatch_hint(rid, stem)))

    def refs(kind: str) -> dict[str, list[int]]:
        seen: dict[str, list[int]] = defaultdict(list)
        items = data.get(kind)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("ref"), str):
                    seen[item["ref"]].append(i)
        return seen

    actors = refs("actors")
    for kind, seen in (("actors", actors), ("sources", refs("sources"))):
        for ref, where in seen.items():
            for i in where[1:]:
                out.append(Problem(path, 0, 0, "duplicate-ref",
                                   f"{kind}[{i}] repeats ref '{ref}' (first used by {kind}[{where[0]}])",
                                   pointer=pointer([kind, i, "ref"]),
                                   hint="refs must be unique within a record"))
    acts = data.get("acts")
    if isinstance(acts, list):
        for i, act in enumerate(acts):
            if not isinstance(act, dict):
                continue
            for role in ("victims", "perpetrators"):
                names = act.get(role)
                if not isinstance(names, list):
                    continue
                for j, ref in enumerate(names):
                    if isinstance(ref, str) and ref not in actors:
                        known = ", ".join(actors) or "none yet"
                        close = _close(ref, list(actors), n=1)
                        hint = (f"did you mean '{close[0]}'? " if close else "") + \
                            f"add it under actors: (known refs: {known})"
                        out.append(Problem(path, 0, 0, "unknown-actor",
                                           f"acts[{i}].{role} names actor '{ref}', which is not in actors",
                                           pointer=pointer(["acts", i, role, j]), hint=hint))

    incident_range: tuple[dt.date | None, dt.date | None] | None = None
    for fpath in EDTF_FIELDS:
        for parts, value in _walk(data, fpath):
            if not isinstance(value, str):
                continue
            try:
                parsed = edtf.parse(value)
            except edtf.EdtfError:
                continue  # reported by the schema's format check
            if fpath == ("date",):
                incident_range = (parsed.lower, parsed.upper)
            if parsed.lower is not None and parsed.lower > today:
                out.append(Problem(path, 0, 0, "date-in-future",
                                   f"{_field_name(parts)} {value} is in the future",
                                   pointer=pointer(parts),
                                   hint="record events that have happened; check the year"))
            elif (fpath == ("acts", "*", "date") and incident_range and parsed.lower and parsed.upper
                  and incident_range[0] and incident_range[1]
                  and (parsed.upper < incident_range[0] or parsed.lower > incident_range[1])):
                out.append(Problem(path, 0, 0, "date-outside-incident",
                                   f"{_field_name(parts)} {value} lies outside the incident date "
                                   f"{data.get('date')}", severity="warning", pointer=pointer(parts),
                                   hint="widen the incident date to cover all its acts"))
    for fpath in DATE_FIELDS:
        for parts, value in _walk(data, fpath):
            if isinstance(value, str):
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    continue
                if day > today:
                    out.append(Problem(path, 0, 0, "date-in-future",
                                       f"{_field_name(parts)} {value} is in the future",
                                       pointer=pointer(parts)))
    for key in LINK_KEYS:
        values = data.get(key)
        for i, value in enumerate(values if isinstance(values, list) else [values]):
            if isinstance(rid, str) and value == rid:
                out.append(Problem(path, 0, 0, "self-reference", f"{key} points to this record itself",
                                   pointer=pointer([key, i] if isinstance(values, list) else [key])))
    out += _confidential_names(path, data)
    out += _confidential_ids(path, data)
    return out


def _mismatch_hint(rid: str, stem: str) -> str:
    """Only a fix that leads to a valid record: setting the id to the file name
    is offered only when that name is itself a valid id."""
    from ledger.core import ids

    rename = f"rename the file to {rid}.yaml" if ids.is_valid(rid) else ""
    reset = f"set id: {stem}" if ids.is_valid(stem) else ""
    if rename and reset:
        return f"{rename} or {reset}"
    if rename or reset:
        return rename or reset
    return ("give the record a valid id (lower-case letters, digits and '-', e.g. "
            "2020-04-18-ilyashev-sentenced-k3q9) and name the file after it")


def hidden_characters(path: str, data: Any) -> list[Problem]:
    """A warning for each text value holding a control or bidi character."""
    out = []

    def walk(node: Any, trail: list[Any]) -> None:
        if isinstance(node, str):
            found = list(HIDDEN.finditer(node))
            if found:
                first = found[0]
                more = f", and {len(found) - 1} more" if len(found) > 1 else ""
                out.append(Problem(path, 0, 0, "control-character-in-text",
                                   f"{_field_name(trail)} holds a hidden or control character "
                                   f"({escape(first.group())} at character {first.start() + 1}{more})",
                                   severity="warning", pointer=pointer(trail),
                                   hint="remove it: it can hide or reorder text, or steer a terminal"))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*trail, key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, [*trail, i])

    walk(data, [])
    return out


def _confidential_names(path: str, data: dict[str, Any]) -> list[Problem]:
    """A confidential name written in text that a public export keeps."""
    from ledger.core.redact import names_in_text

    return [Problem(path, 0, 0, "confidential-name-in-text",
                    f"{_field_name(list(parts))} names confidential actor '{name}', "
                    "and a public export keeps this text", severity="warning",
                    pointer=pointer(parts),
                    hint="refer to the person without the name, or make the record restricted")
            for parts, name in names_in_text(data)]


def confidential_problems(path: str, data: dict[str, Any]) -> list[Problem]:
    """A confidential actor's name in a record's id or public text."""
    return _confidential_names(path, data) + _confidential_ids(path, data)


def _confidential_ids(path: str, data: dict[str, Any]) -> list[Problem]:
    """A confidential name spelled out by the id, which no redaction can remove."""
    from ledger.core.redact import is_public, names_in_id

    rid = data.get("id")
    # An id is never redacted: it is the file name, and other records link to it.
    effect = ("public views refuse to run while it does" if is_public(data)
              else "ids cannot be redacted, so the record can never be made public with it")
    return [Problem(path, 0, 0, "confidential-name-in-id",
                    f"id '{rid}' holds the name of confidential actor '{ref}' ({name}); {effect}",
                    severity="warning", pointer="/id",
                    hint=f"give the record an id without the name: ledger rename {rid} NEW-ID")
            for ref, name in names_in_id(data)]


# -- rules across records ----------------------------------------------------

def check_ledger(records: Iterable[Checked]) -> list[Problem]:
    """Unique ids and links between incidents, over all parsed records (in path order)."""
    first: dict[str, str] = {}  # id -> the first file using it
    more: dict[str, list[str]] = {}  # id -> every file using it, for ids used twice or more
    linking: list[tuple[str, Mapping[str, Any]]] = []
    for c in records:
        if c.data is None:
            continue
        rid = c.data.get("id")
        if isinstance(rid, str):
            if rid in first:
                more.setdefault(rid, [first[rid]]).append(c.path)
            else:
                first[rid] = c.path
        if links(c.data):
            linking.append((c.path, c.data))
    duplicates = [(rid, more[rid]) for rid in first if rid in more] if more else []
    return cross_problems(duplicates, linking, lambda wanted: wanted & first.keys(), lambda: list(first))


def profile_problems(skeletons: Iterable[tuple[str, Mapping[str, Any] | None]],
                     known: set[str]) -> list[Problem]:
    """Each actor whose `profile:` names no profile in actors/."""
    out: list[Problem] = []
    for path, skel in skeletons:
        for i, pid in (skel or {}).get("profiles", ()):
            if pid not in known:
                close = _close(pid, known, n=1)
                out.append(Problem(path, 0, 0, "unknown-profile",
                                   f"actors[{i}].profile is '{pid}', which is not a profile in actors/",
                                   pointer=pointer(["actors", i, "profile"]),
                                   hint=f"did you mean '{close[0]}'?" if close
                                   else f"create actors/{pid}.yaml, or remove the profile"))
    return out


def version_problems(skeletons: Iterable[tuple[str, Mapping[str, Any] | None]],
                     declared: int | None) -> list[Problem]:
    """Records of another schema version than the ledger's schema (or, when the
    schema declares none, than the newest record): one ledger, one version."""
    versions = [(path, skel.get("schema_version")) for path, skel in skeletons if skel]
    found = {v for _, v in versions if isinstance(v, int) and not isinstance(v, bool)}
    target = declared if declared is not None else max(found, default=None)
    if target is None or found <= {target}:
        return []
    return [Problem(path, 0, 0, "schema-version-mixed",
                    f"this record is schema version {v}; the ledger's schema is version {target}",
                    pointer="/schema_version",
                    hint="run `ledger migrate` to upgrade every record (and the schema) to one version")
            for path, v in versions if isinstance(v, int) and v != target]


def links(data: Mapping[str, Any]) -> bool:
    """Whether a record points to other incidents."""
    return any(key in data for key in LINK_KEYS)


def cross_problems(duplicates: Iterable[tuple[str, list[str]]], linking: list[tuple[str, Mapping[str, Any]]],
                   known: Callable[[set[str]], set[str]], ids: Callable[[], list[str]]) -> list[Problem]:
    """The problems of check_ledger, from what it found: each id used by more
    than one file (with those files, in path order), the records that link
    (in path order), which of a set of ids some record uses, and every id
    used (asked for only to suggest one)."""
    out: list[Problem] = []
    for rid, paths in duplicates:
        for p in paths:
            others = ", ".join(q for q in paths if q != p)
            out.append(Problem(p, 0, 0, "duplicate-id", f"id '{rid}' is also used by {others}",
                               pointer="/id",
                               hint="ids are permanent and unique; give one record a new id"))
    targets = {v for _, data in linking for key in LINK_KEYS
               for v in _listed(data.get(key)) if isinstance(v, str)}
    found = known(targets) if targets else set()
    every: list[str] | None = None
    for path, data in linking:
        for key in LINK_KEYS:
            values = data.get(key)
            for i, value in enumerate(_listed(values)):
                if isinstance(value, str) and value not in found and value != data.get("id"):
                    parts: list[Any] = [key, i] if isinstance(values, list) else [key]
                    every = ids() if every is None else every
                    close = _close(value, every, n=1)
                    out.append(Problem(path, 0, 0, "unknown-incident",
                                       f"{key} points to '{value}', which is not an incident in this ledger",
                                       pointer=pointer(parts),
                                       hint=f"did you mean '{close[0]}'?" if close else ""))
    return out


def _close(word: str, possibilities: Iterable[str], n: int) -> list[str]:
    import difflib  # only when there is a mistake to suggest a fix for

    return difflib.get_close_matches(word, possibilities, n=n)


def _listed(values: Any) -> list[Any]:
    return values if isinstance(values, list) else [values]


def evidence_problems(path: str, data: Mapping[str, Any], lookup: Lookup) -> list[Problem]:
    """Every evidence file must be inside the ledger, exist and match its sha256."""
    from ledger.core.evidence import check_sources

    out = []
    for c in check_sources(dict(data), lookup):
        where = f"sources[{c.index}].file {c.file}"
        at = pointer(["sources", c.index, "file"])
        if c.status == "outside":
            out.append(Problem(path, 0, 0, "evidence-outside",
                               f"{where} is outside the ledger; it is not read", pointer=at,
                               hint="evidence files must live inside the ledger, e.g. under evidence/"))
        elif c.status == "missing":
            out.append(Problem(path, 0, 0, "evidence-missing", f"{where} does not exist",
                               pointer=at,
                               hint="paths are relative to the ledger root: put the file back at that "
                                    "path or correct the path (ledger verify lists every missing file)"))
        elif c.status in ("not-a-file", "unreadable"):
            out.append(Problem(path, 0, 0, "evidence-unreadable",
                               f"{where} cannot be read ({c.status})", pointer=at))
        elif c.status == "mismatch":
            out.append(Problem(path, 0, 0, "evidence-mismatch",
                               f"{where} does not match its sha256 "
                               f"(file has {c.actual[:12]}..., record says {c.expected[:12]}...)",
                               pointer=pointer(["sources", c.index, "sha256"]),
                               hint="the evidence changed since it was recorded; restore it or re-record"))
    return out
