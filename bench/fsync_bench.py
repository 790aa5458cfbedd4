"""How much of a cold ``feeder publish`` goes to fsync: one file at a time (before) against batched (after).

    python3 bench/fsync_bench.py [--posts 110] [--work DIR] [--runs 3]

Generates (or reuses) a bench/corpus.py site of --posts posts with every feed on
(``config-full.yaml``: RSS, Atom, JSON, tag and category feeds, archive pages,
stylesheet), each post given two more tags from a pool of --tags (so that, as on a
real blog with many tags, 110 posts make about 500 files: three feeds a tag), then
publishes it cold (``public-full/`` and its state deleted first)
in this process, twice per run:

before
    ``feeder.atomic.BATCH_FILES = 1`` and ``SYNC_THREADS = 1``: each file is fsynced,
    renamed and its folder fsynced before the next is written, which is what
    ``write_atomic`` did for every output before batching.
after
    the defaults: temporary files written, fsynced together on several threads,
    renamed, each folder fsynced once.

Every ``os.fsync`` and ``os.fdatasync`` feeder makes is counted and timed; "fsync s"
is the wall time during which at least one was in flight (the union of their
intervals, so fsyncs running side by side count once), "publish s" the whole
``publish()`` call.  SQLite's own syncs (the post cache) are not Python calls and
are not counted.  The medians of --runs runs are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/corpus.py, beside this script

from feeder import atomic
from feeder.config import load_config
from feeder.feeds.publish import publish

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Syncs:
    """Wraps os.fsync and os.fdatasync: how many calls, and the wall time any of them was in flight."""

    def __init__(self) -> None:
        self.intervals: list[tuple[float, float]] = []
        self._saved = (os.fsync, os.fdatasync)

    def __enter__(self) -> Syncs:
        def timed(call):  # type: ignore[no-untyped-def]
            def run(fd: int) -> None:
                start = time.perf_counter()
                try:
                    call(fd)
                finally:
                    self.intervals.append((start, time.perf_counter()))
            return run

        os.fsync, os.fdatasync = timed(self._saved[0]), timed(self._saved[1])
        return self

    def __exit__(self, *exc: object) -> None:
        os.fsync, os.fdatasync = self._saved

    def wall(self) -> float:
        total, end = 0.0, float("-inf")
        for start, stop in sorted(self.intervals):
            if stop > end:
                total += stop - max(start, end)
                end = stop
        return total


def add_tags(posts: Path, pool: int) -> None:
    """Give every post two more tags, ``t000``…, drawn in turn from a pool of *pool*."""
    for number, path in enumerate(sorted(posts.rglob("*.md"))):
        text = path.read_text(encoding="utf-8")
        extra = f'"t{number % pool:03d}", "t{(number * 7 + 3) % pool:03d}", '
        path.write_text(text.replace('tags: [', 'tags: [' + extra, 1), encoding="utf-8")


def cold_publish(config_path: Path, batch: int, threads: int) -> dict[str, float]:
    config = load_config(config_path)
    shutil.rmtree(config.output_dir, ignore_errors=True)
    shutil.rmtree(config.state_dir, ignore_errors=True)
    atomic.BATCH_FILES, atomic.SYNC_THREADS = batch, threads
    with Syncs() as syncs:
        start = time.perf_counter()
        result = publish(config, NOW, workers=1)
        elapsed = time.perf_counter() - start
    assert not result.problems, result.problems
    return {"files": len(result.written), "fsyncs": len(syncs.intervals), "fsync_s": syncs.wall(),
            "publish_s": elapsed}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=110)
    ap.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "corpus")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tags", type=int, default=170, help="the pool of extra tags")
    args = ap.parse_args(argv)
    site = args.work / f"fsync-n{args.posts}"
    _stamp, reused = corpus.ensure(site, args.posts)
    if not reused:
        add_tags(site / "posts", args.tags)
    config_path = corpus.write_full_config(site)
    defaults = (atomic.BATCH_FILES, atomic.SYNC_THREADS)
    rows = []
    for label, (batch, threads) in (("before (one file at a time)", (1, 1)), ("after (batched)", defaults)):
        runs = [cold_publish(config_path, batch, threads) for _ in range(args.runs)]
        med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        rows.append(f"| {label} | {med['files']:.0f} | {med['fsyncs']:.0f} | {med['fsync_s']:.3f} | "
                    f"{med['publish_s']:.2f} |")
    atomic.BATCH_FILES, atomic.SYNC_THREADS = defaults
    print(f"cold publish of {args.posts} posts, every feed on; medians of {args.runs} runs, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    print("\n| writes | files written | fsync calls | fsync s (wall) | publish s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
