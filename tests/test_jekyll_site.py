"""The fixture Jekyll site (tests/fixtures/jekyll-site) published end to end, as a Jekyll user would run it.

Its feeds are compared byte for byte with tests/golden/jekyll-site/ (FEEDER_UPDATE_GOLDEN=1 rewrites them
after a deliberate change), and its entries' ids and links with what Jekyll 4.3.1 + jekyll-feed 0.17.0
wrote for the same posts (``jekyll build`` of the fixture, read from its feed.xml).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import feedparser
import pytest

NOW = "2025-01-01T00:00:00Z"
GOLDEN = Path(__file__).parent / "golden" / "jekyll-site"
SITE = "https://blog.example.net/notes"
# (id, link) of each entry, newest first, as jekyll-feed wrote them
JEKYLL_FEED = [
    (f"{SITE}/2024/03/28/naive-timestamp", f"{SITE}/2024/03/28/naive-timestamp/"),
    (f"{SITE}/news/updates/2024/03/27/categories-as-text", f"{SITE}/news/updates/2024/03/27/categories-as-text/"),
    (f"{SITE}/2024/03/26/described", f"{SITE}/2024/03/26/described/"),
    (f"{SITE}/2024/03/24/link-definitions", f"{SITE}/2024/03/24/link-definitions/"),
    (f"{SITE}/2024/03/22/no-title-here", f"{SITE}/2024/03/22/no-title-here/"),
    (f"{SITE}/2024/03/20/title-with-markup", f"{SITE}/2024/03/20/title-with-markup/"),
    (f"{SITE}/2024/03/18/in-a-subfolder", f"{SITE}/2024/03/18/in-a-subfolder/"),
    ("tag:blog.example.net,2024:legacy-16", f"{SITE}/2024/03/16/front-matter-id/"),  # the front matter's id wins
    (f"{SITE}/archive/2024/Custom%20Slug", f"{SITE}/archive/2024/custom-slug.html"),
    (f"{SITE}/travel/europe/journeys/edge%20case/rail/2024/03/10/night-train",
     f"{SITE}/travel/europe/journeys/edge%20case/rail/2024/03/10/night-train/"),
    (f"{SITE}/2024/03/08/markdown-dialect", f"{SITE}/2024/03/08/markdown-dialect/"),
    (f"{SITE}/2024/03/05/odd-date", f"{SITE}/2024/03/05/odd-date/"),
    (f"{SITE}/site%20news/2024/03/01/welcome", f"{SITE}/site%20news/2024/03/01/welcome/"),
    # The Liquid posts (tests/test_liquid.py); jekyll build ran with the plugin tags jekyll lacks taken out
    (f"{SITE}/2024/01/13/liquid-kept", f"{SITE}/2024/01/13/liquid-kept/"),
    (f"{SITE}/2024/01/12/liquid-embeds", f"{SITE}/2024/01/12/liquid-embeds/"),
    (f"{SITE}/2024/01/11/liquid-plugins", f"{SITE}/2024/01/11/liquid-plugins/"),
    (f"{SITE}/2024/01/10/liquid-tour", f"{SITE}/2024/01/10/liquid-tour/"),
]


@pytest.fixture
def published(jekyll_site: Path, cli) -> tuple[Path, object]:
    result = cli("publish", "--config", jekyll_site / "config.yaml", "--now", NOW)
    return jekyll_site / "public", result


@pytest.mark.parametrize("name", ["atom.xml", "feed.xml", "feed.json"])
def test_golden_feeds(published, name: str) -> None:
    public, result = published
    assert result.exit_code == 0, result.output
    golden = GOLDEN / name
    if os.environ.get("FEEDER_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes((public / name).read_bytes())
    assert (public / name).read_bytes() == golden.read_bytes(), f"{golden} differs; FEEDER_UPDATE_GOLDEN=1 if intended"


def test_ids_and_links_are_jekyll_feeds_and_only_what_jekyll_publishes_is_in(published) -> None:
    public, _ = published
    feed = feedparser.parse((public / "atom.xml").read_bytes())
    assert [(entry.id, entry.link) for entry in feed.entries] == JEKYLL_FEED
    rss = feedparser.parse((public / "feed.xml").read_bytes())
    assert [entry.link for entry in rss.entries] == [link for _, link in JEKYLL_FEED]
    items = json.loads((public / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [item["id"] for item in items] == [ident for ident, _ in JEKYLL_FEED]


def test_titles_dates_categories_and_images_as_jekyll_feed_has_them(published) -> None:
    public, _ = published
    entries = {e.link.rsplit("/", 2)[-2]: e for e in feedparser.parse((public / "atom.xml").read_bytes()).entries}
    assert entries["welcome"].title == "Welcome\u00a0\u2014 a first note"
    assert entries["title-with-markup"].title == "Markup & \u201cquotes\u201d \u2013 it\u2019s all\u2026 tidied"
    assert entries["no-title-here"].title == "No Title Here"
    assert entries["odd-date"].published == "2024-03-05T17:30:22+00:00"  # 18:30:22 in Berlin: Ruby drops the -0800
    assert entries["naive-timestamp"].published == "2024-03-28T09:15:00+00:00"  # a YAML timestamp without offset: UTC
    night = entries["night-train"]
    assert sorted(t.term for t in night.tags) == ["Edge Case", "europe", "journeys", "rail", "trains", "travel"]
    assert night.media_thumbnail == [{"url": f"{SITE}/assets/rail-card.png"}]  # the travel/ default, on the baseurl
    assert sorted(t.term for t in entries["in-a-subfolder"].tags) == ["archived"]
    assert "the manual" in entries["link-definitions"].summary and "docs.example.org/manual" in \
        entries["link-definitions"].summary  # the excerpt keeps the link defined after it
    assert entries["described"].summary == "<p>The description is the summary jekyll-feed writes.</p>"
    assert entries["night-train"].summary == "<p>The sleeper left at ten.</p>"  # up to the site's separator


def test_check_lists_the_warnings_and_exits_0(jekyll_site: Path, cli) -> None:
    result = cli("check", "--config", jekyll_site / "config.yaml", "--now", NOW)
    assert result.exit_code == 0, result.output
    odd = jekyll_site / "_posts" / "2024-03-05-odd-date.md"
    assert f"warning: {odd}:3: date: '2024-03-05 18:30:22 2024 -0800' is read as 2024-03-05 18:30:22 +0100" \
        in result.output
    assert f"warning: {odd}:4: published: 'ruby' is not true or false; published" in result.output
    assert "17 published, 1 drafts, 1 scheduled, 0 invalid, 8 warnings" in result.output  # 6: Liquid's


def test_w3c_validator_finds_no_errors_or_warnings(published, validate_feed) -> None:
    public, _ = published
    for name in ("atom.xml", "feed.xml"):
        assert validate_feed(public / name, f"{SITE}/{name}") == []


def test_future_true_publishes_posts_dated_after_now(jekyll_site: Path, cli) -> None:
    config_yml = jekyll_site / "_config.yml"
    config_yml.write_text(config_yml.read_text(encoding="utf-8").replace("future: false", "future: true"),
                          encoding="utf-8")
    result = cli("publish", "--config", jekyll_site / "config.yaml", "--now", NOW)
    assert result.exit_code == 0, result.output
    feed = feedparser.parse((jekyll_site / "public" / "atom.xml").read_bytes())
    assert feed.entries[0].link == f"{SITE}/2026/12/31/from-the-future/"
    assert len(feed.entries) == len(JEKYLL_FEED) + 1
