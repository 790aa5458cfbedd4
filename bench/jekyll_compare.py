"""feeder's Atom feed of a Jekyll site against the feed.xml that Jekyll + jekyll-feed built from the same posts.

    python3 bench/jekyll_compare.py SITE [SITE ...] [--checkout DIR] [--work DIR] [--show N] [--json FILE]

SITE is a Jekyll site folder (``_config.yml``, ``_posts/``) in which ``jekyll build`` has written
``_site/feed.xml`` with jekyll-feed set to list every post (``feed: {posts_limit: 10000}``).  For each
site the script writes a config for feeder into ``WORK/NAME/`` (``jekyll: SITE`` and a full-content Atom
feed of up to 10,000 entries; for a checkout without ``jekyll:`` support, the config a user of that
version would write: ``site`` from ``_config.yml``, ``posts_dir`` the ``_posts`` folder, the site's
``permalink``), runs ``feeder publish`` from the checkout as a subprocess with ``--now`` set to the
time jekyll-feed's feed was built (from an empty state folder: nothing cached by an earlier run), and
compares the two feeds entry by entry.

Entries are paired by id, then URL, then (published date, title), then (date, last URL segment).  For
each pair it checks the id, URL, published and updated instants, the title as a reader shows it (tags
stripped, entities decoded, whitespace collapsed), and the number of links (``<a href>``), images and
list items in the content; "raw Liquid" counts posts whose content or summary has more ``{%``/``{{``
than jekyll-feed's (a Liquid tutorial's code samples show them on both sides).  Posts in one feed only
are listed.  feeder's feed goes through the pinned W3C validator (its errors and warnings, AA level).

It prints, per site, the mismatches (``--show`` examples of each) and then one markdown table with a
column per site; ``--json`` writes every pair's figures.  It needs only the standard library and, for
the validator, the ``feedvalidator`` package the tests use.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

REPO = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
CHECKS = ["id", "url", "published", "updated", "title", "links", "images", "list items", "raw Liquid"]


@dataclass
class Entry:
    id: str
    url: str
    published: str
    updated: str
    title: str
    links: int
    images: int
    items: int
    liquid: int
    content_chars: int


@dataclass
class Report:
    site: str
    mode: str
    jekyll_posts: int = 0
    feeder_posts: int = 0
    exit_code: int = 0
    problems: int = 0
    warnings: int = 0
    w3c_errors: list[str] = field(default_factory=list)
    w3c_warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in jekyll-feed's feed, not in feeder's
    extra: list[str] = field(default_factory=list)  # in feeder's only
    mismatches: dict[str, list[str]] = field(default_factory=lambda: {check: [] for check in CHECKS})
    pairs: list[dict[str, Any]] = field(default_factory=list)
    stderr_head: list[str] = field(default_factory=list)


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links = self.images = self.items = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += tag == "a" and any(name == "href" for name, _ in attrs)
        self.images += tag == "img"
        self.items += tag == "li"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _text(element: ET.Element | None) -> str:
    """What a reader shows for an Atom text construct: HTML stripped and decoded, whitespace collapsed."""
    if element is None:
        return ""
    raw = element.text or ""
    if element.get("type") == "html":
        counter = _Counter()
        counter.feed(raw)
        raw = "".join(counter.text)
    return " ".join(raw.split())


def _instant(value: str) -> str:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc).isoformat() if value else ""


def read_feed(path: Path) -> list[Entry]:
    entries = []
    for node in ET.parse(path).getroot().iter(f"{ATOM}entry"):
        link = next((n.get("href", "") for n in node.iter(f"{ATOM}link") if n.get("rel", "alternate") == "alternate"),
                    "")
        content = node.findtext(f"{ATOM}content") or ""
        summary = node.findtext(f"{ATOM}summary") or ""
        counter = _Counter()
        counter.feed(content)
        liquid = sum(html.unescape(part).count(mark) for part in (content, summary) for mark in ("{%", "{{"))
        entries.append(Entry(node.findtext(f"{ATOM}id") or "", link, _instant(node.findtext(f"{ATOM}published") or ""),
                             _instant(node.findtext(f"{ATOM}updated") or ""), _text(node.find(f"{ATOM}title")),
                             counter.links, counter.images, counter.items, liquid, len(content)))
    return entries


def _last_segment(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")


def pair(ours: list[Entry], theirs: list[Entry]) -> tuple[list[tuple[Entry, Entry]], list[Entry], list[Entry]]:
    """(jekyll-feed's, feeder's) pairs, and the entries of each side left without a partner."""
    keys = [lambda e: e.id, lambda e: e.url, lambda e: (e.published[:10], e.title),
            lambda e: (e.published[:10], _last_segment(e.url))]
    pairs: list[tuple[Entry, Entry]] = []
    left_theirs, left_ours = list(theirs), list(ours)
    for key in keys:
        index: dict[Any, list[Entry]] = {}
        for entry in left_ours:
            index.setdefault(key(entry), []).append(entry)
        still = []
        for entry in left_theirs:
            found = index.get(key(entry))
            if found:
                partner = found.pop(0)
                left_ours.remove(partner)
                pairs.append((entry, partner))
            else:
                still.append(entry)
        left_theirs = still
    return pairs, left_theirs, left_ours


def write_config(site: Path, work: Path, mode: str) -> Path:
    """A feeder config for *site* in *work*: ``jekyll: SITE``, or what a user of a version without it writes."""
    feeds = {"atom": "atom.xml", "rss": None, "max_items": 10_000, "content": "full"}
    config: dict[str, Any] = {"output_dir": str(work / "public"), "state_dir": str(work / "state"), "feeds": feeds}
    if mode == "jekyll":
        config["jekyll"] = str(site)
    else:
        jekyll = yaml.safe_load((site / "_config.yml").read_text(encoding="utf-8")) or {}
        url = str(jekyll.get("url") or "https://example.com").rstrip("/") + (jekyll.get("baseurl") or "").rstrip("/")
        config["site"] = {"title": str(jekyll.get("title") or site.name), "url": url + "/",
                          "description": str(jekyll.get("description") or ""),
                          "language": str(jekyll.get("lang") or "en"), "timezone": jekyll.get("timezone") or "UTC"}
        config["posts_dir"] = str(site / "_posts" if (site / "_posts").is_dir() else site)
        config["permalink"] = str(jekyll.get("permalink") or "date")
    work.mkdir(parents=True, exist_ok=True)
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def validate(path: Path) -> tuple[list[str], list[str]]:
    """The W3C validator's errors and warnings (AA level, as the public service shows them) for *path*."""
    import io

    import feedvalidator
    from feedvalidator import compatibility
    from feedvalidator import logging as fvlog
    from feedvalidator.formatter.text_plain import Formatter

    data = path.read_bytes()
    self_link = re.search(rb'<link[^>]*rel="self"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+)"[^>]*rel="self"', data)
    base = (self_link.group(1) or self_link.group(2)).decode() if self_link else "https://example.com/atom.xml"
    events = compatibility.AA(feedvalidator.validateStream(io.BytesIO(data), base=base)["loggedEvents"])
    text = Formatter(events)
    errors = [f"{text.format(e)} [{type(e).__name__}]" for e in events if isinstance(e, fvlog.Error)]
    warnings = [f"{text.format(e)} [{type(e).__name__}]" for e in events if not isinstance(e, fvlog.Error)]
    return errors, warnings


def compare(site: Path, checkout: Path, work: Path, mode: str) -> Report:
    reference = site / "_site" / "feed.xml"
    built = ET.parse(reference).getroot().findtext(f"{ATOM}updated") or ""
    report = Report(site.name, mode)
    for stale in ("state", "public"):  # a cold publish: no HTML rendered by an earlier build of the checkout
        shutil.rmtree(work / stale, ignore_errors=True)
    config = write_config(site, work, mode)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    run = subprocess.run([sys.executable, "-m", "feeder.cli", "publish", "-q", "--config", str(config), "--now", built],
                         capture_output=True, text=True, env=env, cwd=checkout)
    lines = run.stderr.splitlines()
    report.exit_code, report.stderr_head = run.returncode, lines[:20]
    report.problems = sum(not line.startswith("warning:") for line in lines)
    report.warnings = sum(line.startswith("warning:") for line in lines)
    theirs = read_feed(reference)
    atom = work / "public" / "atom.xml"
    ours = read_feed(atom) if atom.exists() else []
    report.jekyll_posts, report.feeder_posts = len(theirs), len(ours)
    if atom.exists():
        report.w3c_errors, report.w3c_warnings = validate(atom)
    pairs, missing, extra = pair(ours, theirs)
    report.missing = [f"{e.published[:10]} {e.title!r} {e.url}" for e in missing]
    report.extra = [f"{e.published[:10]} {e.title!r} {e.url}" for e in extra]
    for jekyll, feeder in pairs:
        values = {"id": (jekyll.id, feeder.id), "url": (jekyll.url, feeder.url),
                  "published": (jekyll.published, feeder.published), "updated": (jekyll.updated, feeder.updated),
                  "title": (jekyll.title, feeder.title), "links": (jekyll.links, feeder.links),
                  "images": (jekyll.images, feeder.images), "list items": (jekyll.items, feeder.items),
                  "raw Liquid": (jekyll.liquid, feeder.liquid)}
        for check, (want, got) in values.items():
            wrong = got > want if check == "raw Liquid" else want != got
            if wrong:
                report.mismatches[check].append(f"{jekyll.url}: jekyll-feed {want!r}, feeder {got!r}")
        report.pairs.append({"jekyll": asdict(jekyll), "feeder": asdict(feeder)})
    return report


def print_report(report: Report, show: int) -> None:
    print(f"\n## {report.site} ({report.mode} config): feeder exit {report.exit_code}, "
          f"{report.problems} problem lines, {report.warnings} warnings")
    for line in report.stderr_head[:show]:
        print(f"    stderr: {line[:200]}")
    for title, items in [("missing in feeder", report.missing), ("only in feeder", report.extra),
                         *[(f"{check} differs", report.mismatches[check]) for check in CHECKS],
                         ("W3C errors", report.w3c_errors), ("W3C warnings", report.w3c_warnings)]:
        if items:
            print(f"- {title}: {len(items)}")
            for item in items[:show]:
                print(f"    {item[:240]}")


def print_table(reports: list[Report]) -> None:
    print("\n| check | " + " | ".join(r.site for r in reports) + " |")
    print("| --- |" + " ---: |" * len(reports))
    rows = [("posts in jekyll-feed's feed.xml", [r.jekyll_posts for r in reports]),
            ("posts in feeder's Atom", [r.feeder_posts for r in reports]),
            ("missing in feeder", [len(r.missing) for r in reports]),
            ("only in feeder", [len(r.extra) for r in reports]),
            *[(f"{check} differs" if check != "raw Liquid" else "raw Liquid left",
               [len(r.mismatches[check]) for r in reports]) for check in CHECKS],
            ("W3C errors (warnings)", [f"{len(r.w3c_errors)} ({len(r.w3c_warnings)})" for r in reports]),
            ("feeder exit code", [r.exit_code for r in reports])]
    for label, values in rows:
        print(f"| {label} | " + " | ".join(str(v) for v in values) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites", nargs="+", type=Path)
    parser.add_argument("--checkout", type=Path, default=REPO, help="the feeder checkout to run (default: this one)")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "results" / "jekyll")
    parser.add_argument("--mode", choices=["auto", "jekyll", "plain"], default="auto",
                        help="auto: jekyll: PATH if the checkout has feeder/jekyll_site.py, else a plain config")
    parser.add_argument("--show", type=int, default=5, help="examples listed per kind of mismatch")
    parser.add_argument("--json", type=Path, help="write every report, with each pair's figures, here")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    mode = args.mode if args.mode != "auto" else (
        "jekyll" if (checkout / "feeder" / "jekyll_site.py").exists() else "plain")
    reports = []
    for site in args.sites:
        site = site.resolve()
        reports.append(compare(site, checkout, args.work.resolve() / f"{checkout.name}-{site.name}", mode))
        print_report(reports[-1], args.show)
    print_table(reports)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
