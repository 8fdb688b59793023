"""`ledger report`: the static site (SPEC 12).

The first tests read the written files (counts, escaping, what a public site
may hold, where it may be written).  The browser tests open the site in
headless Chromium (Debian's chromium + chromium-driver, driven by selenium)
with the network off, and check what a reader gets: no request to any other
host, no console error, the figures of `ledger summary`, headings, labels,
alt text, contrast and the keyboard.  They are skipped, saying why, only when
no Chromium is installed; CI installs it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import synth
from conftest import invoke

KEYS = ("year", "month", "country", "act", "right", "status")


# -- helpers ------------------------------------------------------------------------------

class _Counts(HTMLParser):
    """(key, value, count) of every counts table of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.key: str | None = None
        self.value: str | None = None
        self.found: dict[str, list[tuple[str, int]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "counts" in (a.get("class") or "") and a.get("data-key"):
            self.key = a["data-key"]
            self.found[self.key] = []
        elif tag == "tr" and self.key and "data-value" in a:
            self.value = a["data-value"] or ""
        elif tag == "td" and self.key and self.value is not None and "data-count" in a:
            self.found[self.key].append((self.value, int(a["data-count"] or 0)))
            self.value = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.key = None


def counts_on(page: Path) -> dict[str, list[tuple[str, int]]]:
    parser = _Counts()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def summary_rows(ledger: Path, key: str, *extra: str) -> list[tuple[str, int]]:
    result = invoke(["--ledger", str(ledger), "summary", "--by", key, "--format", "json", *extra])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    return [("" if row[key] is None else str(row[key]), row["count"]) for row in doc["rows"]]


def report(ledger: Path, out: Path, *extra: str) -> Any:
    return invoke(["--ledger", str(ledger), "report", "--output", str(out), *extra])


SECRETS = {
    "actor": "Secretina Hiddenova",
    "actor_ru": "Секретина Скрытова",
    "title": "Restricted case of Zyxwv Quietly",
    "documenter": "Documenter Qwertyuiop",
    "source": "Privileged interview transcript",
    "file": "evidence/private-letter-77.pdf",
    "profile": "Profiled Secretperson",
    "profile_id": "profiled-secretperson",
}


def _special_records() -> list[dict[str, Any]]:
    """Records with unique secret strings, hostile text and imprecise dates."""
    base = {"schema_version": 2, "status": "confirmed", "location": {"country": "KZ"},
            "sources": [{"ref": "s1", "title": "Public report", "url": "https://news.example.org/a"}],
            "recorded": {"by": SECRETS["documenter"], "date": "2025-01-02"}}
    return [
        {**base, "id": "2021-public-with-secrets-aaaa", "title": "Arrest of an unnamed person",
         "date": "2021-03-05", "acts": [{"type": "arrest", "victims": ["v"], "perpetrators": ["p"]}],
         "actors": [{"ref": "v", "name": SECRETS["actor"], "names": {"ru": SECRETS["actor_ru"]},
                     "confidential": True},
                    {"ref": "p", "name": "Police", "kind": "state-body"},
                    {"ref": "q", "profile": SECRETS["profile_id"]}],
         "sources": [{"ref": "s1", "title": "Public report", "url": "https://news.example.org/a"},
                     {"ref": "s2", "title": SECRETS["source"], "file": SECRETS["file"],
                      "confidential": True}]},
        {**base, "id": "2021-restricted-bbbb", "title": SECRETS["title"], "date": "2021",
         "confidentiality": "restricted", "acts": [{"type": "detention"}]},
        {**base, "id": "2019-hostile-text-cccc", "title": "<script>alert('t')</script> & \"quotes\"",
         "date": "2019", "description": "\"><img src=x onerror=alert(1)>\n\nSecond paragraph.\n",
         "acts": [{"type": "threat", "description": "<b>bold?</b>"}],
         "location": {"country": "KG", "lat": 42.87, "lon": 74.59, "place": "<i>Bishkek</i>"},
         "sources": [{"ref": "s1", "title": "Evil link", "url": "javascript:alert(1)"},
                     {"ref": "s2", "title": "Data link", "url": "data:text/html,hi"},
                     {"ref": "s3", "title": "Good link", "url": "https://example.org/x?a=1&b=2"}],
         "recorded": {"by": SECRETS["documenter"], "date": "2025-01-02"}},
        {**base, "id": "2019-decade-only-dddd", "title": "Sometime in the 2010s", "date": "201X",
         "acts": [{"type": "censorship"}]},
    ]


def _profiles(root: Path) -> None:
    (root / "actors").mkdir()
    (root / "actors" / "police-kz.yaml").write_text(
        "schema_version: 2\nid: police-kz\nname: Kazakh police\nkind: state-body\n"
        "description: |\n  The police.\n"
        "sources:\n  - ref: s1\n    title: Police site\n    url: https://police.example.kz/\n",
        encoding="utf-8")
    (root / "actors" / f"{SECRETS['profile_id']}.yaml").write_text(
        f"schema_version: 2\nid: {SECRETS['profile_id']}\nname: {SECRETS['profile']}\nkind: person\n"
        "confidential: true\n",
        encoding="utf-8")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic ledger: generated records, the special ones, and two actor profiles."""
    root = tmp_path_factory.mktemp("synthetic") / "ledger"
    records = synth.generate(240, seed=18)
    police = next(r for r in records if r.get("confidentiality") == "public")
    police["actors"].append({"ref": "pk", "profile": "police-kz"})
    synth.write_ledger(root, [*records, *_special_records()])
    _profiles(root)
    return root


@pytest.fixture(scope="module")
def built(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The synthetic ledger's report, and its public report."""
    out = tmp_path_factory.mktemp("built")
    full, public = out / "full", out / "public"
    for folder, extra in ((full, ()), (public, ("--public", "--allow-invalid"))):
        result = report(synthetic, folder, *extra)
        assert result.exit_code == 0, result.stderr
    return {"full": full, "public": public}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example ledger (this repository's) and its report."""
    root = tmp_path_factory.mktemp("example") / "ledger"
    shutil.copytree(synth.REPO / "schema", root / "schema")
    shutil.copytree(synth.REPO / "incidents", root / "incidents")
    site = root.parent / "site"
    result = report(root, site)
    assert result.exit_code == 0, result.stderr
    assert "report of 4 incidents written" in result.stderr
    return root, site


# -- the files ----------------------------------------------------------------------------

def test_example_report_has_every_page(example: tuple[Path, Path]) -> None:
    root, site = example
    ids = sorted(p.stem for p in (root / "incidents").rglob("*.yaml"))
    assert sorted(p.stem for p in (site / "incidents").glob("*.html")) == ids
    for page in ("index.html", "map.html", "incidents.html", "method.html", "assets/style.css",
                 "assets/table.js", "ledger-report.json"):
        assert (site / page).is_file(), page
    assert not (site / "actors.html").exists()  # the example has no actors/ folder
    table = (site / "incidents.html").read_text(encoding="utf-8")
    # Without scripts the table is a plain table holding every incident.
    assert table.count('<a href="incidents/') == len(ids)
    page = (site / "incidents" / f"{ids[0]}.html").read_text(encoding="utf-8")
    assert "Alnur Ilyashev" in page and "Алнур Ильяшев" in page
    assert "<h3>RFE/RL — Rights Defenders Accuse Kazakh Authorities" in page


def test_every_page_forbids_remote_loads(built: dict[str, Path]) -> None:
    pages = list(built["full"].rglob("*.html"))
    assert len(pages) > 200
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert ('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; '
                "img-src &#39;self&#39; data:; style-src &#39;self&#39;; script-src &#39;self&#39;"
                in html), page
        # Nothing is loaded from an address: only relative files (links to sources are <a>).
        for attr in re.findall(r'(?:src|href)="([^"]*)"', html):
            if attr.startswith(("http://", "https://")):
                assert re.search(rf'<a href="{re.escape(attr)}" rel="noopener noreferrer"', html), attr
            else:
                assert not re.match(r"^[a-z][a-z0-9+.-]*:", attr, re.I), (page, attr)
        assert " style=" not in html  # inline styles would break under the policy


@pytest.mark.parametrize("which", ["full", "public"])
def test_figures_are_those_of_summary(synthetic: Path, built: dict[str, Path], which: str) -> None:
    extra = ("--public",) if which == "public" else ()
    overview = counts_on(built[which] / "index.html")
    for key in KEYS:
        assert overview[key] == summary_rows(synthetic, key, *extra), key
    assert counts_on(built[which] / "map.html")["country"] == summary_rows(synthetic, "country", *extra)
    # Imprecise buckets are shown as such: 201X is "the 2010s, year unknown".
    year = (built[which] / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<tr data-value="201X" class="imprecise"><th scope="row">201X</th>'
                     r"<td>2010s, year unknown</td>", year)


def test_public_site_holds_no_confidential_byte(synthetic: Path, built: dict[str, Path]) -> None:
    secrets = [*SECRETS.values(), str(synthetic), ".yaml", "synth"]
    for path in built["public"].rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, (path, secret)
            assert not re.search(rb"incidents/\d{4}/", data), path  # no record file paths
    # ... while the full site shows them, so the check above can fail.
    full = b"".join(p.read_bytes() for p in built["full"].rglob("*.html"))
    for secret in (SECRETS["actor"], SECRETS["title"], SECRETS["documenter"], SECRETS["profile"]):
        assert secret.encode() in full, secret


def test_public_site_says_what_it_withholds(synthetic: Path, built: dict[str, Path]) -> None:
    listed = invoke(["--ledger", str(synthetic), "list", "--public", "--format", "ids"])
    said = re.search(r"withheld (\d+) records?, (\d+) actors?, (\d+) sources?", listed.stderr)
    assert said, listed.stderr
    records, actors, sources = map(int, said.groups())
    method = (built["public"] / "method.html").read_text(encoding="utf-8")
    shown = dict(re.findall(r'data-withheld="(\w+)">(\d+)<', method))
    assert int(shown["records"]) == records > 0
    assert int(shown["sources"]) == sources > 0
    # Plus the confidential profile itself: the actor that refers to it is
    # withheld by the public view already (a confidential profile makes it confidential).
    assert int(shown["actors"]) == actors + 1
    overview = (built["public"] / "index.html").read_text(encoding="utf-8")
    assert f"Left out of it: {records} restricted or confidential records" in overview
    assert len(listed.stdout.split()) == len(list((built["public"] / "incidents").glob("*.html")))


def test_record_text_is_escaped_and_only_web_links_are_links(built: dict[str, Path]) -> None:
    page = (built["full"] / "incidents" / "2019-hostile-text-cccc.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; &#34;quotes&#34;" in page
    assert "&lt;i&gt;Bishkek&lt;/i&gt;" in page
    assert 'href="javascript:' not in page and 'href="data:' not in page
    assert "javascript:alert(1)" in page  # shown as text, for the reader to judge
    assert '<a href="https://example.org/x?a=1&amp;b=2" rel="noopener noreferrer"' in page
    table = (built["full"] / "incidents.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in table and "<script>alert" not in table


def test_profiles_are_rendered_and_linked(built: dict[str, Path]) -> None:
    profile = (built["full"] / "actors" / "police-kz.html").read_text(encoding="utf-8")
    assert "<h1>Kazakh police</h1>" in profile and 'href="../incidents/' in profile
    assert '<a href="https://police.example.kz/" rel="noopener noreferrer"' in profile
    assert (built["full"] / "actors" / f"{SECRETS['profile_id']}.html").is_file()
    index = (built["public"] / "actors.html").read_text(encoding="utf-8")
    assert "Kazakh police" in index and SECRETS["profile"] not in index
    linked = [p for p in (built["full"] / "incidents").glob("*.html")
              if 'href="../actors/police-kz.html"' in p.read_text(encoding="utf-8")]
    assert len(linked) == 1


def test_filters_select_the_incidents(synthetic: Path, tmp_path: Path) -> None:
    result = report(synthetic, tmp_path / "kz", "--country", "KZ", "--since", "2015")
    assert result.exit_code == 0, result.stderr
    overview = counts_on(tmp_path / "kz" / "index.html")
    assert overview["country"] == summary_rows(synthetic, "country", "--country", "KZ", "--since", "2015")
    assert [v for v, _ in overview["country"]] == ["KZ"]
    method = (tmp_path / "kz" / "method.html").read_text(encoding="utf-8")
    assert "<code>--country</code></dt><dd>KZ</dd>" in method
    hidden = report(synthetic, tmp_path / "pub", "--public", "--allow-invalid", "--actor", "Secretina")
    assert hidden.exit_code == 0, hidden.stderr
    text = (tmp_path / "pub" / "method.html").read_text(encoding="utf-8")
    assert "<code>--actor</code></dt><dd>(given)</dd>" in text and "Secretina" not in text


def test_where_a_report_may_be_written(example: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = example
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine\n", encoding="utf-8")
    refused = report(root, busy)
    assert refused.exit_code == 2 and "not empty and holds no earlier report" in refused.stderr
    assert (busy / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    forced = report(root, busy, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert not (busy / "notes.txt").exists() and (busy / "index.html").is_file()
    again = report(root, busy)  # an earlier report is replaced whole, without --force
    assert again.exit_code == 0, again.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    missing = report(root, tmp_path / "no" / "such")
    assert missing.exit_code == 3 and "does not exist" in missing.stderr
    ledger_itself = report(root, root, "--force")
    assert ledger_itself.exit_code == 2 and "holds the ledger" in ledger_itself.stderr
    assert (root / "incidents").is_dir()
    afile = tmp_path / "file.html"
    afile.write_text("x", encoding="utf-8")
    assert report(root, afile).exit_code == 3


def test_public_report_refuses_invalid_records(synthetic: Path, tmp_path: Path) -> None:
    # The synthetic ledger is invalid: a missing evidence file, a hostile text.
    assert invoke(["--ledger", str(synthetic), "validate"]).exit_code == 1
    result = report(synthetic, tmp_path / "site", "--public")
    assert result.exit_code == 1 and "a public export is refused" in result.stderr
    assert not (tmp_path / "site").exists()
    internal = report(synthetic, tmp_path / "internal")
    assert internal.exit_code == 0 and "2 record files are invalid" in internal.stderr


BROKEN = """schema_version: 1
id: 2020-broken-record-aaaa
title: [a, b]
date: 123
status: {x: 1}
location: KZ
acts: arrest
actors: [{ref: 1, names: [x]}, {ref: q, names: {"ru": 2}}, 7]
sources: [{url: 5, archived_url: [1]}, "x"]
related: 2020-restricted-secret-id-bbbb
rights: {a: 1}
tags: [1, 2]
recorded: me
description: [x]
duplicate_of: [2020-restricted-secret-id-bbbb]
"""


@pytest.mark.parametrize("extra", [(), ("--public", "--allow-invalid")])
def test_broken_records_do_not_break_the_report(tmp_path: Path, extra: tuple[str, ...]) -> None:
    root = tmp_path / "ledger"
    shutil.copytree(synth.REPO / "schema", root / "schema")
    (root / "incidents").mkdir()
    (root / "incidents" / "2020-broken-record-aaaa.yaml").write_text(BROKEN, encoding="utf-8")
    (root / "incidents" / "2020-bad-id-cccc.yaml").write_text(
        "id: ../../etc\ntitle: t\ndate: 2020-13-45/2020\nlocation: {country: [KZ], lat: '1', lon: 1e999}\n"
        "acts: [{type: [1], victims: x}]\ninterventions: [{type: 1}, 2]\n", encoding="utf-8")
    (root / "actors").mkdir()
    (root / "actors" / "a.yaml").write_text("id: [x]\n", encoding="utf-8")
    (root / "actors" / "b.yaml").write_text("id: good-one\nname: {x: 1}\nnames: [1]\nsources: 5\n",
                                           encoding="utf-8")
    result = report(root, tmp_path / "site", *extra)
    assert result.exit_code == 0, result.stderr
    assert "actors/a.yaml: not a readable actor profile" in result.stderr
    assert "report of 2 incidents written" in result.stderr
    pages = sorted(p.name for p in (tmp_path / "site").rglob("*.html"))
    # No page for an id that is not a plain one; nothing written outside the site.
    assert "2020-broken-record-aaaa.html" in pages and "good-one.html" in pages
    assert not any(".." in p for p in pages) and not (tmp_path / "etc.html").exists()
    if extra:
        site = b"".join(p.read_bytes() for p in (tmp_path / "site").rglob("*.html"))
        assert b"restricted-secret-id" not in site


# -- in a browser ---------------------------------------------------------------------------

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver") or next(
    (p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
needs_browser = pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                                   reason="no chromium + chromedriver found (apt-get install chromium "
                                          "chromium-driver); CI installs them")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and DRIVER is not None
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    yield driver
    driver.quit()


def open_page(driver: Any, path: Path, width: int = 1280) -> dict[str, list[str]]:
    """Load path; the URLs requested meanwhile and the console errors."""
    driver.get_log("performance")
    driver.get_log("browser")
    driver.set_window_size(width, 900)
    driver.get(path.as_uri())
    driver.execute_script("return document.readyState")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return {"requests": requests, "errors": errors}


def screenshot(driver: Any, where: Path, width: int) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 120, 6000))
    where.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(where))
    assert where.stat().st_size > 5000
    return where


@needs_browser
def test_the_request_log_sees_remote_loads(browser: Any, tmp_path: Path) -> None:
    """The control: a page that does load from elsewhere is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><title>x</title><img src="https://example.invalid/t.png" alt="t">',
                    encoding="utf-8")
    seen = open_page(browser, page)
    assert "https://example.invalid/t.png" in seen["requests"]


_A11Y = """
const out = {headings: [], unlabelled: [], noalt: [], svgs: [], lowContrast: [], h1: 0};
for (const h of document.querySelectorAll('h1,h2,h3,h4,h5,h6')) out.headings.push(+h.tagName[1]);
for (const el of document.querySelectorAll('input,select,textarea')) {
  const byFor = el.id && document.querySelector('label[for="' + el.id + '"]');
  if (!byFor && !el.closest('label') && !el.getAttribute('aria-label')) out.unlabelled.push(el.outerHTML);
}
for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.noalt.push(img.src);
for (const svg of document.querySelectorAll('svg[role=img]')) {
  const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
  if (!ids.length || ids.some(i => !document.getElementById(i))) out.svgs.push(svg.outerHTML.slice(0, 80));
}
function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m.length > 3 && m[3] === 0 ? null : m; }
function lum(c) {
  const a = c.slice(0, 3).map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; }
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('svg') || el.closest('[hidden]') || !el.offsetParent) continue;
  if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const fg = rgb(getComputedStyle(el).color);
  let bg = null, p = el;
  while (p && !(bg = rgb(getComputedStyle(p).backgroundColor))) p = p.parentElement;
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  if (ratio < 4.5) out.lowContrast.push([el.tagName, ratio.toFixed(2), el.textContent.slice(0, 30)]);
}
return out;
"""


def _check_page(browser: Any, page: Path) -> dict[str, Any]:
    seen = open_page(browser, page)
    assert seen["requests"], "the request log saw nothing: it cannot be trusted"
    remote = [u for u in seen["requests"] if not u.startswith(("file://", "data:"))]
    assert remote == [], (page, remote)
    assert seen["errors"] == [], (page, seen["errors"])
    found: dict[str, Any] = browser.execute_script(_A11Y)
    levels = found["headings"]
    assert levels and levels[0] == 1 and levels.count(1) == 1, (page, levels)
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (page, levels)  # no level skipped
    assert found["unlabelled"] == [] and found["noalt"] == [] and found["svgs"] == [], (page, found)
    assert found["lowContrast"] == [], (page, found["lowContrast"])
    return found


@needs_browser
def test_the_accessibility_checks_catch_faults(browser: Any, tmp_path: Path) -> None:
    """The control: each check below finds the fault it is for."""
    page = tmp_path / "faulty.html"
    page.write_text('<!DOCTYPE html><title>x</title><h2>late</h2><h4>skip</h4><input id="a">'
                    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                    '<p><font color="#bbbbbb">faint</font></p>', encoding="utf-8")
    open_page(browser, page)
    found = browser.execute_script(_A11Y)
    assert found["headings"] == [2, 4]
    assert len(found["unlabelled"]) == 1 and len(found["noalt"]) == 1
    assert [f[2] for f in found["lowContrast"]] == ["faint"]


@needs_browser
def test_pages_in_a_browser(browser: Any, built: dict[str, Path], example: tuple[Path, Path]) -> None:
    _, site = example
    pages = [site / "index.html", site / "map.html", site / "incidents.html", site / "method.html",
             next((site / "incidents").glob("*.html"))]
    for which in ("full", "public"):
        folder = built[which]
        pages += [folder / "index.html", folder / "map.html", folder / "incidents.html",
                  folder / "actors.html", folder / "actors" / "police-kz.html",
                  folder / "incidents" / "2019-hostile-text-cccc.html"]
    for page in pages:
        _check_page(browser, page)
    # The hostile title stayed text: no script ran, no element was made from it.
    open_page(browser, built["full"] / "incidents" / "2019-hostile-text-cccc.html")
    assert browser.find_element("tag name", "h1").text.startswith("<script>alert('t')</script>")
    assert browser.execute_script("return document.querySelectorAll('img, b, i').length") == 0


_FIGURES = """
const out = {};
for (const t of document.querySelectorAll('table.counts[data-key]')) {
  out[t.dataset.key] = [...t.querySelectorAll('tr[data-value]')].map(
    tr => [tr.dataset.value, Number(tr.querySelector('[data-count]').textContent.trim())]);
}
out.total = Number(document.querySelector('[data-total]').textContent);
return out;
"""


@needs_browser
@pytest.mark.parametrize("which", ["full", "public"])
def test_figures_in_the_browser_equal_summary(browser: Any, synthetic: Path, built: dict[str, Path],
                                              which: str) -> None:
    extra = ("--public",) if which == "public" else ()
    open_page(browser, built[which] / "index.html")
    shown = browser.execute_script(_FIGURES)
    for key in KEYS:
        assert [tuple(r) for r in shown[key]] == summary_rows(synthetic, key, *extra), key
    doc = json.loads(invoke(["--ledger", str(synthetic), "summary", "--format", "json", *extra]).stdout)
    assert shown["total"] == doc["total"]


@needs_browser
def test_table_search_and_sort_by_keyboard(browser: Any, built: dict[str, Path]) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, built["full"] / "incidents.html")
    rows = browser.execute_script("return document.querySelectorAll('#incidents tbody tr').length")
    for _ in range(40):  # Tab from the top of the page until the search box has the focus
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script("return document.activeElement.id") == "q":
            break
    else:
        pytest.fail("the search box cannot be reached with the keyboard")
    ActionChains(browser).send_keys("Bishkek").perform()
    visible = browser.execute_script(
        "return [...document.querySelectorAll('#incidents tbody tr')].filter(r => !r.hidden).length")
    assert 0 < visible < rows
    assert browser.find_element("id", "shown").text == f"{visible} of {rows} shown"
    ActionChains(browser).send_keys(Keys.TAB).perform()  # on to the first column's sort button
    assert browser.execute_script("return document.activeElement.textContent") == "Date"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    th = browser.find_element("css selector", "#incidents thead th")
    assert th.get_attribute("aria-sort") == "descending"
    dates = browser.execute_script(
        "return [...document.querySelectorAll('#incidents tbody tr')].map(r => r.cells[0].dataset.sort)")
    assert dates == sorted(dates, reverse=True)


@needs_browser
def test_screenshots_at_phone_and_desktop_width(browser: Any, built: dict[str, Path],
                                                tmp_path: Path) -> None:
    site = built["full"]
    pages = {"overview": site / "index.html", "map": site / "map.html",
             "incident": site / "incidents" / "2021-public-with-secrets-aaaa.html"}
    for width in (390, 1280):
        for name, page in pages.items():
            open_page(browser, page, width)
            # Nothing wider than the window: a phone never scrolls sideways.
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (name, width, overflow)
            screenshot(browser, tmp_path / f"{name}-{width}.png", width)
    assert len(list(tmp_path.glob("*.png"))) == 6


@needs_browser
def test_print_layout(browser: Any, built: dict[str, Path], tmp_path: Path) -> None:
    import base64

    open_page(browser, built["full"] / "incidents" / "2019-hostile-text-cccc.html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = browser.execute_script(
            "return [getComputedStyle(document.querySelector('header.site nav')).display,"
            " getComputedStyle(document.querySelector('.sources h3 a'), '::after').content]")
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert shown[0] == "none"  # no navigation on paper
    assert "https://example.org/x?a=1&b=2" in shown[1]  # a printed link shows where it goes
    data = base64.b64decode(pdf["data"])
    assert data.startswith(b"%PDF") and len(data) > 10_000
    (tmp_path / "incident.pdf").write_bytes(data)
