"""Which files a publish writes, what each one lists, and whether it is already up to date.

The plan is pure: config and published rows in, a list of :class:`Output` out
(the main feeds, RFC 5005 archive pages, per-tag and per-category feeds, their
indexes, the XSLT stylesheet).  Each output has a fingerprint of everything its
bytes depend on (its rows' paths and stat signatures, its links and title, the
config, the code: see :mod:`feeder.toolchain`), and :class:`OutputState`
remembers, per file, the fingerprint it was written with and the size and mtime
it was left with.  An output whose fingerprint and file are unchanged is
skipped without rendering, so a run renders only the posts of the outputs that
changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feeder import toolchain
from feeder.feeds.archive import complete_pages, page_path, subscription_count
from feeder.atomic import write_if_changed
from feeder.posts.cache import Row
from feeder.config import Config
from feeder.i18n import words

log = logging.getLogger(__name__)
FEED_KINDS = ("rss", "atom", "json")
LABEL_FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}  # inside each tag's folder


@dataclass(frozen=True)
class FeedContext:
    """What a feed document says about itself, beyond its entries."""

    url: str  # its own absolute URL (the self link, the JSON feed_url)
    title: str
    links: tuple[tuple[str, str], ...] = ()  # extra (rel, href): hub, prev-archive, next-archive, current
    archive: bool = False  # an RFC 5005 archive document (fh:archive)
    stylesheet: str | None = None  # href of the XSLT, relative to this file
    hub: str | None = None  # WebSub hub (JSON Feed "hubs")


@dataclass(frozen=True)
class Output:
    path: str  # under output_dir, as the file system names it
    kind: str  # rss | atom | json | index | xsl
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


def file_url(config: Config, path: str) -> str:
    """The absolute URL of a file under output_dir: percent-encoded UTF-8, as browsers send it."""
    return config.site.url + quote(path, safe="/-._~!$&'()*+,;=:@")


def plan(config: Config, published: list[Row]) -> list[Output]:
    """Every file this config produces for *published* (newest first), in the order they are built."""
    f = config.feeds
    kinds = [(kind, name) for kind, name in zip(FEED_KINDS, (f.rss, f.atom, f.json)) if name]
    outputs: list[Output] = []
    if f.stylesheet and any(kind != "json" for kind, _ in kinds):
        outputs.append(Output(f.stylesheet, "xsl"))
    pages = complete_pages(published, f.archive_size) if f.archive else []
    count = subscription_count(len(published), f.max_items, f.archive_size) if f.archive else f.max_items
    newest = tuple(published[:count])
    for kind, name in kinds:
        links = _hub(config, kind)
        if pages and kind != "json":
            links += (("prev-archive", file_url(config, page_path(f.archive, name, len(pages)))),)
        outputs.append(Output(name, kind, newest, _context(config, name, kind, config.site.title, links),
                              subscribe=True))
    for page in pages:
        for kind, name in kinds:
            if kind == "json":  # JSON Feed has no archive relations
                continue
            path = page_path(f.archive, name, page.number)
            links = (("current", file_url(config, name)),
                     ("next-archive", file_url(config, page_path(f.archive, name, page.number + 1))))
            if page.number > 1:
                links += (("prev-archive", file_url(config, page_path(f.archive, name, page.number - 1))),)
            title = words(config.site.language)["archive_feed"].format(site=config.site.title, n=page.number)
            outputs.append(Output(path, kind, page.rows, _context(config, path, kind, title, links, archive=True)))
    for field_name, folder, word in (("tags", f.tags, "tag"), ("categories", f.categories, "category")):
        if folder:
            outputs.extend(_label_outputs(config, published, field_name, folder, word, kinds))
    return outputs


def _label_outputs(config: Config, published: list[Row], field_name: str, folder: str, word: str,
                   kinds: list[tuple[str, str]]) -> list[Output]:
    from feeder.feeds.labels import INDEX, select  # only sites with tag or category feeds pay for it

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
    outputs.append(Output(f"{folder}/{INDEX}", "index", data=data))
    return outputs


def _hub(config: Config, kind: str) -> tuple[tuple[str, str], ...]:
    return (("hub", config.feeds.websub_hub),) if config.feeds.websub_hub and kind != "json" else ()


def _context(config: Config, path: str, kind: str, title: str, links: tuple[tuple[str, str], ...],
             archive: bool = False) -> FeedContext:
    sheet = None
    if config.feeds.stylesheet and kind != "json":
        sheet = quote(posixpath.relpath(config.feeds.stylesheet, posixpath.dirname(path) or "."), safe="/-._~")
    return FeedContext(file_url(config, path), title, links, archive, sheet, config.feeds.websub_hub)


class OutputState:
    """Per output file: the fingerprint it was written with, and its size and mtime after writing.

    Kept in its own file in the state folder, not in the post cache: the cache is
    thrown away whenever the config or feeder changes, and this list is what lets
    a later run delete the files no output produces any more.
    """

    def __init__(self, state_file: Path, output_dir: Path) -> None:
        self._file, self._dir = state_file, output_dir
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = {}
        except (OSError, ValueError) as exc:
            log.warning("%s unreadable (%s); every output will be rebuilt", state_file, exc)
            state = {}
        usable = isinstance(state, dict) and state.get("format") == 3 and state.get("output_dir") == str(output_dir)
        self.files: dict[str, list] = state["files"] if usable else {}
        self.pending_pings: list[str] = state["pending_pings"] if usable else []
        self.inputs: dict[str, Any] | None = state.get("inputs") if usable else None

    def fresh(self, path: str, fingerprint: str) -> bool:
        """True when *path* was written from these inputs and nobody has touched it since."""
        saved = self.files.get(path)
        return bool(saved) and saved[0] == fingerprint and self._untouched(path, saved)

    def _untouched(self, path: str, saved: list) -> bool:
        try:
            st = (self._dir / path).stat()
        except FileNotFoundError:
            return False
        return [st.st_size, st.st_mtime_ns] == saved[1:]

    def remember(self, key: str | None, newest: float | None, next_due: float | None, counts: dict[str, int]) -> None:
        """Note that a run with inputs *key* completed cleanly (None: it did not) and what it saw.

        *newest* is the date of the newest published post and *next_due* that of
        the earliest scheduled one: at any time between them the same posts are
        published.
        """
        self.inputs = {"key": key, "from": newest, "until": next_due, "counts": counts} if key else None

    def repeat(self, key: str, now: float) -> dict[str, int] | None:
        """The counts of the last run if a run now would change nothing, else None.

        That is when the last run completed cleanly (every output written, no
        invalid post, no ping pending) from the same inputs (*key*), *now* is
        in the window where the same posts are published, and every file it
        wrote is as it was left.  This lets a warm run skip the cache and the
        plan: a stat per post file and per output is all it costs.
        """
        saved = self.inputs
        if not isinstance(saved, dict) or saved.get("key") != key or self.pending_pings:
            return None
        newest, due, counts = saved.get("from"), saved.get("until"), saved.get("counts")
        if (newest is not None and now < newest) or (due is not None and now >= due):
            return None
        if not isinstance(counts, dict) or counts.keys() != {"published", "drafts", "scheduled"}:
            return None  # a state file edited by hand
        if not all(self._untouched(path, entry) for path, entry in self.files.items()):
            return None
        return counts

    def record(self, path: str, fingerprint: str) -> None:
        st = (self._dir / path).stat()
        self.files[path] = [fingerprint, st.st_size, st.st_mtime_ns]

    def forget(self, path: str) -> None:
        self.files.pop(path, None)

    def save(self) -> None:
        state = {"format": 3, "output_dir": str(self._dir), "files": self.files, "pending_pings": self.pending_pings,
                 "inputs": self.inputs}
        write_if_changed(self._file, json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())
