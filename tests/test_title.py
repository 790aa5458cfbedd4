"""Titles as jekyll-feed writes them (feeder/posts/title.py): smartify | strip_html | normalize_whitespace."""

from __future__ import annotations

import pytest

from feeder.posts.title import jekyll_title, quote_chars, smartify

# Each expected title is what Jekyll 4.3.1's smartify (kramdown 2.4.0's SmartyPants), strip_html and
# normalize_whitespace made of the title on the left, with entities read as a feed reader reads them.
CASES = [
    ("Special&nbsp;---&nbsp;Characters", "Special\u00a0\u2014\u00a0Characters"),
    ("\"Hello,\" she said -- 'twas the '80s...", "\u201cHello,\u201d she said \u2013 \u2018twas the \u201980s\u2026"),
    ("Don't <em>stop</em> \"believing\"", "Don\u2019t stop \u201cbelieving\u201d"),
    ("It's 5 o'clock -- \"quoted 'nested' words\"",
     "It\u2019s 5 o\u2019clock \u2013 \u201cquoted \u2018nested\u2019 words\u201d"),
    ("<< Guillemets >> and \\<< escaped", "\u00ab\u00a0Guillemets\u00a0\u00bb and << escaped"),
    ("Tom & Jerry &amp; friends &copy; 2023", "Tom & Jerry & friends \u00a9 2023"),
    ("He said \"'Quoted' words in a larger quote.\"",
     "He said \u201c\u2018Quoted\u2019 words in a larger quote.\u201d"),
    ("'Single' and \"double\" at start", "\u2018Single\u2019 and \u201cdouble\u201d at start"),
    ("Post with <script>alert(1)</script> script", "Post with script"),
    ("  Lots   of\n whitespace\there  ", "Lots of whitespace here"),
    ("The \"_config.yml\" file's *emphasis* \"*starred*\"",
     "The \u201c_config.yml\u201d file\u2019s *emphasis* \u201c*starred*\u201d"),
    ("Quote at end\"", "Quote at end\u201d"),
    ("Rock 'n' roll isn't dead, 'tis said", "Rock \u2018n\u2019 roll isn\u2019t dead, \u2018tis said"),
]


@pytest.mark.parametrize(("title", "shown"), CASES)
def test_titles_read_as_jekyll_feed_writes_them(title: str, shown: str) -> None:
    assert jekyll_title(title) == shown


def test_the_sites_smart_quotes_setting_is_used() -> None:
    assert quote_chars("apos,apos,quot,quot") == ("'", "'", '"', '"')
    assert quote_chars("8218,8216,8222,8220") == ("\u201a", "\u2018", "\u201e", "\u201c")
    assert jekyll_title("\"Hallo\" 'du'", "sbquo,lsquo,bdquo,ldquo") == "\u201eHallo\u201c \u201adu\u2018"


def test_smartify_keeps_tags_and_leaves_attributes_alone() -> None:
    assert smartify('<a title="x">it\'s</a>') == '<a title="x">it\u2019s</a>'


def test_a_title_of_a_hundred_thousand_quotes_is_not_smartified() -> None:
    assert jekyll_title('"' * 100_000) == '"' * 100_000
