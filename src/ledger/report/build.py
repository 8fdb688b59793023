"""Build the report site: from records, counts and profiles to HTML files in a folder.

Everything that reaches a page goes through a Jinja2 template with
autoescape on; links are made only from http(s) URLs; every page carries a
Content-Security-Policy that forbids loading anything from another host, so
even a bug here cannot make an opened report call out.  The builder takes
what it is given (a public view's rows when the report is public) and adds
nothing from the ledger's files: no paths, no names it was not handed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ledger.core import edtf, model
from ledger.core.summary import Summary, describe_bucket, is_imprecise
from ledger.report import charts, worldmap

Row = tuple[str, dict[str, Any]]

# The keys the overview counts, as `ledger summary --by KEY` names them.
KEYS = ("year", "month", "country", "act", "right", "status")
MARKER = "ledger-report.json"  # marks a folder as a report, so a rebuild may replace it
CSP = ("default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "base-uri 'none'; form-action 'none'")
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,99}$")
_URL_BAD = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\`]")
NONE_LABEL = "(none)"


@dataclass
class Site:
    """What a report shows: the records, the counts of each key, and how they were chosen."""

    rows: list[Row]
    counts: dict[str, Summary]
    public: bool
    withheld: Any = None  # core.redact.Withheld, for a public report
    profiles: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[tuple[str, str]] = field(default_factory=list)  # (option, value shown)
    version: str = ""
    today: dt.date = field(default_factory=dt.date.today)


# -- small helpers the templates use ------------------------------------------------

def safe_url(value: Any) -> str | None:
    """value when it is an absolute http(s) URL without spaces or quotes, else None."""
    if not isinstance(value, str) or _URL_BAD.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def page_name(record_id: Any) -> str | None:
    """The file name of a record's or profile's page: its id when the id is a
    plain one (the schema's pattern), else None (no page; an invalid id cannot
    name a file)."""
    return f"{record_id}.html" if isinstance(record_id, str) and _SAFE_ID.match(record_id) else None


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def date_meaning(value: Any) -> str:
    try:
        return edtf.parse(str(value)).describe() if value else ""
    except edtf.EdtfError:
        return ""


def sort_date(record: dict[str, Any]) -> str:
    lower, _ = model.date_bounds(record)
    return lower.isoformat() if lower else ""


# -- the pages --------------------------------------------------------------------------

@cache
def _environment() -> Any:
    import jinja2

    folder = resources.files("ledger").joinpath("data/report/templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,  # every value from records is text, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(safe_url=safe_url, page_name=page_name, text=text, date_meaning=date_meaning,
                       describe_bucket=describe_bucket, CSP=CSP, NONE_LABEL=NONE_LABEL)
    return env


def write_site(site: Site, folder: Path) -> int:
    """Every page of the site into folder (empty, made by the caller); the number of files."""
    env = _environment()
    pages = Pages(site)
    common = {"site": site, "nav": pages.nav, "withheld": _withheld(site)}
    written = 0

    def put(rel: str, template: str, root: str = "", **values: Any) -> None:
        nonlocal written
        html = env.get_template(template).render(**common, root=root, here=rel, **values)
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written += 1

    put("index.html", "overview.html", overview=pages.overview())
    put("map.html", "map.html", map=pages.map())
    put("incidents.html", "table.html", table=pages.table())
    put("method.html", "method.html", method=pages.method())
    for name, path, record in pages.incident_pages():
        put(f"incidents/{name}", "incident.html", "../", r=record, view=pages.incident(record, path))
    if pages.profile_pages:
        put("actors.html", "actors.html", profiles=pages.profile_index())
        for name, profile in pages.profile_pages:
            put(f"actors/{name}", "profile.html", "../", p=profile, view=pages.profile(profile))
    assets = resources.files("ledger").joinpath("data/report/assets")
    (folder / "assets").mkdir(exist_ok=True)
    for asset in ("style.css", "table.js"):
        (folder / "assets" / asset).write_bytes(assets.joinpath(asset).read_bytes())
        written += 1
    marker = {"version": 1, "generator": f"ledger {site.version}".strip(), "public": site.public,
              "incidents": len(site.rows)}
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return written + 1


def _withheld(site: Site) -> dict[str, int] | None:
    w = site.withheld
    if not site.public or w is None:
        return None
    return {"records": int(w.records), "actors": int(w.actors), "sources": int(w.sources)}


class Pages:
    """The values each template shows, computed once per site."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.pages: dict[str, str] = {}  # record id -> page file name
        for _, r in site.rows:
            name = page_name(r.get("id"))
            if name is not None and r["id"] not in self.pages:
                self.pages[r["id"]] = name
        self.profile_pages: list[tuple[str, dict[str, Any]]] = []
        self.profile_names: dict[str, str] = {}
        for p in site.profiles:
            name = page_name(p.get("id"))
            if name is not None and p["id"] not in self.profile_names:
                self.profile_names[p["id"]] = name
                self.profile_pages.append((name, p))
        self.nav = [("index.html", "Overview"), ("map.html", "Map"), ("incidents.html", "Incidents")]
        if self.profile_pages:
            self.nav.append(("actors.html", "Actors"))
        self.nav.append(("method.html", "How we count"))

    def page_of(self, record_id: Any) -> str | None:
        return self.pages.get(record_id) if isinstance(record_id, str) else None

    # overview ------------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        rows = self.site.rows
        lowers = [b for b in (model.date_bounds(r)[0] for _, r in rows) if b]
        countries = {model.country(r) for _, r in rows if model.country(r)}
        counts = self.site.counts
        return {
            "total": len(rows),
            "countries": len(countries),
            "first": min(lowers).isoformat() if lowers else "",
            "last": max(lowers).isoformat() if lowers else "",
            "year": charts.time_chart(counts["year"]),
            "month": charts.time_chart(counts["month"]),
            "facets": [(key, title, charts.bar_rows(counts[key], _country if key == "country" else None))
                       for key, title in (
                ("country", "By country"), ("act", "By act"), ("right", "By right affected"),
                ("status", "By status"))],
        }

    # map -----------------------------------------------------------------------------
    def map(self) -> dict[str, Any]:
        placed: dict[tuple[float, float], list[dict[str, Any]]] = {}
        unplaced: Counter[str] = Counter()
        for _, r in self.site.rows:
            point = _coordinates(r)
            if point is None:
                unplaced[model.country(r).upper()] += 1
            else:
                placed.setdefault(worldmap.project(*point), []).append(r)
        most = max(unplaced.values(), default=0)
        by_numeric = {worldmap.numeric_of(code): (code, n) for code, n in unplaced.items() if code}
        shapes = []
        for c in worldmap.countries():
            code, n = by_numeric.get(c.numeric, ("", 0))
            shapes.append({"name": c.name, "path": c.path, "code": code, "count": n,
                           "level": charts.level(n, most)})
        dots = []
        for (x, y), records in sorted(placed.items()):
            first = records[0]
            dots.append({"x": x, "y": y, "count": len(records), "r": charts.dot_radius(len(records)),
                         "page": self.page_of(first.get("id")) if len(records) == 1 else None,
                         "label": text(first.get("title")) if len(records) == 1
                         else f"{len(records)} incidents here"})
        country_rows = charts.bar_rows(self.site.counts["country"], _country)
        return {"width": worldmap.WIDTH, "height": worldmap.HEIGHT, "shapes": shapes, "dots": dots,
                "placed": sum(len(v) for v in placed.values()), "unplaced": sum(unplaced.values()),
                "countries": country_rows, "most": most}

    # table ---------------------------------------------------------------------------
    def table(self) -> list[dict[str, Any]]:
        out = []
        for _, r in sorted(self.site.rows, key=lambda row: (sort_date(row[1]), text(row[1].get("id")))):
            out.append({"page": self.page_of(r.get("id")), "title": text(r.get("title")) or "(untitled)",
                        "date": text(r.get("date")), "sort_date": sort_date(r),
                        "country": model.country(r), "place": model.location_text(r),
                        "acts": ", ".join(model.act_types(r)), "status": text(r.get("status")),
                        "id": text(r.get("id"))})
        return out

    # one incident --------------------------------------------------------------------
    def incident_pages(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        seen = set()
        for path, r in self.site.rows:
            rid = r.get("id")
            if rid in self.pages and rid not in seen:
                seen.add(rid)
                yield self.pages[rid], path, r

    def incident(self, r: dict[str, Any], path: str = "") -> dict[str, Any]:
        """What `ledger show` shows (a public view's rows have no path)."""
        names = model.actor_names(r)
        acts = []
        for act in model.items(r, "acts"):
            acts.append({"type": text(act.get("type")) or "(no type)", "date": text(act.get("date")),
                         "victims": _refs(act.get("victims"), names),
                         "perpetrators": _refs(act.get("perpetrators"), names),
                         "legal_basis": text(act.get("legal_basis")), "outcome": text(act.get("outcome")),
                         "description": text(act.get("description"))})
        actors = []
        for a in model.items(r, "actors"):
            other = a.get("names") if isinstance(a.get("names"), dict) else {}
            assert isinstance(other, dict)
            profile = a.get("profile")
            actors.append({"name": text(a.get("name")) or text(profile) or text(a.get("ref")),
                           "ref": text(a.get("ref")),
                           "names": [(text(k), text(v)) for k, v in other.items()],
                           "aliases": text(a.get("aliases")), "kind": text(a.get("kind")),
                           "occupation": text(a.get("occupation")),
                           "affiliation": text(a.get("affiliation")),
                           "confidential": bool(a.get("confidential")),
                           "profile": self.profile_names.get(profile) if isinstance(profile, str) else None})
        related = [(text(x), self.page_of(x)) for x in model.strings(r, "related")]
        dup = r.get("duplicate_of")
        recorded = r.get("recorded") if isinstance(r.get("recorded"), dict) else {}
        assert isinstance(recorded, dict)
        return {
            "facts": [("Date", text(r.get("date"))), ("Date means", date_meaning(r.get("date"))),
                      ("Date as told", text(r.get("date_text"))), ("Where", model.location_text(r)),
                      ("Coordinates", _coordinates_text(r)), ("Status", text(r.get("status"))),
                      ("Confidentiality", text(r.get("confidentiality")) or "public"),
                      ("Rights", ", ".join(model.strings(r, "rights"))),
                      ("Tags", ", ".join(model.strings(r, "tags"))), ("File", path)],
            "related": related,
            "duplicate_of": (text(dup), self.page_of(dup)) if dup else None,
            "acts": acts, "actors": actors, "sources": [_source(s) for s in model.items(r, "sources")],
            "interventions": [{k: text(iv.get(k)) for k in ("type", "date", "by", "to", "description")}
                              for iv in model.items(r, "interventions")],
            "description": text(r.get("description")).rstrip(),
            "recorded": [(k, text(v)) for k, v in recorded.items()],
        }

    # profiles ------------------------------------------------------------------------
    def _incidents_of(self) -> dict[str, list[tuple[str, str | None]]]:
        found: dict[str, list[tuple[str, str | None]]] = {}
        for _, r in self.site.rows:
            for a in model.items(r, "actors"):
                pid = a.get("profile")
                if isinstance(pid, str) and pid in self.profile_names:
                    entry = (text(r.get("title")) or text(r.get("id")), self.page_of(r.get("id")))
                    if entry not in found.setdefault(pid, []):
                        found[pid].append(entry)
        return found

    def profile_index(self) -> list[dict[str, Any]]:
        incidents = self._incidents_of()
        return [{"page": name, "name": text(p.get("name")) or text(p.get("id")), "kind": text(p.get("kind")),
                 "count": len(incidents.get(p["id"], []))} for name, p in self.profile_pages]

    def profile(self, p: dict[str, Any]) -> dict[str, Any]:
        other = p.get("names") if isinstance(p.get("names"), dict) else {}
        assert isinstance(other, dict)
        external = p.get("external_ids") if isinstance(p.get("external_ids"), dict) else {}
        assert isinstance(external, dict)
        return {"facts": [("Kind", text(p.get("kind"))), ("Occupation", text(p.get("occupation"))),
                          ("Affiliation", text(p.get("affiliation"))),
                          ("Other names", "; ".join(f"{text(k)}: {text(v)}" for k, v in other.items())),
                          ("Aliases", text(p.get("aliases"))),
                          ("External ids", "; ".join(f"{text(k)}: {text(v)}" for k, v in external.items()))],
                "description": text(p.get("description")).rstrip(),
                "sources": [_source(s) for s in model.items(p, "sources")],
                "incidents": self._incidents_of().get(p["id"], [])}

    # method --------------------------------------------------------------------------
    def method(self) -> dict[str, Any]:
        year = self.site.counts["year"]
        month = self.site.counts["month"]
        return {"imprecise_years": sum(n for (v,), n in year.rows if is_imprecise(v)),
                "imprecise_months": sum(n for (v,), n in month.rows if is_imprecise(v)),
                "undated": year.margins[0].get(None, 0)}


def _country(code: str) -> str:
    from ledger.core import countries

    return countries.name(code) if len(code) == 2 else ""


def _refs(value: Any, names: dict[str, str]) -> str:
    if isinstance(value, list):
        return ", ".join(names.get(str(x), str(x)) for x in value)
    return text(value)


def _source(s: dict[str, Any]) -> dict[str, Any]:
    label = " \u2014 ".join(text(s.get(k)) for k in ("publisher", "title") if s.get(k))
    return {"label": label or "(untitled source)", "ref": text(s.get("ref")),
            "url": safe_url(s.get("url")), "url_text": text(s.get("url")),
            "archived": safe_url(s.get("archived_url")), "archived_text": text(s.get("archived_url")),
            "file": text(s.get("file")), "published": text(s.get("published")), "type": text(s.get("type")),
            "reliability": text(s.get("reliability")), "language": text(s.get("language")),
            "confidential": bool(s.get("confidential"))}


def _coordinates(r: dict[str, Any]) -> tuple[float, float] | None:
    loc = r.get("location")
    if not isinstance(loc, dict):
        return None
    lat, lon = loc.get("lat"), loc.get("lon")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (lat, lon)):
        return None
    assert isinstance(lat, (int, float)) and isinstance(lon, (int, float))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lon), float(lat)


def _coordinates_text(r: dict[str, Any]) -> str:
    point = _coordinates(r)
    return "" if point is None else f"{point[1]:g}, {point[0]:g}"


def criteria_shown(options: Sequence[tuple[str, Sequence[str]]], public: bool) -> list[tuple[str, str]]:
    """The filters a report was built with, for its method page.  In a public
    report free-text filters (which may hold any name) are said to be given,
    not shown."""
    hidden = {"--actor", "--text", "--where"}
    out = []
    for option, values in options:
        if values:
            out.append((option, "(given)" if public and option in hidden else ", ".join(values)))
    return out
