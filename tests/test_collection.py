"""Which posts are published at a given time, in which order, and what is wrong with the rest."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeder.errors import ConfigError
from feeder.posts import collection as collection_module
from feeder.posts import scan as scan_module
from feeder.posts.cache import PostCache
from feeder.posts.collection import collect, scan
from feeder.posts.load import load

UTC = timezone.utc
NOW = datetime(2025, 12, 20, tzinfo=UTC)


def run(config, now=NOW, workers=1):
    cache = PostCache(None, config.fingerprint)
    return collect(config, now, cache, workers=workers)


def test_scan_is_recursive_and_skips_hidden_and_other_files(site) -> None:
    site.post("a.md", "title: a")
    site.post("2025/b.markdown", "title: b")
    site.post("2025/12/deep/c.md", "title: c")
    site.post(".hidden.md", "title: h")
    site.post(".drafts/d.md", "title: d")
    site.post("notes.txt", "title: t")
    site.post("README.MD.bak", "title: r")
    assert sorted(scan(site.posts)) == ["2025/12/deep/c.md", "2025/b.markdown", "a.md"]


def test_missing_posts_dir_is_a_config_error(site) -> None:
    site.write_config("posts_dir: nowhere\n")
    with pytest.raises(ConfigError, match=r"posts_dir: .*nowhere is not a folder"):
        run(site.config)


def test_sample_site_selection(sample_config) -> None:
    found = run(sample_config)
    assert len(found.published) == 7
    assert found.drafts == 2  # draft: true and published: false
    assert found.scheduled == 0
    assert found.problems == []
    paths = [row.path for row in found.published]
    assert "2025-12-09-semiconductor-earnings-preview.md" not in paths
    assert "2025/2025-12-13-reader-office-hours.md" not in paths
    stamps = [row.timestamp for row in found.published]
    assert stamps == sorted(stamps, reverse=True)


def test_future_posts_wait_for_their_time(site) -> None:
    site.post("2025-12-19-past.md", "title: past\ndate: 2025-12-19 23:59:59 +0000")
    site.post("2025-12-20-exact.md", "title: exact\ndate: 2025-12-20T00:00:00Z")
    site.post("2025-12-21-future.md", "title: future\ndate: 2025-12-20T00:00:01Z")
    found = run(site.config)
    assert [row.path for row in found.published] == ["2025-12-20-exact.md", "2025-12-19-past.md"]
    assert found.scheduled == 1
    later = run(site.config, datetime(2025, 12, 20, 0, 0, 1, tzinfo=UTC))
    assert next(row.path for row in later.published) == "2025-12-21-future.md"


def test_ties_break_by_path_whatever_the_listing_order(site, monkeypatch) -> None:
    for name in ("b.md", "c.md", "a.md", "sub/0.md"):
        site.post(name, "title: x\ndate: 2025-03-01 12:00 +0000")
    expected = ["a.md", "b.md", "c.md", "sub/0.md"]  # by path, not by slug
    assert [row.path for row in run(site.config).published] == expected
    real = os.scandir

    class Reversed:
        def __init__(self, path):
            self._it = real(path)

        def __enter__(self):
            return reversed(sorted(self._it, key=lambda e: e.name))

        def __exit__(self, *exc):
            self._it.close()

    monkeypatch.setattr(scan_module.os, "scandir", Reversed)
    assert [row.path for row in run(site.config).published] == expected


def test_duplicate_permalink_withholds_both_and_reports_both(site) -> None:
    site.post("2025-01-01-old.md", "title: old\npermalink: /same/")
    site.post("2025-01-02-new.md", "title: new\npermalink: /same/")
    site.post("2025-01-03-draft.md", "title: draft\npermalink: /same/\ndraft: true")  # drafts do not clash
    site.post("2025-01-04-other.md", "title: other")
    found = run(site.config)
    assert [row.path for row in found.published] == ["2025-01-04-other.md"]
    assert [(p.path, p.message) for p in found.problems] == [
        ("2025-01-01-old.md", "same permalink as 2025-01-02-new.md (https://example.com/blog/same/); "
                              "neither is published until one of them has its own 'permalink' or 'id'"),
        ("2025-01-02-new.md", "same permalink as 2025-01-01-old.md (https://example.com/blog/same/); "
                              "neither is published until one of them has its own 'permalink' or 'id'")]


def test_duplicate_id_is_reported(site) -> None:
    site.post("2025-01-01-a.md", "title: a\nid: post-1")
    site.post("2025-01-02-b.md", "title: b\nid: post-1")
    site.post("2025-01-03-c.md", "title: c\nguid: post-1")
    site.post("2025-01-04-d.md", "title: d\nid: https://example.com/blog/2025/01/05/e/")  # an id equal to
    site.post("2025-01-05-e.md", "title: e\nid: post-e")  # another post's URL: feeds key on ids, link by URLs
    found = run(site.config)
    assert [row.path for row in found.published] == ["2025-01-05-e.md", "2025-01-04-d.md"]
    assert [(p.path, p.message.split(";")[0]) for p in found.problems] == [
        ("2025-01-01-a.md", "same id as 2025-01-02-b.md, 2025-01-03-c.md (post-1)"),
        ("2025-01-02-b.md", "same id as 2025-01-01-a.md, 2025-01-03-c.md (post-1)"),
        ("2025-01-03-c.md", "same id as 2025-01-01-a.md, 2025-01-02-b.md (post-1)")]


HIJACK = Path(__file__).parent / "hostile" / "permalink"


def test_a_back_dated_copy_cannot_take_over_a_permalink_or_an_id(site, cli, read_feed) -> None:
    """Issue 14, row 14: the older of two posts kept a shared URL (or id), so a copy dated before the real post
    took it over and the real post vanished from the feeds.  Now both are withheld and both reported, whatever
    their dates, names or the order they are found in; every other post is published."""
    for post in HIJACK.glob("*.md"):
        shutil.copy(post, site.posts / post.name)
    result = cli("publish", "--config", site.root / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 1, result.output
    lines = sorted(line.removeprefix(f"{site.root}/") for line in result.stderr.splitlines())
    assert len(lines) == 4 and all("neither is published until one of them has its own" in line for line in lines)
    url = "https://example.com/blog/2025/12/10/quarterly-results/"
    real_id = "https://example.com/blog/2025/12/12/announcement/"
    assert lines[0].startswith(f"posts/2025-12-01-quarterly-results-copy.md: same permalink as "
                               f"2025-12-10-quarterly-results.md ({url})")
    assert lines[1].startswith(f"posts/2025-12-02-announcement-copy.md: same id as 2025-12-12-announcement.md "
                               f"({real_id})")
    assert lines[2].startswith(f"posts/2025-12-10-quarterly-results.md: same permalink as "
                               f"2025-12-01-quarterly-results-copy.md ({url})")
    assert lines[3].startswith("posts/2025-12-12-announcement.md: same id as 2025-12-02-announcement-copy.md")
    feed = read_feed(site.root / "public" / "feed.xml")
    assert [entry.title for entry in feed.entries] == ["Another post", "A bystander"]
    assert b"hijack" not in (site.root / "public" / "feed.xml").read_bytes().lower()

    with PostCache(None, site.config.fingerprint) as cache:  # the same whatever order the rows come in
        collect(site.config, NOW, cache)
        rows = list(cache.rows())
    chosen = [collection_module._select(order, NOW.timestamp(), site.config, parsed=0) for order in (rows, rows[::-1])]
    seen = [(c.published, [(p.path, p.message) for p in c.problems]) for c in chosen]
    assert seen[0] == seen[1] and len(seen[0][1]) == 4


def test_problems_are_sorted_and_the_rest_published(site) -> None:
    site.post("2025-01-03-z.md", raw=b"no front matter\n")
    site.post("2025-01-01-a.md", raw=b"---\ntitle: [\n---\n")
    site.post("2025-01-02-ok.md", "title: ok")
    found = run(site.config)
    assert [row.path for row in found.published] == ["2025-01-02-ok.md"]
    assert [p.path for p in found.problems] == ["2025-01-01-a.md", "2025-01-03-z.md"]


def test_between_and_load(sample_config) -> None:
    found = run(sample_config)
    start, end = datetime(2025, 12, 8, tzinfo=UTC), datetime(2025, 12, 12, tzinfo=UTC)
    rows = found.between(start, end)
    sources, problems = load(sample_config, [row.path for row in rows])
    posts = [source.post for source in sources]
    assert problems == []
    assert [p.title for p in posts] == ["Meta Llama 4、性能向上で何が変わる？", "Pandas & Polars: <DataFrame> showdown"]
    assert all(start <= p.date < end for p in posts)
    assert [p.path for p in posts] == [r.path for r in rows]


def test_a_fixed_post_is_published_on_the_next_run(site, tmp_path) -> None:
    site.post("2025-01-01-a.md", raw=b"---\ntitle: [\n---\n")
    with PostCache(tmp_path / "state" / "cache.sqlite", site.config.fingerprint) as cache:
        assert collect(site.config, NOW, cache).problems
        site.post("2025-01-01-a.md", "title: fixed")
        found = collect(site.config, NOW, cache)
        assert found.problems == [] and [r.path for r in found.published] == ["2025-01-01-a.md"]
        assert load(site.config, [found.published[0].path])[0][0].post.title == "fixed"


@pytest.mark.parametrize("pad", [0, 1, 2, 3, 4, 5, 60, 4080])
def test_rows_read_from_the_head_match_the_whole_file(site, pad) -> None:
    """The collector reads only a post's first 4 KB; front matter that ends near or past that
    point, a '---' cut at the boundary, and errors beyond it read as from the whole file."""
    head = collection_module._HEAD
    filler = "x" * (head - 40 - pad)
    site.post("2025-01-01-long.md", raw=f"---\ntitle: long\nnote: {filler}\ntags: [a, b]\n---\nBody\n".encode())
    site.post("2025-01-02-cut.md", raw=("---\ntitle: cut\n" + "#" * (head - 19 - pad) + "\n---x: 1\n"
                                        "tags: [c]\n---\nBody\n").encode())
    site.post("2025-01-03-bad.md", raw=f"---\ntitle: bad\nnote: {filler}\n".encode() + b"x: \xff\n---\n")
    site.post("2025-01-04-open.md", raw=f"---\ntitle: open\nnote: {filler}\n\nBody\n".encode())
    found = run(site.config)
    assert {row.path: row.tags for row in found.published} == {"2025-01-01-long.md": ("a", "b"),
                                                              "2025-01-02-cut.md": ("c",)}
    assert [(p.path, p.line, p.message.split(" (")[0].split(":")[0]) for p in found.problems] == [
        ("2025-01-03-bad.md", 4, "not valid UTF-8"), ("2025-01-04-open.md", 1, "front matter is never closed")]


def test_the_worker_pool_finds_what_one_process_finds(site) -> None:
    """Enough posts for the parse pool (several batches), some of them broken: the same rows and
    problems as parsing them all in this process."""
    count = collection_module._PARALLEL_FROM + collection_module._BATCH
    for n in range(count):
        front = f"title: Post {n}\ndate: 2024-01-01 00:00:00 +0000\ntags: [t{n % 7}, all]\ncategories: c{n % 3}"
        if n % 97 == 5:
            site.post(f"y{n // 100}/broken-{n}.md", raw=f"---\n{front}\nx: [\n---\nBody\n".encode())
        elif n % 97 == 6:
            site.post(f"y{n // 100}/latin1-{n}.md", raw=f"---\n{front}\nnote: café\n---\n".encode("latin-1"))
        elif n % 97 == 7:
            site.post(f"y{n // 100}/long-{n}.md", raw=f"---\n{front}\nnote: {'x' * 5000}\n---\nBody\n".encode())
        else:
            site.post(f"y{n // 100}/2024-01-{n % 28 + 1:02d}-post-{n}.md", front)

    def found(workers):
        result = run(site.config, workers=workers)
        return result.published, [(p.path, p.line, p.message) for p in result.problems]

    pooled = found(2)
    alone = found(1)
    assert pooled == alone
    assert len(pooled[0]) == count - 2 * 7 and len(pooled[1]) == 2 * 7  # 7 each of broken and latin-1 posts


def test_the_posts_parsed_are_kept_only_when_asked(site) -> None:
    """With keep, every usable post parsed (in this process or by the pool) is in fresh, equal to a parse of
    the whole file; without, none is; a file the cache already had is not parsed, so not kept."""
    for n in range(collection_module._PARALLEL_FROM + 10):
        site.post(f"2024-01-{n % 28 + 1:02d}-post-{n}.md", f"title: Post {n}\ndate: 2024-01-01 00:00:00 +0000")
    site.post("2024-02-01-broken.md", raw=b"---\ntitle: [\n---\nBody\n")
    cache = PostCache(None, site.config.fingerprint)
    for workers in (1, 2):
        kept = collect(site.config, NOW, PostCache(None, site.config.fingerprint), workers=workers, keep=True)
        assert sorted(kept.fresh) == sorted(row.path for row in kept.published)
        path = kept.published[0].path
        assert kept.fresh[path] == load(site.config, [path])[0][0].post
    assert collect(site.config, NOW, cache).fresh == {}
    assert collect(site.config, NOW, cache, keep=True).fresh == {}  # nothing changed: nothing parsed


def test_one_week_from_the_cache_is_what_the_full_collection_says(site, tmp_path) -> None:
    """A digest reads only its week's rows (and their URL/id rivals, and theirs) when nothing changed;
    the posts and clashes are those of a full collection, however the rivals chain."""
    from feeder.posts.collection import collect_between

    # B shares its id with C and its permalink with A: all three are withheld (a shared URL or id is never
    # kept by one post: issue 14, row 14), and the week's problems name C, a rival of a rival, as a full run does.
    site.post("2025-01-01-c.md", "title: C\nid: shared-id")
    site.post("2025-01-02-b.md", "title: B\nid: shared-id\npermalink: /same/")
    site.post("2025-01-08-a.md", "title: A\npermalink: /same/")  # in the week, withheld
    site.post("2025-01-09-d.md", "title: D")
    site.post("2025-01-10-e.md", "title: E\ndraft: true")
    site.post("2025-01-03-bad.md", raw=b"---\ntitle: [\n---\n")
    start, end = datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 13, tzinfo=UTC)
    with PostCache(tmp_path / "cache.sqlite", site.config.fingerprint) as cache:
        full = collect(site.config, NOW, cache)
        cache.rows = lambda: pytest.fail("read every row, though no post file changed")  # type: ignore[method-assign]
        week = collect_between(site.config, NOW, cache, start, end)
    assert [r.path for r in week.published] == [r.path for r in full.between(start, end)] == ["2025-01-09-d.md"]
    assert [(p.path, p.message) for p in week.problems] == [(p.path, p.message) for p in full.problems]
    assert [p.path for p in week.problems] == ["2025-01-01-c.md", "2025-01-02-b.md", "2025-01-03-bad.md",
                                               "2025-01-08-a.md"]
