"""kramdown's two heading-id algorithms, as Jekyll sites get them (GFM input) or ask for them (input: kramdown)."""

from __future__ import annotations

from collections import Counter

import pytest

from feeder.posts.heading_ids import gfm_id, kramdown_id


@pytest.mark.parametrize("text, expected", [
    ("Hello World", "hello-world"),
    ("1. Intro & stuff!", "1-intro--stuff"),  # digits stay at the front; each removed character leaves its spaces
    ("Über ñ 日本語", "über-ñ-日本語"),  # letters of every script stay
    ("a_b-c", "a_b-c"),
    ("“Quoted” — dash", "quoted--dash"),  # smart quotes and dashes are punctuation: gone
    ("हिन्दी", "हिन्दी"),  # combining marks are part of words
    ("!!!", ""),  # nothing left: the heading gets no id
])
def test_gfm_ids_are_githubs(text: str, expected: str) -> None:
    assert gfm_id(text, Counter()) == expected


@pytest.mark.parametrize("text, expected", [
    ("Hello World", "hello-world"),
    ("1. Intro & stuff!", "intro--stuff"),  # up to the first letter, gone
    ("Über ñ 日本語", "ber--"),  # ASCII letters, digits, spaces and - only
    ("!!!", "section"),
])
def test_kramdown_ids_are_kramdowns(text: str, expected: str) -> None:
    assert kramdown_id(text, Counter()) == expected


@pytest.mark.parametrize("make", [gfm_id, kramdown_id])
def test_repeated_ids_are_numbered(make) -> None:
    seen: Counter[str] = Counter()
    assert [make("Intro", seen) for _ in range(3)] == ["intro", "intro-1", "intro-2"]
