"""Measure ``feeder publish`` against the targets of issue 3 and print a Markdown table.

    python3 bench/publish_bench.py [--sizes 1000,10000,100000] [--runs 5] [--work DIR] [--seed S]

For each size N it generates (or reuses) ``DIR/nN`` with bench/corpus.py, then times
``feeder publish --config DIR/nN/config.yaml --now 2026-01-01T00:00:00Z -q`` run as a
subprocess, the median of --runs runs per case:

cold
    ``.feeder/`` and ``public/`` deleted before every run.
warm
    nothing changed, after one untimed priming run; also checks that no output file
    was rewritten (mtime) -- "if nothing changed, write nothing".
one edited
    before each run a sentence is appended to one post: --runs runs editing one of the
    newest 20 (it reaches the feed) and --runs runs editing an old one, alternating.
    Both medians are printed; the table shows the worse.  Afterwards the outputs are
    compared byte for byte with a cold publish of the same posts (OK / MISMATCH).
one added
    before each run a new post dated 2025-12-31 (newer than every corpus post) is
    added; verified against a cold publish the same way.
floor
    a separate interpreter runs ``frontmatter.load(path)`` (python-frontmatter, which
    uses PyYAML's C loader when ``yaml.__with_libyaml__``) on every post file.  Only the
    loop is timed -- interpreter start, imports and listing the folder are *not*
    included, while the feeder times include all of that, so cold/floor is strict.
    Floor and cold runs alternate, so both see the same machine state.

Wall time is ``time.perf_counter()`` around spawn + ``os.wait4``.  Peak RSS is the
``ru_maxrss`` that ``os.wait4`` returns for the feeder process: Linux reports the
maximum over that process and every descendant it reaped (its parse-pool workers),
i.e. the largest single process of the tree, not their sum (forked workers share
pages copy-on-write, so a sum would overstate).  One extra untimed cold run and one
warm run per size poll /proc every 10 ms to tell the parent's peak (VmHWM) from the
workers' and count the workers; those figures are printed below the table.

The OS file cache is warmed by one untimed floor run before anything is timed (the
issue's targets assume a warm cache).  The feeder console script next to
``sys.executable`` is run directly (not through a pyenv shim, which would add ~50 ms
of bash).  Results go to stdout and to bench/results/latest.md; results.json there
keeps the last row for every N so runs of different sizes combine into one table.
bench/corpus/ and bench/results/ are git-ignored.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

NOW = "2026-01-01T00:00:00Z"

# Issue 3 targets: (N, column) -> (limit, unit/kind)
TARGETS = {
    (10_000, "cold"): 1.0, (10_000, "ratio"): 1.0, (10_000, "warm"): 0.25,
    (10_000, "edited"): 0.35, (10_000, "added"): 0.35,
    (100_000, "cold"): 10.0, (100_000, "warm"): 1.5,
    (100_000, "rss_cold"): 200.0, (100_000, "rss_warm"): 200.0,
}

FLOOR = r"""
import json, os, sys, time
import frontmatter, yaml
files = []
for top, dirs, names in os.walk(sys.argv[1]):
    dirs.sort()
    files.extend(os.path.join(top, n) for n in sorted(names) if n.endswith((".md", ".markdown")))
t0 = time.perf_counter()
for path in files:
    frontmatter.load(path)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "files": len(files), "libyaml": bool(yaml.__with_libyaml__),
                  "loader": frontmatter.default_handlers.SafeLoader.__name__}))
"""


def feeder_command() -> list[str]:
    script = Path(sys.executable).with_name("feeder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "feeder.cli"]


def _busy_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def wait_idle(limit: float | None = None) -> float:
    """Wait (up to *limit* s) until the other processes use < 0.15 CPU over 0.3 s; the seconds waited.

    The machine has 2 cores and other engineers run tests and builds on it: a run
    started while they are busy measures them, not feeder.
    """
    limit = IDLE_WAIT if limit is None else limit
    t0 = time.perf_counter()
    while True:
        b0, _ = _busy_ticks()
        time.sleep(0.3)
        b1, _ = _busy_ticks()
        cpus = (b1 - b0) / os.sysconf("SC_CLK_TCK") / 0.3
        if cpus < 0.15 or time.perf_counter() - t0 > limit:
            return time.perf_counter() - t0


IDLE_WAIT = 10.0  # --idle-wait
CPU: dict[str, list[float]] = {}  # case -> CPU seconds (user + sys, feeder and its workers) per timed run
NOISE: list[float] = []  # per timed run: CPU-seconds used by other processes / wall seconds


def run(cmd: list[str], probe: bool = False) -> dict:
    """Spawn *cmd*; wall seconds, peak RSS (MB) of its tree, exit code, stdout, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0, _ = _busy_ticks()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = _Sampler(proc.pid) if probe else None
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        busy1, _ = _busy_ticks()
        own = usage.ru_utime + usage.ru_stime
        other = max(0.0, (busy1 - busy0) / os.sysconf("SC_CLK_TCK") - own)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop()
        out.seek(0)
        err.seek(0)
        result = {"wall": wall, "other_cpu": other / wall, "cpu": own, "rss": usage.ru_maxrss / 1024,
                  "rc": proc.returncode, "stdout": out.read().decode(errors="replace"),
                  "stderr": err.read().decode(errors="replace")}
    if sampler:
        result["probe"] = sampler.summary()
    return result


class _Sampler:
    """Poll /proc for the peak RSS (VmHWM) of a process and of its descendants, separately."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peaks, self.done = pid, {}, threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.done.is_set():
            tree = {self.pid}
            parents = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        stat = Path(f"/proc/{entry}/stat").read_text()
                        parents[int(entry)] = int(stat.rpartition(")")[2].split()[1])
                    except (OSError, ValueError, IndexError):
                        pass
            grew = True
            while grew:
                grew = False
                for pid, ppid in parents.items():
                    if ppid in tree and pid not in tree:
                        tree.add(pid)
                        grew = True
            for pid in tree:
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            kb = int(line.split()[1])
                            self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
                except (OSError, ValueError):
                    pass
            self.done.wait(0.01)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def summary(self) -> dict:
        workers = [kb for pid, kb in self.peaks.items() if pid != self.pid]
        return {"parent_mb": self.peaks.get(self.pid, 0) / 1024, "workers": len(workers),
                "worker_max_mb": max(workers, default=0) / 1024}


def publish(site: Path, probe: bool = False, timed: bool = True) -> dict:
    if timed:
        waited = wait_idle()
        if waited > 1:
            say(f"    (waited {waited:.0f} s for the machine to go idle)")
    result = run([*feeder_command(), "publish", "--config", str(site / "config.yaml"), "--now", NOW, "-q"],
                 probe=probe)
    if result["rc"] not in (0,):
        raise SystemExit(f"feeder publish failed (exit {result['rc']}) on {site}:\n{result['stderr']}")
    if timed and not probe:
        NOISE.append(result["other_cpu"])
    return result


def floor(site: Path) -> dict:
    wait_idle()
    result = run([sys.executable, "-c", FLOOR, str(site / "posts")])
    if result["rc"] != 0:
        raise SystemExit(f"floor script failed:\n{result['stderr']}")
    return json.loads(result["stdout"])


def clear_state(site: Path) -> None:
    for sub in (".feeder", "public"):
        shutil.rmtree(site / sub, ignore_errors=True)


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def verify_against_cold(site: Path) -> str:
    """Compare public/ as the incremental runs left it with a cold publish of the same posts."""
    incremental = {k: v[1] for k, v in snapshot(site / "public").items()}
    clear_state(site)
    publish(site, timed=False)
    cold = {k: v[1] for k, v in snapshot(site / "public").items()}
    if incremental == cold:
        return "OK"
    differ = sorted(k for k in set(incremental) | set(cold) if incremental.get(k) != cold.get(k))
    return "MISMATCH " + ", ".join(differ)


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_size(work: Path, n: int, runs: int, seed: int) -> dict:
    site = work / f"n{n}"
    NOISE.clear()
    CPU.clear()
    site.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    stamp, reused = corpus.ensure(site, n, seed)
    say(f"N={n}: corpus {'reused' if reused else 'generated'} in {time.perf_counter() - t0:.1f} s at {site}")

    first = floor(site)  # untimed: warms the OS file cache
    say(f"  floor warm-up: {first['files']} files, libyaml={first['libyaml']} ({first['loader']}), "
        f"{first['seconds']:.3f} s")
    if first["files"] != n:
        raise SystemExit(f"expected {n} post files, found {first['files']}")

    floors, colds, cold_rss = [], [], []
    for _ in range(runs):
        floors.append(floor(site)["seconds"])
        clear_state(site)
        r = publish(site)
        CPU.setdefault("cold", []).append(r["cpu"])
        colds.append(r["wall"])
        cold_rss.append(r["rss"])
    clear_state(site)
    cold_probe = publish(site, probe=True, timed=False)["probe"]
    say(f"  floor  {fmt_runs(floors)}\n  cold   {fmt_runs(colds)}  peak RSS {max(cold_rss):.0f} MB")

    publish(site, timed=False)  # priming run
    before = snapshot(site / "public")
    warms, warm_rss = [], []
    for _ in range(runs):
        r = publish(site)
        CPU.setdefault("warm", []).append(r["cpu"])
        warms.append(r["wall"])
        warm_rss.append(r["rss"])
    after = snapshot(site / "public")
    rewritten = sorted(k for k in set(before) | set(after) if before.get(k, (0,))[0] != after.get(k, (0,))[0])
    warm_probe = publish(site, probe=True, timed=False)["probe"]
    say(f"  warm   {fmt_runs(warms)}  peak RSS {max(warm_rss):.0f} MB; files rewritten: {len(rewritten)}")

    # From here on the corpus is modified: drop the stamp so an interrupted run regenerates it.
    (site / corpus.STAMP).unlink()
    posts = site / "posts"
    originals: dict[str, bytes] = {}
    added: list[Path] = []
    try:
        edited = {"new": [], "old": []}
        targets = {"new": stamp["newest"][0], "old": stamp["oldest"][0]}
        for i in range(2 * runs):
            kind = "new" if i % 2 == 0 else "old"
            rel = targets[kind]
            path = posts / rel
            originals.setdefault(rel, path.read_bytes())
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"\n追記 {i + 1}: この記事はベンチマークのために編集されました (edit {i + 1}).\n")
            edited[kind].append(publish(site)["wall"])
        edited_check = verify_against_cold(site)
        say(f"  edited newest-20 {fmt_runs(edited['new'])}\n  edited old       {fmt_runs(edited['old'])}"
            f"\n  edited vs cold: {edited_check}")

        publish(site, timed=False)  # re-prime after the cold verification run
        adds = []
        for i in range(runs):
            when = datetime(2025, 12, 31, 12, i, tzinfo=timezone.utc)
            path = posts / f"{when:%Y-%m-%d}-bench-added-{i + 1}.md"
            added.append(path)
            rng = random.Random(i)
            path.write_text(
                "---\nlayout: post\n"
                f"title: \"ベンチマークで追加した記事 {i + 1}\"\n"
                f"date: {when:%Y-%m-%d %H:%M:%S} +0000\n"
                "categories: [\"ニュース\"]\ntags: [\"AI\", \"Bench\"]\nauthor: \"ALLFORCES編集部\"\n"
                f"excerpt: \"**追加記事 {i + 1}**の概要です。\"\n---\n\n"
                + corpus.body(rng, "生成AI", f"bench-added-{i + 1}"), encoding="utf-8")
            adds.append(publish(site)["wall"])
        added_check = verify_against_cold(site)
        say(f"  added  {fmt_runs(adds)}\n  added vs cold: {added_check}")
    finally:
        for rel, data in originals.items():
            (posts / rel).write_bytes(data)
        for path in added:
            path.unlink(missing_ok=True)
        (site / corpus.STAMP).write_text(json.dumps(stamp, ensure_ascii=False, indent=1))

    cold, fl = median(colds), median(floors)
    return {
        "n": n, "runs": runs, "seed": seed, "cold": cold, "floor": fl, "ratio": cold / fl,
        "warm": median(warms), "edited_new": median(edited["new"]), "edited_old": median(edited["old"]),
        "edited": max(median(edited["new"]), median(edited["old"])), "edited_check": edited_check,
        "added": median(adds), "added_check": added_check,
        "rss_cold": max(cold_rss), "rss_warm": max(warm_rss), "warm_rewrites": len(rewritten),
        "cpu_cold": median(CPU["cold"]), "cpu_warm": median(CPU["warm"]),
        "noise_median": median(NOISE), "noise_max": max(NOISE),
        "cold_probe": cold_probe, "warm_probe": warm_probe, "libyaml": first["libyaml"],
        "all": {"floor": floors, "cold": colds, "warm": warms, "edited_new": edited["new"],
                "edited_old": edited["old"], "added": adds},
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
    }


def fmt_runs(values: list[float]) -> str:
    return f"median {median(values):.3f} s  (runs: {', '.join(f'{v:.3f}' for v in values)})"


def cell(row: dict, key: str, digits: int = 2) -> str:
    value = row[key]
    text = f"{value:.{digits}f}"
    limit = TARGETS.get((row["n"], key))
    if key in ("edited", "added"):
        check = row[f"{key}_check"]
        ok = check == "OK"
        text += "" if ok else " MISMATCH"
        if limit is None:
            return text
        return f"{text} {'✓' if value <= limit and ok else '✗'} (≤ {limit})"
    if limit is None:
        return text
    return f"{text} {'✓' if value <= limit else '✗'} (≤ {limit:g})"


def table(rows: list[dict]) -> str:
    head = ("| N | runs | cold s | floor s | cold/floor | warm s | one edited s | one added s "
            "| peak RSS MB (cold) | peak RSS MB (warm) |\n|" + " --- |" * 10)
    lines = [head]
    for r in sorted(rows, key=lambda r: r["n"]):
        lines.append(f"| {r['n']:,} | {r['runs']} | {cell(r, 'cold', 3)} | {r['floor']:.3f} | {cell(r, 'ratio')} "
                     f"| {cell(r, 'warm', 3)} | {cell(r, 'edited', 3)} | {cell(r, 'added', 3)} "
                     f"| {cell(r, 'rss_cold', 0)} | {cell(r, 'rss_warm', 0)} |")
    for r in rows:
        if r.get("noise_max", 0) > 0.5:
            lines.append(f"\nN={r['n']:,}: other processes used up to {r['noise_max']:.2f} CPUs during timed runs; "
                         "those times are inflated.")
    return "\n".join(lines)


def details(rows: list[dict]) -> str:
    out = []
    for r in sorted(rows, key=lambda r: r["n"]):
        cp, wp = r["cold_probe"], r["warm_probe"]
        out.append(
            f"- N={r['n']:,} ({r['when']}, feeder {r['commit']}): one edited = worse of newest-20 "
            f"{r['edited_new']:.3f} s / old {r['edited_old']:.3f} s; edited vs cold {r['edited_check']}, "
            f"added vs cold {r['added_check']}; warm runs rewrote {r['warm_rewrites']} output files; "
            f"cold: parent peak {cp['parent_mb']:.0f} MB, {cp['workers']} worker processes (max "
            f"{cp['worker_max_mb']:.0f} MB each); warm: parent {wp['parent_mb']:.0f} MB, {wp['workers']} workers; "
            f"fastest run (least disturbed): cold {min(r['all']['cold']):.3f} s, warm {min(r['all']['warm']):.3f} s, "
            f"edited {max(min(r['all']['edited_new']), min(r['all']['edited_old'])):.3f} s, "
            f"added {min(r['all']['added']):.3f} s, floor {min(r['all']['floor']):.3f} s; "
            f"CPU time (user+sys, all feeder processes) cold {r.get('cpu_cold', 0):.2f} s, "
            f"warm {r.get('cpu_warm', 0):.2f} s; "
            f"other processes' CPU during timed feeder runs: median {r.get('noise_median', 0):.2f}, "
            f"max {r.get('noise_max', 0):.2f} CPUs.")
    return "\n".join(out)


def compile_bytecode(package: Path) -> None:
    """Compile *package*'s bytecode, as ``pip install`` does: with PYTHONDONTWRITEBYTECODE set (as on some
    CI machines) every timed run would otherwise compile each module it imports (0.2 s for a publish)."""
    import compileall

    compileall.compile_dir(package, quiet=1)


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    except (OSError, StopIteration):
        mem_kb = 0
    import yaml
    return (f"Machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {model}, {mem_kb / 1024 / 1024:.1f} GB RAM, "
            f"Python {platform.python_version()} on {platform.system()} {platform.release()}, "
            f"PyYAML {yaml.__version__} with libyaml={yaml.__with_libyaml__}.")


def git_commit() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--", "feeder"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+uncommitted feeder/ changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


LEGEND = (
    "Times are medians of the runs, in seconds, of `feeder publish --now 2026-01-01T00:00:00Z -q` as a "
    "subprocess (interpreter start included). floor = `frontmatter.load()` of every post in another "
    "interpreter, loop only (start-up and imports excluded). one edited = the worse of editing one of the "
    "newest 20 posts and one old post. Peak RSS = ru_maxrss from wait4: the largest single process of the "
    "feeder tree (parent or a parse worker), max over the runs. ✓/✗ = issue 3 target (≤ limit); edited/added "
    "also require the outputs to equal a cold publish byte for byte.")


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated post counts")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per case (median reported)")
    ap.add_argument("--work", type=Path, default=HERE / "corpus", help="where the corpora live")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--idle-wait", type=float, default=10.0,
                    help="before each timed run, wait up to this many seconds for other processes to go quiet")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    global IDLE_WAIT
    IDLE_WAIT = args.idle_wait
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    say(machine())
    say(f"feeder: {' '.join(feeder_command())} (commit {git_commit()})")
    compile_bytecode(Path(__file__).resolve().parents[1] / "feeder")
    rows = [bench_size(args.work, n, args.runs, args.seed) for n in sizes]

    args.results.mkdir(parents=True, exist_ok=True)
    store = args.results / "results.json"
    try:
        saved = json.loads(store.read_text())
    except (OSError, ValueError):
        saved = {}
    saved.update({str(r["n"]): r for r in rows})
    store.write_text(json.dumps(saved, indent=1, ensure_ascii=False))

    now_rows = table(rows)
    say("\n" + now_rows + "\n\n" + details(rows) + "\n\n" + LEGEND)
    report = ("# feeder publish benchmark\n\n" + machine() + "\n\n" + table(list(saved.values())) + "\n\n"
              + details(list(saved.values())) + "\n\n" + LEGEND + "\n\nReproduce: `python3 bench/publish_bench.py "
              "--sizes 1000,10000,100000 --runs 5` (see the docstring of bench/publish_bench.py).\n")
    (args.results / "latest.md").write_text(report)
    say(f"\nwritten: {args.results / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
