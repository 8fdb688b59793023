"""`ledger profile NAME`: an actor profile made from the inline actor NAME names,
and every record's matching actor linked to it, in one step.

The actor is found as `ledger actors` merges inline actors (any spelling in
any script); the profile takes the spellings, kind, occupation and
affiliation they share; each record's entry gets `profile: <id>` and loses
what the profile now says in the same words (a different spelling or role,
the one that source used, stays).  The profile and every record are written
with ``write.together``: all of them, or none; ``--dry-run`` shows the diff.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from ledger.core import actors as merging
from ledger.core import fmt, ids, yamlio
from ledger.core.normalize import fold
from ledger.core.problems import ExitCode, LedgerError, UsageError
from ledger.editing.migrate import Change
from ledger.store import files, write
from ledger.store.loader import Loader
from ledger.store.session import Session

_SHARED = ("kind", "occupation", "affiliation")


@dataclass
class Made:
    id: str
    changes: list[Change] = field(default_factory=list)

    def diff(self) -> str:
        from ledger.editing.migrate import Plan

        return Plan(0, None, self.changes).diff()


def plan(session: Session, name: str, pid: str | None = None) -> Made:
    props = session.schema.subschema(("actors", "*")).get("properties", {})
    if "profile" not in props:
        raise LedgerError("this ledger's schema has no actor profiles (schema version 1)",
                          hint="run `ledger migrate` first", exit_code=ExitCode.USAGE)
    loader = Loader(session)
    known = loader.profiles().by_id
    rows = list(loader.select(None))
    key = fold(name)
    found = [a for a in merging.merge(rows) if not a.profile
             and any(fold(n) == key for n in a.names)]
    found = [a for a in found if all(not p.profile for p in a.appearances)]
    if not found:
        raise UsageError(f"no actor without a profile is called {name!r}",
                         hint="`ledger actors` lists every actor and the names each goes by")
    actor = found[0]
    pid = pid or ids.slugify(actor.name)
    if not ids.is_valid(pid):
        raise UsageError(f"{pid!r} is not a valid profile id", hint="give one with --id (e.g. jane-doe)")
    if pid in known or (session.layout.actors_dir / f"{pid}.yaml").exists():
        raise UsageError(f"a profile {pid!r} exists already", hint="give another id with --id")
    by_path = dict(rows)
    entries = [e for a in actor.appearances for e in by_path[a.path].get("actors", [])
               if isinstance(e, dict) and e.get("ref") == a.ref]
    profile = _profile(pid, actor, entries)
    made = Made(pid)
    rel = f"{files.ACTORS}/{pid}.yaml"
    schema, ref = session.schema_for(rel)
    made.changes.append(Change(rel, None, fmt.format_text(json.dumps(profile, ensure_ascii=False), ref,
                                                          schema.key_order)))
    for path in dict.fromkeys(a.path for a in actor.appearances):
        refs = [a.ref for a in actor.appearances if a.path == path]
        raw, problem = files.read_record(session.layout, path)
        if raw is None:
            assert problem is not None
            raise LedgerError(f"{path}: {problem.message}")
        made.changes.append(Change(path, raw, _linked(session, path, raw, refs, profile)))
    return made


def _profile(pid: str, actor: merging.Actor, entries: list[dict[str, Any]]) -> dict[str, Any]:
    names: dict[str, str] = {}
    for a in actor.appearances:
        for lang, n in a.names.items():
            names.setdefault(lang, n)
    seen = {fold(actor.name), *(fold(n) for n in names.values())}
    aliases = [n for n in actor.names if fold(n) not in seen]
    out: dict[str, Any] = {"schema_version": 2, "id": pid, "name": actor.name}
    if names:
        out["names"] = names
    if aliases:
        out["aliases"] = aliases
    for key in _SHARED:
        # Only what every entry that says it says alike: a role one source gives stays in that record.
        values = {json.dumps(e[key], ensure_ascii=False, sort_keys=True) for e in entries if key in e}
        if len(values) == 1:
            out[key] = json.loads(values.pop())
    if any(e.get("confidential") is True for e in entries):
        out["confidential"] = True
    return out


def _linked(session: Session, path: str, raw: bytes, refs: list[str], profile: dict[str, Any]) -> str:
    text, issue = yamlio.decode(raw)
    if text is None:
        raise LedgerError(f"{path}: {issue.message if issue else 'unreadable'}")
    yaml = fmt._rt_yaml()
    doc = yaml.load(fmt._split_header(text))
    for actor in doc.get("actors") or []:
        if not isinstance(actor, dict) or actor.get("ref") not in refs:
            continue
        entry: Any = actor  # a ruamel CommentedMap: insert keeps the keys' order and comments
        entry.insert(list(actor).index("ref") + 1 if "ref" in actor else 0, "profile", profile["id"])
        if isinstance(actor.get("name"), str) and actor["name"] == profile["name"]:
            del actor["name"]
        names = actor.get("names")
        if isinstance(names, dict) and all(profile.get("names", {}).get(k) == v for k, v in names.items()):
            del actor["names"]
        for key in _SHARED:
            if key in actor and actor[key] == profile.get(key):
                del actor[key]
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    schema, ref = session.schema_for(path)
    return fmt.format_text(buffer.getvalue(), ref, schema.key_order)


def apply(session: Session, made: Made) -> None:
    writes: list[tuple[str, bytes, bytes | None, int | None]] = [
        (c.rel, c.new.encode("utf-8"), c.old, None) for c in made.changes]
    write.together(session.root, writes, [])
