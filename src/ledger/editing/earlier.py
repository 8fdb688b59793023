"""Earlier answers: the names, places and outlets already in a ledger's
records, offered as completions while `ledger add` asks (as `hledger add`
offers earlier descriptions and accounts).

Collected once, in a background thread started with the interview, so the
walk over the records overlaps the first questions (title, date, country)
instead of delaying them.  The names of actors marked confidential are never
offered: a completion menu is shown on a screen others may see.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ledger.store.loader import Loader
from ledger.store.session import Session

# Fields whose earlier values are offered (dotted, list items left out).
FIELDS = ("location.place", "location.region", "sources.publisher", "interventions.by",
          "interventions.to", "actors.occupation", "actors.affiliation")
ROLES = {"acts.victims": "victims", "acts.perpetrators": "perpetrators"}
LIMIT = 500  # values per field, the most used first


def collect(rows: Iterable[tuple[str, dict[str, Any]]],
            profiles: Mapping[str, dict[str, Any]] | None = None) -> dict[str, list[str]]:
    """field -> its values in rows, most frequent first (ties by name); for
    victims and perpetrators every spelling of each actor profile comes first
    (a name typed that spells one is linked to it when the record is saved)."""
    from ledger.core.model import with_profiles

    profiles = profiles or {}
    rows = ((p, with_profiles(r, dict(profiles))) for p, r in rows)
    counts: dict[str, Counter[str]] = {name: Counter() for name in (*FIELDS, *ROLES)}
    for _, record in rows:
        for name in FIELDS:
            for value in _values(record, name.split(".")):
                counts[name][value] += 1
        actors = {a.get("ref"): a for a in record.get("actors") or [] if isinstance(a, dict)}
        for act in record.get("acts") or []:
            if not isinstance(act, dict):
                continue
            for field, role in ROLES.items():
                for ref in act.get(role) or []:
                    actor = actors.get(ref) if isinstance(ref, str) else None
                    if actor and isinstance(actor.get("name"), str) and actor.get("confidential") is not True:
                        counts[field][actor["name"].strip()] += 1
    # Anyone named before may be named again, in either role: the role's own names first.
    people = counts["acts.victims"] + counts["acts.perpetrators"]
    from ledger.editing.compose import profile_names

    spellings = list(dict.fromkeys(n.strip() for p in profiles.values() if p.get("confidential") is not True
                                   for n in profile_names(p)))
    found: dict[str, list[str]] = {}
    for name, counted in counts.items():
        ranked = _ranked(counted)
        if name in ROLES:
            ranked += [v for v in _ranked(people) if v not in counted]
            ranked = [*spellings, *(v for v in ranked if v not in spellings)]
        if ranked:
            found[name] = ranked[:LIMIT]
    return found


def _ranked(counted: Counter[str]) -> list[str]:
    return [v for v, _ in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0].lower()))]


def _values(node: Any, parts: list[str]) -> Iterable[str]:
    if isinstance(node, list):
        for item in node:
            yield from _values(item, parts)
        return
    if not parts:
        if isinstance(node, str) and node.strip() and "\n" not in node:
            yield node.strip()
        return
    if isinstance(node, dict):
        child = node.get(parts[0])
        if parts[0] == "actors" and isinstance(child, list):
            child = [a for a in child if isinstance(a, dict) and a.get("confidential") is not True]
        yield from _values(child, parts[1:])


class Earlier:
    """The ledger's earlier answers, gathered in the background; calling it
    waits for them ({} if they could not be read: completion is a help)."""

    def __init__(self, session: Session) -> None:
        self._found: dict[str, list[str]] = {}
        self._thread = threading.Thread(target=self._gather, args=(session,), daemon=True,
                                        name="ledger-earlier-answers")
        self._thread.start()

    def _gather(self, session: Session) -> None:
        try:
            loader = Loader(session)
            self._found = collect(loader.select(), loader.profiles().by_id)
        except Exception:  # an unreadable ledger just means no completions
            self._found = {}

    def __call__(self) -> Mapping[str, Sequence[str]]:
        self._thread.join()
        return self._found
