"""kramdown's smart quotes and typographic symbols, rule for rule (expected: what kramdown 2.4 writes)."""

from __future__ import annotations

import pytest

from feeder.posts.dialect import Dialect, converter
from feeder.posts.render import sanitize
from feeder.posts.typography import Typography, character


def render(text: str) -> str:
    return sanitize(converter(Dialect()).convert(text), "https://example.com/post/", ids=True)


@pytest.mark.parametrize("text, expected", [
    ("Rock 'n' roll in the '90s, don't 'quote' me.", "<p>Rock ‘n’ roll in the ’90s, don’t ‘quote’ me.</p>"),
    ('"*emph*" and "[link](x)" and \'**strong**\'',  # a quote before emphasis opens, also at the start
     '<p>“<em>emph</em>” and “<a href="https://example.com/post/x">link</a>” and ‘<strong>strong</strong>’</p>'),
    ("He said, \"'Hi'\" and '\"Yo\"'.", "<p>He said, “‘Hi’” and ‘“Yo”’.</p>"),
    # Ruby's \w is ASCII: after a CJK letter a quote closes, as kramdown writes it
    ("日本語の\"引用\"と'単'。", "<p>日本語の”引用”と’単’。</p>"),
    ("It's `code's \"x\"` ok -- yes --- no... <<a>> b >> c",
     "<p>It’s <code>code's \"x\"</code> ok – yes — no… «a» b » c</p>"),
    ("(\"paren\") [\"bracket\"] {'brace'} -\"dash\"", "<p>(“paren”) [“bracket”] {‘brace’} -“dash”</p>"),
])
def test_quotes_and_symbols_as_kramdown_writes_them(text: str, expected: str) -> None:
    assert render(text) == expected


def test_entity_names_and_numbers_become_characters() -> None:
    assert [character(name) for name in ("ldquo", "8222", "raquo")] == ["“", "„", "»"]


def test_symbols_can_be_off_and_overridden() -> None:
    assert Typography(("lsquo", "rsquo", "ldquo", "rdquo"), False, {}).text("a -- b 'c'") == "a -- b ‘c’"
    assert Typography(("lsquo", "rsquo", "ldquo", "rdquo"), True, {"hellip": "..."}).text("a... b") == "a... b"
