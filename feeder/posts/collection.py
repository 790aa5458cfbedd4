"""The post collector: find every post file, parse what changed, and order what is published.

Scanning (:mod:`feeder.posts.scan`) is one ``stat`` per file.  Only files whose
signature changed since the cache saw them are read and parsed (on both cores
when there are many); the rest come from the cache as small rows.  Full posts are parsed again from their
files only for the rows an output needs, so memory stays small however large
the site grows.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from feeder.config import Config
from feeder.errors import PostError
from feeder.pool import run_ordered
from feeder.posts.cache import PostCache
from feeder.posts.post import Post, parse_post
from feeder.posts.row import Row, Signature, many_rows
from feeder.posts.scan import JekyllRules, Scan, read_post, scan

log = logging.getLogger(__name__)
_HEAD = 4096  # bytes read to find a post's front matter (see _read_head)
_BATCH = 256  # files read, then parsed, together (see _parse_batch); a worker's task
_PARALLEL_FROM = 400  # below this many files to parse, a worker pool costs more than it saves
_PATH, _TIMESTAMP = attrgetter("path"), attrgetter("timestamp")


@dataclass
class Collection:
    """Published posts, newest first, as light rows; plus every problem found."""

    published: list[Row]
    problems: list[PostError]
    drafts: int = 0
    scheduled: int = 0
    parsed: int = 0  # files read and parsed this run (0 when the cache had them all)
    next_due: float | None = None  # when the earliest scheduled post is due (epoch seconds); None: none is
    warnings: list[PostError] = field(default_factory=list)  # published posts with something worth a look
    # The posts this run parsed, when the caller asked to keep them (see collect): read_plan need not parse them again.
    fresh: dict[str, Post] = field(default_factory=dict)

    def between(self, start: datetime, end: datetime) -> list[Row]:
        """Published rows dated in [start, end), newest first."""
        lo, hi = start.timestamp(), end.timestamp()
        return [r for r in self.published if lo <= r.timestamp < hi]


def scan_site(config: Config) -> Scan:
    """The post files of the site: below posts_dir, or a Jekyll site's ``_posts`` folders."""
    site = config.jekyll
    return scan(config.posts_dir, JekyllRules(site.exclude, site.markdown_ext) if site else None)


def collect(config: Config, now: datetime, cache: PostCache, scanned: Scan | None = None,
            meanwhile: Callable[[], object] | None = None, workers: int = 1, keep: bool = False) -> Collection:
    """Bring *cache* up to date with ``posts_dir`` and return what is published at *now*.

    *scanned* is ``scan(config.posts_dir)`` when the caller has it already.
    *workers* processes parse the changed files when there are many (see
    :mod:`feeder.pool`); *meanwhile* is work for this process while they run
    (publish loads its renderer then), not called when no workers are needed.
    With *keep*, the posts parsed are kept in :attr:`Collection.fresh`, for a
    caller that reads most of them next (publish with archive pages: a first
    publish would parse every post twice); without, only their rows are kept.
    """
    with many_rows():
        known = {row.path: row for row in cache.rows()}
        current = scan_site(config) if scanned is None else scanned
    gone = known.keys() - current.keys()
    changed = sorted(p for p, sig in current.items() if p not in known or known[p].signature != sig)
    if gone:
        cache.delete(sorted(gone))
        for path in gone:
            del known[path]
    batch: list[Row] = []
    fresh: dict[str, Post] = {}
    for row, post in _parse_all(config, [(p, current[p]) for p in changed], workers, meanwhile, keep):
        batch.append(row)
        known[row.path] = row
        if post is not None:
            fresh[row.path] = post
        if len(batch) == 5000:
            cache.put(batch)
            batch = []
    if batch:
        cache.put(batch)
    cache.mark_synced(current.key)
    log.debug("%d post files: %d parsed, %d from cache, %d gone", len(current), len(changed),
              len(current) - len(changed), len(gone))
    with many_rows():
        chosen = _select(known.values(), now.timestamp(), config, parsed=len(changed), found=current.problems)
    chosen.fresh = fresh
    return chosen


def collect_between(config: Config, now: datetime, cache: PostCache, start: datetime, end: datetime,
                    workers: int = 1) -> Collection:
    """What is published at *now* and dated in [start, end) (one week of a digest), with every problem.

    When no post file changed since the cache was last brought up to date (the
    usual case), only that week's rows and the few that share a URL or id with
    them are read from the cache, not all of them: a digest of a 100,000-post
    site reads twenty rows.  Otherwise the cache is brought up to date first.
    The published rows are exactly :meth:`Collection.between` of a full
    collection; the problems are every unusable post file and the URL and id
    clashes of the week's posts.
    """
    scanned = scan_site(config)
    if cache.synced() != scanned.key:
        collect(config, now, cache, scanned, workers=workers)
    lo, hi, at = start.timestamp(), end.timestamp(), now.timestamp()
    involved = {r.path: r for r in cache.published_between(lo, hi, at)}
    frontier = list(involved.values())
    while frontier:  # rivals of rivals too: who owns a URL can depend on a clash further back
        found = cache.sharing([r.url for r in frontier], [r.id for r in frontier])
        frontier = [r for r in found if r.path not in involved]
        involved.update((r.path, r) for r in frontier)
    involved.update((r.path, r) for r in cache.unusable())
    chosen = _select(involved.values(), at, config, parsed=0, found=scanned.problems)
    chosen.published = [r for r in chosen.published if lo <= r.timestamp < hi]
    return chosen


def _select(rows: Iterable[Row], now: float, config: Config, parsed: int,
            found: Iterable[PostError] = ()) -> Collection:
    """Sort *rows* into published (newest first), drafts, scheduled and problems (*found* by the scan, and more).

    Two published posts with one URL, or one id, are both withheld and both
    reported.  Any rule that let one of them keep it would read something the
    second post's author writes: its date (a back-dated copy of a permalink is
    "older" and took the URL over, silently dropping the real post from every
    feed), its file name, its id.  Anything else (mtimes, the order of a scan, what
    an earlier run saw) differs between two checkouts.  Withholding both cannot be
    hijacked and does not depend on the order the rows come in: the feeds show
    neither until one gets its own ``permalink`` or ``id``, and publish exits 1
    naming both files.  URLs and ids are compared apart (an id defaults to the
    URL): the feeds key entries on the one and link pages by the other.
    """
    problems = list(found)
    warnings: list[PostError] = []
    future = config.jekyll is not None and config.jekyll.future  # Jekyll's future: true publishes them now
    published: list[Row] = []
    drafts = scheduled = 0
    next_due = None
    for row in rows:
        if row.error is not None:
            problems.append(PostError(row.path, **json.loads(row.error)))
        elif row.draft:
            drafts += 1
        elif row.timestamp > now and not future:
            scheduled += 1
            if next_due is None or row.timestamp < next_due:
                next_due = row.timestamp
        else:
            published.append(row)
            if row.warning is not None:
                warnings.extend(PostError(row.path, **found) for found in json.loads(row.warning))
    published.sort(key=_PATH)  # newest first; equal dates in path order (two stable sorts)
    published.sort(key=_TIMESTAMP, reverse=True)
    urls = Counter(row.url for row in published)
    ids = Counter(row.id for row in published)
    by_url: dict[str, list[str]] = {}
    by_id: dict[str, list[str]] = {}
    for row in published:  # the owners of each shared URL or id (no list per row: 24 MB at 100,000)
        if urls[row.url] > 1 or ids[row.id] > 1:
            by_url.setdefault(row.url, []).append(row.path)
            by_id.setdefault(row.id, []).append(row.path)
    unique: list[Row] = []
    for row in published:
        if urls[row.url] == 1 and ids[row.id] == 1:  # nearly every row: no rival to name
            unique.append(row)
            continue
        rivals = {"permalink": (row.url, by_url[row.url]), "id": (row.id, by_id[row.id])}
        if row.id == row.url and rivals["id"][1] == rivals["permalink"][1]:
            del rivals["id"]  # the id is the URL, shared with the same posts: say it once
        clashes = [f"same {what} as {', '.join(sorted(p for p in owners if p != row.path))} ({value})"
                   for what, (value, owners) in rivals.items() if len(owners) > 1]
        if clashes:
            problems.append(PostError(row.path, "; ".join(clashes) + "; neither is published until one of them "
                                      "has its own 'permalink' or 'id'"))
        else:
            unique.append(row)
    problems.sort(key=lambda e: (e.path, e.line or 0))
    warnings.sort(key=lambda e: (e.path, e.line or 0))
    return Collection(unique, problems, drafts, scheduled, parsed, next_due, warnings)


def _parse_all(config: Config, files: list[tuple[str, Signature]], workers: int,
               meanwhile: Callable[[], object] | None, keep: bool) -> Iterator[tuple[Row, Post | None]]:
    """A row for each of *files*, parsed in batches: on *workers* processes when there are many."""
    batches = [files[i:i + _BATCH] for i in range(0, len(files), _BATCH)]
    if len(files) < _PARALLEL_FROM:
        workers = 1
    parsed = run_ordered(workers, lambda batch: _parse_batch(config, batch, keep), batches, parallel_from=2,
                         window=4 * workers, meanwhile=meanwhile)
    yield from _rows(batches, parsed)


def _rows(batches: list[list[tuple[str, Signature]]], parsed: Iterable[list[tuple[_Fields, Post | None]]]
          ) -> Iterator[tuple[Row, Post | None]]:
    """Rows made of each file's path and signature as scanned, and what parsing it gave.

    Workers send back only the parsed fields (and the post, when it is to be
    kept): the scan's own strings and tuples are reused, rather than a copy of
    each (~30 MB at 100,000 posts).
    """
    for batch, results in zip(batches, parsed, strict=True):
        for (path, sig), (values, post) in zip(batch, results, strict=True):
            when, url, ident, draft, error, tags, categories, warning = values
            # A site's few labels, one string each: unpickled, every post had its own copies (25 MB at 100,000)
            yield Row(path, sig, when, url, ident, draft, error, tuple(map(sys.intern, tags)),
                      tuple(map(sys.intern, categories)), warning), post


# A row's fields after path and signature: timestamp, url, id, draft, error, tags, categories, warning
_Fields = tuple[float, str, str, bool, "str | None", tuple[str, ...], tuple[str, ...], "str | None"]


def _parse_batch(config: Config, files: list[tuple[str, Signature]], keep: bool
                 ) -> list[tuple[_Fields, Post | None]]:
    """What a row holds beyond path and signature, for a batch of files (and each usable post, if *keep*):
    the heads of all of them are read first, then all are parsed.

    Read-parse-read-parse is ~20% slower (110 against 87 us a post on the bench
    corpus): each system call leaves the CPU's caches and branch predictors cold
    for the Python code that follows it.
    """
    heads: list[tuple[bytes, bool] | PostError] = []
    for path, _sig in files:
        try:
            heads.append(_read_head(config, path))
        except PostError as exc:
            heads.append(exc)
    return [_parse_one(config, path, head, keep) for (path, _sig), head in zip(files, heads, strict=True)]


def _read_head(config: Config, path: str) -> tuple[bytes, bool]:
    """The first :data:`_HEAD` bytes of a post, and whether that is the whole file.

    A row needs only the front matter, which nearly always ends within the
    first few hundred bytes; reading all of a 9 KB post costs four times as much.
    """
    head = read_post(config.posts_dir, path, _HEAD)
    if len(head) < _HEAD:
        return head, True
    return head[: head.rfind(b"\n") + 1], False  # whole lines only: a cut line could look like a '---' fence


def _parse_head(config: Config, path: str, head: bytes, whole: bool) -> Post:
    """The post as far as its row needs: parsed from the head, or from the whole file if the head is not enough.

    Every line of a cut head is whole, so front matter that closes within it
    parses exactly as it does in the whole file; any problem is checked again
    with the whole file, so the error message is the one the whole file earns.
    """
    try:
        return parse_post(path, head, config)
    except PostError:
        if whole:
            raise
    return parse_post(path, read_post(config.posts_dir, path), config)


def _parse_one(config: Config, path: str, head: tuple[bytes, bool] | PostError, keep: bool
               ) -> tuple[_Fields, Post | None]:
    """Parse one file from its head; a failure becomes fields with an error, never an exception."""
    try:
        if isinstance(head, PostError):
            raise head
        post = _parse_head(config, path, *head)
    except PostError as exc:
        return (0.0, "", "", False, json.dumps({"message": exc.message, "line": exc.line}), (), (), None), None
    warning = json.dumps([{"message": message, "line": line} for line, message in map(_located, post.warnings)]
                         ) if post.warnings else None
    fields = post.date.timestamp(), post.url, post.id, post.draft, None, post.tags, post.categories, warning
    return fields, post if keep else None


def _located(warning: str) -> tuple[int | None, str]:
    """A post's warning ("line 3: …" or "…") as its line and message."""
    head, sep, rest = warning.partition(": ")
    if sep and head.startswith("line ") and head[5:].isdigit():
        return int(head[5:]), rest
    return None, warning
