"""Benchmark `ledger duplicates`: a generated ledger with planted duplicates.

Writes N records (default 10,000) in the style of bench/generate.py, with
victims drawn from a large pool of Kazakh and Russian names (so namesakes
occur, as in real data), and plants a share of duplicates: the same victim
spelt by another romanisation system or in Cyrillic, the date shifted by a
day or two or given as the month only, acts added or dropped, another
source (or the same page cited differently).  Then runs `ledger duplicates`
twice (cold: the memo is built; warm) and reports the time, and the
precision and recall of the planted pairs at the default threshold.

    python bench/duplicates.py [OUT_DIR] [--records N] [--share 0.05] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import ACTS, COUNTRIES, REPO, RIGHTS, STATUS

FIRST = ["Алнур", "Арман", "Улан", "Айгерим", "Дина", "Ерлан", "Гульнара", "Тимур", "Асель", "Нурлан",
         "Жанна", "Серик", "Бахыт", "Евгений", "Юлия", "Максим", "Ольга", "Данияр", "Айдос", "Зарина",
         "Ербол", "Мадина", "Руслан", "Светлана", "Жандос", "Алия", "Кайрат", "Наталья", "Бекзат", "Ильяс"]
ONSETS = ["Шу", "Иль", "Жа", "Нур", "Бе", "Са", "Ка", "Му", "Те", "Ах", "Ер", "Ба", "Ду", "Ха", "Цы",
          "Юсу", "Ома", "Есе", "Кай", "Жу", "Ря", "Щер", "Ти", "Ал", "Ор", "Ту", "Ис", "Мо", "Ра", "Ще"]
MIDDLES = ["ра", "я", "но", "ке", "ди", "лу", "ма", "ба", "ри", "ше", "та", "ги", "зи", "ль", "мба", "хме"]
ENDINGS = ["ев", "ов", "ин", "ова", "ева", "ина", "баев", "улы", "кызы", "енко", "ский", "шев"]
SYSTEMS = ["ICAO_DOC_9303", "MVD_782", "BGN_PCGN", "WIKIPEDIA", "GOST_7034"]


def _surname(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(MIDDLES) + rng.choice(ENDINGS)


def _latin(rng: random.Random, cyrillic: str) -> str:
    import iuliia

    return str(getattr(iuliia, rng.choice(SYSTEMS)).translate(cyrillic))


def _date(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 26)


def _record(i: int, *, victim: str, ru: str | None, ymd: tuple[int, int, int], precision: str,
            acts: list[str], country: str, place: str, url: str, rng: random.Random) -> tuple[str, str, str]:
    y, m, d = ymd
    date = {"day": f"{y:04d}-{m:02d}-{d:02d}", "month": f"{y:04d}-{m:02d}",
            "range": f"{y:04d}-{m:02d}-{d:02d}/{y:04d}-{m:02d}-{d + 2:02d}"}[precision]
    rid = f"{date[:10] if precision != 'month' else date}-case-{i:06d}"
    lines = [
        "# yaml-language-server: $schema=../../schema/incident.schema.json", "---", "schema_version: 1",
        f"id: {rid}", f"title: Case {i}, {acts[0]} of an activist", f"date: {date}",
        f"status: {rng.choice(STATUS)}", "location:", f"  country: {country}", f"  place: {place}", "acts:"]
    for act in acts:
        lines += [f"  - type: {act}", "    victims:", "      - victim", "    perpetrators:", "      - police"]
    lines += ["actors:", "  - ref: victim", f"    name: {victim}"]
    if ru:
        lines += ["    names:", f"      ru: {ru}"]
    lines += ["    kind: person", "  - ref: police", "    name: Regional police department",
              "    kind: state-body", "sources:", "  - ref: s1", f"    title: Report on case {i}",
              f"    url: {url}",
              "    type: news-report", "rights:", *[f"  - {r}" for r in rng.sample(RIGHTS, 2)], "recorded:",
              "  by: bench", "  on: 2025-01-01"]
    return str(y), rid, "\n".join(lines) + "\n"


def generate(out: Path, n: int, share: float, seed: int) -> set[frozenset[str]]:
    """Write the ledger; return the planted pairs."""
    if out.exists():
        shutil.rmtree(out)
    (out / "incidents").mkdir(parents=True)
    shutil.copytree(REPO / "schema", out / "schema")
    (out / "ledger.toml").write_text("[ledger]\n")
    rng = random.Random(seed)
    planted: set[frozenset[str]] = set()
    i = 0

    def put(year: str, rid: str, text: str) -> None:
        folder = out / "incidents" / year
        folder.mkdir(exist_ok=True)
        (folder / f"{rid}.yaml").write_text(text, encoding="utf-8")

    while i < n:
        ru = f"{rng.choice(FIRST)} {_surname(rng)}"
        ymd = _date(rng)
        acts = rng.sample(ACTS, rng.randint(1, 3))
        country, place = rng.choice(COUNTRIES), f"City {rng.randint(1, 40)}"
        url = f"https://example.org/news/{i}"
        precision = rng.choice(["day", "day", "day", "month", "range"])
        year, first, text = _record(i, victim=_latin(rng, ru), ru=ru if rng.random() < 0.5 else None,
                                    ymd=ymd, precision=precision, acts=acts, country=country, place=place,
                                    url=url, rng=rng)
        put(year, first, text)
        i += 1
        if rng.random() < share and i < n:
            y, m, d = ymd
            shifted = (y, m, max(1, min(26, d + rng.choice([-2, -1, 0, 0, 1, 2]))))
            spelling = rng.random()
            victim = ru if spelling < 0.3 else _latin(rng, ru)
            other_acts = acts[:1] + rng.sample(ACTS, 1)
            year, second, text = _record(
                i, victim=victim, ru=None, ymd=shifted, precision=rng.choice(["day", "day", "month"]),
                acts=list(dict.fromkeys(other_acts)), country=country,
                place=place if rng.random() < 0.7 else f"City {rng.randint(1, 40)}",
                url=url.replace("https://", "http://www.") if rng.random() < 0.3 else f"https://other.example/{i}",
                rng=rng)
            put(year, second, text)
            planted.add(frozenset((first, second)))
            i += 1
    return planted


def _run(root: Path) -> tuple[float, list[dict[str, object]]]:
    start = time.perf_counter()
    command = [sys.executable, "-m", "ledger", "--ledger", str(root), "duplicates", "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout)["pairs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--share", type=float, default=0.05, help="share of records that get a duplicate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="ledger-dups-")) / "ledger"
    planted = generate(out, args.records, args.share, args.seed)
    cold, pairs = _run(out)
    warm, pairs = _run(out)
    found = {frozenset((str(p["a"]["key"]), str(p["b"]["key"])))  # type: ignore[index]
             for p in pairs if p["kind"] == "incident"}
    hits = len(found & planted)
    actors = sum(1 for p in pairs if p["kind"] == "actor")
    print(f"{args.records} records in {out}, {len(planted)} planted duplicate pairs")
    print(f"ledger duplicates: cold {cold:.2f} s (builds the memo), warm {warm:.2f} s")
    print(f"incident pairs found {len(found)}: precision {hits / len(found) if found else 1:.3f}, "
          f"recall {hits / len(planted) if planted else 1:.3f}; actor pairs {actors}")


if __name__ == "__main__":
    main()
