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
        "recorded_on": recorded_date(record),
        **({"path": path} if path else {}),
    }


def recorded_date(record: Record) -> str:
    """When the record was entered: recorded.date (schema 2) or recorded.on (schema 1)."""
    recorded = record.get("recorded")
    if not isinstance(recorded, dict):
        return ""
    value = recorded.get("date", recorded.get("on"))
    return str(value) if value is not None else ""


PROFILE_FIELDS = ("name", "names", "aliases", "kind", "occupation", "affiliation")


def with_profiles(record: Record, profiles: dict[str, dict[str, Any]], *, public: bool = False) -> Record:
    """A copy of record (for views, never for writing) in which each actor
    with a `profile:` takes what it leaves out from that profile, and is
    confidential when the profile is.  public: an actor whose profile is not
    among profiles (unreadable, or missing) is confidential too, since nothing
    says it may be published and its profile id may itself be a name."""
    actors = record.get("actors")
    if (not profiles and not public) or not isinstance(actors, list) or not any(
            isinstance(a, dict) and "profile" in a for a in actors):
        return record
    out = dict(record)
    out["actors"] = [_resolved(a, profiles, public) for a in actors]
    return out


def confidential_profile(profile: dict[str, Any]) -> bool:
    """A profile whose actors must not be published: any `confidential`
    other than absent or false (so a malformed one withholds rather than leaks)."""
    return profile.get("confidential") not in (None, False)


def _resolved(actor: Any, profiles: dict[str, dict[str, Any]], public: bool) -> Any:
    if not isinstance(actor, dict) or "profile" not in actor:
        return actor
    profile = profiles.get(actor["profile"]) if isinstance(actor["profile"], str) else None
    if profile is None:
        return {**actor, "confidential": True} if public else actor
    out = dict(actor)
    for key in PROFILE_FIELDS:
        if key in profile and key not in out:
            out[key] = profile[key]
    if isinstance(profile.get("aliases"), list) and isinstance(out.get("aliases"), list):
        out["aliases"] = list(dict.fromkeys([*out["aliases"], *profile["aliases"]]))
    if confidential_profile(profile):
        out["confidential"] = True
    return out
