"""load_plain must agree with yaml.safe_load on every document it accepts, and decline the rest."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeder.deadline import deadline
from feeder.posts.plainyaml import load_plain
from feeder.posts.render import RENDER_LIMIT
from feeder.preview import desk

HOSTILE = Path(__file__).parent / "hostile"

SAMPLE = """layout: post
title: "Meta Llama 4、性能向上で何が変わる？"
date: 2025-12-11 04:49:28 +0000
categories: ["投資分析"]
tags: ["AI", "最新ニュース", "技術動向", "Meta", "投資"]
author: "ALLFORCES編集部"
excerpt: "**Meta Llama 4、一般公開で性能向上**について詳細に分析します。"
reading_time: 8"""


def test_the_sample_front_matter_is_read_without_yaml():
    assert load_plain(SAMPLE) == yaml.safe_load(SAMPLE)
    assert load_plain(SAMPLE)["date"] == "2025-12-11 04:49:28 +0000"  # a string, as PyYAML says


@pytest.mark.parametrize("text, expected", [
    ("date: 2025-12-05", {"date": date(2025, 12, 5)}),
    ("date: 2025-12-10T08:30:00Z", {"date": datetime(2025, 12, 10, 8, 30, tzinfo=timezone.utc)}),
    ("draft: yes\nn: 0x1F\nx: ~", {"draft": True, "n": 31, "x": None}),
    ("tags:\n  - a\n  - b c\ncategories:\n- x", {"tags": ["a", "b c"], "categories": ["x"]}),
    ("title: It's C# time", {"title": "It's C# time"}),
    ('tags: ["投資", "a, b #c", ""]\nk: [ "x" ,"y" ]', {"tags": ["投資", "a, b #c", ""], "k": ["x", "y"]}),
    ("tags: [\xa0]\nk: [ a\xa0, \u3000b ]", {"tags": ["\xa0"], "k": ["a\xa0", "\u3000b"]}),  # not YAML spaces
    ('title: "a \\"quoted\\" \\\\ word"', {"title": 'a "quoted" \\ word'}),
])
def test_scalars_are_typed_as_yaml_types_them(text, expected):
    assert load_plain(text) == expected == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    "title: a # comment", "title: |\n  block", "author:\n  name: A", "on: x", "a: 1\na: 2",
    "title: 'it''s'", 'title: "tab\\there"', "tags: [a, [b]]", "tags:\n  - a\n    - b", "x: &anchor 1",
    "title: one\n  continued", "k: v:", "\tk: v", "k: a\x85b", "k: {a: 1}", "? k\n: v", "",
])
def test_anything_beyond_the_plain_shape_goes_to_yaml(text):
    assert load_plain(text) is None


_token = st.one_of(
    st.sampled_from(["true", "yes", "On", "null", "~", "12", "012", "0x1F", "1_000", "1:30", "3.14", ".inf",
                     "2025-12-05", "2025-12-05 10:00:00 +0900", "2025-12-10T08:30:00Z", "2025-12-12 18:00",
                     "-5", "a: b", "a #b", "C#", "it's", "x:", "[a]", "{a}", "@x", "`x`", "!x", "&x", "*x", "%x",
                     "投資", "ＡＩ", "a, b", " ", "", 'say \\"hi\\"', "back\\\\slash", "\\n", "\\u00e9", "\\"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
_value = st.one_of(
    _token,
    _token.map(lambda t: f'"{t}"'),
    _token.map(lambda t: f"'{t}'"),
    st.lists(st.one_of(_token, _token.map(lambda t: f'"{t}"')), max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.lists(_token, min_size=1, max_size=3).map(lambda xs: "".join(f"\n  - {x}" for x in xs)),
)
_key = st.one_of(st.sampled_from(["title", "date", "tags", "a-b", "x_1", "Title"]),
                 st.sampled_from(["on", "yes", "null", "1", "k k"]))
_line = st.one_of(st.tuples(_key, _value).map(lambda kv: f"{kv[0]}:{'' if kv[1].startswith(chr(10)) else ' '}{kv[1]}"),
                  st.sampled_from(["# comment", "", "  indented: x"]))


@settings(max_examples=2000, deadline=None)
@given(st.lists(_line, min_size=1, max_size=3).map("\n".join))
def test_agrees_with_safe_load_whenever_it_answers(text):
    plain = load_plain(text)
    if plain is None:
        return
    assert plain == yaml.safe_load(text)  # and YAML must not refuse what load_plain accepted


def test_an_unclosed_quote_is_declined_at_once():
    """Issue 14, row 19: the old pattern for "..." backtracked exponentially (over 60 s at 30 characters)."""
    for text in ('title: "Broken: the quote never closes', 'title: "' + "a" * 100_000, 'title: "a\\"b\\\\' * 10_000):
        with deadline(5):
            assert load_plain(text) is None


def test_an_unclosed_quote_is_an_invalid_post_not_a_hang(site, cli, read_feed):
    site.write_config("digest:\n  from: Test <digest@example.com>\n  unsubscribe_url: https://example.com/u?e={email}\n")
    site.post("2025-12-10-good.md", "title: Good\ndate: 2025-12-10 10:00:00 +0000")
    typo = HOSTILE / "unclosed-quote" / "2025-12-11-typo.md"
    site.post(typo.name, raw=typo.read_bytes())
    config, now = site.root / "config.yaml", "2025-12-20T00:00:00Z"
    message = (f"{site.posts / typo.name}:2: invalid YAML in front matter: found unexpected end of stream "
               "while scanning a quoted scalar")
    with deadline(60):  # each took hours: fail here rather than hang the suite
        check = cli("check", "--config", config, "--now", now)
        publish = cli("publish", "--config", config, "--now", now)
        week = desk.sheet(site.config, datetime(2025, 12, 20, tzinfo=timezone.utc), "2025-W50", RENDER_LIMIT)
    assert check.exit_code == publish.exit_code == 1
    assert check.stderr.splitlines() == publish.stderr.splitlines() == [message]
    assert [e.title for e in read_feed(site.root / "public" / "feed.xml").entries] == ["Good"]
    assert week.has_issue and "Good" in week.html
    assert [(p.where, p.message) for p in week.problems] == [(f"posts/{typo.name}:2", message.partition(":2: ")[2])]
