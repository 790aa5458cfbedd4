"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), built as data and serialised with :mod:`json`.

Keys follow the order the spec lists them (top-level, then items), so the file
reads like the spec's examples and is byte-identical for the same posts.  The
same sanitized HTML and excerpt as the RSS and Atom feeds; ``summary`` is plain
text, as the spec asks; ``date_modified`` is the post's ``updated`` or, without
one, its date, like Atom's ``updated``.
"""

from __future__ import annotations

import json
from typing import Any

from feeder.config import Config
from feeder.dates import rfc3339
from feeder.feeds.context import FeedContext
from feeder.feeds.labels import kept
from feeder.posts.plaintext import visible_text
from feeder.posts.render import Rendered

VERSION = "https://jsonfeed.org/version/1.1"


def build_json(config: Config, items: list[Rendered], context: FeedContext) -> bytes:
    """The JSON Feed document for *items*, served at ``context.url``."""
    site = config.site
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": context.title,
        "home_page_url": site.url,
        "feed_url": context.url,
    }
    if site.description:
        feed["description"] = site.description
    if site.author:
        feed["authors"] = [{"name": site.author.name}]
    feed["language"] = site.language
    if context.hub:
        feed["hubs"] = [{"type": "WebSub", "url": context.hub}]
    feed["items"] = [_item(config, item) for item in items]
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(config: Config, item: Rendered) -> dict[str, Any]:
    post = item.post
    excerpt = item.excerpt(config.feeds.excerpt_length)
    entry: dict[str, Any] = {
        "id": post.id,
        "url": post.url,
        "title": post.title,
        "content_html": item.html if config.feeds.content == "full" else excerpt,
    }
    summary = visible_text(excerpt)
    if summary:
        entry["summary"] = summary
    if post.image:
        entry["image"] = post.image
    entry["date_published"] = rfc3339(post.date)
    entry["date_modified"] = rfc3339(post.updated or post.date)
    if post.author:
        entry["authors"] = [{"name": post.author.name}]
    labels = list(dict.fromkeys((*kept(post.tags, config), *kept(post.categories, config))))
    if labels:
        entry["tags"] = labels
    if post.enclosure:
        attachment: dict[str, Any] = {"url": post.enclosure.url, "mime_type": post.enclosure.type}
        if post.enclosure.length:
            attachment["size_in_bytes"] = post.enclosure.length
        entry["attachments"] = [attachment]
    return entry
