"""YAML with bounds: nesting and alias expansion (issue 14, row 4), and every message short."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeder import yamlload
from feeder.errors import PostError
from feeder.posts.post import parse_post

HOSTILE = Path(__file__).parent / "hostile" / "yaml-aliases"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.parametrize("text", [
    "title: t\ndate: 2025-12-11 04:49:28 +0000\ntags: [a, b]\n",
    "a: &x {k: [1, 2.5, null, true, 2025-01-01]}\nb: *x\nc: {<<: *x, d: e}\n",  # aliases and merge keys
    "- 1\n- [2, [3, [4]]]\n", "plain", "", "? a\n: c\n", "s: !!set {a, b}\n", "b: !!binary aGk=\n",
    "x: " + "[" * (yamlload.MAX_DEPTH - 1) + "]" * (yamlload.MAX_DEPTH - 1),  # at the depth limit, with the mapping
    "tags: [" + ", ".join(["t"] * (yamlload.MAX_VALUES - 3)) + "]",  # at the size limit, with the mapping and key
])
def test_reads_what_safe_load_reads(text: str) -> None:
    assert yamlload.load(text) == yaml.load(text, Loader=LOADER)


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=30))
def test_agrees_with_safe_load_on_what_yaml_dump_writes(value) -> None:
    text = yaml.safe_dump({"v": value})
    assert yamlload.load(text) == yaml.load(text, Loader=LOADER)


@pytest.mark.parametrize("text, line, problem", [
    ("a: 1\nx: " + "[" * 50_000 + "]" * 50_000, 2, "nests deeper than 64 levels; flatten it"),  # libyaml: a segfault
    ("a: 1\nx: " + "{a: " * 70 + "1" + "}" * 70, 2, "nests deeper than 64 levels; flatten it"),
    ("a: &a [*a]", 1, "the alias *a refers to the value that holds it; write the value out"),
    ("a: &a {b: *a}", 1, "the alias *a refers to the value that holds it"),
    ("a: &a [1,2,3,4,5,6,7,8,9,0]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", 4, "stands for over 10,000 values"),
    ("k: [" + ", ".join(["t"] * 10_001) + "]", 1, "stands for over 10,000 values"),
])
def test_over_a_bound_is_an_error_with_its_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        yamlload.load(text)
    assert problem in caught.value.problem and caught.value.problem_mark.line + 1 == line


@pytest.mark.parametrize("name, key, line", [
    ("2025-12-06-laughs-in-tags.md", "tags", 8),  # 8 levels of nine: 43 million values, 312 MB as text
    ("2025-12-07-laughs-in-draft.md", "draft", 8),  # 9 levels: a MemoryError that stopped every feed
])
def test_nested_aliases_in_a_known_key_are_refused_with_a_short_message(site, cli, read_feed, name, key,
                                                                         line) -> None:
    site.post("2025-12-05-good.md", "title: Good\ndate: 2025-12-05 10:00:00 +0000")
    site.post(name, raw=(HOSTILE / name).read_bytes())
    config = site.root / "config.yaml"
    result = cli("publish", "--config", config, "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{site.posts / name}:{line}: invalid YAML in front matter: stands for over 10,000 values (each use of an "
        "alias counts as a copy of what it names); write the values out or simplify it"]
    assert [e.title for e in read_feed(site.root / "public" / "feed.xml").entries] == ["Good"]
    with sqlite3.connect(site.root / ".feeder" / "cache.sqlite") as db:  # what every later run reads back
        (longest,) = db.execute("SELECT max(length(error)) FROM posts").fetchone()
    assert longest < 300
    again = cli("publish", "--config", config, "--now", "2025-12-20T00:00:00Z")  # from the cache: the same
    assert again.exit_code == 1 and again.stderr == result.stderr


LONG = "x" * 200_000
ALIASED = "big: &big [" + ", ".join(["*w"] * 9) + "]\n"


@pytest.mark.parametrize("front", [
    f"draft: {LONG}", f"published: '{LONG}'", f"reading_time: {LONG}", f"tags: {{a: {LONG}}}",
    f"categories: [[{LONG}]]", f"author: [{LONG}]", f"author: {{name: n, email: {LONG}}}", f"image: [{LONG}]",
    f"image: javascript:{LONG}", f"excerpt: [{LONG}]", f"permalink: 'https://{LONG}'", f"date: '{LONG}'",
    f"date: '2025-01-01{' ' * 100_000}x'", f"updated: [{LONG}]", f"enclosure: [{LONG}]",
    f"enclosure: {{url: {LONG}}}", f"enclosure: {{url: a.mp3, length: {LONG}}}", f"audio: javascript:{LONG}",
    f"enclosure: {{url: a.mp3, type: '{LONG}'}}", f"enclosure: {{url: a.mp3, {LONG}: 1}}",
    f"{LONG}: " + "[" * 22 + "1" + "]" * 22,
    "w: &w [" + ", ".join([f"'{'y' * 1000}'"] * 9) + "]\n" + ALIASED + "draft: *big",
])
def test_no_message_quotes_more_than_a_short_excerpt_of_a_value(site, front: str) -> None:
    with pytest.raises(PostError) as caught:
        parse_post("2025-12-05-post.md", f"---\ntitle: t\n{front}\n---\nbody\n".encode(), site.config)
    assert len(str(caught.value)) < 300, str(caught.value)[:400]
