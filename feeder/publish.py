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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import __version__
from .atomic import locked, write_if_changed
from .cache import PostCache, Row
from .collection import Collection, collect
from .config import Config
from .content import Renderer, Rendered
from .errors import FeederError, PostError
from .feeds import build_atom, build_rss

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
        builders = _builders(config)
        if not builders:
            return result
        renderer = Renderer(config)
        rows, items = _render_newest(collection, renderer, config.feeds.max_items, result.problems)
        render_failed = len(result.problems) > len(collection.problems)
        if strict and render_failed:
            raise InvalidPosts(result.problems)
        fingerprint = _fingerprint(config, rows)
        result.outputs = [config.output_dir / name for name in builders]
        if _unchanged(cache, fingerprint, config.output_dir):
            result.skipped = True
            return result
        for name, build in builders.items():
            target = config.output_dir / name
            if write_if_changed(target, build(config, items, name)):
                result.written.append(target)
        if not render_failed:  # a post that failed to read must be tried again next run
            _remember(cache, fingerprint, config.output_dir, builders)
        return result


def _builders(config: Config) -> dict[str, Callable[[Config, list[Rendered], str], bytes]]:
    builders: dict[str, Callable[[Config, list[Rendered], str], bytes]] = {}
    if config.feeds.rss:
        builders[config.feeds.rss] = build_rss
    if config.feeds.atom:
        builders[config.feeds.atom] = build_atom
    return builders


def _render_newest(collection: Collection, renderer: Renderer, count: int,
                   problems: list[PostError]) -> tuple[list[Row], list[Rendered]]:
    """Render the newest *count* published posts; one that fails to read is reported and replaced."""
    rows: list[Row] = []
    items: list[Rendered] = []
    candidates = iter(collection.published)
    while len(items) < count:
        batch = [row for _, row in zip(range(count - len(items)), candidates)]
        if not batch:
            break
        for row, post in zip(batch, collection.load(batch)):
            try:
                items.append(renderer.render(post))
                rows.append(row)
            except PostError as exc:
                problems.append(exc)
    return rows, items


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
    """Parse every post (no cache, nothing written) and return what publish would see."""
    with PostCache(None, config.fingerprint) as cache:
        return collect(config, now, cache)
