"""Generate a large synthetic ledger for benchmarks.

Records look like real ones: 2-3 KB each, with comments, unquoted dates of
every EDTF precision, block descriptions, and Latin and Cyrillic names.

    python bench/generate.py OUT_DIR [--records N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COUNTRIES = ["KZ", "KG", "UZ", "TJ", "TM", "RU", "BY", "AZ", "GE", "AM"]
ACTS = ["arrest", "detention", "charge", "sentence", "fine", "search", "interrogation",
        "travel-ban", "harassment", "threat", "assault", "censorship", "summons"]
RIGHTS = ["expression", "assembly", "association", "liberty", "fair-trial", "privacy", "movement"]
TAGS = ["covid-19", "fake-news-law", "protest", "journalist", "blogger", "election", "lawyer"]
STATUS = ["confirmed", "likely", "possible", "unlikely", "unknown"]
FIRST = [("Alnur", "Алнур"), ("Arman", "Арман"), ("Ulan", "Улан"), ("Aigerim", "Айгерим"),
         ("Dina", "Дина"), ("Yerlan", "Ерлан"), ("Gulnara", "Гульнара"), ("Timur", "Тимур")]
LAST = [("Ilyashev", "Ильяшев"), ("Shuraev", "Шураев"), ("Shamshet", "Шамшет"),
        ("Nurova", "Нурова"), ("Bekov", "Беков"), ("Sadykova", "Садыкова"), ("Zhanov", "Жанов")]
WORDS = ("authorities activist court police detained charged statement report social media "
         "post protest journalist blogger lawyer hearing sentence fine prosecutor").split()


def _date(rng: random.Random) -> tuple[str, str]:
    y, m, d = rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 28)
    kind = rng.random()
    start = f"{y:04d}-{m:02d}-{d:02d}"
    if kind < 0.55:
        return start, start
    if kind < 0.75:
        return f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}"
    if kind < 0.85:
        return f"{start}/{y:04d}-{m:02d}-{min(d + 2, 28):02d}", start
    if kind < 0.93:
        return f"'{y:04d}'", f"{y:04d}"
    return f"{y:04d}-{m:02d}~", f"{y:04d}-{m:02d}"


def record(i: int, rng: random.Random) -> tuple[str, str, str]:
    date, start = _date(rng)
    slug = f"{start}-incident-{i:06d}"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    acts = rng.sample(ACTS, rng.randint(1, 3))
    text = " ".join(rng.choice(WORDS) for _ in range(60))
    lines = [
        "# yaml-language-server: $schema=../../schema/incident.schema.json",
        "---",
        "schema_version: 2",
        f"id: {slug}",
        f"title: {first[0]} {last[0]} {acts[0]} case number {i}",
        f"date: {date}",
        f"status: {rng.choice(STATUS)}",
        "# where it happened",
        "location:",
        f"  country: {rng.choice(COUNTRIES)}",
        f"  place: City {rng.randint(1, 40)}",
        "acts:",
    ]
    for act in acts:
        lines += [f"  - type: {act}", "    victims:", "      - victim", "    perpetrators:",
                  "      - police", f"    description: {text[:120]}"]
    lines += [
        "actors:",
        "  - ref: victim",
        f"    name: {first[0]} {last[0]}",
        "    names:",
        f"      ru: {first[1]} {last[1]}",
        "    kind: person",
        "    occupation: activist",
        "  - ref: police",
        "    name: Regional police department",
        "    kind: state-body",
        "sources:",
        "  - ref: s1",
        f"    title: Report on case {i}",
        "    publisher: Example News",
        f"    url: https://example.org/news/{i}",
        f"    published: {start[:4]}-{start[5:7] if len(start) > 4 else '01'}-28",
        "    type: news-report",
        "    reliability: medium",
        "rights:",
        *[f"  - {r}" for r in rng.sample(RIGHTS, 2)],
        "tags:",
        *[f"  - {t}" for t in rng.sample(TAGS, 2)],
        "description: |",
        *[f"  {text[k:k + 70]}" for k in range(0, len(text), 70)],
        "  " + text.upper()[:200],
        "recorded:",
        "  by: bench",
        "  date: 2025-01-01",
    ]
    return start[:4], slug, "\n".join(lines) + "\n"


def generate(out: Path, n: int, seed: int = 1) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "incidents").mkdir(parents=True)
    shutil.copytree(REPO / "schema", out / "schema")
    (out / "ledger.toml").write_text("[ledger]\n")
    rng = random.Random(seed)
    for i in range(n):
        year, slug, text = record(i, rng)
        folder = out / "incidents" / year
        folder.mkdir(exist_ok=True)
        (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.records, args.seed)


if __name__ == "__main__":
    main()
