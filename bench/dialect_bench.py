"""What a Jekyll site's Markdown dialect costs per post, against the plain renderer.

    python3 bench/dialect_bench.py [--posts 500] [--rounds 5] [--seed 1]

Takes the bodies of the first N posts of the benchmark corpus (``corpus.post``: ~9 KB
of Japanese and English paragraphs, headings, lists, code, links, images; nothing is
written to disk) and renders each, in this process, with the two converters that
``Renderer.markdown`` uses: the plain one (every site that is not a Jekyll site) and
the kramdown dialect (``config.jekyll`` set), each followed by the sanitizer as in
``Renderer.markdown``.  Both converters are built once and reset per post, as in a
publish.  Times are this process's CPU time (``time.process_time``: other processes
on a shared machine shift it far less than wall time), per post the best of ``--rounds``;
the table gives the median and 95th percentile of
those, their sum over the N posts, and the dialect's line rewriting alone.
It also checks that the plain converter's output is what ``Renderer`` writes for a
site without ``jekyll:``, so the plain path is the one measured.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from feeder.posts.dialect import Dialect, converter
from feeder.posts.dialect_lines import rewrite
from feeder.posts.render import _converter, sanitize
from feeder.text import clean_text

BASE = "https://example.com/post/"


def _bodies(count: int, seed: int) -> list[str]:
    return [corpus.post(seed, i)[2].split("\n---\n", 1)[1] for i in range(count)]


def _best(work: Callable[[str], object], bodies: list[str], rounds: int) -> list[float]:
    """CPU seconds per body: the best of *rounds* runs of *work* on it."""
    best = [float("inf")] * len(bodies)
    for _ in range(rounds):
        for index, text in enumerate(bodies):
            start = time.process_time()
            work(text)
            best[index] = min(best[index], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bodies = _bodies(args.posts, args.seed)
    plain, jekyll = _converter(), converter(Dialect())

    def render_plain(text: str) -> str:
        plain.reset()
        return sanitize(plain.convert(clean_text(text)), BASE)

    def render_jekyll(text: str) -> str:
        jekyll.reset()
        return sanitize(jekyll.convert(clean_text(text)), BASE, ids=True)

    rows = [("plain (not a Jekyll site)", _best(render_plain, bodies, args.rounds)),
            ("Jekyll dialect", _best(render_jekyll, bodies, args.rounds)),
            ("  of which line rewriting", _best(rewrite, bodies, args.rounds))]
    size = statistics.mean(len(text.encode()) for text in bodies)
    print(f"{args.posts} corpus posts (mean {size / 1024:.1f} KB of Markdown), CPU time, best of {args.rounds} "
          "rounds per post\n")
    print("| renderer | median CPU ms/post | p95 CPU ms/post | total CPU s | vs plain |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = sum(rows[0][1])
    for label, times in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"| {label} | {statistics.median(times) * 1000:.2f} | {p95 * 1000:.2f} | {sum(times):.2f} | "
              f"{sum(times) / base:.2f}× |")


if __name__ == "__main__":
    main()
