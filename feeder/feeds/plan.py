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

No output is ever planned over another, or where another needs a folder: with
``tags: "."`` a post tagged ``atom.xml`` would want the folder ``atom.xml/``
where the Atom feed is.  Such a label is left out and comes back as a
:class:`Clash`, for the caller to report; feeds the config itself puts at one
path are a :class:`ConfigError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from feeder import toolchain
from feeder.config import Config
from feeder.errors import ConfigError
from feeder.feeds.archive import complete_pages, page_path, subscription_count
from feeder.feeds.context import FEED_KINDS, FeedContext, Kind, file_url
from feeder.feeds.labels import INDEX, Label, select
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


@dataclass(frozen=True)
class Clash:
    """A tag or category left out because its folder is taken by another output."""

    field: str  # "tags" or "categories"
    label: Label
    folder: str  # where its feeds would have gone
    taken: str  # what is there: "the file atom.xml", "the folder of categories/index.json"


class _Claims:
    """Every path given out so far, and the folders they need: so that no output lands on or in another."""

    def __init__(self) -> None:
        self._files: set[str] = set()
        self._folders: dict[str, str] = {}  # folder -> the first file planned inside it

    def taken(self, path: str) -> str | None:
        """What already occupies *path* (as a file, or as a folder a new output would need), if anything."""
        if path in self._files:
            return f"the file {path}"
        if path in self._folders:
            return f"the folder of {self._folders[path]}"
        return next((f"the file {folder}" for folder in _folders(path) if folder in self._files), None)

    def take(self, path: str) -> None:
        self._files.add(path)
        for folder in _folders(path):
            self._folders.setdefault(folder, path)


def _folders(path: str) -> list[str]:
    """``["a", "a/b"]`` for ``a/b/c``: the folders a file at *path* needs."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def plan(config: Config, published: list[Row], clashes: list[Clash] | None = None) -> list[Output]:
    """Every file this config produces for *published* (newest first), in the order they are built.

    Tags and categories whose folder another output holds are left out and, if *clashes* is given, added to it.
    """
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
    labelled = [(name, folder, word) for name, folder, word in (("tags", f.tags, "tag"),
                                                              ("categories", f.categories, "category")) if folder]
    claims = _Claims()
    for path in [o.path for o in outputs] + [_under(folder, INDEX) for _name, folder, _word in labelled]:
        if claims.taken(path):  # only a folder "." can bring this about: the config check cannot see pages
            raise ConfigError(f"feeds: two outputs need {path!r} ({claims.taken(path)}); "
                              "give feeds.archive, feeds.tags or feeds.categories a folder of their own")
        claims.take(path)
    for field_name, folder, word in labelled:
        outputs.extend(_label_outputs(config, published, field_name, folder, word, kinds, claims,
                                      [] if clashes is None else clashes))
    return outputs


def _under(folder: str, path: str) -> str:
    """*path* inside *folder*, where the folder ``.`` (output_dir itself) adds nothing."""
    return PurePosixPath(folder, path).as_posix()


def _label_outputs(config: Config, published: list[Row], field_name: str, folder: str, word: str,
                   kinds: list[tuple[Kind, str]], claims: _Claims, clashes: list[Clash]) -> list[Output]:
    outputs, index = [], []
    for label in select(published, field_name, config.feeds.max_labels_per_post):
        home = _under(folder, label.folder)
        taken = claims.taken(home)
        if taken:
            clashes.append(Clash(field_name, label, home, taken))
            continue
        rows = label.rows[: config.feeds.max_items]
        title = words(config.site.language)[f"{word}_feed"].format(site=config.site.title, name=label.name)
        feeds = {}
        for kind, _name in kinds:
            path = f"{home}/{LABEL_FILES[kind]}"
            claims.take(path)
            feeds[kind] = file_url(config, path)
            outputs.append(Output(path, kind, rows, _context(config, path, kind, title, _hub(config, kind)),
                                  subscribe=True))
        index.append({"name": label.name, "key": label.key, "path": f"{home}/",
                      "posts": len(label.rows), "feeds": feeds})
    data = {"title": f"{config.site.title} — {field_name}", "home_page_url": config.site.url, field_name: index}
    outputs.append(Output(_under(folder, INDEX), Kind.INDEX, data=data))
    return outputs


def _hub(config: Config, kind: Kind) -> tuple[tuple[str, str], ...]:
    return (("hub", config.feeds.websub_hub),) if config.feeds.websub_hub and kind != Kind.JSON else ()


def _context(config: Config, path: str, kind: Kind, title: str, links: tuple[tuple[str, str], ...],
             archive: bool = False) -> FeedContext:
    sheet = None
    if config.feeds.stylesheet and kind != Kind.JSON:
        sheet = quote(posixpath.relpath(config.feeds.stylesheet, posixpath.dirname(path) or "."), safe="/-._~")
    return FeedContext(file_url(config, path), title, links, archive, sheet, config.feeds.websub_hub)
