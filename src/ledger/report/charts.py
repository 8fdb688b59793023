"""Chart geometry from counts: numbers for the SVG the templates draw.

A time series keeps `ledger summary`'s buckets as they are: an incident
dated "2020" is not spread over twelve months nor pinned to January; it
stands in its own bucket (2020-XX, "2020, month unknown"), drawn hatched
right after December, so a reader sees how much of the picture is imprecise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ledger.core.summary import Summary, describe_bucket, is_imprecise

WIDTH = 960
HEIGHT = 240
TOP, BOTTOM, LEFT, RIGHT = 12, 40, 44, 8
LEVELS = 5  # colour classes of the map


def _label(value: Any) -> str:
    return "(no date)" if value is None else str(value)


def time_chart(summary: Summary) -> dict[str, Any]:
    """Bars of a one-key time summary, with ticks and the counts as a table."""
    rows = [(combo[0], n) for combo, n in summary.rows]
    dated = [(v, n) for v, n in rows if v is not None]
    undated = sum(n for v, n in rows if v is None)
    most = max((n for _, n in dated), default=0)
    top = _nice(most)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(dated), 1)
    monthly = any("-" in str(v) for v, _ in dated)
    bars = []
    for i, (value, n) in enumerate(dated):
        h = 0.0 if top == 0 else plot_h * n / top
        x = LEFT + i * step
        text = str(value)
        tick = None
        if not monthly and (len(dated) <= 30 or i % math.ceil(len(dated) / 30) == 0):
            tick = text
        elif monthly and (text.endswith("-01") or (len(dated) <= 24 and not is_imprecise(value))):
            tick = text[:4] if text.endswith("-01") and len(dated) > 24 else text
        w = min(max(step * 0.8, 0.5), 48.0)
        bars.append({"x": round(x + (step - w) / 2, 2), "w": round(w, 2),
                     "y": round(TOP + plot_h - h, 2), "h": round(h, 2), "count": n,
                     "value": text, "label": describe_bucket(value), "imprecise": is_imprecise(value),
                     "tick": tick, "tick_x": round(x + step / 2, 2)})
    grid = [{"y": round(TOP + plot_h - plot_h * g / top, 2), "value": g}
            for g in _grid(top)] if top else []
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "grid": grid, "left": LEFT,
            "right": WIDTH - RIGHT, "base": TOP + plot_h, "undated": undated,
            "imprecise": sum(n for v, n in dated if is_imprecise(v)),
            "rows": [{"value": _label(v), "label": describe_bucket(v) if v is not None else "(no date)",
                      "count": n, "imprecise": is_imprecise(v), "raw": v} for v, n in rows],
            "total": summary.total}


def bar_rows(summary: Summary, name: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Rows of a one-key summary with each bar's length in percent of the largest
    (name: a longer label for a value, e.g. a country's name for its code)."""
    rows = [(combo[0], n) for combo, n in summary.rows]
    most = max((n for _, n in rows), default=0)

    def label(v: Any) -> str:
        if v is None:
            return "(none)"
        longer = name(str(v)) if name is not None else ""
        return f"{v} \u00b7 {longer}" if longer and longer != str(v) else str(v)

    return {"total": summary.total, "multiple": summary.multiple,
            "rows": [{"value": v, "label": label(v), "count": n,
                      "pct": round(100 * n / most, 1) if most else 0} for v, n in rows]}


def level(n: int, most: int) -> int:
    """The colour class (0: none, 1..LEVELS) of a country holding n of at most most incidents."""
    if n <= 0 or most <= 0:
        return 0
    return max(1, math.ceil(LEVELS * math.log1p(n) / math.log1p(most)))


def dot_radius(n: int) -> float:
    return round(2.5 + 1.5 * math.sqrt(max(n - 1, 0)), 1)


def _nice(n: int) -> int:
    """A round number at or above n for the top of an axis."""
    if n <= 5:
        return n
    magnitude = 10 ** int(math.log10(n))
    for m in (1, 2, 2.5, 5, 10):
        if n <= m * magnitude:
            return int(m * magnitude)
    return n


def _grid(top: int) -> list[int]:
    """Grid lines at round steps (1, 2, 5, 10, 25 ...), three to six of them."""
    if top <= 5:
        return list(range(1, top + 1))
    magnitude = 10 ** int(math.log10(top))
    for step in (magnitude // 10 or 1, magnitude // 5 or 1, magnitude // 4 or 1, magnitude // 2 or 1,
                 magnitude, magnitude * 2, magnitude * 5):
        if top // step <= 6:
            return list(range(step, top + 1, step))
    return [top]
