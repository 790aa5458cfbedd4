"""The one control-character rule: what XML 1.0 forbids (and DEL) is dropped from text, or found in a value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from feeder.text import clean_text, find_control

FORBIDDEN = [*map(chr, range(0x00, 0x09)), "\x0b", "\x0c", *map(chr, range(0x0E, 0x20)), "\x7f", "\ufffe", "\uffff",
             "\ud800", "\udfff"]
LINE_BREAKS = ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", FORBIDDEN)
def test_each_forbidden_character_is_dropped_and_found(char):
    assert clean_text(f"a{char}b") == "ab"
    assert find_control(f"a{char}b") == char
    assert find_control(f"a{char}b", one_line=True) == char


@pytest.mark.parametrize("text", ["tab\there", "two\nlines\r\n", "é 投資 \x85\u2028 \x80\x9f", "\ud7ff\ue000\ufffd"])
def test_what_xml_allows_stays(text):
    assert clean_text(text) == text
    assert find_control(text) is None


@pytest.mark.parametrize("char", LINE_BREAKS)
def test_a_header_value_holds_no_line_break_of_any_kind(char):
    assert find_control(f"Name{char}Bcc: x", one_line=True) == char
    assert len(f"Name{char}Bcc: x".splitlines()) == 2  # what the rule is for: the email package would split here


def test_a_tab_is_header_whitespace():
    assert find_control("Bob\tBuilder", one_line=True) is None


@given(st.text())
def test_cleaned_text_is_xml_text_and_a_subsequence(text):
    cleaned = clean_text(text)
    assert find_control(cleaned) is None and clean_text(cleaned) == cleaned
    assert (find_control(text) is None) == (cleaned == text)
    rest = iter(text)
    assert all(char in rest for char in cleaned)  # only dropped, never changed or reordered
    etree.Element("p").text = cleaned  # lxml refuses any string that is not XML 1.0 text


@given(st.text())
def test_one_line_values_never_split(text):
    if find_control(text, one_line=True) is None:
        assert len(text.splitlines()) <= 1 and find_control(text) is None
