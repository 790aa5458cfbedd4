"""RFC 5005 archived feeds: the whole history, in pages that never change once full.

Pages are counted from the *oldest* post: page 1 holds the oldest
``archive_size`` posts, page 2 the next, and so on.  Only complete pages are
written, so adding a post never moves an entry from one page to another and a
full page keeps its bytes for ever (unless one of its own posts is edited or
deleted, or a post is back-dated into it).

The subscription feed links ``prev-archive`` to the newest complete page and
lists every post newer than it: ``max(max_items, posts % archive_size)``
entries, so nothing falls between the feed and the archive.  Each page links
``prev-archive`` to the page before it (none for page 1), ``current`` to the
subscription feed, and ``next-archive`` to the page after it.  For the newest
page that link names the page that will be written when it fills (a 404 until
then): pointing there from the start is what lets the page never change.
Consumers walk ``prev-archive`` from the subscription feed (RFC 5005 §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from feeder.posts.row import Row

HISTORY_NS = "http://purl.org/syndication/history/1.0"


@dataclass(frozen=True)
class Page:
    number: int  # 1 = the oldest posts
    rows: tuple[Row, ...]  # newest first, like every feed


def page_path(folder: str, feed_path: str, number: int) -> str:
    """``archive/feed-3.xml`` for page 3 of ``feed.xml``: one chain per feed format."""
    feed = PurePosixPath(feed_path)
    return PurePosixPath(folder, f"{feed.stem}-{number}{feed.suffix}").as_posix()  # folder "." adds nothing


def complete_pages(published: list[Row], size: int) -> list[Page]:
    """The full pages of *published* (newest first), oldest page first."""
    count = len(published) // size
    oldest_first = published[::-1]
    return [Page(n + 1, tuple(oldest_first[n * size:(n + 1) * size][::-1])) for n in range(count)]


def subscription_count(total: int, max_items: int, size: int) -> int:
    """Entries in the subscription feed: at least max_items, and every post newer than the newest full page."""
    return max(max_items, total % size)
