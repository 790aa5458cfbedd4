"""The skipping inline pass renders exactly what Python-Markdown's own pass renders."""

from __future__ import annotations

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor
from stock_markdown import assert_same, assert_same_for_every_repository_post, pairs

from feeder.posts import inline, render

# Every character an inline pattern keys on, and the pieces that make them meet.
PIECES = [*"ab c*_`\\[]()!<>&;#:/-+1.|~^\"'\n", "  \n", "http://x.y/", "<b>", "</b>", "&amp;", "&#1;", "[^1]",
          "\n[^1]: note\n", "\n*[HTML]: markup\n", "{: .c}", "\n```\n", "<div markdown=\"1\">", "</div>", "<!--",
          "-->", "\n\n", "    ", "日本語", "[a](b)", "![i](s)", "[r]\n\n[r]: /x", "<a@b.c>", "<http://e.f>"]


def _stock_pass(md: markdown.Markdown) -> None:
    assert type(md.treeprocessors["inline"]) is not InlineProcessor
    md.treeprocessors.register(InlineProcessor(md), "inline", 20)


PLAIN, JEKYLL = pairs(_stock_pass)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_same_html_as_the_stock_pass(text: str) -> None:
    assert_same(PLAIN, text)


def test_the_same_html_for_every_post_in_the_repository() -> None:
    assert_same_for_every_repository_post(PLAIN, JEKYLL)


def test_every_stock_pattern_is_known() -> None:
    """A Markdown release that changes a pattern's expression loses the skipping for it: this says so."""
    fast = PLAIN[0]
    fast.convert("x")
    patterns = list(fast.inlinePatterns)
    assert [inline._needs(p) is not None for p in patterns] == [True] * len(patterns)


def test_a_pattern_it_does_not_know_is_always_offered() -> None:
    md = render._converter()
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"()%%(.+?)%%", "mark"), "mark", 65)
    md.reset()
    assert md.convert("a %%marked%% word") == "<p>a <mark>marked</mark> word</p>"
    assert inline._needs(md.inlinePatterns["mark"]) is None
