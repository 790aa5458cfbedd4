"""The running desk: the config as last read, what changed, and each page made in a forked child.

Every page is made in a child process (:func:`feeder.pool.run_forked`): a post
that would crash a native library, or take minutes to render, costs that child,
never the server.  In the child the render time limit applies (its one thread is
its main thread, where ``SIGALRM`` works), so a slow post is reported and left
out as ``feeder publish`` does; a whole page gets :data:`REQUEST_LIMIT`.  At most
:data:`RENDERS` children run at once, so the index never waits behind a slow week.
Forking a process that runs threads is safe here because a child needs no lock
the server's threads may hold (see :func:`feeder.pool.run_forked`); the server
itself is one process (``preview`` asks for one worker, see :mod:`feeder.pool`).

A week page and its three email frames are four requests for one render: each
made value is kept for a few seconds under the files' signature it was made at
(see :mod:`feeder.preview.watch`), so the frames reuse the page's, and any
change to a file makes the next request render again.  The config file is
read again when its signature changes; a config that no longer loads is
shown on every page until it does.
"""

from __future__ import annotations

import importlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from feeder.config import Config, load_config
from feeder.errors import ChildFailed, ConfigError, FeederError, PageFailed
from feeder.feeds.rss_atom import preload as preload_feedgen
from feeder.pool import run_forked
from feeder.posts.render import RENDER_LIMIT
from feeder.posts.render import preload as preload_markdown
from feeder.preview import desk, proof
from feeder.preview.pages import Chrome, Notice
from feeder.preview.watch import Watcher, signature

log = logging.getLogger(__name__)
T = TypeVar("T")
REQUEST_LIMIT = 60.0  # seconds one page may take to render, all its posts together
SEND_LIMIT = 300.0  # seconds a "send a test" may take (SMTP retries and timeouts included)
RENDERS = 2  # pages made at a time (each in its own process)
KEEP = 10.0  # seconds a made page is reused for while no file changes
KEPT = 16  # made pages kept at most
NOTICES = 32  # "send a test" results kept for their pages at most


@dataclass(frozen=True)
class Made:
    """A child's answer: the value, or the message of the FeederError it raised (exceptions do not pickle well)."""

    value: object = None
    error: str | None = None


class Service:
    """What the routes ask for; thread-safe (pages are made on worker threads)."""

    def __init__(self, config: Config, clock: Callable[[], datetime], senders: proof.SenderFactory,
                 report: Callable[[str], None] = log.info, *, time_limit: float = RENDER_LIMIT,
                 request_limit: float = REQUEST_LIMIT) -> None:
        self.path: Path = config.path
        self.clock, self.senders, self.report = clock, senders, report
        self.time_limit, self.request_limit = time_limit, request_limit
        self.token = secrets.token_urlsafe(32)  # the send-a-test form's: a page of another site cannot know it
        self._config: Config | None = config
        self._config_error = ""
        self._config_seen = signature(self.path, None)
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, str], tuple[float, object]] = OrderedDict()
        self._notices: OrderedDict[str, Notice] = OrderedDict()
        self.watcher = Watcher(lambda: signature(self.path, self._config))
        self.renders = threading.BoundedSemaphore(RENDERS)
        _preload()

    def config(self) -> Config:
        """The config as the file now says; :class:`PageFailed` while it does not load."""
        with self._lock:
            seen = signature(self.path, None)
            if seen != self._config_seen:
                self._config_seen = seen
                try:
                    self._config, self._config_error = load_config(self.path), ""
                except ConfigError as exc:
                    self._config, self._config_error = None, "\n".join(exc.problems)
                    self.report("\n".join(f"error: {line}" for line in exc.problems))
            if self._config is None:
                raise PageFailed("The config does not load", self._config_error)
            return self._config

    def chrome(self, version: str) -> Chrome:
        config = self._config
        site = config.site.title if config else "feeder"
        now = self.clock()
        shown = now.astimezone(config.site.timezone) if config else now
        return Chrome(site=site, now=shown.isoformat(timespec="minutes"), version=version)

    def index(self, version: str) -> desk.Index:
        config, now = self.config(), self.clock()
        return self._kept_or_made(("index", version), lambda: desk.index(config, now), "GET /")

    def sheet(self, label: str, version: str) -> desk.Sheet:
        config, now, limit = self.config(), self.clock(), self.time_limit
        return self._kept_or_made((label, version), lambda: desk.sheet(config, now, label, limit), f"GET {label}")

    def feed(self, name: str) -> tuple[bytes, str]:
        """(the bytes, the media type) of feed *name* as ``feeder publish`` would write it now."""
        config, now, limit = self.config(), self.clock(), self.time_limit
        body, kind, problems = self.made(f"GET /feeds/{name}", lambda: desk.feed(config, now, name, limit))
        for problem in problems:
            self.report(str(problem))
        return body, kind

    def made(self, what: str, task: Callable[[], T], limit: float | None = None) -> T:
        """*task*'s value, computed in a forked child; :class:`PageFailed` with a message when it raised or crashed."""
        def child() -> Made:
            try:
                return Made(task())
            except ConfigError as exc:  # one line per mistake
                return Made(error="\n".join(exc.problems))
            except FeederError as exc:
                return Made(error=str(exc))

        with self.renders:
            try:
                answer = run_forked(child, limit or self.request_limit)
            except ChildFailed as exc:
                self.report(f"{what}: rendering {exc}")
                raise PageFailed("Rendering failed", f"Rendering this page {exc}. A post of this week may be "
                             "malformed: the terminal running feeder preview says more.") from None
        if answer.error is not None:
            raise PageFailed("Error", answer.error)
        return answer.value  # type: ignore[return-value]  # what task returned, through a pickle

    def send_tests(self, label: str) -> Notice:
        """Send week *label* to ``preview.test_to`` (in a child, like a render); the notice to show."""
        config, now = self.config(), self.clock()
        try:
            said = self.made(f"POST {label}/send-test",
                             lambda: proof.send_tests(config, now, label, self.senders), SEND_LIMIT)
        except PageFailed as exc:
            said = [(False, exc.message)]
        for ok, line in said:
            self.report(line if ok else f"error: {line}")
        return Notice(all(ok for ok, _ in said), tuple(line for _, line in said))

    def keep_notice(self, notice: Notice) -> str:
        key = secrets.token_urlsafe(8)
        with self._lock:
            self._notices[key] = notice
            while len(self._notices) > NOTICES:
                self._notices.popitem(last=False)
        return key

    def notice(self, key: str) -> Notice | None:
        with self._lock:
            return self._notices.get(key)

    def _kept_or_made(self, key: tuple[str, str], task: Callable[[], T], what: str) -> T:
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[0] < KEEP:
            return kept[1]  # type: ignore[return-value]  # stored by this method under the same key
        value = self.made(what, task)
        with self._lock:
            self._kept[key] = (time.monotonic(), value)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return value


def _preload() -> None:
    """Load the libraries every page needs here, once: each forked child then has them (0.3 s a page less)."""
    importlib.import_module("regex")  # cutting excerpts
    preload_markdown()
    preload_feedgen()
