"""JSON Feed 1.1: the spec's required fields and types, the sample post round-trip, determinism."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from conftest import SAMPLE_POST

NOW = "2025-12-20T00:00:00Z"
TOP_ORDER = ["version", "title", "home_page_url", "feed_url", "description", "authors", "language", "hubs", "items"]


def check_spec(document: dict) -> None:
    """What https://jsonfeed.org/version/1.1 requires of a feed and its items, and the types it gives."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    assert "author" not in document  # 1.0's singular key is deprecated in 1.1
    for key in ("home_page_url", "feed_url"):
        assert document[key].startswith("https://")
    for author in document.get("authors", []):
        assert set(author) <= {"name", "url", "avatar"} and author
    keys = [k for k in TOP_ORDER if k in document]
    assert list(document) == keys  # the spec's order
    ids = set()
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"] and item["id"] not in ids
        ids.add(item["id"])
        assert "content_html" in item or "content_text" in item
        assert item["url"].startswith("https://")
        for key in ("date_published", "date_modified"):
            if key in item:
                assert datetime.fromisoformat(item[key].replace("Z", "+00:00")).tzinfo is not None
        if "summary" in item:
            assert "<" not in item["summary"]  # plain text
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        for attachment in item.get("attachments", []):
            assert attachment["url"].startswith("http") and "/" in attachment["mime_type"]


def enable_json(root: Path) -> None:
    text = (root / "config.yaml").read_text(encoding="utf-8")
    if "json: feed.json" not in text:
        text = text.replace("feeds:\n", "feeds:\n  json: feed.json\n", 1)
        (root / "config.yaml").write_text(text, encoding="utf-8")


def test_sample_site_json_feed_meets_the_spec_and_round_trips_the_sample_post(sample_site: Path, cli) -> None:
    enable_json(sample_site)
    assert cli("publish", "--config", sample_site / "config.yaml", "--now", NOW).exit_code == 0
    raw = (sample_site / "public" / "feed.json").read_bytes()
    document = json.loads(raw)
    check_spec(document)
    assert document["feed_url"] == "https://allforces.example.com/feed.json"
    assert document["language"] == "ja" and document["authors"] == [{"name": "ALLFORCES編集部"}]
    sample = next(i for i in document["items"] if "2025/12/11" in i["url"])
    assert sample["date_published"] == "2025-12-11T04:49:28Z"
    assert SAMPLE_POST.is_file()
    assert sample["tags"] == ["AI", "最新ニュース", "技術動向", "Meta", "投資", "投資分析"]  # tags, then categories
    assert sample["content_html"].startswith("<") and "summary" in sample
    # the excerpt is **Meta Llama 4、一般公開で性能向上**について…: no space where </strong> was (issue 13)
    assert sample["summary"] == "Meta Llama 4、一般公開で性能向上について詳細に分析します。"
    assert "\\u" not in raw.decode("utf-8")  # Japanese written as itself, not escaped


def test_items_carry_image_authors_and_attachments(site, cli) -> None:
    site.write_config("feeds:\n  json: feed.json\n  content: excerpt\n")
    site.post("2025-01-01-ep.md", "title: Episode 1\nimage: /img/cover.png\nauthor: Ann\ntags: [a, b]\n"
              "categories: [c]\naudio: /media/ep1.mp3\nupdated: 2025-02-01", body="Intro.\n\nMore text.\n")
    assert cli("publish", "--config", site.root / "config.yaml", "--now", NOW).exit_code == 0
    document = json.loads((site.root / "public" / "feed.json").read_text(encoding="utf-8"))
    check_spec(document)
    item = document["items"][0]
    assert item["image"] == "https://example.com/img/cover.png"
    assert item["authors"] == [{"name": "Ann"}]
    assert item["tags"] == ["a", "b", "c"]
    assert item["attachments"] == [{"url": "https://example.com/media/ep1.mp3", "mime_type": "audio/mpeg"}]
    assert item["content_html"] == "<p>Intro.</p>"  # excerpt mode: the excerpt is the content
    assert item["date_modified"] > item["date_published"]


def test_same_posts_give_identical_bytes(site, cli, tmp_path: Path) -> None:
    site.write_config("feeds:\n  json: feed.json\n")
    site.post("2025-01-01-a.md", "title: A")
    site.post("2025-01-02-b.md", "title: B & <b>")
    config = site.root / "config.yaml"
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    first = (site.root / "public" / "feed.json").read_bytes()
    (site.root / "public" / "feed.json").unlink()
    assert cli("publish", "--config", config, "--now", "2026-06-01T00:00:00Z").exit_code == 0
    assert (site.root / "public" / "feed.json").read_bytes() == first
    assert json.loads(first)["items"][0]["title"] == "B & <b>"


def test_json_off_by_default(site, cli) -> None:
    site.post("2025-01-01-a.md", "title: A")
    assert cli("publish", "--config", site.root / "config.yaml", "--now", NOW).exit_code == 0
    assert not (site.root / "public" / "feed.json").exists()
