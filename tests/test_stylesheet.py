"""The browser view: the xml-stylesheet instruction, the XSLT itself (run by lxml and by Chromium), valid feeds."""

from __future__ import annotations

import functools
import subprocess
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser import chromium
from lxml import etree

NOW = "2025-12-20T00:00:00Z"
PI = b'<?xml-stylesheet type="text/xsl" href="%s"?>\n'


def styled_site(site, language: str = "en") -> Path:
    site.write_config("feeds:\n  stylesheet: true\n  tags: true\n  json: feed.json\n  archive: true\n"
                      "  archive_size: 2\n  max_items: 2\n", language=language)
    site.post("2025-01-01-a.md", "title: First & <one>\ntags: [投資]", body="Alpha <b>bold</b> &amp; more.\n")
    site.post("2025-01-02-b.md", "title: Second post\ntags: [投資]", body="Beta.\n")
    site.post("2025-01-03-c.md", "title: Third post", body="Gamma.\n")
    return site.root / "config.yaml"


def served_dom(folder: Path, path: str) -> str:
    """The DOM Chromium builds for *path* served over HTTP from *folder* (a browser applies XSLT only over HTTP)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                                   "--disable-background-networking", f"--user-data-dir={profile}",
                                   "--virtual-time-budget=5000", "--dump-dom",
                                   f"http://127.0.0.1:{server.server_address[1]}/{path}"],
                                  capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_each_xml_feed_points_at_the_stylesheet_right_after_the_declaration(site, cli, read_feed) -> None:
    assert cli("publish", "--config", styled_site(site), "--now", NOW).exit_code == 0
    public = site.root / "public"
    expected = {"feed.xml": "feed.xsl", "atom.xml": "feed.xsl", "archive/feed-1.xml": "../feed.xsl",
                "tags/投資/atom.xml": "../../feed.xsl"}
    for name, href in expected.items():
        data = (public / name).read_bytes()
        first, second = data.split(b"\n")[:2]
        assert first == b"<?xml version='1.0' encoding='UTF-8'?>"
        assert second + b"\n" == PI % href.encode()
        assert (public / name).parent.joinpath(href).resolve() == (public / "feed.xsl").resolve()
        read_feed(public / name)  # still well-formed, bozo == 0
    assert b"xml-stylesheet" not in (public / "feed.json").read_bytes()
    etree.XSLT(etree.parse(str(public / "feed.xsl")))  # a well-formed, compilable XSLT 1.0 stylesheet


def transform(public: Path, name: str) -> etree._Element:
    sheet = etree.XSLT(etree.parse(str(public / "feed.xsl")))
    return sheet(etree.parse(str(public / name))).getroot()


def test_the_view_explains_feeds_and_lists_the_posts(site, cli) -> None:
    assert cli("publish", "--config", styled_site(site), "--now", NOW).exit_code == 0
    public = site.root / "public"
    for name in ("feed.xml", "atom.xml"):
        page = transform(public, name)
        text = " ".join(page.itertext())
        assert page.get("lang") == "en"
        assert "This is a web feed" in text and "feed reader" in text
        assert f"https://example.com/blog/{name}" in text  # the address to copy
        titles = [a.text for a in page.iter("a") if a.getparent().tag == "h3"]
        assert titles == ["Third post", "Second post"]
        assert page.find(".//h3/a").get("href") == "https://example.com/blog/2025/01/03/c/"
        older = [a.get("href") for a in page.iter("a") if "Older" in (a.text or "")]
        assert older == [f"https://example.com/blog/archive/{name.replace('.', '-1.')}"]
    archive = transform(public, "archive/atom-1.xml")
    text = " ".join(archive.itertext())
    assert "archive page" in text
    summary = archive.findall(".//article/p")[-1]  # page 1 holds the two oldest, newest first
    assert "".join(summary.itertext()).strip() == "Alpha bold & more."  # markup dropped, entities decoded


def test_japanese_site_gets_japanese_words(site, cli) -> None:
    assert cli("publish", "--config", styled_site(site, "ja"), "--now", NOW).exit_code == 0
    page = transform(site.root / "public", "tags/投資/feed.xml")
    text = " ".join(page.itertext())
    assert page.get("lang") == "ja" and "これはフィード" in text and "Test Site — タグ: 投資" in text


def test_styled_feeds_stay_valid(site, cli, validate_feed) -> None:
    assert cli("publish", "--config", styled_site(site), "--now", NOW).exit_code == 0
    for name in ("feed.xml", "atom.xml", "archive/atom-1.xml", "tags/投資/feed.xml"):
        url = "https://example.com/blog/" + name.replace("投資", "%E6%8A%95%E8%B3%87")
        found = validate_feed(site.root / "public" / name, url)
        assert not found, "\n".join([name, *found])


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed")
def test_chromium_shows_the_styled_page(site, cli) -> None:
    assert cli("publish", "--config", styled_site(site), "--now", NOW).exit_code == 0
    dom = served_dom(site.root / "public", "tags/%E6%8A%95%E8%B3%87/atom.xml")
    assert "This is a web feed" in dom and "Test Site — tag: 投資" in dom
    assert dom.index("Second post") < dom.index("First &amp; &lt;one&gt;")  # HTML, newest first


# Issue 14, row 16: the view walked a summary by recursion, a level per tag and per '&'; a summary of ~4,000
# <br> went past libxslt's 3,000 levels and the page came out blank, in lxml and in browsers alike.

def deep_site(site) -> Path:
    site.write_config("feeds:\n  stylesheet: true\n  excerpt_length: 10000\n  max_items: 10\n")
    site.post("2025-01-01-breaks.md", "title: Breaks", body="Before " + "<br>" * 4_000 + " after.\n")
    # 500 levels: just under the renderer's nesting bound (posts/render.py); still thousands of tags to walk
    site.post("2025-01-02-nested.md", "title: Nested", body="<b>" * 500 + "deep" + "</b>" * 500 + "\n")
    site.post("2025-01-03-ampersands.md", "title: Ampersands", body="&amp;" * 9_000 + " &lt;&gt; &quot;x&#39;\n")
    site.post("2025-01-04-plain.md", "title: Plain", body="Alpha <b>bold</b> &amp; more &lt;3 &copy;.\n")
    return site.root / "config.yaml"


def test_the_view_shows_summaries_of_thousands_of_tags_or_entities(site, cli) -> None:
    assert cli("publish", "--config", deep_site(site), "--now", NOW).exit_code == 0
    public = site.root / "public"
    for name in ("feed.xml", "atom.xml"):
        page = transform(public, name)  # raised XSLTApplyError before
        articles = {"".join(a.find("h3").itertext()): "".join(a.findall("p")[-1].itertext()).strip()
                    for a in page.iter("article")}
        assert articles == {"Plain": "Alpha bold & more <3 ©.", "Breaks": "Before  after.", "Nested": "deep",
                            "Ampersands": "&" * 9_000 + " <> \"x'"}


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed")
def test_chromium_shows_the_view_of_a_feed_with_deep_summaries(site, cli) -> None:
    assert cli("publish", "--config", deep_site(site), "--now", NOW).exit_code == 0
    dom = served_dom(site.root / "public", "atom.xml")
    assert "This is a web feed" in dom and "Alpha bold &amp; more &lt;3 ©." in dom and "Before  after." in dom
    assert "&amp;" * 9_000 + " &lt;&gt; \"x'" in dom
    assert dom.index("Plain") < dom.index("Ampersands") < dom.index("Nested") < dom.index("Breaks")
