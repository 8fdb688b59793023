"""A world map as SVG path data, from the Natural Earth boundaries shipped in
``ledger/data/report/countries-110m.json`` (TopoJSON), in an equirectangular
projection: x = longitude, y = -latitude, scaled.  Drawn once at build time,
so the opened page needs no script and fetches no tiles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

WIDTH = 960.0
HEIGHT = 420.0  # latitudes from 84 N to 56 S: Antarctica left out, the rest larger
NORTH, SOUTH = 84.0, -56.0


def project(lon: float, lat: float) -> tuple[float, float]:
    """Longitude and latitude (degrees) to x, y in the map's box."""
    x = (lon + 180.0) / 360.0 * WIDTH
    y = (NORTH - lat) / (NORTH - SOUTH) * HEIGHT
    return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class Country:
    numeric: str  # ISO 3166-1 numeric, as Natural Earth gives it
    name: str
    path: str  # SVG path data


def _arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every arc decoded from its delta-encoded, quantised form to degrees."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _ring(arcs: list[list[tuple[float, float]]], refs: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for ref in refs:
        arc = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        points.extend(arc[1:] if points else arc)  # arcs share their end points
    return points


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        if len(ring) < 3 or all(lat < SOUTH for _, lat in ring):
            continue  # Antarctica lies below the map
        out = []
        shift, prev = 0.0, None
        for lon, lat in ring:
            lon += shift
            # A ring that crosses the antimeridian (Russia, Fiji) goes on past
            # the edge of the map (where the SVG clips it) instead of drawing
            # a line back across the whole world.
            if prev is not None and abs(lon - prev) > 180:
                turn = 360.0 if lon < prev else -360.0
                shift, lon = shift + turn, lon + turn
            x, y = project(lon, max(min(lat, NORTH), SOUTH))
            out.append(f"{'L' if prev is not None else 'M'}{x:g},{y:g}")
            prev = lon
        parts.append("".join(out) + "Z")
    return "".join(parts)


@cache
def countries() -> tuple[Country, ...]:
    text = resources.files("ledger").joinpath("data/report/countries-110m.json").read_text("utf-8")
    topo = json.loads(text)
    arcs = _arcs(topo)
    found = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        polygons = ([geometry["arcs"]] if kind == "Polygon" else
                    geometry["arcs"] if kind == "MultiPolygon" else [])
        rings = [_ring(arcs, ring) for polygon in polygons for ring in polygon]
        path = _path(rings)
        if path:
            found.append(Country(str(geometry.get("id", "")), str(geometry["properties"].get("name", "")),
                                 path))
    return tuple(found)


@cache
def numeric_of(alpha2: str) -> str:
    """ISO 3166-1 numeric code of an alpha-2 code ('' when unknown)."""
    import pycountry

    found = pycountry.countries.get(alpha_2=alpha2.upper()) if len(alpha2) == 2 else None
    return str(found.numeric) if found is not None else ""
