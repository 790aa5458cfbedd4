"""The plan: no output over another, or where another needs a folder (issue 14 row 17)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from feeder.config import load_config
from feeder.errors import ConfigError
from feeder.feeds.plan import Clash, plan
from feeder.posts.row import Row

HOSTILE = Path(__file__).parent / "hostile" / "output-paths"
NOW = "2025-12-20T00:00:00Z"


def row(path: str, ts: float, tags: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> Row:
    return Row(path, (1, 1, 1, 1), ts, f"https://example.com/{path}/", f"https://example.com/{path}/", False, None,
               tags, categories)


def test_a_tag_whose_folder_is_another_output_is_left_out_and_reported(site) -> None:
    site.write_config("feeds:\n  tags: '.'\n  categories: true\n  stylesheet: true\n")
    rows = [row("b.md", 2, ("atom.xml", "python")), row("a.md", 1, ("feed.xsl", "categories", "python"))]
    clashes: list[Clash] = []
    outputs = plan(site.config, rows, clashes)
    paths = [o.path for o in outputs]
    assert len(paths) == len(set(paths))
    assert "python/feed.xml" in paths and "atom.xml" in paths and "feed.xsl" in paths
    assert not any(p.startswith(("atom.xml/", "feed.xsl/", "categories/feed")) for p in paths)
    assert [(c.label.name, c.folder, c.taken) for c in clashes] == [
        ("atom.xml", "atom.xml", "the file atom.xml"),
        ("categories", "categories", "the folder of categories/index.json"),
        ("feed.xsl", "feed.xsl", "the file feed.xsl"),
    ]
    assert clashes[0].label.rows[0].path == "b.md"  # the newest post with the tag
    index = next(o for o in outputs if o.path == "index.json").data
    assert [t["name"] for t in index["tags"]] == ["python"] and index["tags"][0]["path"] == "python/"
    assert plan(site.config, rows) == outputs  # without a list to fill, the same plan


def test_folders_named_dot_give_plain_paths(site) -> None:
    site.write_config("feeds:\n  tags: '.'\n  archive: arch\n  archive_size: 1\n")
    paths = [o.path for o in plan(site.config, [row("b.md", 2, ("x",)), row("a.md", 1)])]
    assert "x/feed.xml" in paths and "index.json" in paths and not any(p.startswith("./") for p in paths)


def test_an_archive_page_on_a_feed_is_a_config_error(site) -> None:
    site.write_config("feeds:\n  atom: feed-1.xml\n  archive: '.'\n  archive_size: 1\n")  # RSS page 1 is feed-1.xml
    with pytest.raises(ConfigError, match=r"two outputs need 'feed-1.xml'"):
        plan(site.config, [row("b.md", 2), row("a.md", 1)])


def test_the_hostile_tags_at_the_root_publish_everything_else(tmp_path, cli, read_feed) -> None:
    root = tmp_path / "site"
    shutil.copytree(HOSTILE / "tags-at-root", root)
    config = root / "config.yaml"
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == (f"{root / 'posts' / '2025-01-01-hijack.md'}: tag 'atom.xml': its feeds would need the "
                        "folder atom.xml/, which is taken by the file atom.xml; it gets no feed. Rename the tag, or "
                        "give feeds.tags a folder of its own")
    assert "tag 'categories': its feeds would need the folder categories/, which is taken by the folder of" in lines[1]
    assert "tag 'feed.xsl'" in lines[2]
    public = root / "public"
    for name in ("atom.xml", "feed.xml", "python/atom.xml", "categories/news/feed.xml"):
        assert len(read_feed(public / name).entries) == 2
    assert (public / "feed.xsl").read_bytes().startswith(b"<?xml")
    assert [t["name"] for t in json.loads((public / "index.json").read_text())["tags"]] == ["python"]
    again = cli("publish", "--config", config, "--now", NOW)
    assert again.exit_code == 1 and again.stderr == result.stderr  # reported on every run, like an invalid post


def test_the_hostile_rss_at_the_output_folder_itself_is_a_config_error(tmp_path, cli) -> None:
    config = tmp_path / "config.yaml"
    shutil.copy(HOSTILE / "rss-is-dot.yaml", config)
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 2
    assert result.stderr == (f"error: {config}: feeds.rss: must name a file inside output_dir, such as 'feed.xml'; "
                             "got '.'\n")
    assert not (tmp_path / "public").exists()
    with pytest.raises(ConfigError):
        load_config(config)
