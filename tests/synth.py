"""Synthetic, valid incident records for tests that compute their own answers.

``generate(n, seed)`` makes records as plain dicts (what the ledger loads),
varied where the filters have edges: every EDTF precision, intervals that
cross month and year ends, open and unknown ends, unspecified digits,
qualifiers and seasons; actors named in Latin and Cyrillic (some spelled
only in Cyrillic, some in decomposed Unicode); restricted and confidential
records; confidential actors and sources.  ``write_ledger`` lays them out
as a ledger with this repository's schema.

``bounds(text)`` and ``fold(text)`` are the tests' own reading of dates and
text, written without ledger's code so that expected answers do not share
its bugs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# "NO" is here for YAML 1.1's trap (it would load as false).
COUNTRIES = ["KZ", "KG", "UZ", "RU", "BY", "NO"]
REGIONS = {"KZ": ["Almaty", "Astana", "Mangystau Region"], "KG": ["Bishkek", "Chüy Region"],
           "UZ": ["Tashkent", "Karakalpakstan"], "RU": ["Moscow", "Tatarstan"],
           "BY": ["Minsk", "Hrodna Region"], "NO": ["Oslo"]}
ACTS = ["arrest", "detention", "charge", "sentence", "fine", "search", "interrogation",
        "travel-ban", "harassment", "threat", "assault", "censorship"]
RIGHTS = ["expression", "assembly", "association", "liberty", "fair-trial", "privacy", "movement"]
TAGS = ["covid-19", "fake-news-law", "protest", "journalist", "blogger", "election"]
STATUSES = ["confirmed", "likely", "possible", "unlikely", "unknown"]
LEVELS = ["public"] * 8 + ["restricted", "confidential"]

# (Latin name or None, {language: name}); some people are known only in Cyrillic.
PEOPLE: list[tuple[str | None, dict[str, str]]] = [
    ("Alnur Ilyashev", {"ru": "Алнур Ильяшев"}),
    ("Arman Shuraev", {"ru": "Арман Шураев"}),
    ("Ulan Shamshet", {"ru": "Улан Шамшет", "kk": "Ұлан Шәмшет"}),
    ("Aigerim Tleuzhan", {"kk": "Әйгерім Тілеужан"}),
    ("Gulnara Bazhkenova", {"ru": "Гульнара Бажкенова"}),
    ("Yerlan MacLeod", {"ru": "Ерлан МакЛеод"}),
    ("Dmitry Yolkin", {"ru": "Дмитрий Ёлкин"}),
    ("Mairam Ösmonova", {"ky": "Майрам Өсмонова"}),
    ("ANNA von Berg", {}),
    (None, {"ru": "Сергей Йорш"}),
    (None, {"be": "Алесь Бяляцкі"}),
]
BODIES = [("Almaty court", {"ru": "Алматинский суд"}), ("Police", {"ru": "Полиция"}),
          ("State Security Committee", {"ru": "Комитет национальной безопасности"}),
          ("Prosecutor's Office", {})]
WORDS = ["authorities", "activist", "court", "police", "detained", "charged", "statement", "report",
         "social", "media", "post", "protest", "journalist", "blogger", "lawyer", "hearing",
         "prosecutor", "Fake", "News", "online", "video"]
TODAY = dt.date(2025, 12, 31)  # every generated date lies before this


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _date(rng: random.Random) -> str:
    """One EDTF date of a randomly chosen form, 2010-2024."""
    y, m = rng.randint(2010, 2024), rng.randint(1, 12)
    d = rng.randint(1, _last_day(y, m))
    day, month, year = f"{y:04d}-{m:02d}-{d:02d}", f"{y:04d}-{m:02d}", f"{y:04d}"
    forms = [
        lambda: day, lambda: day, lambda: day, lambda: month, lambda: month, lambda: year,
        lambda: day + rng.choice("?~%"), lambda: month + "~", lambda: year + "?",
        # Intervals: days, across a month or year end, months, years.
        lambda: f"{day}/{(dt.date(y, m, d) + dt.timedelta(days=rng.randint(1, 40))).isoformat()}",
        lambda: f"{y:04d}-12-{rng.randint(20, 31):02d}/{y + 1:04d}-01-{rng.randint(1, 15):02d}",
        lambda: f"{month}/{y + rng.randint(0, 1):04d}-12",
        lambda: f"{year}/{y + rng.randint(1, 2):04d}",
        # Open and unknown ends.
        lambda: f"{day}/..", lambda: f"../{month}", lambda: f"{day}/",
        # Unspecified digits.
        lambda: f"{month}-{rng.choice('012')}X", lambda: f"{month}-XX", lambda: f"{year}-XX",
        lambda: f"{year}-1X", lambda: f"{y // 10:03d}X",
        # Seasons (21 spring ... 24 winter, which runs into the next year).
        lambda: f"{year}-{rng.randint(21, 24)}",
    ]
    return rng.choice(forms)()


_PLAIN = re.compile(r"(\d{3}[\dX])(?:-([\dX]{2}))?(?:-([\dX]{2}))?[?~%]?")


def _part(text: str) -> tuple[dt.date, dt.date]:
    match = _PLAIN.fullmatch(text)
    assert match, text
    year, month, day = match.groups()
    y0, y1 = int(year.replace("X", "0")), int(year.replace("X", "9"))
    if month and int(month.replace("X", "0")) >= 21:  # a season
        season = int(month)
        first_month, last_month = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}[season]
        end_year = y1 + (1 if season == 24 else 0)
        return dt.date(y0, first_month, 1), dt.date(end_year, last_month, _last_day(end_year, last_month))
    if month is None:
        return dt.date(y0, 1, 1), dt.date(y1, 12, 31)
    m0 = max(1, int(month.replace("X", "0")))
    m1 = min(12, int(month.replace("X", "9")))
    if day is None:
        return dt.date(y0, m0, 1), dt.date(y1, m1, _last_day(y1, m1))
    d0 = max(1, int(day.replace("X", "0")))
    d1 = min(_last_day(y1, m1), int(day.replace("X", "9")))
    return dt.date(y0, m0, d0), dt.date(y1, m1, d1)


def bounds(text: str) -> tuple[dt.date | None, dt.date | None]:
    """First and last day a generated date can mean; None for an open or unknown end."""
    if "/" not in text:
        return _part(text)
    start, end = text.split("/")
    lower = None if start in ("", "..") else _part(start)[0]
    upper = None if end in ("", "..") else _part(end)[1]
    return lower, upper


def fold(text: str) -> str:
    """The tests' own case- and normalisation-blind form of a text."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _actors(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, (latin, names) in enumerate(rng.sample(PEOPLE, rng.randint(1, 3))):
        spelled = dict(names)
        if "ru" in spelled and rng.random() < 0.2:
            # The same name typed with combining marks (NFD): must still match.
            spelled["ru"] = unicodedata.normalize("NFD", spelled["ru"])
        name = latin or next(iter(spelled.values()))
        actor: dict[str, Any] = {"ref": f"p{i}", "name": name}
        if latin and spelled:
            actor["names"] = spelled
        actor["kind"] = "person"
        if rng.random() < 0.5:
            actor["occupation"] = rng.choice(["activist", "journalist", "blogger", "lawyer"])
        if rng.random() < 0.1:
            actor["confidential"] = True
        out.append(actor)
    body, names = rng.choice(BODIES)
    out.append({"ref": "body", "name": body, **({"names": dict(names)} if names else {}),
                "kind": "state-body"})
    return out


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def record(i: int, rng: random.Random, earlier: list[str]) -> dict[str, Any]:
    date = _date(rng)
    lower, upper = bounds(date)
    year = (lower or upper or TODAY).year
    country = rng.choice(COUNTRIES)
    actors = _actors(rng)
    people = [a["ref"] for a in actors if a["ref"] != "body"]
    acts = []
    for kind in rng.sample(ACTS, rng.choice([1, 1, 2, 3])):
        act: dict[str, Any] = {"type": kind}
        if rng.random() < 0.3:
            act["date"] = date
        act["victims"] = rng.sample(people, rng.randint(1, len(people)))
        act["perpetrators"] = ["body"]
        if kind in ("sentence", "fine") and rng.random() < 0.5:
            act["outcome"] = rng.choice(["two months in jail", "a fine of 100 MCI", "probation"])
        acts.append(act)
    if rng.random() < 0.15:
        actors.append({"ref": "witness", "name": rng.choice(["Dana Witness", "Ольга Свидетель"]),
                       "kind": "person"})
    location: dict[str, Any] = {"country": country}
    if rng.random() < 0.8:
        location["region"] = rng.choice(REGIONS[country])
    if rng.random() < 0.4:
        location["lat"] = round(rng.uniform(40, 55), 2)
        location["lon"] = round(rng.uniform(50, 80), 2)
    victim = next(a for a in actors if a["ref"] == acts[0]["victims"][0])
    # Never a confidential name in the title: a public export keeps titles.
    who = "an unnamed person" if victim.get("confidential") else victim["name"]
    rec: dict[str, Any] = {
        "schema_version": 2,
        "id": f"{year}-syn-{acts[0]['type']}-{i:05d}",
        "title": f"{acts[0]['type'].capitalize()} of {who}: {_text(rng, 4)}",
        "date": date,
        "status": rng.choice(STATUSES),
        "location": location,
        "acts": acts,
        "actors": actors,
        "sources": [{"ref": "s1", "title": f"Report {i}", "publisher": rng.choice(["RFE/RL", "Vlast.kz"]),
                     "url": f"https://news.example.org/{i}", "type": "news-report",
                     "reliability": rng.choice(["high", "medium", "low"])}],
    }
    if rng.random() < 0.2:
        rec["sources"].append({"ref": "s2", "title": "Interview notes", "type": "testimony",
                               "confidential": True})
    if rng.random() < 0.8:
        rec["rights"] = rng.sample(RIGHTS, rng.randint(1, 3))
    if rng.random() < 0.7:
        rec["tags"] = rng.sample(TAGS, rng.randint(1, 3))
    if earlier and rng.random() < 0.2:
        rec["related"] = [rng.choice(earlier)]
    rec["confidentiality"] = rng.choice(LEVELS)
    if rng.random() < 0.9:
        rec["description"] = _text(rng, 30) + "\n" + _text(rng, 20) + "\n"
    rec["recorded"] = {"by": "synth", "date": "2025-12-31"}
    return rec


def generate(n: int = 300, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        out.append(record(i, rng, [r["id"] for r in out[-20:]]))
    return out


def write_ledger(root: Path, records: list[dict[str, Any]]) -> Path:
    """A ledger at root (this repository's schema) holding the records; returns root."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 1 << 30
    yaml.sort_base_mapping_type_on_output = False
    shutil.copytree(REPO / "schema", root / "schema")
    for rec in records:
        folder = root / "incidents" / rec["id"][:4]
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{rec['id']}.yaml").open("w", encoding="utf-8") as fh:
            fh.write("# yaml-language-server: $schema=../../schema/incident.schema.json\n---\n")
            yaml.dump(rec, fh)
    return root
