"""The skipping inline pass renders exactly what Python-Markdown's own pass renders."""

from __future__ import annotations

from pathlib import Path

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor

from feeder.posts import inline, render

ROOT = Path(__file__).resolve().parents[1]
# Every character an inline pattern keys on, and the pieces that make them meet.
PIECES = [*"ab c*_`\\[]()!<>&;#:/-+1.|~^\"'\n", "  \n", "http://x.y/", "<b>", "</b>", "&amp;", "&#1;", "[^1]",
          "\n[^1]: note\n", "\n*[HTML]: markup\n", "{: .c}", "\n```\n", "<div markdown=\"1\">", "</div>", "<!--",
          "-->", "\n\n", "    ", "日本語", "[a](b)", "![i](s)", "[r]\n\n[r]: /x", "<a@b.c>", "<http://e.f>"]


def _pair() -> tuple[markdown.Markdown, markdown.Markdown]:
    """feeder's converter, and the same converter with Markdown's stock inline pass put back."""
    fast = render._converter()
    stock = render._converter()
    stock.treeprocessors.register(InlineProcessor(stock), "inline", 20)
    assert type(fast.treeprocessors["inline"]) is not InlineProcessor
    return fast, stock


FAST, STOCK = _pair()


def _both(text: str) -> tuple[str, str]:
    FAST.reset()
    STOCK.reset()
    return FAST.convert(text), STOCK.convert(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_same_html_as_the_stock_pass(text: str) -> None:
    fast, stock = _both(text)
    assert fast == stock


def test_the_same_html_for_every_post_in_the_repository() -> None:
    posts = [*ROOT.glob("posts/*.md"), *ROOT.glob("tests/**/*.md")]
    assert posts
    for path in posts:
        fast, stock = _both(path.read_text(encoding="utf-8", errors="replace"))
        assert fast == stock, path


def test_every_stock_pattern_is_known() -> None:
    """A Markdown release that changes a pattern's expression loses the skipping for it: this says so."""
    FAST.convert("x")
    patterns = list(FAST.inlinePatterns)
    assert [inline._needs(p) is not None for p in patterns] == [True] * len(patterns)


def test_a_pattern_it_does_not_know_is_always_offered() -> None:
    md = render._converter()
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"()%%(.+?)%%", "mark"), "mark", 65)
    md.reset()
    assert md.convert("a %%marked%% word") == "<p>a <mark>marked</mark> word</p>"
    assert inline._needs(md.inlinePatterns["mark"]) is None
