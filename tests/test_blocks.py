"""The skipping block parser renders exactly what Python-Markdown's own parser renders."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from stock_markdown import assert_same, assert_same_for_every_repository_post, pairs

from feeder.posts import blocks, render

# The strings block processors key on, at the starts of lines and inside them, and what separates blocks.
PIECES = [*"ab c*_-=#>|:[]^!`~{}.1\n", "\n\n", "    ", "   ", "日本語", "# ", "## h ##", "\n===", "\n---", "* * *",
          "___", "> ", "1. ", "- ", "+ ", "| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n--|--", "[r]: /x",
          "[r]: /x \"t\"", "[^1]: note", "[^1]", "*[HTML]: markup", "HTML", "term\n: def", "\n```\nc\n```\n",
          "<div markdown=\"1\">", "</div>", "<p>", "</p>", "<!-- c -->", "{: .c}", "{#id}", "\\#", "\\|"]


def _stock_parser(md: markdown.Markdown) -> None:
    assert type(md.parser) is not BlockParser
    md.parser.__class__ = BlockParser


PLAIN, JEKYLL = pairs(_stock_parser)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_same_html_as_the_stock_parser(text: str) -> None:
    assert_same(PLAIN, text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_same_html_as_the_stock_parser_in_kramdowns_dialect(text: str) -> None:
    assert_same(JEKYLL, text)


def test_the_same_html_for_every_post_in_the_repository() -> None:
    assert_same_for_every_repository_post(PLAIN, JEKYLL)


def test_it_skips_the_processors_a_paragraph_cannot_feed() -> None:
    """Prose with none of the strings they need is offered only to the processors this module does not know."""
    offered: list[str] = []
    md = render._converter()
    for processor in md.parser.blockprocessors:
        def spy(parent: Any, block: str, test: Any = processor.test, name: str = type(processor).__name__) -> bool:
            offered.append(name)
            return bool(test(parent, block))
        processor.test = spy
    md.convert("Plain prose, in one paragraph.")
    assert "HashHeaderProcessor" not in offered and "TableProcessor" not in offered
    assert "ParagraphProcessor" in offered


def test_every_processor_is_known_or_cheap() -> None:
    """A Markdown release that changes a processor's expression loses the skipping for it: this says so.

    The unknown ones are those whose own test looks only at the block's first characters.
    """
    cheap = {"EmptyBlockProcessor", "ListIndentProcessor", "DefListIndentProcessor", "CodeBlockProcessor",
             "SaneOListProcessor", "SaneUListProcessor", "ParagraphProcessor",
             "SuperFencesCodeBlockProcessor"}  # pymdownx's: takes a block only if it starts with an indent
    for md in (PLAIN[0], JEKYLL[0]):
        unknown = {type(p).__name__ for p in md.parser.blockprocessors if blocks.needs(p) is None}
        assert unknown <= cheap, unknown
    for md in (PLAIN[0], JEKYLL[0]):
        assert blocks.needs(md.parser.blockprocessors["hashheader"]) == ("#",)


def test_a_processor_it_does_not_know_is_always_offered() -> None:
    class Marked(BlockProcessor):
        def test(self, parent: Any, block: str) -> bool:
            return block.startswith("%%")

        def run(self, parent: Any, blocks: list[str]) -> None:
            blocks.pop(0)
            ElementTree.SubElement(parent, "hr")

    md = render._converter()
    md.parser.blockprocessors.register(Marked(md.parser), "marked", 65)
    assert md.convert("%% marked") == "<hr>"
    assert blocks.needs(md.parser.blockprocessors["marked"]) is None


def test_a_changed_expression_turns_the_skipping_off_for_that_processor() -> None:
    md = render._converter()
    quote = md.parser.blockprocessors["quote"]
    assert blocks.needs(quote) == (">",)
    quote.RE = re.compile(r"(^|\n)[ ]{0,3}[>|][ ]?(.*)")  # a quote that also starts with "|"
    assert blocks.needs(quote) is None
    md.reset()
    assert "<blockquote>" in md.convert("| quoted")


def test_block_level_tags_are_what_markdown_says_and_cannot_change_unseen() -> None:
    from markdown.core import Markdown

    md = render._converter()
    stock = Markdown()
    for tag in [*stock.block_level_elements, "P", "div/", "span", "em", "x-custom", "", ElementTree.Comment, None]:
        assert md.is_block_level(tag) is stock.is_block_level(tag), tag
    with pytest.raises(AttributeError):
        md.block_level_elements.append("custom")  # frozen once every extension has added its tags
