"""Measure ``feeder send`` to a long list on a local SMTP server: messages per second and memory.

    python3 bench/send_bench.py [--sizes 1000,10000] [--work DIR] [--dkim]

For each size N it copies the bundled sample site to DIR/sendN, writes a recipients
file of N distinct addresses, starts an aiosmtpd server on 127.0.0.1 (a free port) in a
separate process (so it does not share the sender's GIL), and runs

    feeder send --config DIR/sendN/config.yaml --week 2025-W50 --now 2025-12-22T00:00:00Z -q

as a subprocess, exactly as cron would.  It reports:

* wall: spawn to exit of the whole command (imports, building the issue, every message);
* msg/s: N over the span from the server's first to its last accepted message (the
  sending loop itself: per message build, SMTP round trips, the fsynced ledger append);
* peak RSS: ``ru_maxrss`` of the feeder process from ``os.wait4``, plus its resident
  size sampled from /proc every 50 ms at 25/50/75/100 % of the run, to show that memory
  does not grow with the list.

Then it checks that the server got every address exactly once and that the ledger
lists all N.  The server keeps only a count and timestamps, never the messages.

With ``--dkim`` each size is run twice, without and with ``smtp.dkim`` (a fresh 2048-bit
RSA key), alternating, and the cost of one signature is timed alone first: DKIM signing
(dkimpy's canonicalization, OpenSSL's RSA) runs where the messages are built, on the
worker processes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
WEEK, NOW = "2025-W50", "2025-12-22T00:00:00Z"

SERVER = textwrap.dedent("""
    import resource, sys, time
    from aiosmtpd.controller import Controller

    class Count:
        n = 0
        first = last = 0.0
        seen = set()
        dupes = 0

        async def handle_DATA(self, server, session, envelope):
            now = time.monotonic()
            if not self.n:
                self.first = now
            self.last = now
            self.n += 1
            if self.n % 1000 == 0:
                marks.append(now)
            for r in envelope.rcpt_tos:
                self.dupes += r in self.seen
                self.seen.add(r)
            return "250 OK"

    marks = []
    handler = Count()
    c = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
    c.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the bench closes our stdin
    c.stop()
    print(handler.n, handler.first, handler.last, handler.dupes, len(handler.seen), flush=True)
    print(" ".join(f"{1000 / (b - a):.0f}" for a, b in zip([handler.first] + marks, marks)), flush=True)
    u = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{u.ru_utime + u.ru_stime:.2f}", flush=True)
""")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_key(folder: Path) -> Path:
    """A 2048-bit RSA private key (PKCS#1 PEM), as `openssl genrsa 2048` writes one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "dkim.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return path


def sign_cost(work: Path, count: int = 200) -> tuple[float, float]:
    """(ms to build one message's wire bytes, ms to DKIM-sign them), each the mean of *count*, in-process."""
    sys.path.insert(0, str(REPO))
    from feeder.config import Dkim, load_config
    from feeder.dates import parse_now
    from feeder.digest.issue import build_issue
    from feeder.digest.message import build_message
    from feeder.mail.dkim import Signer
    from feeder.mail.outbox import wire_bytes

    config_path = make_site(work / "sign", 1, free_port())
    key_file = make_key(config_path.parent)
    config = load_config(config_path)
    issue = build_issue(config, parse_now(NOW), WEEK)
    now = parse_now(NOW)
    signer = Signer(Dkim("example.com", "bench", key_file, key_file.read_bytes()), now)
    start = time.perf_counter()
    built = [wire_bytes(build_message(config, issue, f"reader{i}@example.com", now=now)) for i in range(count)]
    middle = time.perf_counter()
    for data in built:
        signer.sign(data)
    end = time.perf_counter()
    return (middle - start) * 1000 / count, (end - middle) * 1000 / count


def make_site(root: Path, n: int, port: int, dkim: bool = False) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(REPO / "posts", root / "posts")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", root / "templates")
    raw = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 30, "retries": 3,
                   "max_consecutive_failures": 10, "rate_limit": 0}
    raw["digest"]["recipients"] = "recipients.txt"
    if dkim:
        raw["smtp"]["dkim"] = {"domain": "allforces.example.com", "selector": "bench",
                               "private_key_file": str(make_key(root))}
    (root / "config.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "recipients.txt").write_text("".join(f"Reader {i} <reader{i:06d}@example.com>\n" for i in range(n)))
    return root / "config.yaml"


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_sampled(cmd: list[str], env: dict[str, str] | None = None
                ) -> tuple[int, resource.struct_rusage, float, list[float]]:
    """Run *cmd*, sampling its RSS every 50 ms: its exit code, rusage and wall seconds, and its largest RSS
    (MiB) by a quarter, half, three quarters and the end of the run (flat memory is what a send must show)."""
    samples: list[tuple[float, int]] = []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)

    def sample() -> None:
        while proc.returncode is None:
            kib = rss_kib(proc.pid)
            if kib is None:
                return
            samples.append((time.perf_counter() - start, kib))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.join()
    quarters = [max((kib for t, kib in samples if t <= wall * q), default=0) / 1024 for q in (0.25, 0.5, 0.75, 1.0)]
    return proc.returncode, usage, wall, quarters


def ledger_entries(config: Path) -> int:
    """How many recipients the send ledger of WEEK, beside *config*, records as sent."""
    ledger = config.parent / ".feeder" / "sent" / f"{WEEK}.log"
    return sum(1 for line in ledger.read_text().splitlines() if line.startswith("sent\t"))


def run(n: int, work: Path, dkim: bool = False) -> dict:
    port = free_port()
    config = make_site(work / f"send{n}{'-dkim' if dkim else ''}", n, port, dkim)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    feeder = Path(sys.executable).with_name("feeder")
    cmd = [str(feeder) if feeder.exists() else "feeder", "send", "--config", str(config), "--week", WEEK,
           "--now", NOW, "-q"]
    code, usage, wall, quarters = run_sampled(cmd)
    out, _ = server.communicate("")
    counts, per_thousand, server_cpu = [*out.splitlines(), "", ""][:3]
    got, first, last, dupes, distinct = counts.split()
    got, dupes, distinct = int(got), int(dupes), int(distinct)
    span = float(last) - float(first)
    return {"n": n, "exit": code, "wall": wall, "rate": (got - 1) / span if span > 0 else float("nan"),
            "peak_mib": usage.ru_maxrss / 1024, "rss_mib": quarters, "received": got,
            "distinct": distinct, "dupes": dupes, "ledger": ledger_entries(config), "per_thousand": per_thousand,
            "cpu": usage.ru_utime + usage.ru_stime, "server_cpu": server_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--dkim", action="store_true", help="each size without and with DKIM signing")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="feeder-send-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; work folder {work}")
    if args.dkim:
        build_ms, sign_ms = sign_cost(work)
        print(f"one message, in-process, mean of 200: built in {build_ms:.2f} ms, DKIM-signed in {sign_ms:.2f} ms "
              "(2048-bit RSA)\n")
    print(("| recipients | DKIM " if args.dkim else "| recipients ")
          + "| exit | wall s | msg/s (send loop) | peak RSS MiB | RSS at 25/50/75/100 % MiB | received | duplicates "
          "| ledger |")
    print("|---:" + ("|---" if args.dkim else "") + "|---:|---:|---:|---:|---|---:|---:|---:|")
    ok = True
    notes: list[str] = []
    for n, dkim in ((int(s), d) for s in args.sizes.split(",") for d in ((False, True) if args.dkim else (False,))):
        r = run(n, work, dkim)
        good = r["exit"] == 0 and r["received"] == r["distinct"] == r["ledger"] == n and r["dupes"] == 0
        ok &= good
        print(f"| {n} " + (f"| {'yes' if dkim else 'no'} " if args.dkim else "")
              + f"| {r['exit']} | {r['wall']:.2f} | {r['rate']:.0f} | {r['peak_mib']:.1f} | "
              + " / ".join(f"{m:.1f}" for m in r["rss_mib"])
              + f" | {r['received']} | {r['dupes']} | {r['ledger']} |" + ("" if good else " **MISMATCH**"))
        notes.append(f"N={n}{' DKIM' if dkim else ''}: msg/s per 1000 messages: {r['per_thousand']}; "
                     f"CPU s: feeder {r['cpu']:.2f} "
                     f"(with its workers), SMTP server {r['server_cpu']}")
    print()
    print("\n".join(notes))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
