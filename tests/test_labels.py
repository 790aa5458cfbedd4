"""Tags and categories: one key per spelling family, one distinct path per key, a feed for each."""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import unquote, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from feeder.feeds.labels import folder_name, label_key, select
from feeder.posts.row import Row

NOW = "2025-12-20T00:00:00Z"


def row(path: str, tags: list[str], ts: float = 0.0) -> Row:
    return Row(path, (1, 1, 1, 1), ts, f"https://e.com/{path}", f"https://e.com/{path}", False, None,
               tuple(tags))


def test_case_and_width_fold_into_one_key() -> None:
    assert label_key("AI") == label_key("ai") == label_key("ＡＩ") == "ai"
    assert label_key("Straße") == label_key("STRASSE")
    assert label_key("ｶﾞ") == label_key("ガ")  # half-width katakana composes under NFKC
    assert label_key("投資") == "投資"


def test_folder_rule_examples() -> None:
    assert folder_name("投資") == "投資"
    assert folder_name("c++") == "c~2B~2B"
    assert folder_name("a/b") == "a~2Fb"
    assert folder_name("machine learning") == "machine~20learning"
    assert folder_name("llama.cpp") == "llama.cpp"
    assert folder_name(".net") == "~2Enet"
    assert folder_name("..") == "~2E."
    assert folder_name("~") == "~7E"
    assert folder_name("100%") == "100~25"
    assert folder_name("index.json") == "index~2Ejson"  # never the folder where tags/index.json goes
    assert folder_name("index~2ejson") == "index~7E2ejson"


def test_long_keys_are_cut_with_a_hash_and_stay_distinct() -> None:
    a, b = "長" * 200 + "a", "長" * 200 + "b"
    assert folder_name(a) != folder_name(b)
    assert all(len(folder_name(k).encode()) <= 255 for k in (a, b))
    assert "~~" in folder_name(a)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=6, unique=True))
def test_distinct_keys_never_share_a_folder(spellings: list[str]) -> None:
    keys = {label_key(s) for s in spellings} - {""}
    folders = {folder_name(k) for k in keys}
    assert len(folders) == len(keys)
    for folder in folders:
        assert "/" not in folder and "\\" not in folder and "\x00" not in folder
        assert folder not in (".", "..", "index.json") and not folder.startswith(".")


def test_display_name_is_the_most_used_spelling_then_code_point_order() -> None:
    rows = [row("1.md", ["AI", "ai"], 3), row("2.md", ["ai"], 2), row("3.md", ["ＡＩ"], 1), row("4.md", ["Go"]),
            row("5.md", ["go"])]
    labels = {label.key: label for label in select(rows, "tags", 20)}
    assert labels["ai"].name == "ai"  # twice, against AI once and ＡＩ once
    assert [r.path for r in labels["ai"].rows] == ["1.md", "2.md", "3.md"]  # 1.md listed once
    assert labels["go"].name == "Go"  # a tie: "Go" < "go"


def tag_site(site, tags: dict[str, list[str]], extra: str = "") -> None:
    site.write_config(f"feeds:\n  json: feed.json\n  tags: true\n  categories: true\n{extra}")
    for number, (name, post_tags) in enumerate(tags.items(), start=1):
        site.post(f"2025-01-{number:02d}-{name}.md", f"title: {name}\ntags: {json.dumps(post_tags, ensure_ascii=False)}"
                  "\ncategories: [Notes]")


def test_every_script_gets_its_own_feed_at_a_distinct_path(site, cli, read_feed) -> None:
    tag_site(site, {"one": ["投資", "C++"], "two": ["a/b", "投資"], "three": ["ＡＩ"], "four": ["ai"]})
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 0, result.output
    public = site.root / "public"
    index = json.loads((public / "tags" / "index.json").read_text(encoding="utf-8"))
    by_key = {entry["key"]: entry for entry in index["tags"]}
    assert sorted(by_key) == ["a/b", "ai", "c++", "投資"]
    assert len({entry["path"] for entry in index["tags"]}) == 4
    for key, posts in (("投資", 2), ("c++", 1), ("a/b", 1), ("ai", 2)):
        entry = by_key[key]
        assert entry["posts"] == posts
        for kind, file in (("rss", "feed.xml"), ("atom", "atom.xml")):
            url = entry["feeds"][kind]
            # the URL's path, decoded as a web server decodes it, is the file on disk
            on_disk = public / unquote(urlsplit(url).path[len("/blog/"):])
            assert on_disk == public / entry["path"] / file and on_disk.is_file()
            feed = read_feed(on_disk)
            assert feed.feed.title == f"Test Site — tag: {entry['name']}"
            assert [link.href for link in feed.feed.links if link.rel == "self"] == [url]
            assert len(feed.entries) == posts
        document = json.loads((public / entry["path"] / "feed.json").read_text(encoding="utf-8"))
        assert document["feed_url"] == entry["feeds"]["json"] and len(document["items"]) == posts
    assert by_key["投資"]["feeds"]["rss"] == "https://example.com/blog/tags/%E6%8A%95%E8%B3%87/feed.xml"
    assert by_key["c++"]["feeds"]["rss"] == "https://example.com/blog/tags/c~2B~2B/feed.xml"
    assert by_key["a/b"]["feeds"]["rss"] == "https://example.com/blog/tags/a~2Fb/feed.xml"
    assert by_key["ai"]["name"] == "ai"  # "ＡＩ" and "ai" once each: code-point order picks "ai"
    categories = json.loads((public / "categories" / "index.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in categories["categories"]] == ["Notes"]
    assert read_feed(public / "categories" / "notes" / "atom.xml").feed.title == "Test Site — category: Notes"


def test_a_tag_nobody_uses_any_more_loses_its_files(site, cli) -> None:
    tag_site(site, {"one": ["keep", "drop"], "two": ["keep"]})
    config = site.root / "config.yaml"
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    dropped = site.root / "public" / "tags" / "drop"
    assert (dropped / "feed.xml").is_file()
    site.post("2025-01-01-one.md", "title: one\ntags: [keep]")
    result = cli("publish", "--config", config, "--now", NOW, "-v")
    assert result.exit_code == 0 and "removed (no longer produced)" in result.output
    assert not dropped.exists() and (site.root / "public" / "tags" / "keep" / "feed.xml").is_file()


def test_tag_feeds_list_max_items_newest_and_warm_runs_write_nothing(site, cli, read_feed) -> None:
    site.write_config("feeds:\n  tags: true\n  max_items: 2\n")
    for day in range(1, 6):
        site.post(f"2025-01-0{day}-p{day}.md", f"title: p{day}\ntags: [Shared]")
    config = site.root / "config.yaml"
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    feed = read_feed(site.root / "public" / "tags" / "shared" / "atom.xml")
    assert [e.title for e in feed.entries] == ["p5", "p4"]
    second = cli("publish", "--config", config, "--now", NOW, "-v")
    assert "nothing changed" in second.output


def test_with_the_new_keys_off_only_the_two_feeds_are_written(site, cli) -> None:
    site.post("2025-01-01-a.md", "title: a\ntags: [x]\ncategories: [y]")
    assert cli("publish", "--config", site.root / "config.yaml", "--now", NOW).exit_code == 0
    assert sorted(p.name for p in (site.root / "public").iterdir()) == ["atom.xml", "feed.xml"]


def test_nfkc_is_applied_before_and_after_casefolding() -> None:
    for spelling in ("ǅ", "ﬁ", "Ⅻ", "ﾊﾟ"):
        key = label_key(spelling)
        assert key == unicodedata.normalize("NFKC", key) == label_key(key)


# Issue 14, row 10: one post with 1,000 tags made 3,004 files (91 MB) in 145 s, and 2,000 never finished.

def many_tags(site, count: int, feeds: str = "  json: feed.json\n  tags: true\n  categories: true\n") -> None:
    site.write_config(f"feeds:\n{feeds}")
    tags = "\n".join(f"  - tag {n:04d}" for n in range(count))
    site.post("2025-01-01-many.md", f"title: Many\ncategories: [Notes]\ntags:\n{tags}")
    site.post("2025-01-02-plain.md", "title: Plain\ntags: [Go, tag 0001]\ncategories: [Notes]")


def test_a_post_with_a_thousand_tags_counts_with_its_first_twenty_and_a_warning(site, cli, read_feed) -> None:
    many_tags(site, 1_000)
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: ") == 1
    assert ("warning: " + str(site.posts / "2025-01-01-many.md") + ":4: tags: 1,000 of them, over "
            "feeds.max_labels_per_post (20): only the first 20 get feeds and are listed in entries") in result.output
    public = site.root / "public"
    folders = sorted(p.name for p in (public / "tags").iterdir() if p.is_dir())
    assert folders == ["go"] + [f"tag~20{n:04d}" for n in range(20)]
    index = json.loads((public / "tags" / "index.json").read_text(encoding="utf-8"))
    assert {t["name"]: t["posts"] for t in index["tags"]}["tag 0001"] == 2  # both posts
    assert sum(p.stat().st_size for p in public.rglob("*") if p.is_file()) < 1_000_000  # was 91 MB
    entries = {e.title: e for e in read_feed(public / "atom.xml").entries}
    assert [t.term for t in entries["Many"].tags] == [f"tag {n:04d}" for n in range(20)] + ["Notes"]
    assert [t.term for t in entries["Plain"].tags] == ["Go", "tag 0001", "Notes"]  # the other post: untouched
    feed = json.loads((public / "feed.json").read_text(encoding="utf-8"))
    assert len(next(i for i in feed["items"] if i["title"] == "Many")["tags"]) == 21


def test_the_cap_is_configurable_and_entries_list_labels_in_one_call(site, cli, read_feed, monkeypatch) -> None:
    """feedgen rebuilds an entry's whole category list on every call that adds to it: one call per label made
    two feeds of one post with 8,000 tags take over a minute (5,000: 29 s; in one call, 3 s)."""
    from feedgen.entry import FeedEntry

    added: list[int] = []  # the number of labels each call to FeedEntry.category adds
    stock = FeedEntry.category

    def category(self: FeedEntry, category: object = None, replace: bool = False) -> object:
        if category is not None:
            added.append(len(category) if isinstance(category, list) else 1)
        return stock(self, category, replace)

    monkeypatch.setattr(FeedEntry, "category", category)
    many_tags(site, 8_000, "  max_labels_per_post: 8000\n")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert sorted(added) == [3, 3, 8_001, 8_001], "one call per entry (RSS and Atom, two posts), not one per label"
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    entries = {e.title: e for e in read_feed(site.root / "public" / "feed.xml").entries}
    assert len(entries["Many"].tags) == 8_001
    site.write_config("feeds:\n  tags: true\n  max_labels_per_post: 3\n")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 0 and "(3): only the first 3 get feeds" in result.output
    assert sorted(p.name for p in (site.root / "public" / "tags").iterdir() if p.is_dir()) == [
        "go", "tag~200000", "tag~200001", "tag~200002"]
