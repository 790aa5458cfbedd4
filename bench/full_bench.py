"""Measure ``feeder publish`` with every feed on, two checkouts against each other, and ``feeder digest``.

    python3 bench/full_bench.py --base DIR --head DIR [--sizes 10000] [--runs 3]
                                [--digest-sizes 100000] [--digest-runs 3] [--work DIR] [--seed S]
    python3 bench/full_bench.py --code old=DIR --code new=DIR ...      # any number of checkouts

The question it answers: does this code publish a site with every feed on (RSS, Atom, JSON
Feed, tag and category feeds, the XSLT stylesheet, RFC 5005 archive pages of 50) for less
CPU than that code, and how does a warm ``feeder digest`` compare with a warm publish?

Code under test.  Each ``--code`` (or ``--base`` / ``--head``) is a checkout (a git worktree);
feeder runs as a subprocess of this interpreter with ``PYTHONPATH=DIR`` and the site folder as
its working directory, so that checkout's ``feeder`` package is imported whatever is installed
(each run reports the ``feeder.__file__`` it imported, and the script stops if it is not under
DIR).  The subprocess is ``python3 -c WRAPPER ARGS``, where WRAPPER runs ``feeder.cli`` with
:mod:`runpy` exactly as ``python3 -m feeder.cli ARGS`` would, and at exit writes its own
``getrusage`` (RUSAGE_SELF: the parent) and that of its reaped children (RUSAGE_CHILDREN: the
parse and render workers) to a file; forked workers leave through ``os._exit`` and write nothing.

Corpus.  bench/corpus.py makes (or reuses) ``WORK/nN`` (the same corpus as publish_bench.py).
Each checkout gets its own config, ``config-full-LABEL.yaml`` (:func:`corpus.full_config`), with
its own ``state_dir`` and ``output_dir`` (``.feeder-full-LABEL``, ``public-full-LABEL``), so the
checkouts never invalidate each other's cache and their outputs can be compared.  ``--config`` is
always passed as the same absolute path: the config's fingerprint (the key of the post cache and
of every output) includes the path as typed, so running one state once with ``config.yaml`` and
once with ``/abs/path/config.yaml`` rebuilds the cache and re-renders every output.  The 20-item
``config.yaml`` and its ``.feeder`` / ``public`` are not touched.  All post files are read once,
untimed, before anything is timed (a warm OS file cache).

Cases, for each size in --sizes, every checkout in turn (A, B, A, B, ...), --runs rounds:

cold publish
    ``.feeder-full-LABEL`` and ``public-full-LABEL`` deleted, then
    ``feeder publish --config config-full-LABEL.yaml --now 2026-01-01T00:00:00Z -q``.
    Wall time; CPU seconds = user + sys of the whole tree (``os.wait4`` of the feeder process,
    which on Linux includes every descendant it reaped: parse and render pool workers), split
    into parent and workers by the wrapper; files and MB in the output folder afterwards; peak
    RSS = ``ru_maxrss`` (the largest single process of the tree).  After the last round the
    checkouts' output folders are compared byte for byte.
warm publish
    the same command with nothing changed, after one untimed priming run; every output file's
    mtime is compared before and after (a warm run must write nothing).
warm digest
    ``feeder digest --config ... --now 2026-01-01T00:00:00Z --out TMP -q`` (the last complete
    week, 2025-W52, into a fresh temporary folder each run) after one untimed priming digest:
    the post cache is up to date and the week's rendered HTML is in it, as on a second digest.
digest after publish
    the same, but with ``cache.sqlite`` restored before each run to the copy saved right after
    the priming publish: the rendered HTML kept is only the newest posts' (publish prunes it),
    as on the Monday morning digest that follows a cron publish.
digest / publish
    the digest's median over the warm publish's median, of CPU seconds (and of wall time).

--digest-sizes adds sizes (default 100,000) where only the warm cases run, for --digest-code
(default: the last checkout, i.e. --head).  Priming there is one cold publish with every feed
on: at 100,000 posts that renders every post for the archive pages (~10-15 CPU-minutes).
``--digest-feeds default`` uses the 20-item ``config.yaml`` there instead (its own state kept
apart as ``.feeder-20-LABEL``), whose priming takes seconds.

The machine is shared: before each timed run the script waits (up to --idle-wait s) for other
processes to go quiet, and every timed run records the CPU other processes used meanwhile
(from /proc/stat), printed under the tables.  Prefer the CPU columns to wall time when that is
high.  The tables are printed and written to bench/results/full-latest.md, with every run's
figures in full-results.json (bench/results/ is git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
from publish_bench import _busy_ticks, compile_bytecode, machine, wait_idle  # noqa: E402

NOW = "2026-01-01T00:00:00Z"
COLD_TARGET = 0.6  # head's cold CPU at most this times base's (the issue)
DIGEST_TARGET = 1.5  # warm digest at most this times a warm publish, at 100,000 posts

WRAPPER = r"""
import atexit, json, os, resource, runpy, sys
_pid = os.getpid()
def _dump():
    if os.getpid() != _pid:
        return
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    feeder = sys.modules.get("feeder")
    with open(os.environ["FEEDER_BENCH_RUSAGE"], "w") as fh:
        json.dump({"parent": s.ru_utime + s.ru_stime, "children": c.ru_utime + c.ru_stime,
                   "parent_rss": s.ru_maxrss / 1024, "children_rss": c.ru_maxrss / 1024,
                   "feeder": getattr(feeder, "__file__", None)}, fh)
atexit.register(_dump)
runpy.run_module("feeder.cli", run_name="__main__", alter_sys=True)
"""


class Code:
    """One checkout under test."""

    def __init__(self, label: str, root: Path) -> None:
        self.label, self.root = label, root.resolve()
        if not any((self.root / "feeder" / cli).exists() for cli in ("cli.py", "cli/__init__.py")):
            raise SystemExit(f"--code {label}={root}: no feeder/cli.py or feeder/cli/ there")
        self.commit = _git(self.root, "rev-parse", "--short", "HEAD") or "unknown"
        if _git(self.root, "status", "--porcelain", "--", "feeder"):
            self.commit += "+uncommitted feeder/ changes"

    def config(self, site: Path, feeds: str = "full") -> Path:
        if feeds == "full":
            return corpus.write_full_config(site, f"config-full-{self.label}.yaml", self.state_name(feeds),
                                            self.output_name(feeds))
        path = site / f"config-20-{self.label}.yaml"
        text = corpus.CONFIG.replace("output_dir: public\n", f"output_dir: {self.output_name(feeds)}\n") \
            .replace("state_dir: .feeder\n", f"state_dir: {self.state_name(feeds)}\n") + corpus.DIGEST
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return path

    def state_name(self, feeds: str = "full") -> str:
        return f".feeder-{'full' if feeds == 'full' else '20'}-{self.label}"

    def output_name(self, feeds: str = "full") -> str:
        return f"public-{'full' if feeds == 'full' else '20'}-{self.label}"


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


IDLE_WAIT = 10.0
NOISE: list[float] = []  # other processes' CPUs (CPU-s per wall s) during each timed run


def feeder(code: Code, site: Path, args: list[str], timed: bool = True) -> dict:
    """Run ``feeder ARGS`` with *code*'s package; wall, CPU (tree, parent, workers), peak RSS, exit code."""
    if timed:
        waited = wait_idle(IDLE_WAIT)
        if waited > 1:
            say(f"    (waited {waited:.0f} s for the machine to go idle)")
    env = {**os.environ, "PYTHONPATH": str(code.root)}
    with tempfile.TemporaryDirectory() as tmp:
        env["FEEDER_BENCH_RUSAGE"] = usage_file = os.path.join(tmp, "rusage.json")
        with open(os.path.join(tmp, "out"), "w+b") as out, open(os.path.join(tmp, "err"), "w+b") as err:
            busy0, _ = _busy_ticks()
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-c", WRAPPER, *args], cwd=site, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            busy1, _ = _busy_ticks()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        try:
            split = json.loads(Path(usage_file).read_text())
        except (OSError, ValueError):
            split = {}
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"feeder {' '.join(args)} ({code.label}) failed with exit {rc}:\n{stderr}{stdout}")
    imported = split.get("feeder") or ""
    if not imported.startswith(str(code.root) + os.sep):
        raise SystemExit(f"{code.label}: feeder was imported from {imported!r}, not from {code.root}")
    cpu = usage.ru_utime + usage.ru_stime
    other = max(0.0, (busy1 - busy0) / os.sysconf("SC_CLK_TCK") - cpu) / wall
    if timed:
        NOISE.append(other)
    return {"wall": wall, "cpu": cpu, "parent": split.get("parent", 0.0), "workers": split.get("children", 0.0),
            "rss": usage.ru_maxrss / 1024, "other": other}


def publish(code: Code, site: Path, feeds: str = "full", timed: bool = True) -> dict:
    return feeder(code, site, ["publish", "--config", str(code.config(site, feeds)), "--now", NOW, "-q"], timed)


def digest(code: Code, site: Path, feeds: str = "full", timed: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="feeder-digest-") as out:
        return feeder(code, site, ["digest", "--config", str(code.config(site, feeds)), "--now", NOW,
                                   "--out", out, "-q"], timed)


def clear(code: Code, site: Path, feeds: str = "full") -> None:
    for name in (code.state_name(feeds), code.output_name(feeds)):
        shutil.rmtree(site / name, ignore_errors=True)


def files_of(folder: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every file below *folder*."""
    found = {}
    for top, _dirs, names in os.walk(folder):
        for name in names:
            st = os.stat(os.path.join(top, name))
            found[os.path.relpath(os.path.join(top, name), folder)] = (st.st_size, st.st_mtime_ns)
    return found


def same_outputs(a: Path, b: Path) -> str:
    """"identical" when both folders hold the same files with the same bytes, else what differs."""
    fa, fb = files_of(a), files_of(b)
    differ = sorted(set(fa) ^ set(fb))
    differ += sorted(p for p in set(fa) & set(fb)
                     if fa[p][0] != fb[p][0] or (a / p).read_bytes() != (b / p).read_bytes())
    if not differ:
        return f"identical ({len(fa)} files)"
    return f"{len(differ)} of {len(set(fa) | set(fb))} files DIFFER, e.g. " + ", ".join(differ[:5])


def warm_os_cache(site: Path) -> int:
    count = 0
    for top, _dirs, names in os.walk(site / "posts"):
        for name in names:
            with open(os.path.join(top, name), "rb") as fh:
                fh.read()
            count += 1
    return count


def make_site(work: Path, n: int, seed: int) -> Path:
    site = work / f"n{n}"
    site.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    _stamp, reused = corpus.ensure(site, n, seed)
    say(f"N={n:,}: corpus {'reused' if reused else 'generated'} in {time.perf_counter() - t0:.1f} s at {site}")
    t0 = time.perf_counter()
    count = warm_os_cache(site)
    if count != n:
        raise SystemExit(f"expected {n} post files in {site / 'posts'}, found {count}")
    say(f"  read all {count:,} post files once (OS cache) in {time.perf_counter() - t0:.1f} s")
    return site


def cold_ab(site: Path, codes: list[Code], runs: int) -> dict[str, dict]:
    """Cold publishes, the checkouts alternating; per label: the runs and the output comparison."""
    found: dict[str, dict] = {c.label: {"runs": []} for c in codes}
    for i in range(runs):
        for code in codes:
            clear(code, site)
            r = publish(code, site)
            out = files_of(site / code.output_name())
            r["files"], r["mb"] = len(out), sum(size for size, _ in out.values()) / 1e6
            found[code.label]["runs"].append(r)
            say(f"  cold {i + 1}/{runs} {code.label:>6}: {r['wall']:6.2f} s wall, {r['cpu']:6.2f} CPU-s "
                f"(parent {r['parent']:.2f}, workers {r['workers']:.2f}), {r['files']} files, {r['mb']:.0f} MB, "
                f"peak RSS {r['rss']:.0f} MB, other processes {r['other']:.2f} CPUs")
    first = codes[0]
    for code in codes[1:]:
        found[code.label]["same_as_first"] = same_outputs(site / first.output_name(), site / code.output_name())
        say(f"  outputs of {code.label} vs {first.label}: {found[code.label]['same_as_first']}")
    return found


def warm(site: Path, codes: list[Code], runs: int, feeds: str = "full") -> dict[str, dict]:
    """Warm publish, warm digest and digest-after-publish per checkout, alternating."""
    found: dict[str, dict] = {}
    saved: dict[str, Path] = {}
    for code in codes:
        state = site / code.state_name(feeds)
        t0 = time.perf_counter()
        prime = publish(code, site, feeds, timed=False)  # brings the cache up to date (cold if there was none)
        publish(code, site, feeds, timed=False)  # the state file now says "complete": later runs are warm
        say(f"  {code.label}: priming publish {time.perf_counter() - t0:.1f} s ({prime['cpu']:.1f} CPU-s)")
        saved[code.label] = state / "cache.sqlite.after-publish"
        shutil.copyfile(state / "cache.sqlite", saved[code.label])
        digest(code, site, feeds, timed=False)  # keeps the week's rendered HTML in the cache
        found[code.label] = {"publish": [], "digest": [], "digest_after_publish": [],
                             "before": files_of(site / code.output_name(feeds))}
    for _ in range(runs):
        for code in codes:
            runs_of = found[code.label]
            runs_of["publish"].append(publish(code, site, feeds))
            runs_of["digest"].append(digest(code, site, feeds))
            cache = site / code.state_name(feeds) / "cache.sqlite"
            warm_copy = cache.with_name("cache.sqlite.warm-digest")
            shutil.copyfile(cache, warm_copy)
            shutil.copyfile(saved[code.label], cache)
            runs_of["digest_after_publish"].append(digest(code, site, feeds))
            os.replace(warm_copy, cache)  # the week's HTML kept again, for the next warm digest
    for code in codes:
        runs_of = found[code.label]
        after = files_of(site / code.output_name(feeds))
        before = runs_of.pop("before")
        runs_of["rewritten"] = sum(1 for p in set(before) | set(after) if before.get(p) != after.get(p))
        (site / code.state_name(feeds) / "cache.sqlite.after-publish").unlink(missing_ok=True)
        for case in ("publish", "digest", "digest_after_publish"):
            say(f"  warm {case:<21} {code.label:>6}: " + ", ".join(
                f"{r['wall']:.3f} s/{r['cpu']:.3f} CPU-s" for r in runs_of[case]))
    return found


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def cold_table(n: int, found: dict[str, dict], codes: list[Code]) -> str:
    base = found[codes[0].label]["runs"]
    lines = [f"Cold publish, every feed on, N = {n:,} (medians of {len(base)} runs, checkouts alternating)\n",
             ("| code | commit | wall s | CPU s (all) | parent CPU s | workers CPU s | CPU vs "
              f"{codes[0].label} | files | MB written | peak RSS MB | outputs |"),
             "|" + " --- |" * 11]
    for i, code in enumerate(codes):
        runs = found[code.label]["runs"]
        ratio = med(runs, "cpu") / med(base, "cpu")
        verdict = "" if i == 0 else f" {mark(ratio <= COLD_TARGET)} (≤ {COLD_TARGET})"
        lines.append(
            f"| {code.label} | {code.commit} | {med(runs, 'wall'):.2f} | {med(runs, 'cpu'):.2f} "
            f"| {med(runs, 'parent'):.2f} | {med(runs, 'workers'):.2f} | {ratio:.3f}{verdict} "
            f"| {runs[-1]['files']} | {runs[-1]['mb']:.0f} | {max(r['rss'] for r in runs):.0f} "
            f"| {found[code.label].get('same_as_first', 'reference')} |")
    lines.append("\nEvery run (wall s / CPU s): " + "; ".join(
        f"{c.label}: " + ", ".join(f"{r['wall']:.2f}/{r['cpu']:.2f}" for r in found[c.label]["runs"])
        for c in codes))
    return "\n".join(lines)


def warm_table(rows: list[tuple[int, str, Code, dict]]) -> str:
    lines = ["Warm publish and warm `feeder digest` (medians; CPU s = user + sys of the whole tree)\n",
             ("| N | feeds | code | publish s | publish CPU s | digest s | digest CPU s | digest / publish (CPU) "
              "| digest after publish s | … CPU s | … / publish (CPU) | peak RSS MB publish / digest "
              "| files rewritten by warm runs |"),
             "|" + " --- |" * 13]
    for n, feeds, code, f in rows:
        p, d, a = f["publish"], f["digest"], f["digest_after_publish"]
        ratio, ratio_after = med(d, "cpu") / med(p, "cpu"), med(a, "cpu") / med(p, "cpu")
        target = n >= 100_000
        verdict = f" {mark(ratio <= DIGEST_TARGET)} (≤ {DIGEST_TARGET})" if target else ""
        verdict_after = f" {mark(ratio_after <= DIGEST_TARGET)} (≤ {DIGEST_TARGET})" if target else ""
        lines.append(
            f"| {n:,} | {feeds} | {code.label} | {med(p, 'wall'):.3f} | {med(p, 'cpu'):.3f} | {med(d, 'wall'):.3f} "
            f"| {med(d, 'cpu'):.3f} | {ratio:.2f}{verdict} "
            f"| {med(a, 'wall'):.3f} | {med(a, 'cpu'):.3f} | {ratio_after:.2f}{verdict_after} "
            f"| {max(r['rss'] for r in p):.0f} / {max(r['rss'] for r in d + a):.0f} | {f['rewritten']} |")
    return "\n".join(lines)


def noise_line() -> str:
    if not NOISE:
        return ""
    return (f"Other processes during the {len(NOISE)} timed runs: median {statistics.median(NOISE):.2f}, "
            f"max {max(NOISE):.2f} CPUs (of {os.cpu_count()}); "
            + ("wall times are inflated, compare the CPU columns." if max(NOISE) > 0.5 else "a quiet machine."))


def say(text: str) -> None:
    print(text, flush=True)


def parse_codes(args: argparse.Namespace) -> list[Code]:
    codes = []
    if args.base:
        codes.append(Code("base", args.base))
    if args.head:
        codes.append(Code("head", args.head))
    for spec in args.code:
        label, sep, path = spec.partition("=")
        if not sep:
            label, path = Path(spec).resolve().name, spec
        codes.append(Code(label, Path(path)))
    if not codes:
        codes.append(Code("head", HERE.parent))
    labels = [c.label for c in codes]
    if len(set(labels)) != len(labels) or not all(lbl.replace("-", "").replace("_", "").isalnum() for lbl in labels):
        raise SystemExit(f"checkout labels must be distinct words: {labels}")
    return codes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, help="the reference checkout (label 'base'); first in every round")
    ap.add_argument("--head", type=Path, help="the checkout under test (label 'head')")
    ap.add_argument("--code", action="append", default=[], metavar="[LABEL=]DIR",
                    help="another checkout (repeatable); default: this one, as 'head'")
    ap.add_argument("--sizes", default="10000", help="post counts for the cold A/B and the warm cases ('' for none)")
    ap.add_argument("--runs", type=int, default=3, help="rounds per case at --sizes (median reported)")
    ap.add_argument("--digest-sizes", default="100000", help="post counts for the warm cases only ('' for none)")
    ap.add_argument("--digest-runs", type=int, default=3)
    ap.add_argument("--digest-code", help="label of the checkout measured at --digest-sizes (default: the last)")
    ap.add_argument("--digest-feeds", choices=("full", "default"), default="full",
                    help="config at --digest-sizes: every feed on, or the 20-item config.yaml")
    ap.add_argument("--no-warm", action="store_true", help="at --sizes, the cold A/B only")
    ap.add_argument("--work", type=Path, default=HERE / "corpus", help="where the corpora live")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--idle-wait", type=float, default=10.0,
                    help="before each timed run, wait up to this many seconds for other processes to go quiet")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    global IDLE_WAIT
    IDLE_WAIT = args.idle_wait
    codes = parse_codes(args)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    digest_sizes = [int(s.replace("_", "")) for s in args.digest_sizes.split(",") if s.strip()]
    digest_code = next((c for c in codes if c.label == args.digest_code), None) if args.digest_code else codes[-1]
    if digest_code is None:
        raise SystemExit(f"--digest-code {args.digest_code}: no such checkout label")

    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    say(machine())
    say("checkouts: " + ", ".join(f"{c.label} = {c.root} ({c.commit})" for c in codes))
    for code in codes:
        compile_bytecode(code.root / "feeder")
    tables, record = [], {"when": started, "codes": {c.label: [str(c.root), c.commit] for c in codes}}
    warm_rows = []
    for n in sizes:
        site = make_site(args.work, n, args.seed)
        cold = cold_ab(site, codes, args.runs)
        tables.append(cold_table(n, cold, codes))
        record[f"cold_{n}"] = cold
        if not args.no_warm:
            found = warm(site, codes, args.runs)
            warm_rows += [(n, "full", c, found[c.label]) for c in codes]
            record[f"warm_{n}"] = found
    for n in digest_sizes:
        site = make_site(args.work, n, args.seed)
        found = warm(site, [digest_code], args.digest_runs, args.digest_feeds)
        warm_rows.append((n, args.digest_feeds, digest_code, found[digest_code.label]))
        record[f"warm_{n}_{args.digest_feeds}"] = found
    if warm_rows:
        tables.append(warm_table(warm_rows))
    tables.append(noise_line())

    report = "\n\n".join(t for t in tables if t)
    say("\n" + report)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "full-results.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    command = "python3 bench/full_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    (args.results / "full-latest.md").write_text(
        f"# feeder with every feed on: cold A/B and warm digest\n\n{machine()}\nStarted {started}; "
        f"checkouts: " + ", ".join(f"{c.label} = {c.root} ({c.commit})" for c in codes)
        + f"\n\n{report}\n\nReproduce: `{command}` (see the docstring of bench/full_bench.py).\n")
    say(f"\nwritten: {args.results / 'full-latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
