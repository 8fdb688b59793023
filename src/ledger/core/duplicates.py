"""Candidate duplicates: the same event, or the same person, recorded twice.

When several sources report one arrest, a ledger ends up with two records
of it, and with one person spelt Shuraev, Shurayev and Шураев.  Counting
them twice is the classic error of human-rights statistics; this module
proposes pairs for people to decide on (``ledger duplicates``), and
``ledger import`` asks it whether a new row looks like an existing record.

Score of an incident pair, in [0, 1]: the sum of weighted evidence
(:data:`WEIGHTS`), each part in [0, 1]:

- victims: the best name match between the two records' victims, in any
  script, romanisation system or alias (``ledger.core.names``);
- date: the EDTF ranges overlap (1), or are a few days apart (less);
- acts: the share of act types the two have in common (Jaccard);
- place: same place (or coordinates within a few km), same region, same country;
- source: a shared source URL (1) or title (0.8).

Evidence against multiplies the sum down: both records name people as
victims and none of them match (different people), precise dates months
apart (a namesake's other case), different countries.  Pure functions
over records (plain dicts as loaded); blocking keeps the work near-linear:
only records sharing a block (a victim's name skeleton in neighbouring
months, a source URL or title, a place in a month) are ever compared.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ledger.core import model, names
from ledger.core.normalize import fold

Record = dict[str, Any]
Row = tuple[str, Record]

DEFAULT_MIN_SCORE = 0.6
WEIGHTS = {"victims": 0.40, "date": 0.20, "acts": 0.15, "place": 0.10, "source": 0.15}
# Evidence against: the score is multiplied by these.
DIFFERENT_VICTIMS = 0.3
FAR_APART = 0.5
OTHER_COUNTRY = 0.5
# Blocks larger than this (a common first name in a busy month) are not
# compared: they would cost quadratic time and say little.
MAX_BLOCK = 200
# A date range longer than this (a year, a decade) is not put in month blocks.
MAX_MONTHS = 14
_PERSONS = ("person", "")


# -- one incident, ready to compare ---------------------------------------------------

@dataclass
class Actor:
    ref: str
    names: list[str]  # name, names in other scripts, aliases
    kind: str
    profile: str


@dataclass
class Incident:
    id: str
    path: str
    title: str
    date: str
    lower: dt.date | None
    upper: dt.date | None
    acts: frozenset[str]
    victims: list[Actor]
    country: str
    region: str
    place: str
    coords: tuple[float, float] | None
    urls: frozenset[str]
    titles: dict[str, str]  # folded title -> as written
    resolved: frozenset[str]  # ids this record is already linked to (related, duplicate_of, distinct)
    duplicate_of: str
    shown: tuple[str, str] = ("", "")  # place and region as written


def actor_names(actor: dict[str, Any]) -> list[str]:
    """Every name of an inline actor or a profile: name, names, aliases."""
    out = [actor["name"]] if isinstance(actor.get("name"), str) else []
    if isinstance(actor.get("names"), dict):
        out += [v for v in actor["names"].values() if isinstance(v, str)]
    if isinstance(actor.get("aliases"), list):
        out += [v for v in actor["aliases"] if isinstance(v, str)]
    return [n for n in dict.fromkeys(out) if n.strip()]


def _actors(record: Record, profiles: dict[str, dict[str, Any]] | None) -> dict[str, Actor]:
    out = {}
    for a in model.items(record, "actors"):
        profile = str(a.get("profile", "")) if isinstance(a.get("profile"), str) else ""
        found = actor_names(a) + (actor_names(profiles[profile]) if profiles and profile in profiles else [])
        out[str(a.get("ref", ""))] = Actor(str(a.get("ref", "")), list(dict.fromkeys(found)),
                                           str(a.get("kind", "")), profile)
    return out


def _victims(record: Record, profiles: dict[str, dict[str, Any]] | None) -> list[Actor]:
    actors = _actors(record, profiles)
    refs = [str(r) for act in model.items(record, "acts")
            for r in model.strings(act, "victims")]
    return [actors[r] for r in dict.fromkeys(refs) if r in actors and actors[r].names]


_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$)")


def normal_url(url: str) -> str:
    """A URL as two sources citing the same page would agree on it: no
    scheme, www, fragment, tracking parameters or trailing slash; host in lower case."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)])
    return f"{host}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


def incident(path: str, record: Record, profiles: dict[str, dict[str, Any]] | None = None) -> Incident:
    """The parts of a record that duplicates are judged on."""
    date = record.get("date")
    lower, upper = model.date_bounds(record)
    loc = record.get("location") if isinstance(record.get("location"), dict) else {}
    assert isinstance(loc, dict)
    lat, lon = loc.get("lat"), loc.get("lon")
    coords = (float(lat), float(lon)) if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) \
        and not isinstance(lat, bool) and not isinstance(lon, bool) else None
    sources = model.items(record, "sources")
    resolved = set(model.strings(record, "related")) | set(model.strings(record, "distinct"))
    dup = record.get("duplicate_of")
    if isinstance(dup, str):
        resolved.add(dup)
    return Incident(
        id=str(record.get("id", "")), path=path, title=str(record.get("title", "")),
        date=str(date) if date is not None else "", lower=lower, upper=upper,
        acts=frozenset(model.act_types(record)), victims=_victims(record, profiles),
        country=str(loc.get("country", "")).upper(), region=fold(str(loc.get("region", ""))),
        place=fold(str(loc.get("place", ""))), coords=coords,
        urls=frozenset(normal_url(s["url"]) for s in sources if isinstance(s.get("url"), str) and s["url"]),
        titles={t: s["title"] for s in sources if isinstance(s.get("title"), str)
                and len(t := fold(s["title"])) >= 12},
        resolved=frozenset(resolved), duplicate_of=dup if isinstance(dup, str) else "",
        shown=(str(loc.get("place", "")), str(loc.get("region", ""))))


# -- scoring -------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One reason for (weight > 0) or against (factor < 1) a pair."""

    kind: str  # victims, date, acts, place, source; or "against"
    detail: str
    weight: float = 0.0  # what it adds to the score
    factor: float = 1.0  # what it multiplies the score by

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "weight": round(self.weight, 3),
                "factor": self.factor}


def _victim_evidence(a: Incident, b: Incident) -> list[Evidence]:
    best: tuple[names.NameMatch, Actor, Actor] | None = None
    for x in a.victims:
        for y in b.victims:
            if x.profile and x.profile == y.profile:
                m = names.NameMatch(1.0, x.names[0], y.names[0], f"same profile {x.profile}")
            else:
                found = names.best_match(x.names, y.names)
                if found is None:
                    continue
                m = found
            if best is None or m.score > best[0].score:
                best = (m, x, y)
    if best is not None:
        m = best[0]
        detail = f"victim {m.a} ~ {m.b}: {m.how}" if m.a != m.b else f"victim {m.a}: {m.how}"
        return [Evidence("victims", detail, WEIGHTS["victims"] * m.score)]
    persons_a = [v for v in a.victims if v.kind in _PERSONS]
    persons_b = [v for v in b.victims if v.kind in _PERSONS]
    if persons_a and persons_b:
        return [Evidence("against", f"different victims: {persons_a[0].names[0]} / {persons_b[0].names[0]}",
                         factor=DIFFERENT_VICTIMS)]
    return []


def _gap_days(a: Incident, b: Incident) -> int | None:
    """Days between two date ranges (0 when they overlap); None when unknown."""
    if a.lower is None or b.lower is None:
        return None
    a_up, b_up = a.upper or dt.date.max, b.upper or dt.date.max
    if a.lower <= b_up and b.lower <= a_up:
        return 0
    return (b.lower - a_up).days if a_up < b.lower else (a.lower - b_up).days


def _precise(x: Incident) -> bool:
    return x.lower is not None and x.upper is not None and (x.upper - x.lower).days <= 31


def _date_evidence(a: Incident, b: Incident) -> list[Evidence]:
    gap = _gap_days(a, b)
    if gap is None:
        return []
    if gap == 0:
        same = a.lower == b.lower and a.upper == b.upper
        return [Evidence("date", f"same date {a.date}" if same else f"dates overlap: {a.date} / {b.date}",
                         WEIGHTS["date"])]
    if gap <= 3:
        return [Evidence("date", f"dates {gap} day{'s' if gap > 1 else ''} apart: {a.date} / {b.date}",
                         WEIGHTS["date"] * 0.5)]
    if gap <= 7:
        return [Evidence("date", f"dates {gap} days apart: {a.date} / {b.date}", WEIGHTS["date"] * 0.25)]
    if gap > 31 and _precise(a) and _precise(b):
        return [Evidence("against", f"dates {gap} days apart: {a.date} / {b.date}", factor=FAR_APART)]
    return []


def _act_evidence(a: Incident, b: Incident) -> list[Evidence]:
    shared = a.acts & b.acts
    if not shared:
        return []
    share = len(shared) / len(a.acts | b.acts)
    return [Evidence("acts", f"same act{'s' if len(shared) > 1 else ''}: {', '.join(sorted(shared))}",
                     WEIGHTS["acts"] * share)]


def distance_km(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    la1, lo1, la2, lo2 = map(math.radians, (*p, *q))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _place_evidence(a: Incident, b: Incident) -> list[Evidence]:
    if a.country and b.country and a.country != b.country:
        return [Evidence("against", f"different countries: {a.country} / {b.country}", factor=OTHER_COUNTRY)]
    if a.coords and b.coords:
        km = distance_km(a.coords, b.coords)
        if km <= 5:
            return [Evidence("place", f"coordinates {km:.1f} km apart", WEIGHTS["place"])]
        if km <= 25:
            return [Evidence("place", f"coordinates {km:.0f} km apart", WEIGHTS["place"] * 0.5)]
    if a.place and a.place == b.place:
        return [Evidence("place", f"same place: {a.shown[0]}", WEIGHTS["place"])]
    if a.region and a.region == b.region:
        return [Evidence("place", f"same region: {a.shown[1]}", WEIGHTS["place"] * 0.5)]
    if a.country and a.country == b.country:
        return [Evidence("place", f"same country: {a.country}", WEIGHTS["place"] * 0.2)]
    return []


def _source_evidence(a: Incident, b: Incident) -> list[Evidence]:
    urls = sorted(a.urls & b.urls)
    if urls:
        return [Evidence("source", f"same source URL: {urls[0]}", WEIGHTS["source"])]
    titles = sorted(set(a.titles) & set(b.titles))
    if titles:
        return [Evidence("source", f"same source title: {a.titles[titles[0]]}", WEIGHTS["source"] * 0.8)]
    return []


def score_pair(a: Incident, b: Incident) -> tuple[float, list[Evidence]]:
    """Score in [0, 1] and the evidence, for two prepared incidents."""
    evidence = (_victim_evidence(a, b) + _date_evidence(a, b) + _act_evidence(a, b)
                + _place_evidence(a, b) + _source_evidence(a, b))
    score = sum(e.weight for e in evidence)
    for e in evidence:
        score *= e.factor
    return round(min(1.0, max(0.0, score)), 3), evidence


def score_incident(candidate: Record, existing: Record) -> tuple[float, list[Evidence]]:
    """How much candidate looks like existing (for ``ledger import``): score and evidence."""
    return score_pair(incident("", candidate), incident("", existing))


# -- blocking ------------------------------------------------------------------------

def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def months(x: Incident) -> list[int]:
    """The month buckets a record is filed under: those its range touches, and one either side."""
    if x.lower is None or x.upper is None:
        return []
    first, last = _month(x.lower), _month(x.upper)
    if last - first > MAX_MONTHS:
        return []
    return list(range(first - 1, last + 2))


def block_keys(x: Incident) -> set[tuple[Any, ...]]:
    """The blocks a record is filed under; two records are compared only when they share one."""
    out: set[tuple[Any, ...]] = {("url", u) for u in x.urls} | {("title", t) for t in x.titles}
    spans = months(x)
    skeletons = names.keys([n for v in x.victims for n in v.names])
    for m in spans:
        out.update(("name", k, m) for k in skeletons)
    where = x.place or x.region
    if where and x.lower is not None and x.upper is not None and spans:
        # Records without named victims still meet those of the same place and month.
        out.update(("place", x.country, where, m) for m in spans[1:-1])
    return out


@dataclass
class Index:
    """Prepared incidents filed by block, for pairing and for ``matches``."""

    incidents: dict[str, Incident] = field(default_factory=dict)
    blocks: dict[tuple[Any, ...], list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, x: Incident) -> None:
        if not x.id or x.id in self.incidents:
            return
        self.incidents[x.id] = x
        for key in block_keys(x):
            self.blocks[key].append(x.id)

    def neighbours(self, x: Incident) -> set[str]:
        """Ids sharing a block (of a workable size) with x, x itself left out."""
        out: set[str] = set()
        for key in block_keys(x):
            ids = self.blocks.get(key, [])
            if len(ids) <= MAX_BLOCK:
                out.update(ids)
        out.discard(x.id)
        return out


def build_index(rows: Iterable[Row], profiles: dict[str, dict[str, Any]] | None = None) -> Index:
    index = Index()
    for path, record in rows:
        index.add(incident(path, record, profiles))
    return index


@dataclass(frozen=True)
class Match:
    id: str
    path: str
    score: float
    evidence: list[Evidence]


def matches(candidate: Record, index: Index, min_score: float = DEFAULT_MIN_SCORE) -> list[Match]:
    """Existing incidents the candidate record looks like, best first (for ``ledger import``)."""
    x = incident("", candidate)
    out = []
    for rid in index.neighbours(x):
        other = index.incidents[rid]
        score, evidence = score_pair(x, other)
        if score >= min_score:
            out.append(Match(rid, other.path, score, evidence))
    return sorted(out, key=lambda m: (-m.score, m.id))


# -- the pairs of a ledger -------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One side of a pair: an incident, or an actor as key INCIDENT-ID#REF (or a profile id)."""

    key: str
    path: str
    label: str  # title, or name
    detail: str  # date, or the incidents an actor appears in

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "path": self.path, "label": self.label, "detail": self.detail}


@dataclass(frozen=True)
class Pair:
    kind: str  # "incident" or "actor"
    a: Side
    b: Side
    score: float
    evidence: list[Evidence]

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "a": self.a.as_json(), "b": self.b.as_json(), "score": self.score,
                "evidence": [e.as_json() for e in self.evidence]}


def _resolved(a: Incident, b: Incident) -> bool:
    return b.id in a.resolved or a.id in b.resolved


def incident_pairs(index: Index, min_score: float = DEFAULT_MIN_SCORE) -> Iterator[Pair]:
    """Every unresolved pair within a block scoring at least min_score.
    A record already marked duplicate_of another is not paired again."""
    seen: set[tuple[str, str]] = set()
    live = {rid: x for rid, x in index.incidents.items() if not x.duplicate_of}
    for ids in index.blocks.values():
        if len(ids) < 2 or len(ids) > MAX_BLOCK:
            continue
        for i, left in enumerate(ids):
            a = live.get(left)
            if a is None:
                continue
            for right in ids[i + 1:]:
                b = live.get(right)
                if b is None:
                    continue
                key = (left, right) if left < right else (right, left)
                if key in seen:
                    continue
                seen.add(key)
                if _resolved(a, b):
                    continue
                score, evidence = score_pair(a, b)
                if score >= min_score:
                    x, y = (a, b) if a.id < b.id else (b, a)
                    yield Pair("incident", Side(x.id, x.path, x.title, x.date),
                               Side(y.id, y.path, y.title, y.date), score, evidence)


# -- actors ----------------------------------------------------------------------------

@dataclass
class Person:
    """Actor entries that are one actor already: the same name folded, or one profile."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)  # (incident id, path, ref)
    names: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    profile: str = ""
    distinct: set[str] = field(default_factory=set)  # keys (ID#REF, profile ids) said to be others

    @property
    def key(self) -> str:
        return self.profile or f"{self.entries[0][0]}#{self.entries[0][2]}"

    @property
    def keys(self) -> set[str]:
        return {f"{i}#{r}" for i, _, r in self.entries} | ({self.profile} if self.profile else set())

    @property
    def incidents(self) -> list[str]:
        return list(dict.fromkeys(i for i, _, _ in self.entries))


def people(rows: Iterable[Row], profiles: dict[str, dict[str, Any]] | None = None) -> list[Person]:
    """Actor entries grouped as ``ledger actors`` merges them (any name equal
    when folded), and by profile: each group is one actor already, never a candidate pair."""
    entries: list[tuple[str, str, dict[str, Any]]] = []
    for path, record in rows:
        rid = str(record.get("id", ""))
        entries += [(rid, path, a) for a in model.items(record, "actors")]
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, (_, _, a) in enumerate(entries):
        profile = a.get("profile")
        tokens = [f"profile:{profile}"] if isinstance(profile, str) and profile else []
        for token in tokens + [fold(n) for n in actor_names(a)]:
            if token in first:
                x, y = find(i), find(first[token])
                parent[max(x, y)] = min(x, y)
            else:
                first[token] = i
    groups: dict[int, Person] = {}
    for i, (rid, path, a) in enumerate(entries):
        p = groups.setdefault(find(i), Person())
        p.entries.append((rid, path, str(a.get("ref", ""))))
        profile = a.get("profile") if isinstance(a.get("profile"), str) else ""
        own = actor_names(a) + (actor_names(profiles[profile]) if profiles and profile in profiles else [])
        p.names += [n for n in own if n not in p.names]
        if isinstance(a.get("kind"), str):
            p.kinds.add(a["kind"])
        p.profile = p.profile or str(profile or "")
        p.distinct |= set(model.strings(a, "distinct"))
    out = [p for p in groups.values() if p.names]
    linked = {p.profile for p in out}
    for pid, data in (profiles or {}).items():
        # A profile no record refers to yet: an inline actor may be the one it describes.
        if pid not in linked and actor_names(data):
            kinds = {data["kind"]} if isinstance(data.get("kind"), str) else set()
            out.append(Person([], actor_names(data), kinds, pid, set(model.strings(data, "distinct"))))
    return out


def score_people(a: Person, b: Person) -> tuple[float, list[Evidence]]:
    m = names.best_match(a.names, b.names)
    if m is None:
        return 0.0, []
    evidence = [Evidence("name", f"{m.a} ~ {m.b}: {m.how}", m.score)]
    if a.kinds and b.kinds and not a.kinds & b.kinds:
        evidence.append(Evidence("against", f"different kinds: {', '.join(sorted(a.kinds))} / "
                                 f"{', '.join(sorted(b.kinds))}", factor=0.5))
    score = m.score
    for e in evidence:
        score *= e.factor
    return round(score, 3), evidence


def _person_side(p: Person) -> Side:
    path = f"actors/{p.profile}.yaml" if p.profile else p.entries[0][1]
    shown = ", ".join(p.incidents[:3]) + (f" +{len(p.incidents) - 3}" if len(p.incidents) > 3 else "")
    return Side(p.key, path, p.names[0], shown or "no incident yet")


def actor_pairs(persons: list[Person], min_score: float = DEFAULT_MIN_SCORE) -> Iterator[Pair]:
    """Pairs of actors spelt differently that may be one: blocked by the
    skeletons of their names' words; never two actors of one incident (a
    record lists different people), nor a pair recorded distinct."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(persons):
        for key in names.keys(p.names):
            blocks[key].append(i)
    seen: set[tuple[int, int]] = set()
    where = [set(p.incidents) for p in persons]
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                a, b = persons[i], persons[j]
                if where[i] & where[j] or (a.distinct and a.distinct & b.keys) \
                        or (b.distinct and b.distinct & a.keys):
                    continue
                score, evidence = score_people(a, b)
                if score >= min_score:
                    x, y = sorted((a, b), key=lambda p: p.key)
                    yield Pair("actor", _person_side(x), _person_side(y), score, evidence)


def find_pairs(rows: list[Row], *, min_score: float = DEFAULT_MIN_SCORE, incidents: bool = True,
               actors: bool = True, profiles: dict[str, dict[str, Any]] | None = None) -> list[Pair]:
    """Candidate pairs of a ledger's records, best first."""
    out: list[Pair] = []
    if incidents:
        out += incident_pairs(build_index(rows, profiles), min_score)
    if actors:
        out += actor_pairs(people(rows, profiles), min_score)
    return sorted(out, key=lambda p: (-p.score, p.kind != "incident", p.a.key, p.b.key))


def as_json(pairs: list[Pair], min_score: float) -> dict[str, Any]:
    return {"version": 1, "min_score": min_score, "total": len(pairs),
            "pairs": [p.as_json() for p in pairs]}
