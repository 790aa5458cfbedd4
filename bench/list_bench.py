"""Measure the subscriber list: importing 100,000 addresses, and ``feeder send`` to subscribers from the store.

    python3 bench/list_bench.py [--import-size 100000] [--send-sizes 1000,10000] [--work DIR]

Import: a recipients file (``Reader N <readerN@example.com>`` a line) and the CSV that
``feeder subscribers export`` writes of it, each imported into an empty store by

    feeder subscribers import FILE --config DIR/config.yaml -q

as a subprocess, as a user would run it: wall time from spawn to exit (interpreter start,
reading and checking every line, one SQLite transaction), peak RSS (``ru_maxrss``), and the
count in the store afterwards.  The export is timed too.

Send: for each size N, a copy of the sample site whose store holds N active subscribers
(imported first, not timed), no ``digest.recipients``, and ``serve.public_url`` set, so every
message carries its own signed unsubscribe link (``FEEDER_SECRET_KEY`` is set for the run).
``feeder send`` goes to an aiosmtpd sink in another process (bench/send_bench.py's server and
figures: msg/s over the send loop, peak RSS, RSS at 25/50/75/100 % of the run) and the bench
checks that every subscriber got exactly one message and that the ledger lists all N.  With
``--file`` the same N go through ``digest.recipients`` instead (imported by the send itself),
for comparison with bench/send_bench.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from send_bench import NOW, SERVER, WEEK, free_port, ledger_entries, run_sampled

REPO = Path(__file__).resolve().parent.parent
KEY = "bench-secret-key-" + "x" * 32


def feeder_command() -> list[str]:
    return [sys.executable, "-m", "feeder.cli"]


def make_site(root: Path, port: int, recipients: bool) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(REPO / "posts", root / "posts")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", root / "templates")
    raw = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 30, "retries": 3,
                   "max_consecutive_failures": 10, "rate_limit": 0}
    raw["serve"] = {"public_url": "https://allforces.example.com/list/"}
    if recipients:
        raw["digest"]["recipients"] = "recipients.txt"
    else:
        raw["digest"].pop("recipients", None)
    (root / "config.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root / "config.yaml"


def write_list(path: Path, n: int) -> None:
    path.write_text("".join(f"Reader {i} <reader{i:06d}@example.com>\n" for i in range(n)), encoding="utf-8")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MiB, exit code) of one subprocess (its stderr is shown if it fails)."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        said = err.read()
    if code:
        print(said, file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def count_active(config: Path, env: dict[str, str]) -> int:
    out = subprocess.run([*feeder_command(), "subscribers", "list", "--count", "--config", str(config)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return int(dict(line.split("\t") for line in out.splitlines())["active"])


def bench_import(n: int, work: Path, env: dict[str, str]) -> list[str]:
    listing = work / "import-list.txt"
    write_list(listing, n)
    site = make_site(work / "import-txt", 25, recipients=False)
    again = make_site(work / "import-csv", 25, recipients=False)
    exported = work / "export.csv"
    steps = [
        (f"import {n:,} (recipients file)", ["import", str(listing)], site),
        (f"export {n:,} (CSV)", ["export", "--out", str(exported)], site),
        (f"import {n:,} (that CSV)", ["import", str(exported)], again),
        (f"import {n:,} again (all kept)", ["import", str(listing)], site),
    ]
    rows = []
    for label, args, config in steps:
        wall, cpu, peak, code = timed([*feeder_command(), "subscribers", *args, "--config", str(config), "-q"], env)
        rows.append(f"| {label} | {code} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {count_active(config, env):,} |")
    return rows


def bench_send(n: int, work: Path, env: dict[str, str], from_file: bool) -> dict:
    port = free_port()
    config = make_site(work / f"send{n}{'-file' if from_file else ''}", port, recipients=from_file)
    listing = config.parent / ("recipients.txt" if from_file else "list.txt")
    write_list(listing, n)
    if not from_file:
        subprocess.run([*feeder_command(), "subscribers", "import", str(listing), "--config", str(config), "-q"],
                       env=env, check=True)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    cmd = [*feeder_command(), "send", "--config", str(config), "--week", WEEK, "--now", NOW, "-q"]
    code, usage, wall, quarters = run_sampled(cmd, env)
    out, _ = server.communicate("")
    counts = out.splitlines()[0]
    got, first, last, dupes, distinct = counts.split()
    span = float(last) - float(first)
    return {"n": n, "exit": code, "wall": wall, "rate": (int(got) - 1) / span if span > 0 else 0.0,
            "peak": usage.ru_maxrss / 1024, "quarters": quarters, "received": int(got), "distinct": int(distinct),
            "dupes": int(dupes), "ledger": ledger_entries(config)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--import-size", type=int, default=100_000)
    parser.add_argument("--send-sizes", default="1000,10000")
    parser.add_argument("--file", action="store_true", help="Also send through digest.recipients, for comparison.")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="feeder-list-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "FEEDER_SECRET_KEY": KEY}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; work {work}")
    ok = True
    if args.import_size:
        print("\n| step | exit | wall s | CPU s | peak RSS MiB | active after |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in bench_import(args.import_size, work, env):
            print(row, flush=True)
    sizes = [int(s) for s in args.send_sizes.split(",") if s]
    if sizes:
        print("\n| subscribers | from | exit | wall s | msg/s (send loop) | peak RSS MiB | RSS 25/50/75/100 % MiB |"
              " received | duplicates | ledger |")
        print("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|")
        for n in sizes:
            for from_file in (False, True) if args.file else (False,):
                r = bench_send(n, work, env, from_file)
                good = r["exit"] == 0 and r["received"] == r["distinct"] == r["ledger"] == n and not r["dupes"]
                ok &= good
                print(f"| {n:,} | {'recipients.txt' if from_file else 'store'} | {r['exit']} | {r['wall']:.2f} | "
                      f"{r['rate']:.0f} | {r['peak']:.1f} | " + " / ".join(f"{m:.1f}" for m in r["quarters"])
                      + f" | {r['received']} | {r['dupes']} | {r['ledger']} |" + ("" if good else " **MISMATCH**"),
                      flush=True)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
