"""Building a new record from what the user gave: flags, a document, answers.

Pure: data in, data out, nothing read or written.  The functions work on
plain dicts and lists and equally on ruamel's round-trip mappings (which
are dicts and lists too), so a document the user wrote keeps its comments
while it is completed.

What a user never has to type is filled in here: ``schema_version``, the
``id`` (see ``ledger.core.ids``), ``recorded.on`` and ``recorded.by``, actor refs
made from names, source refs ``s1``, ``s2`` ..., a vocabulary value's case
(``Arrest`` -> ``arrest``, ``kz`` -> ``KZ``) and, for a required field left
out, the default the ledger's schema declares for it.  Nothing is checked
here: the caller validates the result exactly as ``ledger validate`` would.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator, MutableMapping, MutableSequence
from dataclasses import dataclass, field, fields
from typing import Any

from ledger.core import ids
from ledger.core.schema import Schema

# Filled in for the user, never asked for.
AUTO_FIELDS = ("schema_version", "id", "recorded", "external_ids")  # external_ids: by `ledger import`
# Acts name actors by ref in these lists (SPEC section 2).
ROLES = ("victims", "perpetrators")
# Known fields that are asked (and put in the editor template) only when the
# user asks for more detail; every other field, including any field a team
# adds to its schema, is asked straight away.
# Decisions of a review (`ledger duplicates --resolve`), never asked: quiet, and
# left out of "more details" too.
REVIEW_FIELDS = frozenset({"distinct", "actors.distinct"})
QUIET_FIELDS = frozenset({
    "related", "duplicate_of", "interventions", "distinct", "actors.distinct",
    "location.lat", "location.lon", "location.precision",
    "actors.affiliation", "actors.confidential",
    "sources.language", "sources.archived_url", "sources.file", "sources.sha256", "sources.size",
    "sources.captured", "sources.added_by", "sources.confidential",
})
_REF = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass
class Fields:
    """What `ledger add` flags say about a new record."""

    title: str | None = None
    date: str | None = None
    date_text: str | None = None
    status: str | None = None
    country: str | None = None
    region: str | None = None
    place: str | None = None
    description: str | None = None
    confidentiality: str | None = None
    acts: list[str] = field(default_factory=list)
    victims: list[str] = field(default_factory=list)
    perpetrators: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # URLs
    source_titles: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    source_types: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)

    def given(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def record_from_fields(f: Fields) -> dict[str, Any]:
    """The record the flags describe.  Every --victim and --perpetrator
    becomes an actor and is named in every --act; the Nth --source-title,
    --publisher, --published and --source-type describe the Nth --source."""
    record: dict[str, Any] = {}
    for key in ("title", "date", "date_text", "status"):
        if getattr(f, key):
            record[key] = getattr(f, key)
    location = {k: getattr(f, k) for k in ("country", "region", "place") if getattr(f, k)}
    if location:
        record["location"] = location
    actors: list[dict[str, Any]] = []
    # The same name given twice (in any case) is one actor, named once.
    victims = list(dict.fromkeys(ensure_actor(actors, name) for name in f.victims))
    perpetrators = list(dict.fromkeys(ensure_actor(actors, name) for name in f.perpetrators))
    if f.acts:
        record["acts"] = []
        for act_type in f.acts:
            act: dict[str, Any] = {"type": act_type}
            if victims:
                act["victims"] = list(victims)
            if perpetrators:
                act["perpetrators"] = list(perpetrators)
            record["acts"].append(act)
    if actors:
        record["actors"] = actors
    columns = (("url", f.sources), ("title", f.source_titles), ("publisher", f.publishers),
               ("published", f.published), ("type", f.source_types))
    count = max(len(values) for _, values in columns)
    if count:
        record["sources"] = [{key: values[i] for key, values in columns if i < len(values)}
                             for i in range(count)]
    for key, values in (("rights", f.rights), ("tags", f.tags), ("related", f.related)):
        if values:
            record[key] = list(dict.fromkeys(values))
    for key in ("confidentiality", "description"):
        if getattr(f, key):
            record[key] = getattr(f, key)
    return record


@dataclass(frozen=True)
class Context:
    schema: Schema
    today: dt.date
    recorded_by: str | None = None
    slug: str | None = None  # words for the id (--slug); default: the title
    choose: ids.Choose = secrets.choice
    taken: frozenset[str] = frozenset()  # ids already in the ledger
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # actor profiles by id


def complete(doc: MutableMapping[str, Any], ctx: Context) -> list[str]:
    """Fill in what the user need not type; returns notes on defaults used."""
    notes: list[str] = []
    version = ctx.schema.subschema(("schema_version",)).get("const")
    if "schema_version" not in doc and version is not None:
        doc["schema_version"] = version
    for key in ctx.schema.document.get("required", []):
        default = ctx.schema.subschema((key,)).get("default")
        if key not in doc and default is not None:
            doc[key] = default
            notes.append(f"{key} not given: using the schema's default, {default!r}")
    link_actors(doc)
    notes += link_profiles(doc, ctx)
    name_sources(doc)
    match_vocabulary_case(doc, ctx.schema)
    notes += name_country(doc, ctx.schema)
    recorded = doc.get("recorded")
    if recorded is None and "recorded" in ctx.schema.subschema(()).get("properties", {}):
        recorded = doc["recorded"] = {}
    if isinstance(recorded, MutableMapping):
        if ctx.recorded_by and "by" not in recorded:
            recorded["by"] = ctx.recorded_by
        # Schema 2 calls it recorded.date, schema 1 recorded.on: the ledger's schema says which.
        when = "on" if "on" in ctx.schema.subschema(("recorded",)).get("properties", {}) else "date"
        if "on" not in recorded and "date" not in recorded:
            recorded[when] = ctx.today.isoformat()
    if not doc.get("id"):
        date = doc.get("date")
        title = doc.get("title")
        words = ctx.slug or (title if isinstance(title, str) else "")
        # An id is forever and public: a confidential person's name never goes into one.
        from ledger.core.redact import secret_words

        secret = secret_words(dict(doc))
        slug = ids.slugify(words)
        if secret and any(w in secret for w in slug.split("-")):
            words = " ".join(w for w in slug.split("-") if w not in secret)
            notes.append("the id leaves out the name of a confidential actor")
        rid = ids.new_id(date if isinstance(date, str) else "", words, choose=ctx.choose)
        while rid in ctx.taken:
            rid = ids.redraw(rid, choose=ctx.choose)
        doc["id"] = rid
    elif ctx.slug:
        notes.append("--slug ignored: the document gives its own id")
    return notes


def drop_empty(node: Any) -> bool:
    """Remove empty values (None, "", [], {}) in place, depth first; True when
    node itself is left empty.  A template's unfilled fields go this way."""
    if isinstance(node, MutableMapping):
        for key in list(node):
            if drop_empty(node[key]):
                del node[key]
        return not node
    if isinstance(node, MutableSequence):
        for i in reversed(range(len(node))):
            if drop_empty(node[i]):
                del node[i]
        return not node
    return node is None or (isinstance(node, str) and not node.strip())


def _items(doc: MutableMapping[str, Any], key: str) -> list[MutableMapping[str, Any]]:
    value = doc.get(key)
    return [v for v in value if isinstance(v, MutableMapping)] if isinstance(value, list) else []


def actor_ref(name: str, taken: set[str]) -> str:
    """A ref for a new actor, from the name, unique among taken."""
    base = ids.slugify(name, separator="_") or "actor"
    ref, n = base, 2
    while ref in taken:
        ref, n = f"{base}_{n}", n + 1
    return ref


def ensure_actor(actors: MutableSequence[Any], name: str) -> str:
    """The ref of the actor called name, added to actors if not there yet."""
    wanted = name.strip().casefold()
    for actor in actors:
        if (isinstance(actor, MutableMapping) and isinstance(actor.get("ref"), str)
                and str(actor.get("name", "")).strip().casefold() == wanted):
            return str(actor["ref"])
    ref = actor_ref(name, {str(a.get("ref")) for a in actors if isinstance(a, MutableMapping)})
    actors.append({"ref": ref, "name": name.strip()})
    return ref


def link_actors(doc: MutableMapping[str, Any]) -> None:
    """Give actors without a ref one made from their name, and turn names in
    acts' victims/perpetrators into refs, adding an actor for a name not yet
    listed.  An entry that already looks like a ref (lower case, no spaces) is
    left alone, so a mistyped ref is reported rather than made a new actor."""
    actors = doc.get("actors")
    if actors is not None and not isinstance(actors, MutableSequence):
        return
    taken = {str(a["ref"]) for a in _items(doc, "actors") if isinstance(a.get("ref"), str)}
    for actor in _items(doc, "actors"):
        if "ref" not in actor and isinstance(actor.get("name"), str):
            actor["ref"] = actor_ref(actor["name"], taken)
            taken.add(actor["ref"])
    for act in _items(doc, "acts"):
        for role in ROLES:
            names = act.get(role)
            if not isinstance(names, MutableSequence):
                continue
            for i, entry in enumerate(names):
                if isinstance(entry, str) and entry not in taken and not _REF.match(entry) and entry.strip():
                    if actors is None:
                        actors = doc["actors"] = []
                    names[i] = ensure_actor(actors, entry)
                    taken.add(names[i])


def profile_names(profile: dict[str, Any]) -> list[str]:
    """Every spelling of a profile: name, names in any script, aliases."""
    names = profile.get("names")
    aliases = profile.get("aliases")
    found = [profile.get("name"), *(names.values() if isinstance(names, dict) else ()),
             *(aliases if isinstance(aliases, list) else ())]
    return [n for n in found if isinstance(n, str) and n]


def matching_profiles(name: str, profiles: dict[str, dict[str, Any]]) -> list[str]:
    """The ids of the profiles one of whose spellings is name (ignoring case and accents)."""
    from ledger.core.normalize import fold

    key = fold(name)
    return [pid for pid, p in profiles.items() if key and any(fold(n) == key for n in profile_names(p))]


def link_profiles(doc: MutableMapping[str, Any], ctx: Context) -> list[str]:
    """Link each actor whose name is a spelling of exactly one profile to it
    (`profile: <id>`); the name is dropped when it is the profile's own, kept
    when it is another spelling (the one this source used)."""
    props = ctx.schema.subschema(("actors", "*")).get("properties", {})
    if not ctx.profiles or "profile" not in props:
        return []
    from ledger.core.normalize import fold

    notes: list[str] = []
    for actor in _items(doc, "actors"):
        name = actor.get("name")
        if "profile" in actor or not isinstance(name, str):
            continue
        found = matching_profiles(name, ctx.profiles)
        if len(found) == 1:
            actor["profile"] = found[0]
            if fold(str(ctx.profiles[found[0]].get("name", ""))) == fold(name):
                del actor["name"]
            notes.append(f"{name}: linked to the actor profile {found[0]} (actors/{found[0]}.yaml)")
        elif found:
            notes.append(f"{name}: matches the profiles {', '.join(found)}; not linked "
                         "(add profile: <id> to the actor to choose one)")
    return notes


def name_sources(doc: MutableMapping[str, Any]) -> None:
    """Refs s1, s2 ... for sources that have none."""
    sources = _items(doc, "sources")
    taken = {str(s.get("ref")) for s in sources}
    n = 1
    for source in sources:
        if "ref" in source:
            continue
        while f"s{n}" in taken:
            n += 1
        source["ref"] = f"s{n}"
        taken.add(source["ref"])


def match_vocabulary_case(doc: MutableMapping[str, Any], schema: Schema) -> None:
    """A vocabulary value typed in another case becomes the listed value."""
    for container, key, path in _leaves(doc, ()):
        value = container[key]
        if not isinstance(value, str):
            continue
        vocab = schema.vocabulary_for(path)
        if vocab is None or value in vocab.values:
            continue
        for listed in vocab.values:
            if listed.casefold() == value.strip().casefold():
                container[key] = listed
                break


def name_country(doc: MutableMapping[str, Any], schema: Schema) -> list[str]:
    """A country given by name (Kazakhstan, Казахстан) becomes its code, when
    the schema's country vocabulary lists that code; returns a note saying so."""
    from ledger.core import countries

    location = doc.get("location")
    if not isinstance(location, MutableMapping) or not isinstance(location.get("country"), str):
        return []
    given = location["country"]
    vocab = schema.vocabulary_for(("location", "country"))
    if vocab is None or given in vocab.values:
        return []
    code = countries.code_for(given, vocab.descriptions)
    if code is None or code not in vocab.values:
        return []
    location["country"] = code
    return [f"country {given.strip()!r} written as its code, {code}"]


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[tuple[Any, Any, tuple[str, ...]]]:
    """(container, key, schema path) of every scalar, lists written as "*"."""
    if isinstance(node, MutableMapping):
        for key in list(node):
            value = node[key]
            if isinstance(value, (MutableMapping, MutableSequence)):
                yield from _leaves(value, (*path, str(key)))
            else:
                yield node, key, (*path, str(key))
    elif isinstance(node, MutableSequence):
        for i, value in enumerate(node):
            if isinstance(value, (MutableMapping, MutableSequence)):
                yield from _leaves(value, (*path, "*"))
            else:
                yield node, i, (*path, "*")
