"""`jekyll: PATH` in config.yaml: the site's _config.yml and _data/ read into config.jekyll (feeder/jekyll_site.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeder.config import load_config
from feeder.errors import ConfigError
from feeder.jekyll_data import FrozenMap, freeze
from feeder.jekyll_site import STYLES


def _write(folder: Path, config_yml: str, config_yaml: str = "jekyll: .\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(config_yml, encoding="utf-8")
    (folder / "config.yaml").write_text(config_yaml, encoding="utf-8")
    return folder / "config.yaml"


def test_the_fixture_sites_four_line_config_takes_the_rest_from_config_yml(jekyll_site: Path) -> None:
    config = load_config(jekyll_site / "config.yaml")
    site = config.site
    assert site.title == "Field Notes & Errata"
    assert site.url == "https://blog.example.net/notes/"  # url + baseurl
    assert site.description == "Short notes on tools, trains and the odd bug."
    assert site.language == "en-GB"  # lang: en_GB, as a language tag
    assert site.timezone.key == "Europe/Berlin"
    assert (site.author.name, site.author.email) == ("Robin Quill", "robin@example.net")
    assert config.permalink == STYLES["pretty"] == "/:categories/:year/:month/:day/:title/"
    jekyll = config.jekyll
    assert jekyll is not None and config.posts_dir == jekyll.root == jekyll_site.resolve()
    assert jekyll.excerpt_separator == "<!-- more -->"
    assert jekyll.includes_dir == jekyll_site.resolve() / "_includes"
    assert jekyll.future is False
    assert "scratch" in jekyll.exclude and "node_modules" in jekyll.exclude
    k = jekyll.kramdown
    assert (k.input, k.auto_ids, k.auto_id_prefix, k.toc_levels, k.hard_wrap) == ("GFM", True, "h-", (2, 3), False)
    assert k.smart_quotes == "lsquo,rsquo,ldquo,rdquo" and k.gfm_quirks == ("paragraph_end",)
    assert [(d.path, d.type) for d in jekyll.defaults] == [("", "posts"), ("travel", None), ("_posts/sub", "posts")]
    assert jekyll.defaults[1].values == {"layout": "trip", "image": "/assets/rail-card.png",
                                          "categories": ("journeys",)}


def test_site_data_reads_yaml_json_and_csv_with_folders_as_maps(jekyll_site: Path) -> None:
    jekyll = load_config(jekyll_site / "config.yaml").jekyll
    assert jekyll is not None
    assert jekyll.data["authors"]["sam"] == {"name": "Sam Ortiz", "uri": "https://sam.example.org/"}
    assert jekyll.data["links"]["archive"] == "/archive/"
    assert jekyll.data["team"]["members"] == ({"name": "Robin Quill", "role": "editor"},
                                              {"name": "Sam Ortiz", "role": "photos"})
    assert jekyll.site_vars["data"] is jekyll.data


def test_site_vars_are_config_yml_over_jekylls_defaults_and_read_only(jekyll_site: Path) -> None:
    jekyll = load_config(jekyll_site / "config.yaml").jekyll
    assert jekyll is not None
    site = jekyll.site_vars
    assert (site["url"], site["baseurl"], site["title"]) == ("https://blog.example.net", "/notes",
                                                             "Field Notes & Errata")
    assert site["feed"] == {"posts_limit": 100}  # a key only a plugin reads is kept for templates
    assert site["markdown"] == "kramdown" and site["paginate_path"] == "/page:num"  # Jekyll's defaults
    assert site["lang"] == "en-GB" and site["timezone"] == "Europe/Berlin"
    with pytest.raises(TypeError):
        site["title"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        site["data"]["links"].update(home="/x")
    assert isinstance(site, dict) and json.loads(json.dumps(site["data"]["links"]))["feed"] == "/feed.xml"


def test_config_yaml_wins_over_config_yml(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: From Jekyll\nurl: https://jekyll.example.com\nbaseurl: /blog\nlang: en\n",
                  "jekyll: .\nsite:\n  title: From feeder\n  url: https://feeds.example.org/sub/\n  language: ja\n")
    config = load_config(path)
    assert (config.site.title, config.site.url, config.site.language) == ("From feeder",
                                                                          "https://feeds.example.org/sub/", "ja")
    assert config.jekyll is not None
    site = config.jekyll.site_vars
    assert (site["title"], site["url"], site["baseurl"], site["lang"]) == ("From feeder", "https://feeds.example.org",
                                                                           "/sub", "ja")


def test_jekyll_relative_to_config_yaml(tmp_path: Path) -> None:
    _write(tmp_path / "site", "title: T\nurl: https://e.org\n", "")
    (tmp_path / "feeder.yaml").write_text("jekyll: site\noutput_dir: out\n", encoding="utf-8")
    config = load_config(tmp_path / "feeder.yaml")
    assert config.posts_dir == (tmp_path / "site").resolve() and config.output_dir == (tmp_path / "out").resolve()


def test_every_problem_of_both_files_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\n"
                            "url: ftp://files.example.com\n"
                            "lang: not a language\n"
                            "kramdown:\n  auto_ids: perhaps\n"
                            "defaults:\n  - scope: {path: x}\n",
                  "jekyll: .\nposts_dir: posts\nfeeds:\n  rsss: feed.xml\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = "\n".join(caught.value.problems)
    yml = tmp_path.resolve() / "_config.yml"
    assert f"{yml}:2: url: must be an absolute http(s) URL" in problems
    assert f"{yml}:3: lang: must be a language tag" in problems
    assert f"{yml}:4: kramdown: auto_ids: expected true or false, got 'perhaps'" in problems
    assert f"{yml}:6: defaults: entry 1 needs a 'values' mapping" in problems
    assert "posts_dir: not used with jekyll" in problems
    assert "feeds.rsss: unknown key" in problems
    assert "site.url: required key is missing" in problems  # nothing usable gives the site's address


def test_invalid_yaml_and_unreadable_data_name_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nurl: https://e.org\nbad: [unclosed\n")
    with pytest.raises(ConfigError, match=r"_config\.yml:\d+: invalid YAML"):
        load_config(path)
    _write(tmp_path, "title: T\nurl: https://e.org\n")
    (tmp_path / "_data").mkdir()
    (tmp_path / "_data" / "nav.json").write_text('{"a": 1,\n "b": }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"_data/nav\.json:2: invalid JSON"):
        load_config(path)


def test_a_missing_site_or_a_wrong_value_says_what_jekyll_names(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("jekyll: nowhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"jekyll: .*nowhere is not a folder"):
        load_config(tmp_path / "config.yaml")
    (tmp_path / "config.yaml").write_text("jekyll: .\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"_config\.yml not found"):
        load_config(tmp_path / "config.yaml")
    (tmp_path / "config.yaml").write_text("jekyll: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"jekyll: must be the folder that holds _config\.yml"):
        load_config(tmp_path / "config.yaml")


def test_a_site_without_jekyll_has_no_jekyll_settings(sample_config) -> None:
    assert sample_config.jekyll is None


def test_permalink_styles_and_an_unknown_placeholder(tmp_path: Path) -> None:
    for style, template in STYLES.items():
        path = _write(tmp_path, f"title: T\nurl: https://e.org\npermalink: {style}\n")
        assert load_config(path).permalink == template
    assert load_config(_write(tmp_path, "title: T\nurl: https://e.org\n")).permalink == STYLES["date"]  # Jekyll's
    with pytest.raises(ConfigError, match="permalink: unknown placeholder ':bogus'"):
        load_config(_write(tmp_path, "title: T\nurl: https://e.org\npermalink: /:bogus/:title/\n"))


def test_freeze_makes_nested_values_read_only_and_keeps_them_equal() -> None:
    frozen = freeze({"a": [1, {"b": 2}], 3: "x"})
    assert frozen == {"a": (1, {"b": 2}), "3": "x"}
    assert isinstance(frozen["a"][1], FrozenMap)
    with pytest.raises(TypeError):
        frozen["a"][1]["b"] = 3
    assert hash(frozen) == hash(freeze({"a": [1, {"b": 2}], 3: "x"}))


def test_an_edited_include_changes_the_configs_fingerprint(jekyll_site: Path) -> None:
    before = load_config(jekyll_site / "config.yaml")
    assert before.jekyll is not None and before.jekyll.includes_signature
    assert load_config(jekyll_site / "config.yaml").fingerprint == before.fingerprint
    note = jekyll_site / "_includes" / "note.html"
    note.write_text(note.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
    assert load_config(jekyll_site / "config.yaml").fingerprint != before.fingerprint


def test_the_posts_collections_own_permalink_wins_over_the_site_style(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nurl: https://e.org\npermalink: pretty\ncollections:\n  posts:\n"
                            "    permalink: /news/:year/:month/:day/:title/\n    output: true\n")
    assert load_config(path).permalink == "/news/:year/:month/:day/:title/"  # as jekyllrb.com's own site has it
