"""Outputs never land on what feeder reads: the hostile configs of issue 14, row 6, and the write-time guard."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import Site

from feeder.config_paths import check_outputs
from feeder.errors import ConfigError

HOSTILE = Path(__file__).parent / "hostile" / "config-paths"
GOOD_POST = "---\ntitle: Good\ndate: 2025-12-01\n---\nThe post that must survive.\n"

# config file → what the error says (after "config.yaml: "); {root} is the site's folder
REFUSED = {
    "rss-over-a-post": "output_dir: {root}/posts is posts_dir ({root}/posts); choose a folder outside it",
    "rss-over-the-config": "feeds.rss: 'config.yaml' would be written over the config file ({root}/config.yaml)",
    "atom-over-the-recipients": "feeds.atom: 'lists/recipients.txt' would be written over digest.recipients "
                                "({root}/lists/recipients.txt)",
    "json-into-posts": "feeds.json: 'posts/feed.json' would be written inside posts_dir ({root}/posts)",
    "stylesheet-over-a-template": "feeds.stylesheet: 'templates/email/digest.html' would be written inside "
                                  "digest.templates ({root}/templates/email)",
    "tags-folder-holds-posts": "feeds.tags: '.' is a folder feeder writes into, and it holds posts_dir ({root}/posts)",
    "archive-in-posts": "feeds.archive: 'posts/archive' would be written inside posts_dir ({root}/posts)",
    "state-in-posts": "state_dir: {root}/posts/state is inside posts_dir ({root}/posts)",
    "recipients-published": "digest.recipients: {root}/public/recipients.txt is inside output_dir, which is published",
    "digests-folder-is-posts": "the digests' web versions: 'digests' would be written inside posts_dir "
                               "({root}/digests)",
}


def make_site(root: Path, config: Path) -> dict[Path, bytes]:
    """A site with *config*, a post in posts/ (and digests/), a recipients list and a template; its files' bytes."""
    files = {"config.yaml": config.read_text(encoding="utf-8"), "posts/2025-12-01-good.md": GOOD_POST,
             "digests/2025-12-01-good.md": GOOD_POST, "lists/recipients.txt": "a@example.com\n",
             "public/recipients.txt": "a@example.com\n", "templates/email/digest.html": "<p>{{ site.title }}</p>\n"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return snapshot(root)


def snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_config_that_would_write_over_an_input_is_refused_and_nothing_is_written(tmp_path, cli, case):
    """Issue 14, row 6: ``output_dir: posts`` + ``rss: 2025-12-01-good.md`` wrote XML over the post, and
    ``output_dir: .`` + ``rss: config.yaml`` over the config file, exit 0.  Now a config error naming the key and
    the input, exit 2, and every file as it was."""
    root = tmp_path / "site"
    root.mkdir()
    before = make_site(root, HOSTILE / f"{case}.yaml")
    for command in ("publish", "check", "digest"):
        result = cli(command, "--config", root / "config.yaml", "--now", "2025-12-20T00:00:00Z")
        assert result.exit_code == 2, (command, result.output)
        assert f"config.yaml: {REFUSED[case].format(root=root)}" in result.stderr, result.stderr
    assert snapshot(root) == before
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("extra", [
    "",  # public/ beside posts/: the usual layout
    "output_dir: .\nstate_dir: ../state\n",  # the site's folder itself, posts_dir inside it: outputs are checked
    "output_dir: .\nstate_dir: ../state\nfeeds: {tags: tags, archive: archive, json: feed.json, stylesheet: true}\n",
    "posts_dir: content/posts\noutput_dir: content/public\n",  # a shared parent
    "digest: {recipients: lists/recipients.txt, templates: templates/email}\n",
])
def test_ordinary_layouts_are_accepted(site, extra):
    site.write_config(extra)
    config = site.config
    check_outputs(config, [config.output_dir / "feed.xml", config.output_dir / "tags" / "x" / "feed.xml"])


def test_a_symlink_into_posts_made_after_the_config_was_read_stops_the_publish_before_it_writes(site, cli):
    """The config check sees the folders as they are; a tag folder turned into a link to posts_dir later is
    caught just before the write: exit 2, nothing written there, the posts untouched."""
    site.write_config("feeds: {tags: true}\n")
    site.post("2025-12-01-good.md", "title: Good\ntags: [python]")
    args = ("publish", "--config", site.root / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert cli(*args).exit_code == 0
    tag = site.root / "public" / "tags" / "python"
    shutil.rmtree(tag)
    os.symlink(site.posts, tag)
    posts = snapshot(site.posts)
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert f"error: {tag}/feed.xml would be written inside posts_dir ({site.posts}) (through a symlink?); " \
           "nothing was written" in result.stderr
    assert snapshot(site.posts) == posts
    with pytest.raises(ConfigError, match="would be written inside posts_dir"):
        check_outputs(site.config, [tag / "atom.xml"])


def test_publish_never_deletes_an_input_or_a_file_outside_output_dir_that_its_state_lists(cli, tmp_path):
    """A state file from a run whose feed was aimed at a post (before these checks), or edited by hand, lists
    files as feeder's own: the clean-up of outputs that are gone must not delete the post restored since."""
    site = Site(tmp_path / "site")
    site.write_config("output_dir: .\nstate_dir: ../state\n")
    good = site.post("2025-12-01-good.md", "title: Good")
    outside = tmp_path / "outside.txt"
    outside.write_text("not feeder's\n")
    listed = ["posts/2025-12-01-good.md", "config.yaml", "../outside.txt", str(outside), "old-feed.xml"]
    (site.root / "old-feed.xml").write_text("<rss/>")
    state = {"format": 3, "output_dir": str(site.root.resolve()), "files": {p: ["x", 1, 1] for p in listed},
             "pending_pings": [], "inputs": None}
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "outputs.json").write_text(json.dumps(state))
    result = cli("publish", "--config", site.root / "config.yaml", "--now", "2025-12-20T00:00:00Z", "-v")
    assert result.exit_code == 0, result.output
    assert good.exists() and (site.root / "config.yaml").exists() and outside.exists()
    assert not (site.root / "old-feed.xml").exists()  # feeder's own old output still goes
    assert f"removed (no longer produced): {site.root / 'old-feed.xml'}" in result.output
    assert set(json.loads((tmp_path / "state" / "outputs.json").read_text())["files"]) == {"feed.xml", "atom.xml"}


def test_digest_out_into_posts_is_a_usage_error(site, cli):
    site.write_config("digest: {from: news@example.com}\n")
    site.post("2025-12-10-good.md", "title: Good")
    posts = snapshot(site.posts)
    args = ("digest", "--config", site.root / "config.yaml", "--now", "2025-12-20T00:00:00Z", "--week", "2025-W50")
    result = cli(*args, "--out", site.posts)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --out: {site.posts}/2025-W50.html would be written inside posts_dir")
    assert snapshot(site.posts) == posts
    assert cli(*args, "--out", site.root / "elsewhere").exit_code == 0
