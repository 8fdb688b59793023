"""Records as tables: CSV rows per act, actor or source, and a normalised
SQLite database for analysis (sqlite3, Datasette, DuckDB, pandas).

Everything here works on ``(path, record)`` rows and an open database
connection; where the database lives, and writing it atomically, is
``storage``'s business.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ledger.core import model
from ledger.core.schema import Schema

Row = tuple[str, dict[str, Any]]
_PATH_COLUMN = re.compile(r"^ *path TEXT NOT NULL,.*\n", re.MULTILINE)
ROLE_OF = {"victims": "victim", "perpetrators": "perpetrator"}


def cell(value: Any) -> str:
    """A CSV cell: lists joined with '; ', maps as 'key: value' pairs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {cell(v)}" for k, v in value.items())
    return str(value)


def _children(schema: Schema, key: str) -> list[str]:
    # The schema's own field order, so a field a team adds shows up as a column.
    return schema.key_order((key, "*"))


PROFILE_COLUMNS = ["id", "name", "names", "aliases", "kind", "occupation", "affiliation", "confidential",
                   "external_ids", "description"]


def profile_rows(profiles: Iterable[Row]) -> Iterator[dict[str, str]]:
    """One CSV row per actor profile."""
    for _, profile in profiles:
        yield {k: cell(profile.get(k)) if k in profile else "" for k in PROFILE_COLUMNS}


def table_columns(schema: Schema, table: str, *, paths: bool = True) -> list[str]:
    if table == "profiles":
        return list(PROFILE_COLUMNS)
    if table == "incidents":
        return model.flat_columns(paths=paths)
    columns = ["incident_id", *_children(schema, table)]
    if table == "acts":
        columns.insert(1, "act_idx")
    if table == "actors":
        columns.append("roles")
    return columns


def table_rows(schema: Schema, table: str, rows: Iterable[Row]) -> Iterator[dict[str, str]]:
    """One CSV row per incident, or per act / actor / source keyed by incident id."""
    for path, record in rows:
        if table == "incidents":
            yield model.flat_row(path, record)
            continue
        rid = str(record.get("id", ""))
        if table == "acts":
            names = model.actor_names(record)
            for idx, act in enumerate(model.items(record, "acts")):
                row = {"incident_id": rid, "act_idx": str(idx)}
                for key, value in act.items():
                    if key in ROLE_OF and isinstance(value, list):
                        value = [names.get(str(ref), str(ref)) for ref in value]
                    row[key] = cell(value)
                yield row
        elif table == "actors":
            roles = _roles(record)
            for actor in model.items(record, "actors"):
                row = {"incident_id": rid, **{k: cell(v) for k, v in actor.items()}}
                row["roles"] = "; ".join(roles.get(str(actor.get("ref")), ["other"]))
                yield row
        else:
            for item in model.items(record, table):
                yield {"incident_id": rid, **{k: cell(v) for k, v in item.items()}}


def _roles(record: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for act in model.items(record, "acts"):
        for key, role in ROLE_OF.items():
            refs = act.get(key)
            for ref in refs if isinstance(refs, list) else []:
                if role not in out.setdefault(str(ref), []):
                    out[str(ref)].append(role)
    return out


# -- SQLite ---------------------------------------------------------------------

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    title TEXT, date TEXT, date_start TEXT, date_end TEXT, date_text TEXT,
    status TEXT, country TEXT, region TEXT, place TEXT, lat REAL, lon REAL, precision TEXT,
    confidentiality TEXT, duplicate_of TEXT, description TEXT,
    recorded_by TEXT, recorded_on TEXT,
    path TEXT NOT NULL,  -- left out of a database without paths (a public export)
    record TEXT NOT NULL  -- the whole record as JSON, fields added to the schema included
);
-- Acts and actors have an integer key (numbering the rows of this database,
-- not stable across exports) so that every foreign key is one column, as
-- Datasette and sqlite-utils need to follow it; (incident_id, idx) and
-- (incident_id, ref) stay unique and are kept in the tables that point there.
CREATE TABLE acts (
    act_id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    type TEXT, date TEXT, date_start TEXT, date_end TEXT,
    legal_basis TEXT, outcome TEXT, description TEXT,
    UNIQUE (incident_id, idx)
);
-- Actor profiles (actors/<id>.yaml): a public export holds only the public ones.
CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    name TEXT, kind TEXT, occupation TEXT, affiliation TEXT, description TEXT,
    confidential INTEGER NOT NULL DEFAULT 0,
    names TEXT, aliases TEXT, external_ids TEXT,  -- JSON
    record TEXT NOT NULL  -- the whole profile as JSON
);
CREATE TABLE actors (
    actor_id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    name TEXT, kind TEXT, occupation TEXT, affiliation TEXT,
    confidential INTEGER NOT NULL DEFAULT 0,
    profile_id TEXT REFERENCES profiles(id),
    UNIQUE (incident_id, ref)
);
CREATE TABLE actor_names (
    actor_id INTEGER NOT NULL REFERENCES actors(actor_id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    lang TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (actor_id, lang)
);
CREATE TABLE act_actors (
    act_id INTEGER NOT NULL REFERENCES acts(act_id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES actors(actor_id) ON DELETE CASCADE,  -- NULL: a ref no actor has
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    act_idx INTEGER NOT NULL,
    actor_ref TEXT NOT NULL,
    role TEXT NOT NULL,  -- victim | perpetrator
    PRIMARY KEY (act_id, actor_ref, role)
);
CREATE TABLE sources (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    title TEXT, publisher TEXT, url TEXT, published TEXT, type TEXT, reliability TEXT,
    language TEXT, archived_url TEXT, file TEXT, sha256 TEXT, size INTEGER, captured TEXT,
    added_by TEXT, confidential INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, ref)
);
CREATE TABLE interventions (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    type TEXT, intervened_by TEXT, addressed_to TEXT, date TEXT, description TEXT,
    PRIMARY KEY (incident_id, idx)
);
CREATE TABLE tags (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    PRIMARY KEY (incident_id, value)
);
CREATE TABLE rights (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    PRIMARY KEY (incident_id, value)
);
CREATE TABLE related (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    related_id TEXT NOT NULL,  -- may name an incident left out of this export
    PRIMARY KEY (incident_id, related_id)
);
CREATE INDEX incidents_date ON incidents(date_start, date_end);
CREATE INDEX incidents_country ON incidents(country);
CREATE INDEX incidents_status ON incidents(status);
CREATE INDEX acts_type ON acts(type);
CREATE INDEX actors_name ON actors(name);
CREATE INDEX actor_names_name ON actor_names(name);
CREATE INDEX act_actors_actor ON act_actors(actor_id);
CREATE INDEX act_actors_ref ON act_actors(incident_id, actor_ref);
CREATE INDEX sources_url ON sources(url);
CREATE INDEX tags_value ON tags(value);
CREATE INDEX rights_value ON rights(value);
CREATE INDEX related_id ON related(related_id);
"""


def _sql(value: Any) -> Any:
    """A value SQLite can store; structures (only in invalid records) as JSON."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return json.dumps(value, ensure_ascii=False)


def _bounds(text: Any) -> tuple[str | None, str | None]:
    lower, upper = model.date_bounds({"date": text})
    return (lower.isoformat() if lower else None, upper.isoformat() if upper else None)


def _insert(conn: Any, table: str, row: dict[str, Any]) -> int | None:
    """Insert a row; its rowid, or None when it was left out."""
    # OR IGNORE: an invalid record (a ref used twice) must not stop the export.
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = conn.execute(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})",
                          [_sql(v) for v in row.values()])
    return int(cursor.lastrowid) if cursor.rowcount == 1 else None


def _pick(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: item.get(k) for k in keys}


def write_sqlite(conn: Any, rows: Iterable[Row], meta: dict[str, str],
                 warn: Callable[[str], None], *, paths: bool = True, profiles: Iterable[Row] = ()) -> int:
    """Fill an empty database with the rows; returns how many incidents went in.

    A second record with an id already written (an invalid ledger) is left
    out and reported through warn, as is a record without an id.  Without
    paths, incidents has no path column.
    """
    conn.executescript(DDL if paths else _PATH_COLUMN.sub("", DDL, count=1))
    for _, profile in profiles:
        if isinstance(profile.get("id"), str):
            _insert(conn, "profiles", {
                **_pick(profile, "id", "name", "kind", "occupation", "affiliation", "description"),
                "confidential": profile.get("confidential") is True,
                **{k: json.dumps(profile[k], ensure_ascii=False) if k in profile else None
                   for k in ("names", "aliases", "external_ids")},
                "record": json.dumps(profile, ensure_ascii=False)})
    written: set[str] = set()
    for path, record in rows:
        rid = record.get("id")
        if not isinstance(rid, str) or rid in written:
            warn(f"{path or 'a record'}: left out of the database: "
                 + ("it has no id" if not isinstance(rid, str) else f"id {rid} is used twice"))
            continue
        written.add(rid)
        _write_record(conn, path if paths else "", record)
    meta = {**meta, "incidents": str(len(written))}
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
    return len(written)


def _write_record(conn: Any, path: str, record: dict[str, Any]) -> None:
    rid = record["id"]
    flat = model.flat_row(path, record)
    loc = record.get("location") if isinstance(record.get("location"), dict) else {}
    assert isinstance(loc, dict)
    _insert(conn, "incidents", {
        **{k: flat[k] or None for k in (
            "id", "title", "date", "date_start", "date_end", "date_text", "status", "country",
            "region", "place", "confidentiality", "duplicate_of", "description",
            "recorded_by", "recorded_on")},
        "lat": loc.get("lat"), "lon": loc.get("lon"), "precision": loc.get("precision"),
        **({"path": path} if path else {}), "record": json.dumps(record, ensure_ascii=False),
    })
    actor_ids: dict[str, int] = {}  # ref -> actor_id
    for actor in model.items(record, "actors"):
        ref = actor.get("ref")
        actor_id = _insert(conn, "actors", {
            "incident_id": rid, "confidential": actor.get("confidential") is True,
            "profile_id": actor.get("profile") if isinstance(actor.get("profile"), str) else None,
            **_pick(actor, "ref", "name", "kind", "occupation", "affiliation")})
        if actor_id is None:  # no ref, or one used twice (an invalid record): the first actor stands
            continue
        if isinstance(ref, str):
            actor_ids[ref] = actor_id
        names = actor.get("names")
        for lang, name in names.items() if isinstance(names, dict) else ():
            _insert(conn, "actor_names",
                    {"actor_id": actor_id, "incident_id": rid, "ref": ref, "lang": lang, "name": name})
    for idx, act in enumerate(model.items(record, "acts")):
        start, end = _bounds(act.get("date"))
        act_id = _insert(conn, "acts", {
            "incident_id": rid, "idx": idx, "date_start": start, "date_end": end,
            **_pick(act, "type", "date", "legal_basis", "outcome", "description")})
        for key, role in ROLE_OF.items():
            refs = act.get(key)
            for ref in refs if isinstance(refs, list) else []:
                _insert(conn, "act_actors", {
                    "act_id": act_id, "actor_id": actor_ids.get(ref) if isinstance(ref, str) else None,
                    "incident_id": rid, "act_idx": idx, "actor_ref": ref, "role": role})
    for source in model.items(record, "sources"):
        _insert(conn, "sources", {"incident_id": rid, "confidential": source.get("confidential") is True,
                                  **_pick(source, "ref", "title", "publisher", "url", "published", "type",
                                          "reliability", "language", "archived_url", "file", "sha256",
                                          "size", "captured", "added_by")})
    for idx, iv in enumerate(model.items(record, "interventions")):
        _insert(conn, "interventions", {"incident_id": rid, "idx": idx, "intervened_by": iv.get("by"),
                                        "addressed_to": iv.get("to"),
                                        **_pick(iv, "type", "date", "description")})
    for table, key in (("tags", "tags"), ("rights", "rights")):
        for value in model.strings(record, key):
            _insert(conn, table, {"incident_id": rid, "value": value})
    for other in model.strings(record, "related"):
        _insert(conn, "related", {"incident_id": rid, "related_id": other})
