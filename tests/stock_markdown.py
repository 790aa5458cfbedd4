"""feeder's Markdown converters side by side with stock ones: its faster passes must not change a byte.

Each of ``posts/inline.py``, ``posts/blocks.py`` and ``posts/idle.py`` replaces a
part of Python-Markdown; its tests build a converter of feeder's and the same
converter with that part put back as Markdown ships it, and compare their HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from feeder.posts import render
from feeder.posts.dialect import Dialect, converter

ROOT = Path(__file__).resolve().parents[1]
Pair = tuple[Any, Any]  # (feeder's converter, the stock one)


def pairs(restore: Callable[[Any], None]) -> tuple[Pair, Pair]:
    """The plain renderer's pair and a Jekyll site's (kramdown's dialect): *restore* makes the second of each stock."""
    made = []
    for make in (render._converter, lambda: converter(Dialect())):
        fast, stock = make(), make()
        restore(stock)
        made.append((fast, stock))
    return made[0], made[1]


def both(pair: Pair, text: str) -> tuple[str, str]:
    """*text* converted by each converter of *pair*."""
    fast, stock = pair
    fast.reset()
    stock.reset()
    return fast.convert(text), stock.convert(text)


def assert_same(pair: Pair, text: str) -> None:
    """Both converters of *pair* give *text* the same HTML."""
    fast, stock = both(pair, text)
    assert fast == stock, text


def assert_same_for_every_repository_post(*pairs: Pair) -> None:
    """Each pair gives the same HTML for every Markdown post in the repository (the sample site's, the fixtures)."""
    posts = [*ROOT.glob("posts/*.md"), *ROOT.glob("tests/**/*.md")]
    assert posts
    for path in posts:
        text = path.read_text(encoding="utf-8", errors="replace")
        for pair in pairs:
            fast, stock = both(pair, text)
            assert fast == stock, path
