"""kramdown's block rules rewritten into Python-Markdown's, line by line (the HTML is tested in test_dialect)."""

from __future__ import annotations

import pytest

from feeder.posts.dialect_lines import MARK_CLOSE, MARK_OPEN, rewrite


def test_block_ials_become_markers_and_are_returned_in_order() -> None:
    text, ials = rewrite("Para\n{: .a}\n\n{: #b}\nNext\n")
    assert ials == [" .a", " #b"]
    assert f"{MARK_OPEN}ial0<{MARK_CLOSE}" in text and f"{MARK_OPEN}ial1>{MARK_CLOSE}" in text
    assert "{:" not in text


def test_an_ial_with_nothing_to_apply_to_is_dropped() -> None:
    assert rewrite("Para\n\n{: .lost}\n") == ("Para\n\n", [])


@pytest.mark.parametrize("source, expected", [
    ("- a\n  - b\n    - c\n", "- a\n    - b\n        - c\n"),
    ("1. a\n   - b\n\n     more b\n", "1. a\n    - b\n\n        more b\n"),
    ("- a\n\n  ```\n  code\n  ```\n", "- a\n\n    ```\n    code\n    ```\n"),
    ("Para\n- a\n", "Para\n\n- a\n"),
    ("#tag\n- #tag\n", "\\#tag\n\n- \\#tag\n"),
    ("-\tTabbed\n", "- Tabbed\n"),
])
def test_lists_are_indented_four_spaces_a_level(source: str, expected: str) -> None:
    assert rewrite(source) == (expected, [])


def test_text_without_kramdown_rules_is_unchanged() -> None:
    text = "# Title\n\nPara *one*.\n\n> quote\n\n    code\n\n| a |\n|---|\n| 1 |\n"
    assert rewrite(text) == (text, [])
