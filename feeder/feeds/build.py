"""Building a publish's stale outputs: their posts read, rendered once each, and the files written.

The planner (:mod:`feeder.feeds.plan`) says which files exist and
:class:`~feeder.feeds.state.OutputState` which of them are stale; this module
reads the posts those list (each file once, for runs that render up to
:data:`_KEPT_READ` posts), renders each post once however many outputs list it
(workers rendering ahead of the feed being built), and writes each file
atomically, only when its bytes change.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Generator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from feeder.atomic import BatchWriter
from feeder.config import Config
from feeder.config_paths import check_outputs
from feeder.errors import PostError
from feeder.feeds.context import Kind
from feeder.feeds.jsonfeed import build_json
from feeder.feeds.plan import Clash, Output, plan
from feeder.feeds.rss_atom import build_atom, build_rss
from feeder.feeds.state import OutputState
from feeder.feeds.stylesheet import build_stylesheet
from feeder.posts.cache import PostCache
from feeder.posts.load import Source, load_one, load_parsed, reload
from feeder.posts.post import Post
from feeder.posts.render import Rendered, Renderer
from feeder.posts.row import Row

# Posts read while planning and kept for rendering, at most: beyond this a large first publish reads
# the rest again at render time instead of holding every post in memory (about 20 KB each).
_KEPT_READ = 1000
# The posts read for a run: kept whole, or (beyond the first _KEPT_READ) without their Markdown body.
ReadPosts = dict[str, Source | tuple[Post, bytes]]


def read_plan(config: Config, published: list[Row], state: OutputState, parsed: Mapping[str, Post] | None = None
          ) -> tuple[list[Output], list[tuple[Output, str]], ReadPosts, list[PostError], list[Clash]]:
    """The outputs, the stale ones (with their fingerprints), their posts read, the posts and labels left out.

    Every post a stale output lists is read here: a post whose file can no
    longer be used is left out of *every* output, and the plan is made again
    without it, so archive pages never count a post no feed shows.  The first
    :data:`_KEPT_READ` posts (in the order the outputs need them) are kept as
    read, to be rendered without reading them again; of the rest, the body is
    dropped, so a first publish of a large site with archive pages does not hold
    every post's Markdown in memory (those files are read again, not parsed again).
    A post in *parsed* (this run's collection parsed it) is not parsed again
    while its file is unchanged.
    """
    sources: ReadPosts = {}
    kept = 0
    unusable: list[PostError] = []
    rows = published
    while True:
        clashes: list[Clash] = []
        outputs = plan(config, rows, clashes)
        stale = [(o, fp) for o in outputs if not state.fresh(o.path, fp := o.fingerprint(config))]
        needed = {row.path: row for output, _ in stale for row in output.rows if row.path not in sources}
        bad = []
        for path, row in needed.items():
            known = parsed.get(path) if parsed else None
            try:
                source = (known and load_parsed(config, known, row.signature)) or load_one(config, path)
            except PostError as exc:
                bad.append(exc)
                continue
            sources[path] = source if kept < _KEPT_READ else (source.post, source.digest)
            kept += 1
        if not bad:
            return outputs, stale, sources, unusable, clashes
        unusable.extend(bad)
        left_out = {problem.path for problem in bad}
        rows = [row for row in rows if row.path not in left_out]


class _Renders:
    """Rendered posts shared by every output of one run: each rendered once, in the order outputs first
    need them (the workers work ahead), and dropped after its last use."""

    def __init__(self, config: Config, sources: ReadPosts, renderer: Renderer,
                 outputs: list[Output]) -> None:
        paths = [row.path for output in outputs for row in output.rows]
        self._uses = Counter(paths)
        self._stream = self._render(config, sources, renderer, list(dict.fromkeys(paths)))
        self._done: dict[str, Rendered] = {}
        self.failed: set[str] = set()

    @staticmethod
    def _render(config: Config, sources: ReadPosts, renderer: Renderer, order: list[str]
                ) -> Generator[tuple[str, Rendered | PostError], None, None]:
        """Each post of *order* rendered, a batch of at most :data:`_KEPT_READ` read posts at a time."""
        for start in range(0, len(order), _KEPT_READ):
            batch: list[Source] = []
            for path in order[start:start + _KEPT_READ]:
                entry = sources.pop(path)
                if isinstance(entry, Source):
                    batch.append(entry)
                    continue
                try:
                    batch.append(reload(config, *entry))
                except PostError as exc:
                    yield path, exc
            stream = renderer.stream(batch)
            try:
                for source, item in stream:
                    yield source.post.path, item
            finally:
                stream.close()

    def take(self, rows: tuple[Row, ...], problems: list[PostError]) -> list[Rendered]:
        for path, item in self._stream:
            if isinstance(item, PostError):  # e.g. over the render time limit: left out, tried again next run
                problems.append(item)
                self.failed.add(path)
            else:
                self._done[path] = item
            if all(row.path in self._done or row.path in self.failed for row in rows):
                break
        items = [self._done[row.path] for row in rows if row.path in self._done]
        for row in rows:
            self._uses[row.path] -= 1
            if not self._uses[row.path]:
                self._done.pop(row.path, None)
        return items

    def close(self) -> None:
        """Stop rendering ahead (a run that failed midway) and keep what was rendered in the cache."""
        self._stream.close()


def worth_keeping(config: Config, published: list[Row]) -> set[str]:
    """The posts whose rendered HTML the cache keeps: the newest, the likeliest to be rendered again."""
    return {row.path for row in published[: max(100, 4 * config.feeds.max_items)]}


@dataclass
class Written:
    """What :func:`write_outputs` did."""

    files: list[Path] = field(default_factory=list)  # those whose bytes changed
    changed: list[str] = field(default_factory=list)  # URLs of subscription feeds among them (for WebSub)
    problems: list[PostError] = field(default_factory=list)  # posts that failed to render: left out this run


def write_outputs(config: Config, cache: PostCache, stale: list[tuple[Output, str]],
                  sources: ReadPosts, state: OutputState, workers: int, keep: set[str]) -> Written:
    """Build and write the stale outputs, recording each in *state* (one whose posts failed is left stale)."""
    check_outputs(config, [config.output_dir / output.path for output, _ in stale])  # none lands on an input
    done = Written()
    renderer = Renderer(config, cache, workers, keep=keep)
    settled: list[tuple[str, str | None]] = []  # (output, fingerprint), or None: left stale to try again
    with closing(_Renders(config, sources, renderer, [output for output, _ in stale])) as renders, \
            BatchWriter() as files:  # synced and renamed a batch at a time; all of them before this returns
        for output, fingerprint in stale:
            data = build_output(config, output, renders.take(output.rows, done.problems) if output.rows else [])
            target = config.output_dir / output.path
            if files.write_if_changed(target, data):
                done.files.append(target)
                if output.subscribe and output.context:
                    done.changed.append(output.context.url)
            failed = any(row.path in renders.failed for row in output.rows)  # failed to render: try again next run
            settled.append((output.path, None if failed else fingerprint))
    for path, settled_as in settled:  # once the files are in place: the state records what is on disk
        if settled_as is None:
            state.forget(path)
        else:
            state.record(path, settled_as)
    return done


def build_output(config: Config, output: Output, items: list[Rendered]) -> bytes:
    """The bytes of one planned output, its posts already rendered (*items*, in its rows' order)."""
    if output.kind is Kind.XSL:
        return build_stylesheet(config)
    if output.kind is Kind.INDEX:
        return (json.dumps(output.data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    assert output.context is not None  # every feed output is planned with its context
    return _FEED_BUILDERS[output.kind](config, items, output.context)


_FEED_BUILDERS = {Kind.RSS: build_rss, Kind.ATOM: build_atom, Kind.JSON: build_json}
