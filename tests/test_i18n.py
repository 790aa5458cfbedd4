"""Dates and words in the site's language."""

from __future__ import annotations

import string
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeder.i18n import WORDS, direction, format_date, words


@pytest.mark.parametrize("language, text", [
    ("ja", "2025年12月11日"), ("ja-JP", "2025年12月11日"), ("zh-Hans", "2025年12月11日"),
    ("ko", "2025년 12월 11일"), ("en", "11 December 2025"), ("en-GB", "11 December 2025"),
    ("en-US", "December 11, 2025"), ("fr", "2025-12-11"),
])
def test_format_date(language, text):
    assert format_date(date(2025, 12, 11), language) == text


def test_the_day_is_the_sites_day():
    late_utc = datetime(2025, 12, 10, 20, 0, tzinfo=timezone.utc)  # already the 11th in Tokyo
    assert format_date(late_utc, "ja", ZoneInfo("Asia/Tokyo")) == "2025年12月11日"
    assert format_date(late_utc, "en", ZoneInfo("America/New_York")) == "10 December 2025"


def test_direction_and_words():
    assert direction("ar-EG") == "rtl" and direction("he") == "rtl" and direction("ja") == "ltr"
    assert words("ja-JP")["unsubscribe"] == "配信停止"
    assert words("xx")["unsubscribe"] == "Unsubscribe"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_every_language_has_every_word_with_the_same_placeholders(language):
    assert WORDS[language].keys() == WORDS["en"].keys()
    for key, english in WORDS["en"].items():
        assert placeholders(WORDS[language][key]) == placeholders(english), (language, key)


def test_one_table_serves_the_digest_the_feed_titles_and_the_stylesheet():
    assert {"unsubscribe", "tag_feed", "archive_feed", "badge", "about_url"} <= WORDS["en"].keys()


@given(st.text(max_size=12))
def test_any_language_tag_gets_a_whole_table(language):
    table = words(language)
    assert table.keys() == WORDS["en"].keys()
    assert table is WORDS.get(language.split("-", 1)[0].lower(), WORDS["en"])
