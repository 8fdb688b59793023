"""The questions `ledger add` asks in a terminal, derived from the schema.

The order follows how a researcher tells an incident: title, date, place,
what happened, to whom, by whom, the source, then how well it is
established and the rest.  Which fields exist, which are required, their
descriptions, vocabularies (offered with completion and descriptions),
formats and patterns all come from the ledger's schema, so a field or a
vocabulary value a team adds to its schema is asked without any change
here.  Each answer is checked against the field's own schema as it is
typed.  The result is a record body; ``compose.complete`` fills in the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ledger.core import edtf, validate
from ledger.core.schema import Schema
from ledger.editing import compose
from ledger.editing.prompts import Prompter, Question, split_values

# The storyteller's order for the top level; other fields follow in schema order.
FIRST = ("title", "date", "date_text", "location", "acts", "sources", "status")
ORDER_IN = {"sources": ("url", "title", "publisher", "published", "type", "reliability"),
            "actors": ("kind", "occupation", "names")}
# Filled in by compose.complete, never asked.
# profile and aliases: linking a profile from the interview is not done yet (see notes).
AUTO_SUBFIELDS = frozenset({"actors.ref", "sources.ref",
                            "actors.profile", "actors.aliases", "actors.external_ids"})
# Answers offered again next time (a researcher tends to work on one country,
# from the same outlets).  Kept outside the ledger: see storage.read_user_state.
REMEMBERED = ("location.country", "sources.publisher", "sources.type", "sources.reliability")
LABELS = {
    "title": "Title (one line: what happened)",
    "date": "Date (EDTF)",
    "date_text": "The date in the source's own words",
    "location.country": "Country (ISO code)",
    "location.place": "Place (city, town or site)",
    "acts": "Act",
    "acts.type": "What happened (act type)",
    "acts.date": "Date of this act, if different",
    "acts.victims": "To whom (victims; names, comma-separated)",
    "acts.perpetrators": "By whom (perpetrators; names, comma-separated)",
    "sources": "Source",
    "actors": "Actor",
    "interventions": "Intervention",
    "sources.url": "Source URL",
    "sources.published": "Published on (YYYY-MM-DD)",
    "actors.names": "Names in other languages (e.g. ru: Алнур Ильяшев; kk: ...)",
}
LABELS.update({
    "actors.confidential": "Keep this name confidential (left out of public exports)?",
    "sources.confidential": "Keep this source confidential (left out of public exports)?",
})
ROLE_PATHS = {"acts.victims": "victims", "acts.perpetrators": "perpetrators"}
# Whether a source must stay confidential is asked with the source itself,
# not only under "more details", when its type is one of these (a witness's
# testimony can endanger them).  A value the schema does not have is never met.
CONFIDENTIAL_SOURCE_TYPES = ("testimony",)
# Earlier answers: field -> values found in the ledger's records, offered as
# completions (see editing.earlier); computed when first needed.
Earlier = Callable[[], Mapping[str, Sequence[str]]]


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(p for p in path if p != "*")


class Interview:
    def __init__(self, schema: Schema, prompter: Prompter, *, today: dt.date,
                 remembered: Mapping[str, str] | None = None, recorded_by: str | None = None,
                 earlier: Earlier | None = None) -> None:
        self.schema = schema
        self.ask = prompter.ask
        self.prompter = prompter
        self.today = today
        self.remembered = dict(remembered or {})
        self.recorded_by = recorded_by
        self.actors: list[dict[str, Any]] = []
        self.last_names: dict[str, list[str]] = {}  # role -> names given for the previous act
        self.earlier = earlier
        self.asked: set[tuple[int, str]] = set()  # (id of an object, key): quiet fields asked already

    # -- the whole record ----------------------------------------------------
    def run(self, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Ask for every field base does not already have; returns the record."""
        record: dict[str, Any] = dict(base or {})
        self.actors = [a for a in record.get("actors", []) if isinstance(a, dict)]
        root = self.schema.resolve(self.schema.document)
        props = root.get("properties", {})
        required = set(root.get("required", []))
        keys = [k for k in FIRST if k in props] + [k for k in props if k not in FIRST]
        for key in keys:
            # external_ids: ids in other datasets, which `import` fills, never typed.
            if key in compose.AUTO_FIELDS or key in ("actors", "external_ids") or key in compose.QUIET_FIELDS:
                continue
            sub = self.schema.resolve(props[key])
            if isinstance(record.get(key), dict) and "properties" in sub:
                self.object((key,), sub, into=record[key])  # --country given: region and place are asked
            if key in record:
                continue
            value = self.field((key,), sub, key in required)
            if value is not None:
                record[key] = value
        if self.actors:
            record["actors"] = self.actors
        if not self.recorded_by and "recorded" in props and "recorded" not in record:
            by = self.ask(Question("recorded.by", "Your name, as the one who recorded this",
                                   default=self.remembered.get("recorded.by", ""),
                                   help="kept in recorded.by; git's user.name is used when set"))
            if by:
                record["recorded"] = {"by": by}
        if self.prompter.confirm("more", "Add more details (coordinates, other-language names, "
                                 "interventions, related incidents, ...)?", default=False):
            self.more(record, (), root)
        return record

    def more(self, node: dict[str, Any], path: tuple[str, ...], sub: dict[str, Any]) -> None:
        """The quiet fields, in every object the record has so far."""
        for key, child in sub.get("properties", {}).items():
            child = self.schema.resolve(child)
            name = dotted((*path, key))
            if name in compose.REVIEW_FIELDS:
                continue
            if name in compose.QUIET_FIELDS and key not in node and (id(node), key) not in self.asked:
                value = self.field((*path, key), child, False)
                if value is not None:
                    node[key] = value
            elif isinstance(node.get(key), dict) and "properties" in child:
                self.more(node[key], (*path, key), child)
            elif isinstance(node.get(key), list) and "properties" in self.schema.resolve(child.get("items")):
                items = self.schema.resolve(child["items"])
                for i, item in enumerate(node[key]):
                    if isinstance(item, dict) and self._has_quiet((*path, key), items, item):
                        self.prompter.say(f"{self._label((*path, key), child)} {i + 1} "
                                          f"({_summary(item)}):")
                        self.more(item, (*path, key, "*"), items)

    def _has_quiet(self, path: tuple[str, ...], sub: dict[str, Any], item: dict[str, Any]) -> bool:
        return any(dotted((*path, k)) in compose.QUIET_FIELDS - compose.REVIEW_FIELDS and k not in item
                   and (id(item), k) not in self.asked for k in sub.get("properties", {}))

    # -- one field -----------------------------------------------------------
    def field(self, path: tuple[str, ...], sub: Any, required: bool) -> Any:
        sub = self.schema.resolve(sub)
        name = dotted(path)
        if name in ROLE_PATHS:
            return self.people(path, sub, ROLE_PATHS[name])
        kind = sub.get("type")
        if kind == "object" and "properties" in sub:
            return self.object(path, sub) or None
        if kind == "object":
            return self.mapping(path, sub, required)
        if kind == "array":
            items = self.schema.resolve(sub.get("items", {}))
            if items.get("type") == "object" and "properties" in items:
                return self.objects(path, sub, items, required)
            return self.values(path, sub, required)
        return self.value(path, sub, required)

    def object(self, path: tuple[str, ...], sub: dict[str, Any],
               into: dict[str, Any] | None = None) -> dict[str, Any]:
        """An object's fields, asked one by one (those not already in into)."""
        props = sub.get("properties", {})
        required = set(sub.get("required", []))
        first = [k for k in ORDER_IN.get(dotted(path), ()) if k in props]
        out: dict[str, Any] = into if into is not None else {}
        for key in [*first, *(k for k in props if k not in first)]:
            name = dotted((*path, key))
            if name in AUTO_SUBFIELDS or name in compose.QUIET_FIELDS or key in out:
                continue
            value = self.field((*path, key), props[key], key in required)
            if value is not None:
                out[key] = value
        if dotted(path) == "sources" and out.get("type") in CONFIDENTIAL_SOURCE_TYPES:
            self.confidential(path, props, out)
        return out

    def confidential(self, path: tuple[str, ...], props: Mapping[str, Any], item: dict[str, Any]) -> None:
        """Whether item (an actor, a source) is confidential, asked at once."""
        if "confidential" not in props or "confidential" in item:
            return
        self.asked.add((id(item), "confidential"))
        value = self.field((*path, "confidential"), props["confidential"], False)
        if value is not None:
            item["confidential"] = value

    def suggestions(self, name: str) -> list[str]:
        if self.earlier is None:
            return []
        return list(self.earlier().get(name, ()))

    def objects(self, path: tuple[str, ...], sub: dict[str, Any], items: dict[str, Any],
                required: bool) -> list[dict[str, Any]] | None:
        """A list of objects (acts, sources, ...): one after another."""
        label = self._label(path, sub)
        least = int(sub.get("minItems", 1 if required else 0))
        if not least and not self.prompter.confirm(f"add.{dotted(path)}", f"Add {_article(label)}?",
                                                   default=False):
            return None
        out: list[dict[str, Any]] = []
        while True:
            self.prompter.say(f"{label} {len(out) + 1}:")
            item = self.object((*path, "*"), items)
            problems = self._item_problems(path, item)
            if problems:
                self.prompter.say(f"  not kept: {problems[0]}")
            elif item:
                out.append(item)
            if len(out) >= least and not self.prompter.confirm(
                    f"another.{dotted(path)}", f"Another {label.lower()}?", default=False):
                return out or None

    def _item_problems(self, path: tuple[str, ...], item: dict[str, Any]) -> list[str]:
        # Refs are filled in later; a stand-in keeps "ref is required" out of the check.
        probe = dict(item)
        for name in AUTO_SUBFIELDS:
            owner, _, key = name.rpartition(".")
            if owner == dotted(path) and key not in probe:
                probe[key] = "x"
        return [p.message for p in validate.value_problems((*path, "*"), probe, self.schema)]

    def people(self, path: tuple[str, ...], sub: dict[str, Any], role: str) -> list[str] | None:
        """Names for an act's victims or perpetrators, as actor refs; a new
        name becomes an actor, whose details are asked once."""
        known = [str(a.get("name")) for a in self.actors if a.get("name")]
        known += [n for n in self.suggestions(dotted(path)) if n not in known]
        answer = self.ask(Question(
            dotted(path), LABELS.get(dotted(path), path[-1]), help=sub.get("description", ""),
            default=", ".join(self.last_names.get(role, [])), multiple=True, suggestions=known))
        names = split_values(answer)
        self.last_names[role] = names
        refs = []
        for name in names:
            before = len(self.actors)
            ref = compose.ensure_actor(self.actors, name)
            if len(self.actors) > before:
                self.prompter.say(f"About {name}:")
                actor = self.schema.subschema(("actors", "*"))
                props = actor.get("properties", {})
                # Asked first: a name that must not be published is the first thing to know.
                self.confidential(("actors", "*"), props, self.actors[-1])
                rest = {k: v for k, v in props.items() if k not in ("name", "confidential")}
                details = self.object(("actors", "*"), {**actor, "properties": rest})
                self.actors[-1].update(details)
            if ref not in refs:
                refs.append(ref)
        return refs or None

    def mapping(self, path: tuple[str, ...], sub: dict[str, Any], required: bool) -> dict[str, str] | None:
        """A map of free keys (names by language): "key: value; key: value"."""
        def parse(answer: str) -> dict[str, str]:
            pairs = [p.partition(":") for p in answer.split(";") if p.strip()]
            return {k.strip(): v.strip() for k, _, v in pairs}

        def check(answer: str) -> str | None:
            if any(":" not in p for p in answer.split(";") if p.strip()):
                return "write key: value pairs separated by ';'"
            problems = validate.value_problems(path, parse(answer), self.schema)
            return problems[0].message if problems else None

        answer = self.ask(Question(dotted(path), self._label(path, sub), help=sub.get("description", ""),
                                   required=required, check=check))
        return parse(answer) or None

    def values(self, path: tuple[str, ...], sub: dict[str, Any], required: bool) -> list[Any] | None:
        """A list of plain values (rights, tags): comma-separated."""
        item_path = (*path, "*")
        vocab = self.schema.vocabulary_for(item_path)

        def check(answer: str) -> str | None:
            for value in split_values(answer):
                problems = validate.value_problems(item_path, value, self.schema)
                if problems:
                    return problems[0].message + (f" ({problems[0].hint})" if problems[0].hint else "")
            return None

        answer = self.ask(Question(
            dotted(path), self._label(path, sub) + " (comma-separated)", help=sub.get("description", ""),
            choices=_choices(vocab), multiple=True, required=required,
            check=None if vocab else check))
        values = list(dict.fromkeys(split_values(answer)))
        return values or None

    def value(self, path: tuple[str, ...], sub: dict[str, Any], required: bool) -> Any:
        name = dotted(path)
        vocab = self.schema.vocabulary_for(path)
        kind = sub.get("type")
        explain = None
        if sub.get("format") == "edtf":
            explain = _explain_edtf
        default = self.remembered.get(name, "") if name in REMEMBERED else ""
        if not default and sub.get("default") is not None:
            default = str(sub["default"])
        choices = _choices(vocab)
        if kind == "boolean":
            choices = {"yes": "", "no": ""}
        offered = self.suggestions(name) if kind == "string" and not choices else []
        answer = self.ask(Question(
            name, self._label(path, sub), help=_help(sub), default=default, choices=choices,
            suggestions=offered, required=required,
            check=None if vocab else lambda a: self._check(path, sub, a),
            explain=explain, multiline=path[-1] == "description"))
        if not answer:
            return None
        return _convert(sub, answer)

    def _check(self, path: tuple[str, ...], sub: dict[str, Any], answer: str) -> str | None:
        try:
            value = _convert(sub, answer)
        except ValueError:
            wanted = "a whole number" if sub.get("type") == "integer" else "a number"
            return f"{dotted(path)} must be {wanted}"
        problems = validate.value_problems(path, value, self.schema)
        if problems:
            return problems[0].message
        if isinstance(value, str) and sub.get("format") in ("edtf", "date"):
            lower = edtf.bounds(value)[0] if sub["format"] == "edtf" else dt.date.fromisoformat(value)
            if lower is not None and lower > self.today:
                return f"{value} is in the future"
        return None

    def _label(self, path: tuple[str, ...], sub: dict[str, Any]) -> str:
        name = dotted(path)
        if name in LABELS:
            return LABELS[name]
        vocab = self.schema.vocabulary_for(path)
        if vocab is not None and vocab.title != vocab.name and sub.get("type") != "array":
            return vocab.title
        return path[-1].replace("_", " ").capitalize()


def _choices(vocab: Any) -> dict[str, str]:
    if vocab is None:
        return {}
    return {v: vocab.descriptions.get(v, "") for v in vocab.values}


def _help(sub: dict[str, Any]) -> str:
    return str(sub.get("description", ""))


def _explain_edtf(text: str) -> str:
    value = text.strip()
    return f"{value} means {edtf.parse(value).describe()}"


def _convert(sub: dict[str, Any], answer: str) -> Any:
    kind = sub.get("type")
    if kind == "integer":
        return int(answer)
    if kind == "number":
        number = float(answer)
        return int(number) if number.is_integer() and "." not in answer else number
    if kind == "boolean":
        return answer.strip().lower() in ("yes", "y", "true")
    return answer


def _article(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label.lower()}"


def _summary(item: dict[str, Any]) -> str:
    for key in ("name", "type", "url", "title"):
        if isinstance(item.get(key), str):
            return str(item[key])
    return "..."
