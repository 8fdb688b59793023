"""`ledger duplicates --resolve A B --as duplicate|distinct`: a person's decision on a pair.

Each decision is an ordinary edit of the records (canonical layout,
comments kept, checked as `ledger validate` would, written only over the
bytes that were read), so a pull request shows it and a reviewer can
question it:

- incidents, duplicate: the record entered later (``recorded``, then id)
  gets ``duplicate_of: <the earlier id>``; nothing is deleted;
- incidents, distinct: each gets the other's id in ``distinct``;
- actors (keys ``INCIDENT-ID#REF``, or a profile id), duplicate: both are
  linked to one profile (the one either already has, or ``profile``), or,
  without profiles, each gets the other's name in ``aliases`` (schema 2);
- actors, distinct: each inline actor gets the other's key in ``distinct``.

Two files change together (``store.batch``): both, or neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.core.fmt import FormatError, format_text
from ledger.core.problems import ExitCode, LedgerError, UsageError
from ledger.editing import save as recording
from ledger.editing.edit import find, read_original
from ledger.store import batch, write
from ledger.store.session import Session

DECISIONS = ("duplicate", "distinct")
Transform = Callable[[Any], None]


@dataclass
class Resolved:
    kind: str  # incident / actor
    decision: str
    a: str
    b: str
    changed: list[tuple[str, str]] = field(default_factory=list)  # (path, what was written)

    def as_json(self) -> dict[str, Any]:
        return {"version": 1, "kind": self.kind, "decision": self.decision, "a": self.a, "b": self.b,
                "changed": [{"path": p, "change": c} for p, c in self.changed]}


def resolve(session: Session, a: str, b: str, decision: str, *, profile: str | None = None,
            today: dt.date | None = None) -> Resolved:
    if decision not in DECISIONS:
        raise UsageError(f"--as must be one of {', '.join(DECISIONS)}, not {decision!r}")
    plan = _Plan(session)
    if "#" in a or "#" in b:
        result = _actors(plan, a, b, decision, profile)
    else:
        result = _incidents(plan, a, b, decision)
    result.changed = plan.apply(today or dt.date.today())
    return result


class _Plan:
    """Edits to make, by file, all checked before any is written."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.edits: dict[str, list[tuple[Transform, str]]] = {}

    def add(self, rel: str, change: Transform, what: str) -> None:
        self.edits.setdefault(rel, []).append((change, what))

    def apply(self, today: dt.date) -> list[tuple[str, str]]:
        session = self.session
        known = recording.known_ids(session)
        staged = []
        for rel, changes in self.edits.items():
            raw, original = read_original(session, rel)

            def change(doc: Any, changes: list[tuple[Transform, str]] = changes) -> None:
                for fn, _ in changes:
                    fn(doc)

            try:
                text = format_text(original, session.schema_ref(session.root / rel), session.schema.key_order,
                                   transform=change)
            except FormatError as exc:
                raise LedgerError(f"{rel}:{exc.issue.line}:{exc.issue.column}: {exc.issue.message}; "
                                  "nothing was changed", exit_code=ExitCode.INVALID) from None
            before = {(p.code, p.pointer) for p in recording.check(session, rel, original, known, today=today)
                      if p.is_error}
            added = [p for p in recording.check(session, rel, text, known, today=today)
                     if p.is_error and (p.code, p.pointer) not in before]
            if added:
                raise LedgerError(f"{rel}: the change would not validate ({added[0].message}); "
                                  "nothing was changed", exit_code=ExitCode.INVALID)
            if text != original:
                staged.append((rel, raw, text, "; ".join(w for _, w in changes)))
        if len(staged) == 1:
            rel, raw, text, _ = staged[0]
            write.replace(session.root, rel, text, expected=raw)
        elif staged:
            writes = [batch.Write(session.root / rel, text, raw) for rel, raw, text, _ in staged]
            batch.apply(session.root, writes, [], label={session.root / rel: rel for rel, *_ in staged})
        return [(rel, what) for rel, _, _, what in staged]


def _record(session: Session, id_or_prefix: str) -> tuple[str, dict[str, Any]]:
    from ledger.core import yamlio

    rel = find(session, id_or_prefix)
    _, text = read_original(session, rel)
    data = yamlio.parse(text)[0]
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise LedgerError(f"{rel} cannot be read as a record; fix it first", exit_code=ExitCode.INVALID)
    return rel, data


def _append(doc: Any, key: str, value: str) -> None:
    values = doc.get(key)
    if not isinstance(values, list):
        doc[key] = values = []
    if value not in values:
        values.append(value)


def _recorded(data: dict[str, Any]) -> str:
    rec = data.get("recorded") if isinstance(data.get("recorded"), dict) else {}
    assert isinstance(rec, dict)
    return str(rec.get("date") or rec.get("on") or "")


def _incidents(plan: _Plan, a: str, b: str, decision: str) -> Resolved:
    rel_a, da = _record(plan.session, a)
    rel_b, db = _record(plan.session, b)
    ida, idb = da["id"], db["id"]
    if ida == idb:
        raise UsageError("a record cannot be paired with itself")
    result = Resolved("incident", decision, ida, idb)
    if decision == "distinct":
        if da.get("duplicate_of") == idb or db.get("duplicate_of") == ida:
            raise UsageError(f"{ida} and {idb} are marked as duplicates; remove duplicate_of first")
        plan.add(rel_a, lambda doc: _append(doc, "distinct", idb), f"distinct += {idb}")
        plan.add(rel_b, lambda doc: _append(doc, "distinct", ida), f"distinct += {ida}")
        return result
    ordered = sorted([(rel_a, da), (rel_b, db)], key=lambda x: (_recorded(x[1]), x[1]["id"]))
    rel_later, later = ordered[1]
    earlier_id = ordered[0][1]["id"]
    if idb in (da.get("distinct") or []) or ida in (db.get("distinct") or []):
        raise UsageError(f"{ida} and {idb} are recorded as distinct; remove that first")
    current = later.get("duplicate_of")
    if isinstance(current, str) and current not in (earlier_id, ""):
        raise UsageError(f"{later['id']} is already a duplicate of {current}",
                         hint=f"resolve {earlier_id} against {current} instead")

    def mark(doc: Any) -> None:
        doc["duplicate_of"] = earlier_id

    plan.add(rel_later, mark, f"duplicate_of: {earlier_id}")
    return result


def _actor(session: Session, key: str) -> tuple[str, dict[str, Any], str]:
    """(path, record, ref) of an inline actor key ID#REF."""
    rid, _, ref = key.partition("#")
    rel, data = _record(session, rid)
    if not any(isinstance(x, dict) and x.get("ref") == ref for x in data.get("actors") or []):
        raise LedgerError(f"{data['id']} has no actor with ref {ref!r}", exit_code=ExitCode.INVALID)
    return rel, data, ref


def _on_actor(ref: str, key: str, value: str, *, listed: bool) -> Transform:
    """A change to the actor ref: value added to its list key, or key set to value."""
    def change(doc: Any) -> None:
        for actor in doc.get("actors") or []:
            if isinstance(actor, dict) and actor.get("ref") == ref:
                if listed:
                    _append(actor, key, value)
                else:
                    actor[key] = value
    return change


def _has_field(session: Session, name: str) -> bool:
    return bool(session.schema.subschema(("actors", "*", name)))


def _actors(plan: _Plan, a: str, b: str, decision: str, profile: str | None) -> Resolved:
    from ledger.store.loader import Loader

    profiles = Loader(plan.session).profiles().by_id
    sides: list[tuple[str, tuple[str, str, dict[str, Any]] | None]] = []
    for key in (a, b):
        if "#" not in key:
            if key not in profiles:
                raise LedgerError(f"no actor profile {key!r} (an inline actor is INCIDENT-ID#REF)",
                                  exit_code=ExitCode.INVALID)
            sides.append((key, None))
        else:
            rel, data, ref = _actor(plan.session, key)
            actor = next(x for x in data["actors"] if isinstance(x, dict) and x.get("ref") == ref)
            sides.append((f"{data['id']}#{ref}", (rel, ref, actor)))
    (ka, sa), (kb, sb) = sides
    if ka == kb:
        raise UsageError("an actor cannot be paired with itself")
    result = Resolved("actor", decision, ka, kb)
    # (key, (path, ref, actor), the other's key) of each inline side
    inline: list[tuple[str, tuple[str, str, dict[str, Any]], str]] = [
        (k, s, other) for (k, s), other in ((sides[0], kb), (sides[1], ka)) if s is not None]
    if decision == "distinct":
        if not _has_field(plan.session, "distinct"):
            raise UsageError("this ledger's schema has no `distinct` for actors",
                             hint="add it to schema/incident.schema.json as the default schema has it")
        for _, (rel, ref, _), other in inline:
            plan.add(rel, _on_actor(ref, "distinct", other, listed=True),
                     f"{ref}.distinct += {other}")
        return result
    held = {k if s is None else s[2].get("profile") for k, s in sides} - {None, ""}
    if profile:
        held.add(profile)
    if len(held) > 1:
        shown = ", ".join(sorted(map(str, held)))
        raise UsageError(f"the two actors are linked to different profiles ({shown})",
                         hint="merge the profiles by hand, then link the actors to the one kept")
    if held:
        target = str(held.pop())
        if target not in profiles:
            raise LedgerError(f"no actor profile {target!r} in actors/", exit_code=ExitCode.INVALID)
        if not _has_field(plan.session, "profile"):
            raise UsageError("this ledger's schema has no `profile` for actors", hint="run `ledger migrate`")
        for _, (rel, ref, actor), _ in inline:
            if actor.get("profile") != target:
                plan.add(rel, _on_actor(ref, "profile", target, listed=False),
                         f"{ref}.profile: {target}")
        return result
    if not _has_field(plan.session, "aliases"):
        raise UsageError("this ledger has no actor profiles and its schema no `aliases` (schema version 2) "
                         "to link the two actors with", hint="run `ledger migrate`, or give --profile ID")
    assert sa is not None and sb is not None
    for (_, (rel, ref, _), _), named in ((inline[0], sb[2]), (inline[1], sa[2])):
        name = named.get("name")
        if isinstance(name, str) and name:
            plan.add(rel, _on_actor(ref, "aliases", name, listed=True),
                     f"{ref}.aliases += {name}")
    return result
