"""Every actor across the ledger, with the spellings and scripts merged.

Each record lists its actors locally (by ``ref``); the same person appears
in many records, spelled in Latin script in ``name`` and in other scripts in
``names``.  Two entries are one actor when any of their names fold to the
same text (:func:`ledger.core.normalize.fold`), and the merge is transitive: an
entry sharing its Russian name with one record and its Latin name with
another joins all three.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.core import model
from ledger.core.normalize import fold

if TYPE_CHECKING:
    from ledger.core.query import Filter

ROLES = ("victim", "perpetrator", "other")
_ROLE_FIELDS = {"victims": "victim", "perpetrators": "perpetrator"}


@dataclass(frozen=True)
class Appearance:
    """One actor entry in one record."""

    id: str
    path: str
    ref: str
    name: str
    names: dict[str, str]  # language code -> name
    kind: str
    confidential: bool
    roles: tuple[str, ...]  # victim / perpetrator / other
    aliases: tuple[str, ...] = ()
    profile: str = ""  # the profile id it refers to, if any


@dataclass
class Actor:
    name: str  # the most used Latin-script `name`
    names: list[str]  # every distinct spelling, `name` first
    kinds: list[str]
    appearances: list[Appearance] = field(default_factory=list)
    profile: str = ""  # the actor profile this is, if any
    profile_confidential: bool = False

    @property
    def incidents(self) -> list[str]:
        return list(dict.fromkeys(a.id for a in self.appearances))

    @property
    def roles(self) -> dict[str, int]:
        """Incidents per role (an incident counts once per role)."""
        seen = {(a.id, role) for a in self.appearances for role in a.roles}
        counts = Counter(role for _, role in seen)
        return {role: counts[role] for role in ROLES}

    @property
    def confidential(self) -> bool:
        return self.profile_confidential or any(a.confidential for a in self.appearances)


def appearances(path: str, record: dict[str, Any]) -> list[Appearance]:
    roles: dict[str, list[str]] = {}
    for act in model.items(record, "acts"):
        for key, role in _ROLE_FIELDS.items():
            refs = act.get(key)
            for ref in refs if isinstance(refs, list) else []:
                if role not in roles.setdefault(str(ref), []):
                    roles[str(ref)].append(role)
    out = []
    for actor in model.items(record, "actors"):
        ref = str(actor.get("ref", ""))
        names = actor.get("names")
        out.append(Appearance(
            id=str(record.get("id", "")), path=path, ref=ref,
            name=str(actor.get("name", ref)),
            names={str(k): str(v) for k, v in names.items() if v} if isinstance(names, dict) else {},
            kind=str(actor.get("kind", "")),
            confidential=actor.get("confidential") is True,
            roles=tuple(sorted(roles.get(ref, ["other"]), key=ROLES.index)),
            aliases=tuple(str(n) for n in actor.get("aliases", ()) if n) if isinstance(
                actor.get("aliases"), list) else (),
            profile=str(actor["profile"]) if isinstance(actor.get("profile"), str) else "",
        ))
    return out


def merge(rows: Iterable[tuple[str, dict[str, Any]]],
          profiles: dict[str, dict[str, Any]] | None = None) -> list[Actor]:
    """Merged actors: every profile first (with every incident whose actors
    refer to it), then the other actors merged by name, those in the most
    incidents first.  Rows should be resolved (model.with_profiles)."""
    profiles = profiles or {}
    everything = [a for path, record in rows for a in appearances(path, record)]
    out = [_profiled(pid, p, [a for a in everything if a.profile == pid]) for pid, p in profiles.items()]
    out.sort(key=lambda a: (-len(a.incidents), fold(a.name), a.name))
    return out + _merged([a for a in everything if a.profile not in profiles])


def _profiled(pid: str, profile: dict[str, Any], group: list[Appearance]) -> Actor:
    name = str(profile.get("name", pid))
    names = profile.get("names")
    aliases = profile.get("aliases")
    spellings: dict[str, str] = {fold(name): name}
    for n in [*(names.values() if isinstance(names, dict) else ()),
              *(aliases if isinstance(aliases, list) else ()),
              *(n for a in group for n in (a.name, *a.names.values(), *a.aliases))]:
        spellings.setdefault(fold(str(n)), str(n))
    kind = profile.get("kind")
    kinds = [str(kind)] if kind else [k for k, _ in Counter(a.kind for a in group if a.kind).most_common()]
    return Actor(name, list(spellings.values()), kinds, group, profile=pid,
                 profile_confidential=profile.get("confidential") is True)


def _merged(entries: list[Appearance]) -> list[Actor]:
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving keeps the trees flat
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for name in (entry.name, *entry.names.values(), *entry.aliases):
            key = fold(name)
            if not key:
                continue
            if key in first_with:
                a, b = find(i), find(first_with[key])
                parent[max(a, b)] = min(a, b)
            else:
                first_with[key] = i
    groups: dict[int, list[Appearance]] = {}
    for i, entry in enumerate(entries):
        groups.setdefault(find(i), []).append(entry)
    actors = [_actor(group) for group in groups.values()]
    actors.sort(key=lambda a: (-len(a.incidents), fold(a.name), a.name))
    return actors


def _actor(group: list[Appearance]) -> Actor:
    main = Counter(a.name for a in group).most_common(1)[0][0]
    spellings: dict[str, str] = {fold(main): main}
    counted = Counter(n for a in group for n in (a.name, *a.names.values(), *a.aliases))
    for name, _ in counted.most_common():
        spellings.setdefault(fold(name), name)
    kinds = [k for k, _ in Counter(a.kind for a in group if a.kind).most_common()]
    return Actor(main, list(spellings.values()), kinds, group)


def as_json(actors: list[Actor]) -> dict[str, Any]:
    return {
        "version": 1,
        "total": len(actors),
        "actors": [{
            "name": a.name,
            "profile": a.profile or None,
            "names": a.names,
            "kinds": a.kinds,
            "incidents": a.incidents,
            "roles": a.roles,
            "confidential": a.confidential,
            "appearances": [{"id": p.id, "path": p.path, "ref": p.ref, "name": p.name,
                             "names": p.names, "kind": p.kind or None, "roles": list(p.roles)}
                            for p in a.appearances],
        } for a in actors],
    }


def widen(flt: Filter, rows: Iterable[tuple[str, dict[str, Any]]],
          profiles: dict[str, dict[str, Any]] | None = None) -> Filter:
    """The filter with --actor matching every incident of each merged actor a
    needle finds, as `ledger actors` shows them: after one record spells
    Gizat as "Ghizat", --actor Ghizat finds the records spelling it Gizat."""
    if not flt.actors:
        return flt
    found = [actor for actor in merge(rows, profiles)
             if any(needle in fold(n) for n in actor.names for needle in flt.actors)]
    names = {fold(n) for actor in found for n in actor.names}
    ids = {i for actor in found for i in actor.incidents}
    return dataclasses.replace(flt, actor_names=frozenset(names), actor_ids=frozenset(ids)) if names else flt
