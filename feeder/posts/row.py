"""A post as every run sees it: a light row, not the full post.

Rows are what the collector keeps for each post file (in the cache between
runs) and what outputs are planned from; the full post is parsed again only
for the rows an output lists.
"""

from __future__ import annotations

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
