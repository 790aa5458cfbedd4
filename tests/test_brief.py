"""Values quoted in messages: short, whatever the value."""

from __future__ import annotations

import tracemalloc

import pytest

from feeder.brief import LIMIT, brief


@pytest.mark.parametrize("value, shown", [
    ("short", "'short'"), (42, "42"), (None, "None"), ([1, "a"], "[1, 'a']"), ({"k": [1, 2]}, "{'k': [1, 2]}"),
    ("line\nbreak\x00", "'line\\nbreak\\x00'"),
])
def test_small_values_are_their_repr(value, shown: str) -> None:
    assert brief(value) == shown


def test_large_and_expanding_values_are_cut_at_once() -> None:
    laughs: list = ["lol"] * 9
    for _ in range(30):  # 9^31 values, as nested aliases would make them: never walked
        laughs = [laughs] * 9
    for value in (laughs, "x" * 10_000_000, list(range(1_000_000)), {str(i): i for i in range(100_000)}, b"b" * 10**7,
                  10**4000):
        tracemalloc.start()
        try:
            shown = brief(value)
            _size, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(shown) <= LIMIT and (shown.endswith("…") or "..." in shown), shown
        assert peak < 2_000_000, (shown, peak)  # never a repr of the whole value (10 MB and up), only of a few items
    recursive: list = []
    recursive.append(recursive)
    assert brief(recursive) == "[[[...]]]"
