"""Has anything the preview shows changed?  A cheap answer from ``stat`` alone.

The open desk pages ask a few times a second (see :mod:`feeder.preview.app`);
rendering a week to find out would cost far more than the answer is worth, so
the answer is a digest of the size and modification time of every file the
pages are made from: the config file, every post file (the scan
:mod:`feeder.posts.scan` does for every run: one ``stat`` per file, and the
same rules about what is a post), and every file in the digest's template
folder.  No file is read.  Two answers are equal exactly when none of those
files was added, removed, written or touched in between (to the
file system's timestamp resolution, with the size as a second check).

:class:`Watcher` shares one answer between all the pages polling at once, for
:data:`FRESH` seconds, so ten open tabs cost no more than one.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from feeder.config import Config
from feeder.errors import ConfigError
from feeder.posts.scan import scan

FRESH = 0.2  # seconds an answer is reused for; pages poll every POLL seconds, so a change shows within about both
POLL = 0.25


def signature(config_path: Path, config: Config | None) -> str:
    """A short digest of the stat of the config file, the post files and the templates (*config* as last read)."""
    parts: list[object] = [_stat(config_path)]
    if config is not None:
        try:
            parts.append(sorted(scan(config.posts_dir).items()))
        except ConfigError as exc:  # posts_dir gone: the pages say so; its return is a change
            parts.append(str(exc))
        if config.digest.templates is not None:
            parts.append(_folder(config.digest.templates))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _folder(folder: Path) -> list[tuple[str, tuple[int, int] | None]]:
    """(name, stat) of every file below *folder* (templates may include others from subfolders)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found += [(os.path.join(root, name), _stat(Path(root, name))) for name in sorted(files)]
    return found


class Watcher:
    """The current :func:`signature`, computed at most once per :data:`FRESH` seconds whoever asks."""

    def __init__(self, compute: Callable[[], str], clock: Callable[[], float] = time.monotonic) -> None:
        self._compute, self._clock = compute, clock
        self._lock = threading.Lock()
        self._value, self._at = "", float("-inf")

    def current(self) -> str:
        with self._lock:
            if self._clock() - self._at >= FRESH:
                self._value, self._at = self._compute(), self._clock()
            return self._value
