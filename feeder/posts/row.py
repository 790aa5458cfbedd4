"""A post as every run sees it: a light row, not the full post.

Rows are what the collector keeps for each post file (in the cache between
runs) and what outputs are planned from; the full post is parsed again only
for the rows an output lists.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

# A post file's (size, mtime_ns, inode, ctime_ns): equal means unchanged.  A plain tuple, not a
# NamedTuple: every run makes one per post file.
Signature = tuple[int, int, int, int]


class Row(NamedTuple):
    """What the collector needs of every post, without its full record."""

    path: str
    signature: Signature
    timestamp: float  # the post's date, seconds since the epoch
    url: str
    id: str
    draft: bool
    error: str | None  # JSON of a PostError (message, line), when the file is unusable
    tags: tuple[str, ...] = ()  # per-tag and per-category feeds select from rows, without full posts
    categories: tuple[str, ...] = ()
    warning: str | None = None  # JSON list of a usable post's warnings ([{message, line}]), shown on every run


@contextmanager
def many_rows() -> Iterator[None]:
    """Python's cycle collector paused while a run builds a row (and a signature) for every post file.

    Rows are tuples of strings and numbers: none is part of a cycle, so no collection
    can free one, yet every 700 allocations started one, and each older-generation
    collection walked every row built so far (40% of loading and sorting 100,000 rows).
    Never around a fork: a worker would inherit the pause.
    """
    if not gc.isenabled():  # already paused by a caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
