"""Read-only helpers over one record's data (a plain dict as loaded)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.core import edtf

Record = dict[str, Any]


def items(record: Record, key: str) -> list[dict[str, Any]]:
    value = record.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def act_types(record: Record) -> list[str]:
    seen: list[str] = []
    for act in items(record, "acts"):
        t = act.get("type")
        if isinstance(t, str) and t not in seen:
            seen.append(t)
    return seen


def actor_names(record: Record) -> dict[str, str]:
    return {str(a.get("ref")): str(a.get("name", a.get("ref"))) for a in items(record, "actors")}


def role_names(record: Record, role: str) -> list[str]:
    names = actor_names(record)
    out: list[str] = []
    for act in items(record, "acts"):
        refs = act.get(role)
        for ref in refs if isinstance(refs, list) else []:
            name = names.get(str(ref), str(ref))
            if name not in out:
                out.append(name)
    return out


def date_bounds(record: Record) -> tuple[dt.date | None, dt.date | None]:
    value = record.get("date")
    if not isinstance(value, str):
        return None, None
    try:
        parsed = edtf.parse(value)
    except edtf.EdtfError:
        return None, None
    return parsed.lower, parsed.upper


def country(record: Record) -> str:
    loc = record.get("location")
    return str(loc.get("country", "")) if isinstance(loc, dict) else ""


def location_text(record: Record) -> str:
    loc = record.get("location")
    if not isinstance(loc, dict):
        return ""
    parts = [loc.get("place"), loc.get("region"), loc.get("country")]
    return ", ".join(str(p) for p in parts if p)


def strings(record: Record, key: str) -> list[str]:
    value = record.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def flat_columns(*, paths: bool = True) -> list[str]:
    """The columns of flat_row; without the path for rows that have none."""
    return list(flat_row("-" if paths else "", {}))


def flat_row(path: str, record: Record) -> dict[str, str]:
    """One CSV row per incident: stable column names, lists joined with '; '.

    A row without a path (a public view's) has no path column.
    """
    lower, upper = date_bounds(record)
    loc = record.get("location") if isinstance(record.get("location"), dict) else {}
    assert isinstance(loc, dict)
    sources = items(record, "sources")
    recorded = record.get("recorded") if isinstance(record.get("recorded"), dict) else {}
    assert isinstance(recorded, dict)

    def j(values: list[str]) -> str:
        return "; ".join(values)

    return {
        "id": str(record.get("id", "")),
        "title": str(record.get("title", "")),
        "date": str(record.get("date", "")),
        "date_start": lower.isoformat() if lower else "",
        "date_end": upper.isoformat() if upper else "",
        "date_text": str(record.get("date_text", "")),
        "status": str(record.get("status", "")),
        "country": str(loc.get("country", "")),
        "region": str(loc.get("region", "")),
        "place": str(loc.get("place", "")),
        "lat": str(loc.get("lat", "")),
        "lon": str(loc.get("lon", "")),
        "acts": j(act_types(record)),
        "victims": j(role_names(record, "victims")),
        "perpetrators": j(role_names(record, "perpetrators")),
        "actors": j([str(a.get("name", "")) for a in items(record, "actors")]),
        "sources": j([str(s.get("url") or s.get("title") or s.get("file") or "") for s in sources]),
        "rights": j(strings(record, "rights")),
        "tags": j(strings(record, "tags")),
        "related": j(strings(record, "related")),
        "duplicate_of": str(record.get("duplicate_of", "")),
        "confidentiality": str(record.get("confidentiality", "public")),
        "description": str(record.get("description", "")),
        "recorded_by": str(recorded.get("by", "")),
        "recorded_on": str(recorded.get("on", "")),
        **({"path": path} if path else {}),
    }
