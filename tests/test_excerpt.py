"""Cutting HTML never breaks a tag, an entity or a grapheme, and counts CJK by characters."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from feeder.posts.excerpt import ELLIPSIS, cut_text, truncate_html

GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> list[str]:
    return GRAPHEME.findall(text)


def visible(fragment: str) -> str:
    """The text a reader sees, whitespace collapsed, read by the standard library's HTML parser."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(fragment)
    parser.close()
    return regex.sub(r"\s+", " ", "".join(parser.parts)).strip()


def well_formed(fragment: str) -> ET.Element:
    """Parse as XML inside a wrapper: every tag closed and nested, every & an entity."""
    return ET.fromstring(f"<div>{fragment}</div>")


TABLE = ("<table><thead><tr><th>Q</th><th>Revenue</th></tr></thead><tbody><tr><td>Q1</td><td>3,490,000,000</td>"
         "</tr><tr><td>Q2</td><td>3,500,000,000</td></tr></tbody></table>")


@pytest.mark.parametrize("fragment, limit, expected", [
    ("<p>short</p>", 10, "<p>short</p>"),
    ("<p>Hello wonderful world</p>", 8, "<p>Hello…</p>"),  # back to the word boundary
    ("<p>Hello wonderful world</p>", 15, "<p>Hello wonderful…</p>"),
    ("<p>Supercalifragilistic</p>", 5, "<p>Super…</p>"),  # one long word is still cut
    ("<p>日本語の文章です。</p>", 4, "<p>日本語の…</p>"),  # CJK: by characters, no word boundary needed
    ("<p>a &amp; b</p>", 3, "<p>a &amp;…</p>"),  # an entity is one character, never split
    ("<p>x &lt;y&gt; z</p>", 5, "<p>x &lt;y&gt;…</p>"),
    ("<p>x &lt;y&gt; z</p>", 4, "<p>x…</p>"),  # "<y>" is a word: not cut in half
    ("<p>👨‍👩‍👧👨‍👩‍👧x</p>", 1, "<p>👨‍👩‍👧…</p>"),  # a ZWJ family is one grapheme
    ("<p>e\u0301e\u0301e\u0301</p>", 2, "<p>e\u0301e\u0301…</p>"),  # combining marks stay with their letter
    ("<p><b>bold <i>and italic</i> text</b> tail</p>", 9, "<p><b>bold <i>and…</i></b></p>"),  # tags closed
    ('<p><a href="https://e.com/?a=1&amp;b=2">link text</a></p>', 4, '<p><a href="https://e.com/?a=1&amp;b=2">link…</a></p>'),
    ("<p>one</p>\n<p>two three</p>", 7, "<p>one</p> <p>two…</p>"),
    ("<p>one</p>\n<p>two three</p>", 6, "<p>one</p> <p>…</p>"),  # half a word goes when text came before
    # Never inside a link (issue 13): a link cut after other text goes whole, the "…" after the text before it
    ('<p>See <a href="https://e.com/x">https://e.com/a/long/url</a> now</p>', 12, "<p>See…</p>"),
    ('<p>See <a href="u">the <em>full</em> analysis</a> here</p>', 10, "<p>See…</p>"),
    ('<p>See <a href="u">it</a> and more words</p>', 10, '<p>See <a href="u">it</a> and…</p>'),
    ("<p>one</p>\n<p><a href=\"u\">two three</a></p>", 6, "<p>one</p> <p>…</p>"),
    # a link that opens the excerpt keeps some text: at a word, else cut hard (never "…" alone)
    ('<p><a href="u">https://e.com/abcdefghij</a></p>', 10, '<p><a href="u">https://e.…</a></p>'),
    ('<p><a href="u">two words</a> tail</p>', 6, '<p><a href="u">two…</a></p>'),
    # Nor inside a table row: whole rows, then "…" across every column; cut in its first row, the table goes
    (f"<p>Intro</p>{TABLE}", 30, "<p>Intro</p><table><thead><tr><th>Q</th><th>Revenue</th></tr></thead><tbody>"
     '<tr><td>Q1</td><td>3,490,000,000</td></tr><tr><td colspan="2">…</td></tr></tbody></table>'),
    (f"<p>Intro</p>{TABLE}", 8, "<p>Intro</p>…"),
])
def test_truncate_html(fragment: str, limit: int, expected: str) -> None:
    out = truncate_html(fragment, limit)
    assert out == expected
    well_formed(out)


def test_sample_length_counts_japanese_by_characters() -> None:
    text = "「性能向上で一般公開」というニュース、あなたも耳にしたかもしれませんね。" * 20
    out = truncate_html(f"<p>{text}</p>", 100)
    shown = visible(out)
    assert shown.endswith(ELLIPSIS)
    assert len(graphemes(shown[:-1])) == 100
    assert text.startswith(shown[:-1])


def test_cut_text() -> None:
    assert cut_text("a  b\n c", 10) == "a b c"
    assert cut_text("Hello wonderful world", 8) == "Hello…"
    assert cut_text("日本語の文章です", 3) == "日本語…"
    assert cut_text("👍🏽👍🏽👍🏽", 2) == "👍🏽👍🏽…"


# ---- properties -------------------------------------------------------------
# Text is built from whole graphemes (so the input itself never splits one at a tag) and
# entities; tags are opened and closed at random, also mis-nested or left open.

UNITS = ["a", "word", "Text", "x", " ", " ", "\n", "日本語", "の", "文章", "한국어", "😀", "👨‍👩‍👧", "👍🏽",
         "🇯🇵", "e\u0301", "a\u0308\u0323", "&amp;", "&lt;", "&gt;", "&eacute;", "&#x1F600;", "&#12354;", "&nbsp;",
         "&quot;", "]]>", "'"]
TAGS = ["b", "i", "em", "strong", "span", "p", "code", 'a href="https://example.com/?a=1&amp;b=2"']


@st.composite
def html_fragments(draw) -> str:
    out: list[str] = []
    open_tags: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["text", "text", "text", "open", "close", "stray", "br"]))
        if kind == "text":
            out.append("".join(draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=8))))
        elif kind == "open":
            tag = draw(st.sampled_from(TAGS))
            out.append(f"<{tag}>")
            open_tags.append(tag.split()[0])
        elif kind == "close" and open_tags:
            out.append(f"</{open_tags.pop()}>")
        elif kind == "stray":
            out.append(f"</{draw(st.sampled_from(TAGS)).split()[0]}>")
        elif kind == "br":
            out.append("<br/>")
    return "".join(out)


@given(html_fragments(), st.integers(min_value=0, max_value=60))
@settings(max_examples=400, deadline=None)
def test_truncation_is_well_formed_and_a_grapheme_prefix(fragment: str, limit: int) -> None:
    out = truncate_html(fragment, limit)
    well_formed(out)
    original, shown = visible(fragment), visible(out)
    if shown.endswith(ELLIPSIS):
        shown = shown[: -len(ELLIPSIS)].rstrip()
        assert len(graphemes(original)) > len(graphemes(shown))
    else:
        assert shown == original
    assert original.startswith(shown)
    assert graphemes(shown) == graphemes(original)[: len(graphemes(shown))]  # ends on a grapheme boundary
    assert len(graphemes(shown)) <= limit


@given(st.lists(st.sampled_from(UNITS[:17]), max_size=60).map("".join), st.integers(min_value=1, max_value=40))
@settings(deadline=None)
def test_cut_text_is_a_grapheme_prefix(text: str, limit: int) -> None:
    out = cut_text(text, limit)
    normal = " ".join(text.split())
    if out.endswith(ELLIPSIS):
        out = out[: -len(ELLIPSIS)]
    assert normal.startswith(out)
    assert graphemes(out) == graphemes(normal)[: len(graphemes(out))]
    assert len(graphemes(out)) <= limit


def test_code_keeps_its_line_breaks_and_indentation():
    code = "<pre><code>def f():\n    return 1\n</code></pre>"
    assert truncate_html(code, 300) == code
    assert truncate_html("<p>a\n  b</p>" + code, 300) == "<p>a b</p>" + code


def test_nesting_depth_counts_open_elements_linearly() -> None:
    from feeder.posts.excerpt import nesting_depth

    assert nesting_depth("") == 0 and nesting_depth("text") == 0
    assert nesting_depth("<p>a<br>b</p>") == 2  # a void element is one level, and closes itself
    assert nesting_depth("<ul><li><ul><li>x</li></ul></li></ul><p>y</p>") == 4
    assert nesting_depth("</b></b><p>stray end tags never go below zero</p>") == 1
    deep = "<p>" + "<strong>" * 100_000 + "x" + "</strong>" * 100_000 + "</p>"
    assert nesting_depth(deep) == 100_001  # no recursion, no quadratic list scans
