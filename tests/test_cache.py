"""The post cache is an accelerator only: whatever state it is in, the feeds come out the same.

Every test compares a publish that used the cache against a cold publish of the
same posts into a fresh state folder, byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeder.config import Config
from feeder.errors import StorageError
from feeder.feeds.publish import publish
from feeder.posts.cache import PostCache, state_cache
from feeder.posts.load import load
from feeder.posts.row import Row

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def outputs(config: Config) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(config.output_dir.iterdir()) if p.is_file()}


def cold(config: Config, tmp: Path) -> dict[str, bytes]:
    """Publish the same posts with no cache at all, into folders of its own."""
    fresh = dataclasses.replace(config, state_dir=tmp / "cold-state", output_dir=tmp / "cold-out")
    for folder in (fresh.state_dir, fresh.output_dir):
        if folder.exists():
            for f in folder.iterdir():
                f.unlink()
    publish(fresh, NOW)
    return outputs(fresh)


def post_text(n: int, title: str = "", day: int = 1) -> str:
    return (f"---\ntitle: {title or f'Post {n}'}\ndate: 2025-12-{day:02d} 10:00:00 +0900\ntags: [t{n % 3}]\n---\n"
            f"Body of post {n}, with a [link](/about/).\n\nSecond paragraph.\n")


def make_site(site, count: int = 6, max_items: int = 4) -> Config:
    site.write_config(f"feeds:\n  max_items: {max_items}\n")
    for n in range(count):
        site.post(f"2025-12-{n + 1:02d}-post-{n}.md", raw=post_text(n, day=n + 1).encode())
    return site.config


def test_warm_run_renders_nothing_and_writes_nothing(site, tmp_path):
    config = make_site(site)
    first = publish(config, NOW)
    assert first.written and not first.skipped
    stamps = {p: p.stat().st_mtime_ns for p in first.outputs}
    second = publish(config, NOW)
    assert second.skipped and not second.written and second.parsed == 0
    assert {p: p.stat().st_mtime_ns for p in second.outputs} == stamps
    assert outputs(config) == cold(config, tmp_path)


def test_edit_add_delete_rename_match_a_cold_publish(site, tmp_path):
    config = make_site(site)
    publish(config, NOW)
    steps = [
        lambda: site.post("2025-12-06-post-5.md", raw=post_text(5, "Edited title", day=6).encode()),
        lambda: site.post("2025-12-20-post-new.md", raw=post_text(99, "Brand new", day=20).encode()),
        lambda: (site.posts / "2025-12-05-post-4.md").unlink(),
        lambda: (site.posts / "2025-12-03-post-2.md").rename(site.posts / "2025-12-03-renamed.md"),
    ]
    for step in steps:
        step()
        result = publish(config, NOW)
        assert not result.skipped
        assert outputs(config) == cold(config, tmp_path)
    urls = outputs(config)["atom.xml"].decode()
    assert "Edited title" in urls and "Brand new" in urls
    assert "/post-4/" not in urls and "/renamed/" in urls


def test_touching_files_changes_nothing(site, tmp_path):
    config = make_site(site)
    publish(config, NOW)
    before = {p: p.stat().st_mtime_ns for p in config.output_dir.iterdir()}
    for path in site.posts.iterdir():
        os.utime(path, ns=(1, 1))
    result = publish(config, NOW)
    assert result.parsed == 6  # re-read, found identical
    assert not result.written
    assert {p: p.stat().st_mtime_ns for p in config.output_dir.iterdir()} == before


def test_corrupt_cache_is_rebuilt_silently(site, tmp_path):
    config = make_site(site)
    publish(config, NOW)
    expected = outputs(config)
    cache_file = config.state_dir / "cache.sqlite"
    cache_file.write_bytes(b"this is not a database" * 100)
    for f in config.output_dir.iterdir():
        f.unlink()
    result = publish(config, NOW)
    assert result.problems == [] and outputs(config) == expected


def test_a_run_that_would_change_nothing_stops_after_the_scan(site):
    """Same post files, no post due since, outputs untouched: the cache is not even read."""
    config = make_site(site)
    publish(config, NOW)
    with sqlite3.connect(config.state_dir / "cache.sqlite") as db:
        db.execute("DELETE FROM posts")  # a run that read the cache would parse every post again
    later = publish(config, NOW + timedelta(days=30))
    assert later.skipped and (later.published, later.drafts, later.scheduled, later.parsed) == (6, 0, 0, 0)
    os.utime(site.posts / "2025-12-01-post-0.md")  # touched, not changed: the full run, which writes nothing
    touched = publish(config, NOW)
    assert touched.parsed == 6 and touched.skipped and not touched.written


def test_the_counts_of_the_last_run_are_kept_readable_and_checked(site):
    """outputs.json keeps them as a JSON object; a count edited into something else is not trusted."""
    config = make_site(site)
    publish(config, NOW)
    state_file = config.state_dir / "outputs.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["inputs"]["counts"] == {"published": 6, "drafts": 0, "scheduled": 0}
    state["inputs"]["counts"]["published"] = "6"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    with sqlite3.connect(config.state_dir / "cache.sqlite") as db:
        db.execute("DELETE FROM posts")  # the full run parses every post again; a repeat would not
    result = publish(config, NOW)
    assert result.parsed == 6 and result.published == 6
    assert publish(config, NOW).parsed == 0


def test_invalid_posts_are_reported_on_every_run(site):
    config = make_site(site)
    site.post("2025-12-20-bad.md", raw=b"---\ntitle: [\n---\n")
    for _ in range(2):
        assert [p.path for p in publish(config, NOW).problems] == ["2025-12-20-bad.md"]


def test_a_post_whose_body_cannot_be_read_is_reported_until_it_is_fixed(site):
    config = make_site(site)
    front = b"---\ntitle: Latest\ndate: 2025-12-10 10:00:00 +0900\n---\n"
    site.post("2025-12-10-latest.md", raw=front + b"caf\xe9\n")
    for _ in range(2):
        assert [p.path for p in publish(config, NOW).problems] == ["2025-12-10-latest.md"]
    site.post("2025-12-10-latest.md", raw=front + b"Fixed.\n")
    assert publish(config, NOW).problems == [] and b"Fixed." in outputs(config)["atom.xml"]


def test_an_earlier_now_withdraws_the_posts_dated_after_it(site, tmp_path):
    config = make_site(site)  # posts dated 2025-12-01 … 12-06, 01:00 UTC
    publish(config, NOW)
    earlier = datetime(2025, 12, 5, 12, tzinfo=timezone.utc)
    result = publish(config, earlier)
    assert not result.skipped and (result.published, result.scheduled) == (5, 1)
    assert b"Post 5" not in outputs(config)["atom.xml"]
    assert publish(config, earlier + timedelta(hours=1)).skipped  # the same posts are published until 12-06 01:00
    assert publish(config, datetime(2025, 12, 6, 1, tzinfo=timezone.utc)).published == 6


def test_cache_from_another_version_or_config_is_rebuilt(site, tmp_path):
    config = make_site(site)
    publish(config, NOW)
    with sqlite3.connect(config.state_dir / "cache.sqlite") as db:
        db.execute("UPDATE meta SET value = 'old' WHERE key = 'key'")
        db.execute("UPDATE posts SET url = 'https://stale.example/', ts = 0")
        db.execute("UPDATE rendered SET html = x'00'")
    # another version also has another inputs key, so it would not repeat the last run
    (config.state_dir / "outputs.json").unlink()
    result = publish(config, NOW)
    assert result.parsed == 6
    assert outputs(config) == cold(config, tmp_path)
    site.write_config("feeds:\n  max_items: 4\n", title="Renamed Site")
    renamed = publish(site.config, NOW)
    assert renamed.parsed == 6 and b"Renamed Site" in outputs(site.config)["feed.xml"]


def test_deleted_output_is_written_again(site):
    config = make_site(site)
    publish(config, NOW)
    (config.output_dir / "feed.xml").unlink()
    result = publish(config, NOW)
    assert config.output_dir / "feed.xml" in result.written


def test_edited_output_is_repaired(site):
    config = make_site(site)
    publish(config, NOW)
    expected = outputs(config)
    (config.output_dir / "atom.xml").write_text("vandalised")
    publish(config, NOW)
    assert outputs(config) == expected


def test_a_post_outside_the_feed_changes_no_output(site):
    config = make_site(site, count=8, max_items=3)
    publish(config, NOW)
    site.post("2025-12-01-post-0.md", raw=post_text(0, "Old post, edited", day=1).encode())
    result = publish(config, NOW)
    assert result.parsed == 1 and result.skipped


def test_a_scheduled_post_appears_when_its_time_comes(site):
    config = make_site(site)
    site.post("2026-02-01-future.md", raw=b"---\ntitle: Future\ndate: 2026-02-01 00:00:00 +0000\n---\nSoon.\n")
    publish(config, NOW)
    assert b"Future" not in outputs(config)["atom.xml"]
    later = publish(config, datetime(2026, 2, 1, 0, 0, 1, tzinfo=timezone.utc))
    assert not later.skipped and b"Future" in outputs(config)["atom.xml"]


def test_a_post_broken_after_the_scan_is_reported_not_lost(sample_config):
    """Full posts are parsed again from their files; one broken in between is a problem, not a crash."""
    from feeder.posts.collection import collect

    with state_cache(sample_config) as cache:
        collection = collect(sample_config, NOW, cache)
    newest = collection.published[0]
    (sample_config.posts_dir / newest.path).write_bytes(b"no front matter now")
    loaded, problems = load(sample_config, [row.path for row in collection.published])
    assert [s.post.path for s in loaded] == [r.path for r in collection.published[1:]]
    assert [e.path for e in problems] == [newest.path]


def test_in_memory_cache_needs_no_folder(tmp_path):
    with PostCache(None, "x") as cache:
        assert list(cache.rows()) == []


operations = st.lists(
    st.tuples(st.sampled_from(["edit", "add", "delete", "touch", "publish-twice"]), st.integers(0, 9)),
    min_size=1, max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_changes_matches_a_cold_publish(site, tmp_path, ops):
    for old in site.posts.iterdir():
        old.unlink()
    config = make_site(site, count=5, max_items=3)
    for f in (config.state_dir / "cache.sqlite",):
        f.unlink(missing_ok=True)
    publish(config, NOW)
    for op, n in ops:
        path = site.posts / f"2025-12-{n + 1:02d}-post-{n}.md"
        if op == "edit" or op == "add":
            path.write_bytes(post_text(n, f"{op} {n}", day=n + 1).encode())
        elif op == "delete":
            path.unlink(missing_ok=True)
        elif op == "touch" and path.exists():
            os.utime(path, ns=(n, n))
        else:
            publish(config, NOW)
        publish(config, NOW)
        assert outputs(config) == cold(config, tmp_path)


def test_an_edit_renders_only_the_edited_post(site, tmp_path, monkeypatch):
    from feeder.posts.render import Renderer

    config = make_site(site, count=6, max_items=4)
    publish(config, NOW)
    rendered: list[str] = []
    original = Renderer.render_body
    monkeypatch.setattr(Renderer, "render_body", lambda self, post, body: rendered.append(post.path) or
                        original(self, post, body))
    site.post("2025-12-05-post-4.md", raw=post_text(4, "Edited once more", day=5).encode())
    publish(config, NOW)
    assert rendered == ["2025-12-05-post-4.md"]
    assert outputs(config) == cold(config, tmp_path)


def test_damage_deep_in_the_cache_is_rebuilt_silently(site, tmp_path):
    config = make_site(site, count=28, max_items=4)
    publish(config, NOW)
    expected = outputs(config)
    cache_file = config.state_dir / "cache.sqlite"
    size = cache_file.stat().st_size
    with open(cache_file, "r+b") as f:  # a page in the middle, not the header SQLite reads at open
        f.seek(size // 2 // 4096 * 4096)
        f.write(b"\xff" * 4096)
    site.post("2025-12-31-post-new.md", raw=post_text(77, "After the damage", day=31).encode())
    result = publish(config, NOW)
    assert result.problems == []
    assert outputs(config) == cold(config, tmp_path)
    assert b"After the damage" in outputs(config)["atom.xml"] and outputs(config) != expected


def test_outputs_no_longer_produced_are_removed_even_after_the_cache_is_rebuilt(site):
    config = make_site(site)
    site.write_config("feeds:\n  max_items: 4\n  json: feed.json\n")
    publish(site.config, NOW)
    assert (config.output_dir / "feed.json").exists()
    (config.state_dir / "cache.sqlite").unlink()  # and a config change throws the cache away too
    site.write_config("feeds:\n  max_items: 4\n  rss: rss.xml\n")
    result = publish(site.config, NOW)
    assert not (config.output_dir / "feed.json").exists() and not (config.output_dir / "feed.xml").exists()
    assert sorted(p.name for p in result.removed) == ["feed.json", "feed.xml"]


def _rows(count: int) -> list[Row]:
    return [Row(f"2025/post-{n:05d}.md", (n, n, n, n), float(n), f"https://example.com/{n}/" * 4,
                f"https://example.com/{n}/", False, None, ("tag", f"t{n}"), ()) for n in range(count)]


def test_a_disk_that_fills_inside_a_transaction_is_a_clear_error(tmp_path, tmpfs):
    """SQLite rolls a transaction back itself on SQLITE_FULL; rolling back again must not hide that error."""
    disk = tmpfs(tmp_path / "state", 256 * 1024)
    cache = PostCache(disk.path / "cache.sqlite", "config")
    try:
        cache.put(_rows(10))
        disk.fill()
        with pytest.raises(StorageError) as caught:
            cache.put(_rows(5000))
        assert str(caught.value) == (f"{disk.path / 'cache.sqlite'}: cannot write (database or disk is full): "
                                     "the disk is full; free space on it and run again")
        assert caught.value.exit_code == 1
        disk.free()
        cache.put(_rows(500))  # the connection is usable again: no transaction was left open
        assert len(list(cache.rows())) == 500
    finally:
        cache.close()


def test_a_read_only_state_folder_is_an_error_of_the_setup(tmp_path):
    (tmp_path / "state").write_text("a file where the folder goes")
    with pytest.raises(StorageError, match=r"state/cache.sqlite: cannot write .*: the file .*state is in the way") as e:
        PostCache(tmp_path / "state" / "cache.sqlite", "config")
    assert e.value.exit_code == 2
