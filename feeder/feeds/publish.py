"""``feeder publish``: posts in, feed files out, safely and only when something changed.

Runs under a lock (overlapping cron runs wait their turn) and scans the post
files.  When they are exactly what the last clean run saw and no post has come
due since, that is all (the cron job's usual case).  Otherwise it brings the
post cache up to date and plans every output (see :mod:`feeder.outputs`).  An output whose
inputs (its posts' files, its links, the config, feeder's code) are what the
last run saw, and whose file is untouched, is skipped; Markdown is rendered only
for the posts of the outputs that changed, each post once however many feeds
list it.  Each file is written atomically, and only if its bytes change; files
an earlier run wrote that no output produces any more (a tag nobody uses) are
removed.  Finally the WebSub hub, if any, hears which subscription feeds changed.

Before the first file is written the state records that a run is writing and
which pings it will owe (see :mod:`feeder.feeds.state`), so a run killed
halfway is finished by the next one: its temporary files removed, its pings sent.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feeder import toolchain
from feeder.atomic import cannot_write, locked, sweep_temps
from feeder.config import Config
from feeder.config_paths import removable
from feeder.errors import InvalidPosts, PostError
from feeder.feeds import rss_atom
from feeder.feeds.build import read_plan, worth_keeping, write_outputs
from feeder.feeds.labels import over_the_cap
from feeder.feeds.plan import Clash
from feeder.feeds.state import Counts, OutputState
from feeder.feeds.websub import PingReport, Poster, http_post, ping
from feeder.posts import render
from feeder.posts.cache import PostCache, recovering
from feeder.posts.collection import Collection, collect, scan_site
from feeder.posts.liquid_check import check_liquid
from feeder.posts.row import many_rows
from feeder.posts.scan import Scan, read_post
from feeder.posts.source import decode

log = logging.getLogger(__name__)
STATE_FILE = "outputs.json"  # in state_dir: see feeder.feeds.state


@dataclass
class PublishResult:
    published: int  # posts published at the run's time
    drafts: int
    scheduled: int  # posts dated after the run's time
    parsed: int = 0  # post files read and parsed (0 when the cache had them all)
    outputs: list[Path] = field(default_factory=list)  # every file this run produced
    written: list[Path] = field(default_factory=list)  # those whose bytes changed
    removed: list[Path] = field(default_factory=list)  # files of outputs that no longer exist
    skipped: bool = False  # inputs unchanged since the last run: nothing was rendered
    problems: list[PostError] = field(default_factory=list)
    warnings: list[PostError] = field(default_factory=list)  # published, but not all of it (too many labels)
    websub: PingReport | None = None  # what the hub was told, when one is configured and a feed changed
    swept: list[Path] = field(default_factory=list)  # temporary files a killed run left, now removed


def publish(config: Config, now: datetime, *, strict: bool = False, wait: float = 60.0,
            poster: Poster | None = None, workers: int = 1) -> PublishResult:
    """Write every configured output for the posts published at *now*; *poster* sends WebSub pings.

    *workers* processes parse and render large batches (see :mod:`feeder.pool`): more
    than one only from a caller that runs no other thread.
    """
    with locked(config.state_dir / "publish.lock", wait, "publish"):
        swept = sweep_temps(config.state_dir, [STATE_FILE])  # a run killed while saving the state
        result = recovering(config.state_dir / "cache.sqlite", config.fingerprint,
                            lambda cache: _publish(config, now, cache, strict, poster, workers))
        result.swept[:0] = swept
        return result


def _publish(config: Config, now: datetime, cache: PostCache, strict: bool, poster: Poster | None,
             workers: int) -> PublishResult:
    """One publish with an open cache (see publish)."""
    with many_rows():
        scanned = scan_site(config)
    state = OutputState(config.state_dir / STATE_FILE, config.output_dir)
    inputs = _inputs_key(config, scanned)
    # What the scan could not use is reported on every run, as an invalid post is: no shortcut then.
    repeat = None if scanned.problems else state.repeat(inputs, now.timestamp())
    if repeat is not None:
        log.debug("no post file changed, no post became due, no output was touched: nothing to do")
        return PublishResult(repeat.published, repeat.drafts, repeat.scheduled,
                             outputs=[config.output_dir / path for path in state.files], skipped=True)
    # With archive pages every published post is read for an output: the posts parsed here are kept for that.
    collection = collect(config, now, cache, scanned, meanwhile=_load_renderer, workers=workers,
                         keep=config.feeds.archive is not None)
    result = PublishResult(len(collection.published), collection.drafts, collection.scheduled, collection.parsed,
                           problems=list(collection.problems))
    if strict and result.problems:
        raise InvalidPosts(result.problems)
    result.warnings = collection.warnings + over_the_cap(config, collection.published)
    outputs, stale, sources, unusable, clashes = read_plan(config, collection.published, state, collection.fresh)
    collection.fresh.clear()  # read_plan kept what it needs
    result.problems.extend(unusable)
    result.problems.extend(_clash_problem(clash) for clash in clashes)
    if strict and (unusable or clashes):
        raise InvalidPosts(result.problems)
    result.outputs = [config.output_dir / o.path for o in outputs]
    orphans = sorted(set(state.files) - {o.path for o in outputs})
    if state.interrupted:
        result.swept = _sweep(config, [*state.files, *(o.path for o in outputs)])
    if not stale and not orphans and not state.pending_pings:
        result.skipped = True
    else:
        owed = state.pending_pings  # by earlier runs: the hub was down, or the run was killed before it pinged
        if stale or orphans:
            feeds = [o.context.url for o, _ in stale if o.subscribe and o.context] if config.feeds.websub_hub else []
            state.begin(list(dict.fromkeys(owed + feeds)))  # on disk before any file changes
        keep = worth_keeping(config, collection.published)
        changed: list[str] = []
        if stale:
            written = write_outputs(config, cache, stale, sources, state, workers, keep)
            result.written, changed = written.files, written.changed
            result.problems.extend(written.problems)
        _remove(config, orphans, state, result)
        pending = list(dict.fromkeys(owed + changed))
        state.pending_pings = []
        if config.feeds.websub_hub and pending:
            result.websub = ping(config.feeds.websub_hub, pending, poster or http_post)
            state.pending_pings = result.websub.failed
        cache.prune_rendered(keep)
    complete = not result.problems and all(o.path in state.files for o in outputs)
    state.remember(inputs if complete else None, collection.published[0].timestamp if collection.published else None,
                   collection.next_due, Counts(result.published, result.drafts, result.scheduled))
    state.save()
    return result


def _inputs_key(config: Config, scanned: Scan) -> str:
    """A digest of everything a publish reads: feeder's code, the config, every post file's signature.

    Two runs with the same key and no post due in between produce the same
    files, so the second may skip reading the cache (see OutputState.repeat).
    The scan's order is the file system's: a different order only costs a miss.
    """
    digest = hashlib.sha256(f"{toolchain.fingerprint()}\0{config.fingerprint}\0".encode())
    digest.update(scanned.key.encode())
    return digest.hexdigest()


def _load_renderer() -> None:
    """Load what rendering needs: when many posts changed, some will be rendered."""
    render.preload()
    rss_atom.preload()


def _clash_problem(clash: Clash) -> PostError:
    """A label left out of the feeds, reported at the newest post that carries it."""
    word = {"tags": "tag", "categories": "category"}[clash.field]
    more = len(clash.label.rows) - 1
    others = f" (and {more} other post{'s' if more > 1 else ''} with it)" if more else ""
    return PostError(clash.label.rows[0].path,
                     f"{word} {clash.label.name!r}{others}: its feeds would need the folder {clash.folder}/, which "
                     f"is taken by {clash.taken}; it gets no feed. Rename the {word}, or give feeds.{clash.field} "
                     "a folder of its own")


def _sweep(config: Config, paths: list[str]) -> list[Path]:
    """Remove the temporary files a killed run left beside the outputs it was writing (see atomic.sweep_temps).

    Only beside files feeder may delete (inside output_dir, never an input), as a state edited by hand may
    list others.
    """
    folders: dict[Path, set[str]] = {}
    for path in paths:
        target = config.output_dir / path
        if removable(config, target):
            folders.setdefault(target.parent, set()).add(target.name)
    return [temp for folder, names in folders.items() for temp in sweep_temps(folder, names)]


def _remove(config: Config, orphans: list[str], state: OutputState, result: PublishResult) -> None:
    """Delete files earlier runs wrote for outputs that are gone, and the folders they leave empty."""
    output_dir = config.output_dir
    for path in orphans:
        target = output_dir / path
        if not removable(config, target):  # outside output_dir or an input: never feeder's to delete
            log.info("%s: listed in %s/outputs.json but not deleted: not an output", target, config.state_dir)
        else:
            try:
                target.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise cannot_write(target, exc) from None
            else:
                result.removed.append(target)
        state.forget(path)
        folder = target.parent
        while folder != output_dir and output_dir in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                break
            folder = folder.parent


def check(config: Config, now: datetime, workers: int = 1) -> Collection:
    """Parse every post (no cache, nothing written) and return what publish would see.

    Unlike publish, it also decodes every body, so a bad byte in a post that no
    feed lists yet is reported now rather than when the post is first rendered, and
    runs each Jekyll post's Liquid: its syntax errors are problems, and what only a
    plugin knows (unknown tags and filters, missing includes) is in ``warnings``.
    """
    scanned = scan_site(config)
    with PostCache(None, config.fingerprint) as cache:
        collection = collect(config, now, cache, scanned, workers=workers)
    known = {problem.path for problem in collection.problems}
    unreadable = set()
    for path in scanned:
        if path not in known:
            try:
                decode(path, read_post(config.posts_dir, path))
            except PostError as exc:
                collection.problems.append(exc)
                unreadable.add(path)
    liquid_problems, liquid_warnings = check_liquid(
        config, [path for path in scanned if path not in known and path not in unreadable])
    collection.problems.extend(liquid_problems)
    collection.warnings.extend(liquid_warnings)
    unusable = unreadable | {problem.path for problem in liquid_problems}
    collection.published = [row for row in collection.published if row.path not in unusable]
    collection.problems.sort(key=lambda e: (e.path, e.line or 0))
    collection.warnings.sort(key=lambda e: (e.path, e.line or 0))
    return collection
