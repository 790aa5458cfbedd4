"""The post collector: find every post file, parse what changed, and order what is published.

Scanning is one ``stat`` per file.  Only files whose signature changed since the
cache saw them are read and parsed (on both cores when there are many); the
rest come from the cache as small rows.  Full post records are loaded only for
the posts an output needs, so memory stays flat however large the site grows.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .cache import LABEL_SEPARATOR, PostCache, Row, Signature
from .config import Config
from .errors import ConfigError, PostError
from .posts import SUFFIXES, Post, parse_post

log = logging.getLogger(__name__)
_PARALLEL_FROM = 400  # below this many files to parse, a worker pool costs more than it saves


@dataclass
class Collection:
    """Published posts, newest first, as light rows; plus every problem found."""

    published: list[Row]
    problems: list[PostError]
    drafts: int = 0
    scheduled: int = 0
    parsed: int = 0  # files read and parsed this run (0 when the cache had them all)
    _cache: PostCache | None = field(default=None, repr=False)

    def load(self, rows: list[Row]) -> list[Post]:
        """The full posts for *rows*, in the same order."""
        assert self._cache is not None
        records = self._cache.records([r.path for r in rows])
        return [Post.from_record(records[r.path]) for r in rows]

    def between(self, start: datetime, end: datetime) -> list[Row]:
        """Published rows dated in [start, end), newest first."""
        lo, hi = start.timestamp(), end.timestamp()
        return [r for r in self.published if lo <= r.timestamp < hi]


def scan(posts_dir: Path) -> Iterator[tuple[str, Signature]]:
    """Every ``*.md`` / ``*.markdown`` below *posts_dir*, skipping hidden files and folders."""
    if not posts_dir.is_dir():
        raise ConfigError(f"posts_dir: {posts_dir} is not a folder; create it or fix posts_dir in the config")
    stack = [(str(posts_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, prefix + entry.name + "/"))
                elif entry.name.endswith(SUFFIXES) and entry.is_file():
                    st = entry.stat()
                    yield prefix + entry.name, Signature(st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def collect(config: Config, now: datetime, cache: PostCache) -> Collection:
    """Bring *cache* up to date with ``posts_dir`` and return what is published at *now*."""
    known = {row.path: row for row in cache.rows()}
    current = dict(scan(config.posts_dir))
    gone = known.keys() - current.keys()
    changed = sorted(p for p, sig in current.items() if p not in known or known[p].signature != sig)
    if gone:
        cache.delete(sorted(gone))
        for path in gone:
            del known[path]
    batch: list[tuple[Row, str | None]] = []
    for parsed in _parse_all(config, [(p, current[p]) for p in changed]):
        batch.append(parsed)
        known[parsed[0].path] = parsed[0]
        if len(batch) == 2000:  # bounded memory: records go to the cache, only rows stay
            cache.put(batch)
            batch = []
    if batch:
        cache.put(batch)
    log.debug("%d post files: %d parsed, %d from cache, %d gone", len(current), len(changed),
              len(current) - len(changed), len(gone))
    return _select(known.values(), now.timestamp(), cache, parsed=len(changed))


def _select(rows, now: float, cache: PostCache, parsed: int) -> Collection:
    problems: list[PostError] = []
    published: list[Row] = []
    drafts = scheduled = 0
    for row in rows:
        if row.error is not None:
            problems.append(PostError(row.path, **json.loads(row.error)))
        elif row.draft:
            drafts += 1
        elif row.timestamp > now:
            scheduled += 1
        else:
            published.append(row)
    published.sort(key=lambda r: (-r.timestamp, r.path))
    unique: list[Row] = []
    owners: dict[str, str] = {}
    for row in reversed(published):  # the older post keeps its URL or id; the newer one is reported
        clash = owners.get(row.url) or owners.get(row.id)
        if clash:
            what = "permalink" if row.url in owners else "id"
            problems.append(PostError(row.path, f"same {what} as {clash} ({row.url if what == 'permalink' else row.id}); "
                                      "give one of them its own 'permalink' or 'id'"))
            continue
        owners[row.url] = owners[row.id] = row.path
        unique.append(row)
    unique.reverse()
    problems.sort(key=lambda e: (e.path, e.line or 0))
    return Collection(unique, problems, drafts, scheduled, parsed, cache)


def _parse_all(config: Config, files: list[tuple[str, Signature]]) -> Iterator[tuple[Row, str | None]]:
    jobs = [(config, path, sig) for path, sig in files]
    if len(jobs) < _PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from map(_parse_one, jobs)
        return
    with multiprocessing.get_context("fork").Pool(min(os.cpu_count() or 2, 4)) as pool:
        yield from pool.imap(_parse_one, jobs, chunksize=64)


def _parse_one(job: tuple[Config, str, Signature]) -> tuple[Row, str | None]:
    """Read and parse one file; failures become rows with an error, never exceptions."""
    config, path, sig = job
    try:
        data = (config.posts_dir / path).read_bytes()
        post = parse_post(path, data, config)
    except PostError as exc:
        return Row(path, sig, 0.0, "", "", False, json.dumps({"message": exc.message, "line": exc.line})), None
    except OSError as exc:
        error = json.dumps({"message": f"cannot read: {exc.strerror}", "line": None})
        return Row(path, sig, 0.0, "", "", False, error), None
    record = json.dumps(post.to_record(), ensure_ascii=False, separators=(",", ":"))
    row = Row(path, sig, post.date.timestamp(), post.url, post.id, post.draft, None,
              LABEL_SEPARATOR.join(post.tags), LABEL_SEPARATOR.join(post.categories))
    return row, record
