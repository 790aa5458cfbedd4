"""RFC 5005 archives: fixed pages from the oldest post, stable bytes, every post reachable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from feeder.feeds.archive import HISTORY_NS, complete_pages, page_path, subscription_count
from feeder.feeds.publish import publish
from feeder.posts.row import Row

NOW = "2025-12-20T00:00:00Z"
BASE = "https://example.com/blog/"


def rows(count: int) -> list[Row]:
    """Newest first, like Collection.published."""
    return [Row(f"{n}.md", (1, 1, 1, 1), float(n), f"u{n}", f"u{n}", False, None)
            for n in range(count, 0, -1)]


def test_pages_are_counted_from_the_oldest_post() -> None:
    pages = complete_pages(rows(7), 3)
    assert [p.number for p in pages] == [1, 2]
    assert [r.path for r in pages[0].rows] == ["3.md", "2.md", "1.md"]  # newest first inside a page
    assert [r.path for r in pages[1].rows] == ["6.md", "5.md", "4.md"]
    assert complete_pages(rows(2), 3) == []
    assert page_path("archive", "feeds/feed.xml", 4) == "archive/feed-4.xml"


def test_the_subscription_feed_covers_everything_newer_than_the_newest_page() -> None:
    assert subscription_count(total=7, max_items=2, size=3) == 2  # 1 post after page 2; max_items wins
    assert subscription_count(total=8, max_items=1, size=5) == 3  # 3 posts after page 1: all listed
    for total in range(0, 40):
        for size in range(1, 8):
            assert total - (total // size) * size <= subscription_count(total, 2, size)


def archive_site(site, count: int) -> Path:
    site.write_config("feeds:\n  archive: true\n  archive_size: 3\n  max_items: 2\n")
    for n in range(1, count + 1):
        add(site, n)
    return site.root / "config.yaml"


def add(site, n: int) -> None:
    site.post(f"2025-01-{n:02d}-p{n}.md", f"title: post {n}\ndate: 2025-01-{n:02d} 10:00:00 +0000")


def links(feed, rel: str) -> list[str]:
    return [link.href for link in feed.feed.get("links", []) if link.rel == rel]


def walk(public: Path, read_feed, name: str) -> tuple[list[str], list]:
    """Follow prev-archive from the subscription feed, as an RFC 5005 client does."""
    feed = read_feed(public / name)
    titles, documents = [e.title for e in feed.entries], [feed]
    while links(feed, "prev-archive"):
        feed = read_feed(public / links(feed, "prev-archive")[0][len(BASE):])
        documents.append(feed)
        titles += [e.title for e in feed.entries]
    return titles, documents


def test_every_post_is_reachable_and_pages_are_marked(site, cli, read_feed) -> None:
    config = archive_site(site, 7)
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    public = site.root / "public"
    for name in ("feed.xml", "atom.xml"):
        titles, documents = walk(public, read_feed, name)
        assert sorted(set(titles)) == sorted(f"post {n}" for n in range(1, 8))
        assert [len(d.entries) for d in documents] == [2, 3, 3]
        stem, suffix = name.split(".")
        newest = documents[1]
        assert links(newest, "self") == [f"{BASE}archive/{stem}-2.{suffix}"]
        assert links(newest, "current") == [f"{BASE}{name}"]
        assert links(newest, "next-archive") == [f"{BASE}archive/{stem}-3.{suffix}"]
        assert links(documents[2], "prev-archive") == []
        for path, archived in ((public / name, False), (public / f"archive/{stem}-1.{suffix}", True)):
            root = ET.parse(path).getroot()
            marker = root.find(f"channel/{{{HISTORY_NS}}}archive") if name == "feed.xml" else \
                root.find(f"{{{HISTORY_NS}}}archive")
            assert (marker is not None) is archived


def test_full_pages_keep_their_bytes_as_posts_are_added(site, cli, read_feed) -> None:
    config = archive_site(site, 6)
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    public = site.root / "public"
    pages = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (public / "archive").iterdir()}
    assert sorted(pages) == ["atom-1.xml", "atom-2.xml", "feed-1.xml", "feed-2.xml"]
    for n in (7, 8, 9):
        add(site, n)
        result = cli("publish", "--config", config, "--now", NOW)
        assert result.exit_code == 0, result.output
        for name, (data, mtime) in pages.items():
            assert (public / "archive" / name).read_bytes() == data
            assert (public / "archive" / name).stat().st_mtime_ns == mtime  # not even rewritten
    assert (public / "archive" / "atom-3.xml").is_file()  # 9 posts: a third full page
    titles, _ = walk(public, read_feed, "atom.xml")
    assert sorted(set(titles)) == sorted(f"post {n}" for n in range(1, 10))


def test_warm_and_incremental_runs_only_touch_affected_pages(site) -> None:
    from datetime import datetime, timezone

    from feeder.config import load_config

    now = datetime(2025, 12, 20, tzinfo=timezone.utc)
    archive_site(site, 9)
    config = load_config(site.root / "config.yaml")
    first = publish(config, now)
    assert len(first.written) == 2 + 6  # two subscription feeds, three pages each
    assert publish(config, now).skipped
    site.post("2025-01-02-p2.md", "title: post 2 edited\ndate: 2025-01-02 10:00:00 +0000")
    edited = publish(config, now)
    assert sorted(p.name for p in edited.written) == ["atom-1.xml", "feed-1.xml"]
    add(site, 10)
    added = publish(config, now)
    assert sorted(p.name for p in added.written) == ["atom.xml", "feed.xml"]


def test_deleting_a_post_shrinks_the_archive_and_removes_the_last_page(site, cli) -> None:
    config = archive_site(site, 6)
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    (site.posts / "2025-01-06-p6.md").unlink()
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    assert sorted(p.name for p in (site.root / "public" / "archive").iterdir()) == ["atom-1.xml", "feed-1.xml"]


def test_each_post_is_rendered_once_per_run_however_many_outputs_list_it(site, monkeypatch) -> None:
    """Archives, tag, category and main feeds in three formats share one rendering of each post."""
    from collections import Counter
    from datetime import datetime, timezone

    from feeder.config import load_config
    from feeder.posts.render import Renderer

    site.write_config("feeds:\n  json: feed.json\n  tags: true\n  categories: true\n  archive: true\n"
                      "  archive_size: 2\n  max_items: 3\n")
    for n in range(1, 8):
        site.post(f"2025-01-{n:02d}-p{n}.md", f"title: post {n}\ntags: [t{n % 2}, all]\ncategories: [c]")
    renders: Counter[str] = Counter()
    real = Renderer.render_body

    def counting(self, post, body):
        renders[post.path] += 1
        return real(self, post, body)

    monkeypatch.setattr(Renderer, "render_body", counting)
    now = datetime(2025, 12, 20, tzinfo=timezone.utc)
    result = publish(load_config(site.root / "config.yaml"), now)
    assert len(result.written) > 20
    assert sorted(renders) == sorted(f"2025-01-{n:02d}-p{n}.md" for n in range(1, 8))
    assert set(renders.values()) == {1}
