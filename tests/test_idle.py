"""Skipping the raw-HTML and attribute-list passes changes no post's HTML."""

from __future__ import annotations

from typing import Any

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from stock_markdown import assert_same, assert_same_for_every_repository_post, pairs

from feeder.posts import render

# What the two passes act on (tags, references, attribute lists), and text around it.
PIECES = [*"ab c{}:#.&<>;=\"'\n", "\n\n", "    ", "日本語", "# h", "<div>", "</div>", "<div markdown=\"1\">", "<b>",
          "</b>", "<!-- c -->", "&amp;", "&amp", "&#123;", "&copy", "{: .c}", "{: #id}", "{.c}", "{#x}", "\n{: .p}",
          "* item", "1. item", "| a | b |\n|---|---|\n| 1 | 2 |", "term\n: def", "[l](/u)", "*e*", "`c{}`",
          "\n```\n{x}\n```\n", "<script>{}</script>", "<pre>&</pre>"]


def _stock_passes(md: markdown.Markdown) -> None:
    for registry, name in ((md.preprocessors, "html_block"), (md.treeprocessors, "attr_list")):
        swapped = type(registry[name])
        assert swapped.__module__ == "feeder.posts.idle"
        registry[name].__class__ = swapped.__mro__[1]


PLAIN, JEKYLL = pairs(_stock_passes)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_same_html_as_the_stock_passes(text: str) -> None:
    assert_same(PLAIN, text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_same_html_as_the_stock_passes_in_kramdowns_dialect(text: str) -> None:
    assert_same(JEKYLL, text)


def test_the_same_html_for_every_post_in_the_repository() -> None:
    assert_same_for_every_repository_post(PLAIN, JEKYLL)


def test_a_post_without_markup_or_braces_skips_both_passes_and_one_with_them_runs_both(monkeypatch) -> None:
    md = render._converter()
    ran: list[str] = []
    for registry, name in ((md.preprocessors, "html_block"), (md.treeprocessors, "attr_list")):
        stock = type(registry[name]).__mro__[1]
        def spy(self: Any, data: Any, run: Any = stock.run, name: str = name) -> Any:
            ran.append(name)
            return run(self, data)
        monkeypatch.setattr(stock, "run", spy)
    md.convert("Plain prose: no tag, no reference, no brace.")
    assert ran == []
    md.reset()
    md.convert("A <b>tag</b> &amp; a brace\n{: .c}")
    assert ran == ["html_block", "attr_list"]


def test_a_subclass_an_extension_made_is_left_as_it_is() -> None:
    from markdown.extensions.attr_list import AttrListTreeprocessor

    from feeder.posts import idle

    class Own(AttrListTreeprocessor):
        pass

    md = render._converter()
    md.treeprocessors.register(Own(md), "attr_list", 8)
    idle.register(md)
    assert type(md.treeprocessors["attr_list"]) is Own
