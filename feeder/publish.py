"""``feeder publish``: posts in, feed files out, safely and only when something changed.

Runs under a lock (overlapping cron runs wait their turn), brings the post cache
up to date, and renders Markdown only for the posts the feeds list.  When the
feeds' inputs (those posts' files, the config, feeder's version) are what the
last run saw and the files it wrote are untouched, nothing is rendered or
written at all.  Each file is written atomically, and only if its bytes change.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .atomic import locked, write_if_changed
from .cache import PostCache, Row
from .collection import Collection, collect, scan
from .config import Config
from .errors import FeederError, PostError
from .posts import decode

if TYPE_CHECKING:
    from .content import Rendered, Renderer

log = logging.getLogger(__name__)


class InvalidPosts(FeederError):
    """``--strict`` and at least one post is invalid: nothing was written."""

    def __init__(self, problems: list[PostError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} invalid post(s); --strict wrote nothing")


@dataclass
class PublishResult:
    collection: Collection
    outputs: list[Path] = field(default_factory=list)  # every file this run produced
    written: list[Path] = field(default_factory=list)  # those whose bytes changed
    skipped: bool = False  # inputs unchanged since the last run: nothing was rendered
    problems: list[PostError] = field(default_factory=list)


def state_cache(config: Config) -> PostCache:
    return PostCache(config.state_dir / "cache.sqlite", config.fingerprint)


def publish(config: Config, now: datetime, *, strict: bool = False, wait: float = 60.0) -> PublishResult:
    """Write every configured feed for the posts published at *now*."""
    with locked(config.state_dir / "publish.lock", wait, "publish"), state_cache(config) as cache:
        collection = collect(config, now, cache)
        result = PublishResult(collection, problems=list(collection.problems))
        if strict and result.problems:
            raise InvalidPosts(result.problems)
        names = feed_names(config)
        result.outputs = [config.output_dir / name for name in names]
        fingerprint = _fingerprint(config, collection.published[: config.feeds.max_items])
        if not names or _unchanged(cache, fingerprint, config.output_dir):
            result.skipped = True
            return result
        from .content import Renderer  # Markdown, the sanitizer and feedgen load only when something renders
        from .feeds import build

        items = _render_newest(collection, Renderer(config), config.feeds.max_items, result.problems)
        render_failed = len(result.problems) > len(collection.problems)
        if strict and render_failed:
            raise InvalidPosts(result.problems)
        for name, kind in names.items():
            target = config.output_dir / name
            if write_if_changed(target, build(kind, config, items, name)):
                result.written.append(target)
        if not render_failed:  # a post that failed to read must be tried again next run
            _remember(cache, fingerprint, config.output_dir, names)
        return result


def feed_names(config: Config) -> dict[str, str]:
    """Each configured feed's path under output_dir, and its kind."""
    kinds = {"rss": config.feeds.rss, "atom": config.feeds.atom}
    return {name: kind for kind, name in kinds.items() if name}


def _render_newest(collection: Collection, renderer: Renderer, count: int,
                   problems: list[PostError]) -> list[Rendered]:
    """Render the newest *count* published posts; one that fails to read is reported and replaced."""
    items: list[Rendered] = []
    candidates = iter(collection.published)
    while len(items) < count:
        batch = [row for _, row in zip(range(count - len(items)), candidates)]
        if not batch:
            break
        for post in collection.load(batch):
            try:
                items.append(renderer.render(post))
            except PostError as exc:
                problems.append(exc)
    return items


def _fingerprint(config: Config, rows: list[Row]) -> str:
    inputs = [__version__, config.fingerprint, [(r.path, *r.signature) for r in rows]]
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def _unchanged(cache: PostCache, fingerprint: str, output_dir: Path) -> bool:
    """True when the last run had the same inputs and its files are still as it left them."""
    saved = cache.get_state("outputs")
    if not saved:
        return False
    state = json.loads(saved)
    if state.get("fingerprint") != fingerprint:
        return False
    for name, (size, mtime_ns) in state["files"].items():
        try:
            st = (output_dir / name).stat()
        except FileNotFoundError:
            return False
        if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def _remember(cache: PostCache, fingerprint: str, output_dir: Path, names) -> None:
    files = {}
    for name in names:
        st = (output_dir / name).stat()
        files[name] = [st.st_size, st.st_mtime_ns]
    cache.set_state("outputs", json.dumps({"fingerprint": fingerprint, "files": files}))


def check(config: Config, now: datetime) -> Collection:
    """Parse every post (no cache, nothing written) and return what publish would see.

    Unlike publish, it also decodes every body, so a bad byte in a post that no
    feed lists yet is reported now rather than when the post is first rendered.
    """
    with PostCache(None, config.fingerprint) as cache:
        collection = collect(config, now, cache)
    known = {problem.path for problem in collection.problems}
    for path, _signature in scan(config.posts_dir):
        if path not in known:
            try:
                decode(path, (config.posts_dir / path).read_bytes())
            except PostError as exc:
                collection.problems.append(exc)
    collection.problems.sort(key=lambda e: (e.path, e.line or 0))
    return collection
