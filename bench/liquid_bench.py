"""What Liquid costs a Jekyll site's publish: the posts without any, and the posts with some (issue 10).

    python3 bench/liquid_bench.py --base DIR --head DIR [--sizes 10000] [--runs 3]
                                  [--shares 0,0.1]

The bench corpus (bench/corpus.py, the same N posts as publish_bench.py and full_bench.py) laid
out as a Jekyll site: ``_config.yml``, the posts in ``_posts/``, and a ``config.yaml`` with
``jekyll: .`` and every feed on (archive pages too, so every post is rendered).  At share S, that
fraction of the posts (every 1/S-th) get a Liquid paragraph appended: ``{{ page.title | upcase }}``,
``{{ site.title }}``, an ``assign``, a ``for`` over the tags and a ``highlight`` block.  Share 0 is the question of the
fast path: a site whose posts have no Liquid must publish as fast as before Liquid existed.

Each checkout (``--base``, typically the commit before Liquid; ``--head``) publishes cold (state
and output deleted) with its own config, state and output folder, the checkouts alternating, and
the medians of wall time and CPU seconds (the whole process tree, from ``wait4``) are shown with
head/base.  At share 0 the two outputs are compared byte for byte.  Runs go through
full_bench.py's ``feeder()`` (same wrapper, idle wait and noise report).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import full_bench  # noqa: E402
from full_bench import Code, feeder, files_of, same_outputs, say  # noqa: E402

LIQUID = """

{% assign shown = page.tags | size %}{{ page.title | upcase }} ({{ site.title }}, {{ shown }} tags:
{% for tag in page.tags %}{{ tag | slugify }} {% endfor %})

{% highlight python %}
for i in range({{ shown }}):
    print("{{ page.date | date_to_xmlschema }}", i < 3)
{% endhighlight %}
"""


def jekyll_site(work: Path, n: int, share: float, seed: int) -> Path:
    """The corpus of *n* posts as a Jekyll site, *share* of them with Liquid (made once, then reused)."""
    source = work / f"n{n}"
    corpus.ensure(source, n, seed)
    site = work / f"jekyll-n{n}-s{share:g}"
    if (site / "_posts").is_dir() and sum(1 for _ in (site / "_posts").rglob("*.md")) == n:
        return site
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source / "posts", site / "_posts")
    (site / "_config.yml").write_text("title: Bench Site\nurl: https://bench.example.com\ntimezone: Asia/Tokyo\n",
                                      encoding="utf-8")
    every = round(1 / share) if share else 0
    for index, post in enumerate(sorted((site / "_posts").rglob("*.md"))):
        if every and index % every == 0:
            with post.open("a", encoding="utf-8") as fh:
                fh.write(LIQUID)
    return site


def config(code: Code, site: Path) -> Path:
    path = site / f"config-liquid-{code.label}.yaml"
    jekyll = "jekyll: .\n" if (site / "_config.yml").exists() else "posts_dir: posts\n"  # --plain: the corpus as is
    text = corpus.CONFIG.replace("posts_dir: posts\n", jekyll) \
        .replace("output_dir: public\n", f"output_dir: public-liquid-{code.label}\n") \
        .replace("state_dir: .feeder\n", f"state_dir: .feeder-liquid-{code.label}\n") + corpus.FULL_FEEDS
    path.write_text(text, encoding="utf-8")
    return path


def cold(code: Code, site: Path) -> dict:
    for name in (f".feeder-liquid-{code.label}", f"public-liquid-{code.label}"):
        shutil.rmtree(site / name, ignore_errors=True)
    return feeder(code, site, ["publish", "--config", str(config(code, site)), "--now", full_bench.NOW, "-q"])


RENDER = r"""
import json, sys, time
from pathlib import Path
from feeder.config import load_config
from feeder.posts.load import load_one
from feeder.posts.render import Renderer
config = load_config(Path(sys.argv[1]))
try:
    from feeder.posts.collection import scan_site  # a checkout that knows Jekyll sites
    paths = scan_site(config)
except ImportError:
    from feeder.posts.scan import scan
    paths = scan(config.posts_dir)
sources = [load_one(config, path) for path in sorted(paths)]
renderer = Renderer(config)
renderer.render_all(sources[:20])  # converters built, python-liquid loaded (if any post needs it)
started = time.process_time()
rendered, problems = renderer.render_all(sources)
print(json.dumps({"cpu": time.process_time() - started, "posts": len(rendered), "problems": len(problems)}))
"""


def render_all(code: Code, site: Path) -> dict:
    """Every post of *site* rendered in one process by *code* (no cache): CPU seconds of that loop alone."""
    full_bench.wait_idle(full_bench.IDLE_WAIT)
    env = {**os.environ, "PYTHONPATH": str(code.root)}
    out = subprocess.run([sys.executable, "-c", RENDER, str(config(code, site))], cwd=site, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="the checkout before (label 'base')")
    ap.add_argument("--head", type=Path, required=True, help="the checkout under test (label 'head')")
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--shares", default="0,0.1", help="fractions of posts with Liquid, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=HERE / "corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plain", action="store_true", help="the corpus as it is (not a Jekyll site): no Liquid runs")
    ap.add_argument("--render", action="store_true",
                    help="time only rendering every post in one process (CPU s), not a cold publish")
    args = ap.parse_args(argv)
    codes = [Code("base", args.base), Code("head", args.head)]
    say(f"checkouts: base = {codes[0].root} ({codes[0].commit}), head = {codes[1].root} ({codes[1].commit})")
    rows = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        for share in (float(s) for s in args.shares.split(",") if s):
            site = jekyll_site(args.work, n, share, args.seed) if not args.plain else args.work / f"n{n}"
            if args.plain:
                corpus.ensure(site, n, args.seed)
            found: dict[str, list[dict]] = {code.label: [] for code in codes}
            for i in range(args.runs):
                for code in codes:
                    if args.render:
                        run = render_all(code, site)
                        run["wall"] = run["cpu"]
                        say(f"  N={n:,} share {share:g} render {i + 1}/{args.runs} {code.label}: {run['cpu']:.2f} "
                            f"CPU-s for {run['posts']} posts ({run['problems']} problems)")
                    else:
                        run = cold(code, site)
                        say(f"  N={n:,} share {share:g} cold {i + 1}/{args.runs} {code.label}: {run['wall']:.2f} s "
                            f"wall, {run['cpu']:.2f} CPU-s, other processes {run['other']:.2f} CPUs")
                    found[code.label].append(run)
            if args.render:
                same = "render only"
            elif share == 0:
                same = same_outputs(site / "public-liquid-base", site / "public-liquid-head")
            else:
                written = len(files_of(site / "public-liquid-head"))
                same = f"{written} files (Liquid rendered: differs from base by design)"
            wall = {label: median([r["wall"] for r in runs]) for label, runs in found.items()}
            cpu = {label: median([r["cpu"] for r in runs]) for label, runs in found.items()}
            rows.append(f"| {n:,} | {share:g} | {wall['base']:.2f} | {wall['head']:.2f} | "
                        f"{wall['head'] / wall['base']:.3f} | {cpu['base']:.2f} | {cpu['head']:.2f} | "
                        f"{cpu['head'] / cpu['base']:.3f} | {same} |")
    say("\n| posts | share with Liquid | base wall s | head wall s | head/base | base CPU-s | head CPU-s | "
        "head/base | outputs |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n" + "\n".join(rows))
    say(full_bench.noise_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
