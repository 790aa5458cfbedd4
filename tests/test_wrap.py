"""Lines of at most 72 columns, broken the way Japanese and English break (feeder.posts.wrap)."""

from __future__ import annotations

import pytest

from feeder.posts.wrap import HARD_BREAK, columns, wrap


def test_columns_count_wide_characters_twice_and_marks_not_at_all() -> None:
    assert columns("abc") == 3 and columns("日本語") == 6 and columns("ｱ") == 1  # half-width kana: one
    assert columns("e\u0301") == 1 and columns("Ａ") == 2


def test_latin_text_breaks_at_spaces_only_and_never_inside_a_word() -> None:
    text = "Every few months someone on our team asks whether it is finally time to move the jobs"
    lines = wrap(text, 30)
    assert all(columns(line) <= 30 for line in lines)
    assert " ".join(lines) == text  # nothing added, nothing lost, every break at a space
    long = "https://example.com/" + "a" * 100
    assert wrap(f"see {long} here", 30) == ["see", long, "here"]  # a URL longer than the line: a line of its own


def test_japanese_breaks_between_characters_without_adding_spaces() -> None:
    text = "今週はオープンモデルの話題に始まり、データセンターの電力問題で終わる一週間でした。" * 3
    lines = wrap(text, 40)
    assert all(columns(line) <= 40 for line in lines) and "".join(lines) == text
    assert max(columns(line) for line in lines) >= 38  # filled, not broken early


@pytest.mark.parametrize("text", ["あいうえおかきくけこ、さしすせそ。", "あいうえおかきくけ「こさしすせそ」"])
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(text: str) -> None:
    for width in range(4, 24):
        lines = wrap(text, width)
        assert "".join(lines) == text
        assert not any(line[0] in "、。」" for line in lines[1:]), (width, lines)
        assert not any(line[-1] == "「" for line in lines), (width, lines)


def test_mixed_text_keeps_latin_words_whole_and_breaks_next_to_cjk() -> None:
    text = "Meta Llama 4、一般公開で性能向上について詳細に分析します。PostgreSQL 17 と SQLite を比べる"
    lines = wrap(text, 20)
    assert all(columns(line) <= 20 for line in lines)
    words = {"Meta", "Llama", "PostgreSQL", "SQLite"}
    assert words <= {w for line in lines for w in line.replace("、", " ").split()}
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_hard_breaks_end_a_line() -> None:
    assert wrap(f"one two{HARD_BREAK}three", 72) == ["one two", "three"]
