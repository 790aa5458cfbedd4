"""config.yaml: every key checked, errors name the key, exit 2 and nothing written."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeder.config import load_config
from feeder.errors import ConfigError

GOOD_SITE = """\
site:
  title: T
  url: https://example.com/
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_sample_config_is_read_into_typed_values(sample_site: Path) -> None:
    config = load_config(sample_site / "config.yaml")
    assert config.site.title == "ALLFORCES"
    assert config.site.url == "https://allforces.example.com/"
    assert config.site.language == "ja"
    assert config.site.timezone == ZoneInfo("Asia/Tokyo")
    assert config.site.author.name == "ALLFORCES編集部"
    assert config.site.author.email == "editors@allforces.example.com"
    assert config.posts_dir == (sample_site / "posts").resolve()
    assert config.output_dir == (sample_site / "public").resolve()
    assert config.permalink == "/:year/:month/:day/:slug/"
    assert (config.feeds.rss, config.feeds.atom, config.feeds.max_items, config.feeds.content) == \
        ("feed.xml", "atom.xml", 20, "full")


def test_defaults_for_optional_keys(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD_SITE))
    assert config.site.url == "https://example.com/"
    assert config.site.language == "en"
    assert config.site.timezone == ZoneInfo("UTC")
    assert config.site.author is None
    assert config.feeds.max_items == 20 and config.feeds.content == "full"
    assert config.posts_dir == tmp_path.resolve() / "posts"


def test_url_without_trailing_slash_gets_one(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "site:\n  title: T\n  url: https://example.com/blog\n"))
    assert config.site.url == "https://example.com/blog/"


BAD = [
    # (what, yaml, the key the message must name, a phrase it must contain)
    ("no site", "posts_dir: posts\n", "site.title", "required"),
    ("no title", "site:\n  url: https://example.com/\n", "site.title", "required"),
    ("no url", "site:\n  title: T\n", "site.url", "required"),
    ("empty title", "site:\n  title: '  '\n  url: https://example.com/\n", "site.title", "empty"),
    ("author without name", GOOD_SITE + "  author: {email: a@example.com}\n", "site.author.name", "required"),
    ("title a list", "site:\n  title: [a]\n  url: https://example.com/\n", "site.title", "expected a string"),
    ("max_items a string", GOOD_SITE + "feeds:\n  max_items: '20'\n", "feeds.max_items", "whole number"),
    ("max_items a boolean", GOOD_SITE + "feeds:\n  max_items: true\n", "feeds.max_items", "whole number"),
    ("max_items zero", GOOD_SITE + "feeds:\n  max_items: 0\n", "feeds.max_items", "between"),
    ("content unknown", GOOD_SITE + "feeds:\n  content: summary\n", "feeds.content", "full, excerpt"),
    ("feeds a list", GOOD_SITE + "feeds: [rss]\n", "feeds", "mapping"),
    ("posts_dir a number", GOOD_SITE + "posts_dir: 3\n", "posts_dir", "expected a string"),
    ("url without scheme", "site:\n  title: T\n  url: example.com\n", "site.url", "absolute http(s) URL"),
    ("url ftp", "site:\n  title: T\n  url: ftp://example.com/\n", "site.url", "absolute http(s) URL"),
    ("url relative", "site:\n  title: T\n  url: /blog/\n", "site.url", "absolute http(s) URL"),
    ("url with query", "site:\n  title: T\n  url: https://example.com/?a=1\n", "site.url", "absolute http(s) URL"),
    ("bad timezone", GOOD_SITE + "  timezone: Mars/Olympus_Mons\n", "site.timezone", "IANA"),
    ("timezone traversal", GOOD_SITE + "  timezone: ../../etc/passwd\n", "site.timezone", "IANA"),
    ("bad language", GOOD_SITE + "  language: english!\n", "site.language", "BCP 47"),
    ("one-letter language", GOOD_SITE + "  language: e\n", "site.language", "BCP 47"),
    ("bad author email", GOOD_SITE + "  author: {name: A, email: not-an-address}\n", "site.author.email", "email"),
    ("absolute feed path", GOOD_SITE + "feeds:\n  rss: /etc/feed.xml\n", "feeds.rss", "inside output_dir"),
    ("feed path escaping", GOOD_SITE + "feeds:\n  atom: ../atom.xml\n", "feeds.atom", "inside output_dir"),
    ("permalink placeholder", GOOD_SITE + "permalink: /:yaer/:slug/\n", "permalink", ":yaer"),
    ("permalink relative", GOOD_SITE + "permalink: posts/:slug/\n", "permalink", "start with '/'"),
    ("state inside output", GOOD_SITE + "output_dir: public\nstate_dir: public/state\n", "state_dir", "output_dir"),
    ("top level not a mapping", "- a\n- b\n", "the file", "mapping"),
    ("control character", 'site:\n  title: "T\\x01"\n  url: https://example.com/\n', "site.title", "control character"),
]


@pytest.mark.parametrize("what, text, key, phrase", BAD, ids=[b[0] for b in BAD])
def test_bad_config_names_the_key(tmp_path: Path, what: str, text: str, key: str, phrase: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert key in message and phrase in message, message
    assert str(tmp_path / "config.yaml") in message  # which file


UNKNOWN = [
    ("post_dir: posts\n", "post_dir", "posts_dir"),
    ("feeds:\n  max_item: 3\n", "feeds.max_item", "max_items"),
    ("feeds:\n  contnet: full\n", "feeds.contnet", "content"),
    ("site_title: x\n", "site_title", None),
]


@pytest.mark.parametrize("extra, key, suggestion", UNKNOWN)
def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path, extra: str, key: str,
                                                    suggestion: str | None) -> None:
    with pytest.raises(ConfigError, match="unknown key") as caught:
        load_config(write(tmp_path, GOOD_SITE + extra))
    message = str(caught.value)
    assert key in message
    if suggestion:
        assert f"did you mean {suggestion!r}" in message
    else:
        assert "known keys" in message


def test_unknown_key_inside_site(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"site\.titel: unknown key; did you mean 'title'\?"):
        load_config(write(tmp_path, GOOD_SITE + "  titel: x\n"))


THREE_MISTAKES = """\
site:
  title: T
  url: example.com
feeds:
  max_item: 3
smtp:
  port: 99999
"""


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    """Three mistakes, one run to find them all: one ConfigError, one line each, in the order read."""
    path = write(tmp_path, THREE_MISTAKES)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert caught.value.problems == tuple(lines)
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [str(path), "site.url"], [str(path), "feeds.max_item"], [str(path), "smtp.port"]]
    assert "must be an absolute http(s) URL" in lines[0]
    assert "did you mean 'max_items'?" in lines[1]
    assert "between 1 and 65535, got 99999" in lines[2]


def test_a_key_with_a_wrong_value_is_reported_once(tmp_path: Path) -> None:
    """number() reads through get(): a wrong type is one problem, not one per layer."""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD_SITE + "feeds:\n  max_items: many\n  rss: /abs.xml\nsite_titel: x\n"))
    problems = [p.split(": ", 1)[1] for p in caught.value.problems]
    assert sorted(p.split(":")[0] for p in problems) == ["feeds.max_items", "feeds.rss", "site_titel"], problems


def test_a_section_that_is_not_a_mapping_does_not_hide_the_others(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD_SITE + "feeds: [rss]\ndigest:\n  send_time: '25:00'\n"))
    assert [p.split(": ")[1] for p in caught.value.problems] == ["feeds", "digest.send_time"]


def test_cli_prints_every_config_mistake_once_and_exits_2(tmp_path: Path, cli) -> None:
    path = write(tmp_path, THREE_MISTAKES)
    result = cli("check", "--config", path)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {path}: ") for line in lines), lines
    assert [line.split(": ")[2] for line in lines] == ["site.url", "feeds.max_item", "smtp.port"]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.yaml:3: invalid YAML"):
        load_config(write(tmp_path, "site:\n  title: T\n    url: https://example.com/\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_permalink_styles_and_feed_switched_off(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD_SITE + "permalink: pretty\nfeeds:\n  rss: false\n"))
    assert config.permalink == "/:categories/:year/:month/:day/:title/"
    assert config.feeds.rss is None and config.feeds.atom == "atom.xml"


def test_fingerprint_changes_with_any_setting(tmp_path: Path) -> None:
    a = load_config(write(tmp_path, GOOD_SITE))
    again = load_config(tmp_path / "config.yaml")
    b = load_config(write(tmp_path, GOOD_SITE + "feeds:\n  max_items: 3\n"))
    assert a.fingerprint == again.fingerprint
    assert a.fingerprint != b.fingerprint


def test_relative_paths_resolve_against_the_config_folder_not_the_cwd(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "site"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    write(root, GOOD_SITE + "posts_dir: content/posts\noutput_dir: ../www\nstate_dir: .state\n")
    config = load_config(Path(os.path.relpath(root / "config.yaml", elsewhere)))
    assert config.posts_dir == (root / "content" / "posts").resolve()
    assert config.output_dir == (tmp_path / "www").resolve()
    assert config.state_dir == (root / ".state").resolve()


def test_cli_publish_from_another_folder_writes_next_to_the_config(sample_site: Path, tmp_path: Path,
                                                                     monkeypatch, cli) -> None:
    elsewhere = tmp_path / "cron-cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("publish", "--config", sample_site / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert (sample_site / "public" / "feed.xml").is_file()
    assert (sample_site / "public" / "atom.xml").is_file()
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("command", ["publish", "check"])
@pytest.mark.parametrize("what, text, key, phrase", BAD[:3] + BAD[12:13] + BAD[16:17] + BAD[18:19],
                         ids=["no site", "no title", "no url", "bad url", "bad timezone", "bad language"])
def test_cli_config_error_exits_2_and_writes_nothing(tmp_path: Path, cli, command: str,
                                                    what: str, text: str, key: str, phrase: str) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2025-01-01-a.md").write_text("---\ntitle: A\n---\nHello\n", encoding="utf-8")
    write(tmp_path, text)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli(command, "--config", tmp_path / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 2
    assert key in result.stderr and phrase in result.stderr
    assert result.stdout == ""
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_cli_unknown_key_exits_2(site, cli) -> None:
    site.write_config("feeds:\n  max_item: 3\n")
    result = cli("publish", "--config", site.root / "config.yaml")
    assert result.exit_code == 2
    assert "feeds.max_item: unknown key; did you mean 'max_items'?" in result.stderr
    assert not (site.root / "public").exists()


def test_cli_missing_config_exits_2(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("publish")
    assert result.exit_code == 2
    assert "config.yaml: config file not found" in result.stderr


# ---- feeds: json, tags, categories, stylesheet, websub_hub, archive, archive_size ----------------------

def test_new_feed_keys_default_to_off(tmp_path: Path) -> None:
    feeds = load_config(write(tmp_path, "site: {title: T, url: 'https://e.com/'}\n")).feeds
    assert (feeds.json, feeds.tags, feeds.categories, feeds.stylesheet, feeds.websub_hub, feeds.archive) == \
        (None, None, None, None, None, None)
    assert feeds.archive_size == 50


def test_new_feed_keys_switch_on_with_true_or_a_path(tmp_path: Path) -> None:
    feeds = load_config(write(tmp_path, """
        site: {title: T, url: 'https://e.com/'}
        feeds: {json: feed.json, tags: true, categories: topics, stylesheet: true, archive: true,
                archive_size: 100, websub_hub: 'https://hub.example/'}
        """)).feeds
    assert (feeds.json, feeds.tags, feeds.categories, feeds.stylesheet, feeds.archive) == \
        ("feed.json", "tags", "topics", "feed.xsl", "archive")
    assert feeds.archive_size == 100 and feeds.websub_hub == "https://hub.example/"


@pytest.mark.parametrize("feeds, phrase", [
    ("{tags: 3}", "feeds.tags: expected"),
    ("{json: ../feed.json}", "feeds.json: must be a relative path"),
    ("{json: feed.xml}", "feeds.json: 'feed.xml' is already used by feeds.rss"),
    ("{tags: x, categories: x}", "feeds.categories: 'x' is already used by feeds.tags"),
    ("{archive: true, json: archive/feed.json}", "inside feeds.archive's folder"),
    ("{rss: '.'}", "feeds.rss: must name a file inside output_dir, such as 'feed.xml'; got '.'"),  # issue 14 row 17
    ("{stylesheet: './'}", "feeds.stylesheet: must name a file inside output_dir"),
    ("{rss: feeds, atom: feeds/atom.xml}", "feeds.atom: 'feeds/atom.xml' is inside feeds.rss, which is a file"),
    ("{archive_size: 0}", "feeds.archive_size: must be between 1 and 10000"),
    ("{websub_hub: 'hub.example'}", "feeds.websub_hub: must be an absolute http(s) URL"),
    ("{stylesheet: [a]}", "feeds.stylesheet: expected"),
])
def test_bad_new_feed_keys_name_the_key(tmp_path: Path, feeds: str, phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        load_config(write(tmp_path, f"site: {{title: T, url: 'https://e.com/'}}\nfeeds: {feeds}\n"))


@pytest.mark.parametrize("key, value, phrase", [
    ("digest.from", "a@example.com # c <victim@evil.example>", "double quotes"),
    ("digest.from", "Doe, John <j@example.com>", "double quotes"),
    ("digest.from", "=?utf-8?q?News=0D=0ABcc=3A_v=40evil.example?= <n@example.com>", "control character"),
    ("digest.from", "news@localhost", "invalid domain"),
    ("site.author.email", "Ann <ann@example.com>", "holds a space"),  # the feeds print it where only an address goes
    ("site.author.email", "ann@example.com ", "holds a space"),
])
def test_addresses_follow_the_one_address_rule(tmp_path: Path, key: str, value: str, phrase: str) -> None:
    text = (f"site: {{title: T, url: 'https://e.com/', author: {{name: A, email: '{value}'}}}}\n"
            if key == "site.author.email" else GOOD_SITE + f"digest: {{from: '{value}'}}\n")
    with pytest.raises(ConfigError, match=f"{key}: .*{phrase}"):
        load_config(write(tmp_path, text))


def test_a_named_sender_is_kept_as_written(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD_SITE + "digest: {from: '\"Site, Weekly\" <news@example.com>'}\n"))
    assert config.digest.sender == '"Site, Weekly" <news@example.com>'


def test_preview_test_to_is_a_list_of_checked_addresses(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD_SITE)).preview.test_to == ()
    text = GOOD_SITE + "preview:\n  test_to:\n    - me@example.com\n    - \"Editor <ed@example.com>\"\n"
    assert load_config(write(tmp_path, text)).preview.test_to == ("me@example.com", "Editor <ed@example.com>")
    one = GOOD_SITE + "preview:\n  test_to: me@example.com\n"
    assert load_config(write(tmp_path, one)).preview.test_to == ("me@example.com",)
    bad = GOOD_SITE + ("preview:\n  test_to:\n    - ok@example.com\n    - not an address\n    - 7\n"
                       "    - \"a@x.com\\nBcc: v@evil.example\"\n")
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, bad))
    problems = [p.partition(": ")[2] for p in raised.value.problems]
    assert [p.partition(":")[0] for p in problems] == ["preview.test_to[2]", "preview.test_to[3]", "preview.test_to[4]"]
    assert "expected an address, got" in problems[1]
