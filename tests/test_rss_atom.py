"""RSS 2.0 and Atom 1.0 as written by `feeder publish`, read back with feedparser and ElementTree.

Golden files: tests/golden/feed.xml and tests/golden/atom.xml are the bundled sample
site published with --now 2025-12-20T00:00:00Z.  After an intended change to the
output, regenerate them and review the diff by eye before committing:

    FEEDER_UPDATE_GOLDEN=1 python3 -m pytest tests/test_feeds.py -k golden
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from feeder.feeds.rss_atom import atom_id

NOW = "2025-12-20T00:00:00Z"
GOLDEN = Path(__file__).parent / "golden"
NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/",
      "content": "http://purl.org/rss/1.0/modules/content/"}
SAMPLE_TITLE = "Meta Llama 4、性能向上で何が変わる？"
PANDAS_TITLE = "Pandas & Polars: <DataFrame> showdown"


def publish(cli, root: Path, *extra: str):
    result = cli("publish", "--config", root / "config.yaml", "--now", NOW, *extra)
    assert result.exit_code == 0, result.output
    return root / "public" / "feed.xml", root / "public" / "atom.xml"


@pytest.fixture
def sample_feeds(sample_site: Path, cli, read_feed):
    rss, atom = publish(cli, sample_site)
    return read_feed(rss), read_feed(atom), rss, atom


def entry(feed, title: str):
    return next(e for e in feed.entries if e.title == title)


def test_sample_post_round_trips_in_both_feeds(sample_feeds) -> None:
    rss, atom, _, _ = sample_feeds
    assert rss.version == "rss20" and atom.version == "atom10"
    for feed in (rss, atom):
        post = entry(feed, SAMPLE_TITLE)
        assert post.title == SAMPLE_TITLE
        assert calendar.timegm(post.published_parsed) == calendar.timegm((2025, 12, 11, 4, 49, 28, 0, 0, 0))
        assert time.strftime("%Y-%m-%dT%H:%M:%SZ", post.published_parsed) == "2025-12-11T04:49:28Z"
        assert [t.term for t in post.tags] == ["AI", "最新ニュース", "技術動向", "Meta", "投資", "投資分析"]
        assert post.summary == "<p><strong>Meta Llama 4、一般公開で性能向上</strong>について詳細に分析します。</p>"
        assert post.link == "https://allforces.example.com/2025/12/11/meta-llama-4/"
        assert post.id == "https://allforces.example.com/2025/12/11/meta-llama-4/"
        assert post.author == "ALLFORCES編集部"
        assert post.content[0].value.startswith("<p>Meta Llama 4、性能向上で何が変わる？</p>")
    assert entry(atom, SAMPLE_TITLE).updated == "2025-12-11T04:49:28+00:00"
    assert entry(rss, SAMPLE_TITLE).published == "Thu, 11 Dec 2025 04:49:28 +0000"


def test_sample_feed_lists_published_posts_newest_first(sample_feeds) -> None:
    rss, atom, _, _ = sample_feeds
    expected = [
        "Year-end rebalancing when your portfolio is mostly tech",
        "週末メモ：オープンモデルの一週間と、電力という見えない制約",
        "Writing posts that survive feed readers",
        SAMPLE_TITLE,
        PANDAS_TITLE,
        "GPUクラウドの料金体系を読み解く：オンデマンド、スポット、予約の使い分け",
        "ノートPCでローカルLLMを動かす：llama.cppで始める最小構成",
    ]  # the draft and the published: false post are not there
    for feed in (rss, atom):
        assert [e.title for e in feed.entries] == expected
        stamps = [calendar.timegm(e.published_parsed) for e in feed.entries]
        assert stamps == sorted(stamps, reverse=True)


def test_updated_and_the_feed_date_is_the_newest_entry(sample_feeds) -> None:
    _rss, atom, rss_path, _ = sample_feeds
    rebalancing = entry(atom, "Year-end rebalancing when your portfolio is mostly tech")
    assert rebalancing.published == "2025-12-14T15:00:30+00:00"
    assert rebalancing.updated == "2025-12-15T23:00:00+00:00"  # last_modified_at 2025-12-16 08:00 +0900
    assert entry(atom, "Writing posts that survive feed readers").updated == "2025-12-13T00:15:00+00:00"
    assert atom.feed.updated == "2025-12-15T23:00:00+00:00"
    channel = ET.parse(rss_path).getroot().find("channel")
    assert channel.findtext("lastBuildDate") == "Mon, 15 Dec 2025 23:00:00 +0000"


def test_links_ids_and_authors(sample_feeds) -> None:
    _rss, atom, rss_path, atom_path = sample_feeds
    channel = ET.parse(rss_path).getroot().find("channel")
    assert channel.findtext("link") == "https://allforces.example.com/"  # the site, not the feed
    self_links = [link for link in channel.findall("atom:link", NS) if link.get("rel") == "self"]
    assert [link.get("href") for link in self_links] == ["https://allforces.example.com/feed.xml"]
    assert channel.findtext("language") == "ja"
    for item in channel.findall("item"):
        assert item.find("author") is None  # RSS <author> must be an email; names go to dc:creator
        assert item.findtext("dc:creator", namespaces=NS)
        guid = item.find("guid")
        assert guid.get("isPermaLink") == ("true" if guid.text == item.findtext("link") else "false")
    survive = next(i for i in channel.findall("item")
                   if i.findtext("title") == "Writing posts that survive feed readers")
    assert survive.find("guid").text == "urn:uuid:0b7d6c1e-4a7a-4c7e-9a43-3f1f1e2b7a10"
    assert survive.find("guid").get("isPermaLink") == "false"
    assert survive.findtext("dc:creator", namespaces=NS) == "Aiko Tanaka"

    root = ET.parse(atom_path).getroot()
    links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
    assert links["self"] == "https://allforces.example.com/atom.xml"
    assert links["alternate"] == "https://allforces.example.com/"
    assert root.findtext("atom:id", namespaces=NS) == "https://allforces.example.com/atom.xml"
    for element in root.findall("atom:entry", NS):
        assert element.find("atom:author/atom:email", NS) is None
        assert element.findtext("atom:author/atom:name", namespaces=NS)
        assert element.find("atom:summary", NS).get("type") == "html"
        assert element.find("atom:content", NS).get("type") == "html"
    assert entry(atom, "Writing posts that survive feed readers").id == "urn:uuid:0b7d6c1e-4a7a-4c7e-9a43-3f1f1e2b7a10"
    assert entry(atom, "Writing posts that survive feed readers").author == "Aiko Tanaka"


def test_plain_text_elements_use_hex_references_and_still_decode(sample_feeds) -> None:
    rss, atom, rss_path, _ = sample_feeds
    raw = rss_path.read_text(encoding="utf-8")
    for element in ("title", "category", "dc:creator"):
        for text in re.findall(rf"<{element}>(.*?)</{element}>", raw, re.DOTALL):
            assert "&amp;" not in text and "&lt;" not in text and "&gt;" not in text, (element, text)
    assert "<title>Pandas &#x26; Polars: &#x3C;DataFrame&#x3E; showdown</title>" in raw
    pandas = entry(rss, PANDAS_TITLE)
    assert pandas.title == PANDAS_TITLE and pandas.title_detail.type == "text/plain"
    assert entry(atom, PANDAS_TITLE).title == PANDAS_TITLE
    assert [t.term for t in pandas.tags] == ["python", "pandas", "polars", "dataframes", "engineering", "benchmarks"]


def test_more_comment_and_active_content_never_reach_the_feeds(sample_feeds) -> None:
    rss, atom, _, _ = sample_feeds
    for feed in (rss, atom):
        for item in feed.entries:
            for html in (item.summary, item.content[0].value):
                assert "<!--" not in html and "<script" not in html and "javascript:" not in html
            for url in urls(item.content[0].value):
                assert url.startswith(("https://", "http://", "mailto:")), url
    pandas = entry(atom, PANDAS_TITLE)
    assert pandas.summary.startswith("<p>Every few months someone")  # the text before <!--more-->
    assert "The workload" not in pandas.summary


def urls(fragment: str) -> list[str]:
    """Every URL in an href/src/srcset/poster attribute (not in text, such as code samples)."""
    found: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs) -> None:
            for name, value in attrs:
                if name in ("href", "src", "poster"):
                    found.append(value)
                elif name == "srcset":
                    found.extend(part.split()[0] for part in value.split(","))

    Collect().feed(fragment)
    return found


def test_sample_content_urls_are_absolute(sample_feeds) -> None:
    _, atom, _, _ = sample_feeds
    survive = entry(atom, "Writing posts that survive feed readers").content[0].value
    found = urls(survive)
    assert "https://allforces.example.com/2025/12/12/posts-that-survive-feed-readers/about/" in found
    assert len(found) >= 3


def build_site(site, posts: int, extra: str = "") -> None:
    site.write_config(extra)
    for day in range(1, posts + 1):
        site.post(f"2025-03-{day:02d}-post-{day}.md", f"title: Post {day}\ndate: 2025-03-{day:02d} 12:00 +0000")


def test_max_items_keeps_the_newest(site, cli, read_feed) -> None:
    build_site(site, 5, "feeds:\n  max_items: 2\n")
    rss, atom = publish(cli, site.root)
    for path in (rss, atom):
        assert [e.title for e in read_feed(path).entries] == ["Post 5", "Post 4"]


def test_ties_are_broken_deterministically_by_path(site, cli, read_feed) -> None:
    site.write_config()
    for name in ("c.md", "a.md", "b.md"):  # created in a scrambled order, all at one instant
        site.post(name, f"title: {name}\ndate: 2025-03-01 12:00 +0000")
    _, atom = publish(cli, site.root)
    assert [e.title for e in read_feed(atom).entries] == ["a.md", "b.md", "c.md"]


def test_entry_ids_do_not_change_when_the_post_does(site, cli, read_feed) -> None:
    site.write_config()
    site.post("2025-03-01-a.md", "title: First title")
    site.post("2025-03-02-b.md", "title: Other\nid: 'post 2: a non-URI id'")
    rss, atom = publish(cli, site.root)
    before = [(e.id for e in read_feed(p).entries) for p in (rss, atom)]
    before = [list(ids) for ids in before]
    site.post("2025-03-01-a.md", "title: A new title\ntags: [x]", body="New body.\n")
    site.post("2025-03-02-b.md", "title: Renamed\nid: 'post 2: a non-URI id'", body="Changed.\n")
    publish(cli, site.root)
    assert [[e.id for e in read_feed(p).entries] for p in (rss, atom)] == before
    expected_urn = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/blog/#post 2: a non-URI id").urn
    assert before[1][0] == expected_urn  # Atom ids are IRIs: a stable name-based UUID
    assert before[0][0] == "post 2: a non-URI id"
    guid = ET.parse(rss).getroot().find("channel/item/guid")
    assert guid.get("isPermaLink") == "false"


@pytest.mark.parametrize("entry_id, kept", [
    ("https://example.com/blog/2025/01/01/a/", True),
    ("urn:uuid:0b7d6c1e-4a7a-4c7e-9a43-3f1f1e2b7a10", True),
    ("tag:example.com,2025:post-3", True),
    ("urn:isbn:0451450523", True),
    ("42", False),
    ("my post 1", False),
    ("post:42", False),  # a scheme nobody registered: a validator warning
    ("post:<1>", False),
    ('urn:a"b', False),
    ("urn:uuid:not-a-uuid", False),
    ("tag:例え.jp,2025:1", False),  # the validator's tag rule is ASCII
    ("https://example.com/記事", False),
])
def test_atom_ids_are_valid_iris(entry_id: str, kept: bool) -> None:
    made = atom_id(entry_id, "https://example.com/blog/")
    if kept:
        assert made == entry_id
    else:
        assert made == uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/blog/#" + entry_id).urn
        assert made == atom_id(entry_id, "https://example.com/blog/")  # stable


def test_content_excerpt_mode(site, cli, read_feed) -> None:
    build_site(site, 1, "feeds:\n  content: excerpt\n  excerpt_length: 20\n")
    site.post("2025-03-01-post-1.md", "title: Long", body="A first paragraph that is much longer than twenty.\n\n"
                                                         "Second paragraph.\n")
    rss, atom = publish(cli, site.root)
    for path in (rss, atom):
        item = read_feed(path).entries[0]
        assert "content" not in item
        assert item.summary == "<p>A first paragraph…</p>"
    assert b"content:encoded" not in rss.read_bytes()
    assert b"<content" not in atom.read_bytes()


def test_content_full_mode(site, cli, read_feed) -> None:
    build_site(site, 1, "feeds:\n  excerpt_length: 20\n")
    site.post("2025-03-01-post-1.md", "title: Long", body="A first paragraph that is much longer than twenty.\n\n"
                                                         "Second paragraph.\n")
    rss, atom = publish(cli, site.root)
    for path in (rss, atom):
        item = read_feed(path).entries[0]
        assert item.summary == "<p>A first paragraph…</p>"
        assert item.content[0].value == ("<p>A first paragraph that is much longer than twenty.</p>\n"
                                         "<p>Second paragraph.</p>")


def test_site_without_author_or_description(site, cli, read_feed) -> None:
    build_site(site, 1)
    rss, atom = publish(cli, site.root)
    feed = read_feed(rss)
    assert feed.feed.description == "Test Site"
    assert feed.entries[0].author == "Test Site"  # dc:creator falls back to the site's title
    assert read_feed(atom).entries[0].author == "Test Site"


def test_empty_site_has_a_fixed_date(site, cli, read_feed) -> None:
    rss, atom = publish(cli, site.root)
    assert read_feed(atom).feed.updated == "1970-01-01T00:00:00+00:00"
    assert read_feed(rss).entries == []


def test_feed_date_never_depends_on_the_build_time(sample_site: Path, tmp_path: Path, cli) -> None:
    other = tmp_path / "second"
    shutil.copytree(sample_site, other)
    publish(cli, sample_site)
    result = cli("publish", "--config", other / "config.yaml", "--now", "2026-06-01T12:34:56+09:00")
    assert result.exit_code == 0
    for name in ("feed.xml", "atom.xml"):
        assert (sample_site / "public" / name).read_bytes() == (other / "public" / name).read_bytes()


def test_rss_dates_are_english_under_another_locale(sample_site: Path, tmp_path: Path) -> None:
    """Build a French locale with localedef when the machine has none; skip if that is impossible."""
    env = {**os.environ}
    locales = tmp_path / "locales"
    locales.mkdir()
    name = "fr_FR.UTF-8"
    if shutil.which("localedef") and subprocess.run(
            ["localedef", "-i", "fr_FR", "-f", "UTF-8", str(locales / name)], capture_output=True).returncode in (0, 1):
        env["LOCPATH"] = str(locales)
    env.update(LC_ALL=name, LANG=name)
    script = (
        "import locale, sys, time\n"
        "try:\n    locale.setlocale(locale.LC_ALL, '')\nexcept locale.Error:\n    sys.exit(77)\n"
        "if time.strftime('%a %b', (2025, 12, 11, 0, 0, 0, 3, 345, 0)) == 'Thu Dec':\n    sys.exit(77)\n"
        "from feeder.cli import main\n"
        "main(['publish', '--config', sys.argv[1], '--now', sys.argv[2]])\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(sample_site / "config.yaml"), NOW], env=env,
                         capture_output=True, text=True)
    if run.returncode == 77:
        pytest.skip("no non-English locale can be made on this machine")
    assert run.returncode == 0, run.stderr
    raw = (sample_site / "public" / "feed.xml").read_text(encoding="utf-8")
    dates = re.findall(r"<(?:pubDate|lastBuildDate)>(.*?)<", raw)
    assert "Thu, 11 Dec 2025 04:49:28 +0000" in dates
    for value in dates:
        assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                            r" \d{4} \d\d:\d\d:\d\d [+-]\d{4}", value), value


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_golden_files(sample_site: Path, cli, name: str) -> None:
    publish(cli, sample_site)
    produced = (sample_site / "public" / name).read_bytes()
    golden = GOLDEN / name
    if os.environ.get("FEEDER_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(produced)
        pytest.skip(f"rewrote {golden}: review the diff before committing")
    assert golden.is_file(), f"{golden} missing: run FEEDER_UPDATE_GOLDEN=1 pytest tests/test_feeds.py -k golden"
    assert produced == golden.read_bytes(), \
        f"{name} differs from {golden}; if the change is intended, regenerate with FEEDER_UPDATE_GOLDEN=1 and review"


def nasty_site(site) -> None:
    """Everything that breaks naive feed writers, short of text that itself looks like HTML markup."""
    site.write_config("feeds:\n  excerpt_length: 40\n", title="Q&A ]]> <Site>", description="Tips & tricks")
    site.post("2025-01-01-amp.md", raw=(
        '---\ntitle: "Pandas & Polars: <DataFrame> ]]> showdown"\ntags: ["C&C", "<x>", "a]]>b", "日本語"]\n'
        'categories: "R&D news"\nauthor: {name: "Tom & <Jerry>", email: tom@example.com}\nid: "my post #1 & <2>"\n'
        '---\nIntro & <b>bold</b> ]]> \x01 control\x1b.\n\n<!--more-->\n\n<script>alert(1)</script>'
        '<iframe src="https://evil.example/"></iframe><form><input></form> A <!-- hidden --> B\n'
        '<a href="javascript:alert(1)" onclick="x()">js</a> <img src="rel.png" srcset="a.png 1x, b.png 2x" alt="">\n\n'
        '<div><p>Unclosed <b>bold &#1; &#xFFFE;\n\n```\n]]> <not a tag> &amp;\n```\n').encode())
    site.post("2025-01-02-url-id.md", "title: Id is another URL\nguid: 'https://old.example.org/p?id=1&x=2'",
              body="[up](../up/) ![i](/img.png)\n")
    site.post("2025-01-03-tag-id.md",
              "title: Tag URI id\nid: 'tag:example.com,2025:post-3'\nupdated: 2025-02-01T10:00:00+01:00")
    site.post("2025-01-04-emoji.md", "title: \"👨‍👩‍👧 family e\u0301 שלום\"\nexcerpt: '**Bold** [link](x/)'")
    site.post("2025-01-05-ctrl.md", raw=b"---\ntitle: \"Ctrl\x07\x08 title\"\n---\nBody\x0c\n")
    site.post("2025-01-06-ja.md", "title: 日本語の記事：テスト＆確認\ntags: タグ１ タグ２", body="本文です。" * 200)
    site.post("2025-01-07-bom.md", raw="\ufeff---\r\ntitle: BOM CRLF\r\n---\r\nBody\r\n".encode())


@pytest.mark.parametrize("which", ["sample", "nasty"])
def test_w3c_validator_finds_no_errors_or_warnings(which: str, request, cli, validate_feed) -> None:
    if which == "nasty":  # (site and sample_site share tmp_path: ask for one only)
        site = request.getfixturevalue("site")
        nasty_site(site)
        root, base = site.root, "https://example.com/blog/"
    else:
        root, base = request.getfixturevalue("sample_site"), "https://allforces.example.com/"
    result = cli("publish", "--config", root / "config.yaml", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert (root / "public" / "atom.xml").read_bytes().count(b"<entry>") == 7
    for name in ("feed.xml", "atom.xml"):
        found = validate_feed(root / "public" / name, base + name)
        assert not found, "\n".join([name, *found])


def test_the_validator_judges_a_feed_where_it_is_served(site, cli, validate_feed) -> None:
    """The clean answers above mean something only if the validator looks: the same feed elsewhere is warned about."""
    site.post("2025-01-01-a.md", "title: A")
    publish(cli, site.root)
    for name in ("feed.xml", "atom.xml"):
        found = validate_feed(site.root / "public" / name, "https://example.org/elsewhere/" + name)
        assert len(found) == 1 and found[0].endswith("[SelfDoesntMatchLocation]"), found


# ---- enclosures and media:thumbnail --------------------------------------------------------------------

def test_enclosures_and_thumbnails_in_both_feeds(site, cli, read_feed) -> None:
    site.post("2025-01-01-ep.md", "title: Episode\nimage: /img/ep.png\n"
              "enclosure: {url: /media/ep.mp3, length: 12345, type: audio/mpeg}")
    site.post("2025-01-02-video.md", "title: Video\nvideo: https://cdn.example.com/v.webm")
    site.post("2025-01-03-plain.md", "title: Plain")
    publish(cli, site.root)
    rss, atom = read_feed(site.root / "public" / "feed.xml"), read_feed(site.root / "public" / "atom.xml")
    for feed in (rss, atom):
        ep, video, plain = entry(feed, "Episode"), entry(feed, "Video"), entry(feed, "Plain")
        assert [(e.href, e.type) for e in ep.enclosures] == [("https://example.com/media/ep.mp3", "audio/mpeg")]
        assert [(e.href, e.type) for e in video.enclosures] == [("https://cdn.example.com/v.webm", "video/webm")]
        assert plain.enclosures == []
        assert ep.media_thumbnail == [{"url": "https://example.com/img/ep.png"}]
        assert "media_thumbnail" not in plain
    assert entry(rss, "Episode").enclosures[0].length == "12345"
    assert entry(rss, "Video").enclosures[0].length == "0"  # RSS requires length: 0 when unknown
    assert entry(atom, "Episode").enclosures[0].length == "12345"
    assert "length" not in entry(atom, "Video").enclosures[0]  # Atom's length is optional: left out when unknown


def test_enclosures_validate(site, cli, validate_feed) -> None:
    site.post("2025-01-01-ep.md", "title: Episode\nimage: /img/ep.png\naudio: /media/ep.m4a")
    publish(cli, site.root)
    for name in ("feed.xml", "atom.xml"):
        found = validate_feed(site.root / "public" / name, "https://example.com/blog/" + name)
        assert not found, "\n".join([name, *found])
