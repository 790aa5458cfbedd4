"""Which files a publish writes, what each one lists, and whether it is already up to date.

The plan is pure: config and published rows in, a list of :class:`Output` out
(the main feeds, RFC 5005 archive pages, per-tag and per-category feeds, their
indexes, the XSLT stylesheet).  Each output has a fingerprint of everything its
bytes depend on (its rows' paths and stat signatures, its links and title, the
config, the code: see :mod:`feeder.toolchain`), and
:class:`feeder.feeds.state.OutputState` remembers, per file, the fingerprint it
was written with and the size and mtime it was left with.  An output whose fingerprint and file are unchanged is
skipped without rendering, so a run renders only the posts of the outputs that
changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from feeder import toolchain
from feeder.config import Config
from feeder.feeds.archive import complete_pages, page_path, subscription_count
from feeder.feeds.context import FEED_KINDS, FeedContext, Kind, file_url
from feeder.feeds.labels import INDEX, select
from feeder.i18n import words
from feeder.posts.row import Row

log = logging.getLogger(__name__)
LABEL_FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}  # inside each tag's folder


@dataclass(frozen=True)
class Output:
    path: str  # under output_dir, as the file system names it
    kind: Kind
    rows: tuple[Row, ...] = ()
    context: FeedContext | None = None
    data: Any = field(default=None, compare=False)  # an index's entries
    subscribe: bool = False  # a feed readers subscribe to: WebSub pings it when its bytes change

    def fingerprint(self, config: Config) -> str:
        digest = hashlib.sha256(f"{toolchain.fingerprint()}\0{config.fingerprint}\0{self.kind}\0{self.path}\0".encode())
        digest.update(repr(self.context).encode())
        digest.update(json.dumps(self.data, ensure_ascii=False, sort_keys=True).encode())
        digest.update("".join(f"\0{path}\0{size}\0{mtime}\0{ino}\0{ctime}"
                              for path, (size, mtime, ino, ctime), *_ in self.rows).encode())
        return digest.hexdigest()


def plan(config: Config, published: list[Row]) -> list[Output]:
    """Every file this config produces for *published* (newest first), in the order they are built."""
    f = config.feeds
    kinds = [(kind, name) for kind, name in zip(FEED_KINDS, (f.rss, f.atom, f.json), strict=True) if name]
    outputs: list[Output] = []
    if f.stylesheet and any(kind != Kind.JSON for kind, _ in kinds):
        outputs.append(Output(f.stylesheet, Kind.XSL))
    pages = complete_pages(published, f.archive_size) if f.archive else []
    archive = f.archive or ""  # read only when there are pages, so when there is an archive folder
    count = subscription_count(len(published), f.max_items, f.archive_size) if f.archive else f.max_items
    newest = tuple(published[:count])
    for kind, name in kinds:
        links = _hub(config, kind)
        if pages and kind != Kind.JSON:
            links += (("prev-archive", file_url(config, page_path(archive, name, len(pages)))),)
        outputs.append(Output(name, kind, newest, _context(config, name, kind, config.site.title, links),
                              subscribe=True))
    for page in pages:
        for kind, name in kinds:
            if kind == Kind.JSON:  # JSON Feed has no archive relations
                continue
            path = page_path(archive, name, page.number)
            links = (("current", file_url(config, name)),
                     ("next-archive", file_url(config, page_path(archive, name, page.number + 1))))
            if page.number > 1:
                links += (("prev-archive", file_url(config, page_path(archive, name, page.number - 1))),)
            title = words(config.site.language)["archive_feed"].format(site=config.site.title, n=page.number)
            outputs.append(Output(path, kind, page.rows, _context(config, path, kind, title, links, archive=True)))
    for field_name, folder, word in (("tags", f.tags, "tag"), ("categories", f.categories, "category")):
        if folder:
            outputs.extend(_label_outputs(config, published, field_name, folder, word, kinds))
    return outputs


def _label_outputs(config: Config, published: list[Row], field_name: str, folder: str, word: str,
                   kinds: list[tuple[Kind, str]]) -> list[Output]:
    outputs, index = [], []
    for label in select(published, field_name):
        rows = label.rows[: config.feeds.max_items]
        title = words(config.site.language)[f"{word}_feed"].format(site=config.site.title, name=label.name)
        feeds = {}
        for kind, _name in kinds:
            path = f"{folder}/{label.folder}/{LABEL_FILES[kind]}"
            feeds[kind] = file_url(config, path)
            outputs.append(Output(path, kind, rows, _context(config, path, kind, title, _hub(config, kind)),
                                  subscribe=True))
        index.append({"name": label.name, "key": label.key, "path": f"{folder}/{label.folder}/",
                      "posts": len(label.rows), "feeds": feeds})
    data = {"title": f"{config.site.title} — {field_name}", "home_page_url": config.site.url, field_name: index}
    outputs.append(Output(f"{folder}/{INDEX}", Kind.INDEX, data=data))
    return outputs


def _hub(config: Config, kind: Kind) -> tuple[tuple[str, str], ...]:
    return (("hub", config.feeds.websub_hub),) if config.feeds.websub_hub and kind != Kind.JSON else ()


def _context(config: Config, path: str, kind: Kind, title: str, links: tuple[tuple[str, str], ...],
             archive: bool = False) -> FeedContext:
    sheet = None
    if config.feeds.stylesheet and kind != Kind.JSON:
        sheet = quote(posixpath.relpath(config.feeds.stylesheet, posixpath.dirname(path) or "."), safe="/-._~")
    return FeedContext(file_url(config, path), title, links, archive, sheet, config.feeds.websub_hub)
