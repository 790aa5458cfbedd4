"""Measure ``feeder serve``'s one-click unsubscribe: requests per second and latency, over real HTTP.

    python3 bench/serve_bench.py [--subscribers 30000] [--connections 16] [--rate 500] [--seconds 10]

It makes a small site in a temporary folder, puts N active subscribers in its store
(one import), starts ``feeder serve --port 0`` as a subprocess exactly as a user
would (uvicorn, one process), and sends each subscriber's RFC 8058 one-click POST
once — ``Content-Type: application/x-www-form-urlencoded``, body
``List-Unsubscribe=One-Click``, no cookie — as a mailbox provider does.  Every
request is a real unsubscribe: a token check and one committed SQLite transaction
(``synchronous=FULL``: fsynced) per request, on distinct subscribers.

Two phases, each on its own subscribers:

* **closed loop** (the most it can do): ``--connections`` client threads, each on
  one keep-alive connection, send the next request as soon as the last is answered,
  for ``--seconds``.  Requests/s is answered requests over the wall time.
* **paced** (the target): requests start on a fixed schedule of ``--rate`` per
  second for ``--seconds``, spread over ``--paced-connections`` threads (64, so a
  slow answer does not hold back the next start); each latency is measured from
  the moment its request was *due*, so a server that falls behind shows it in
  the percentiles (no coordinated omission).  The p99 from the moment the request
  actually left is printed too: when the two differ, the client started late (on a
  busy machine, its threads waited for a CPU), not the server.

The client runs in this process, on the same 2 cores as the server: the figures
include that cost and are therefore a floor.  On a machine shared with other work,
``--nice -10`` (root) gives the client and the server the CPU first, which is what a
dedicated machine would; the load average is printed either way.  Afterwards the store is read back:
every answered request must have left its subscriber unsubscribed (no 200 without
its event), and every answer must be 200.  Also printed: the server's CPU seconds
(from /proc) and the machine's load, since the machine is shared.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's feeder, not an installed one: imported after the path is set
from feeder.config import load_config  # noqa: E402
from feeder.mail.sqlite_store import open_store  # noqa: E402
from feeder.mail.subscribers import Candidate, Status  # noqa: E402
from feeder.mail.tokens import Tokens  # noqa: E402

KEY = "bench-key-" + "k" * 32
BODY = b"List-Unsubscribe=One-Click"


def make_site(folder: Path, subscribers: int) -> tuple[Path, list[str]]:
    """A site whose store holds *subscribers* active addresses; returns its config and their unsubscribe paths."""
    config_path = folder / "config.yaml"
    config_path.write_text(textwrap.dedent("""\
        site: {title: Bench, url: "https://example.com/", language: en, timezone: UTC}
        posts_dir: posts
        digest: {from: "Bench <news@example.com>"}
        smtp: {host: 127.0.0.1, port: 9, security: none}
        serve: {public_url: "https://example.com/list/"}
        """), encoding="utf-8")
    (folder / "posts").mkdir()
    config = load_config(config_path)
    now = datetime.now(timezone.utc)
    store = open_store(config.state_dir)
    try:
        store.import_many((Candidate(f"reader{n}@example.com", line=n) for n in range(subscribers)), now=now)
        tokens = Tokens(KEY)
        paths = [f"/unsubscribe/{tokens.unsubscribe_token(s.id)}" for s in store.iterate(Status.ACTIVE)]
    finally:
        store.close()
    return config_path, paths


def start(config_path: Path) -> tuple[subprocess.Popen[str], str, int]:
    env = {**os.environ, "FEEDER_SECRET_KEY": KEY, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "feeder.cli", "serve", "--config", str(config_path), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://([\d.]+):(\d+)/", line)
    if not found:
        proc.kill()
        raise SystemExit(f"feeder serve did not start: {line}{proc.communicate()[1]}")
    return proc, found[1], int(found[2])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client(threading.Thread):
    """One keep-alive connection sending the one-click POST for each path it is handed.

    Raw bytes on a socket rather than http.client, whose header parsing costs the client
    more CPU than the server spends on a request: on 2 shared cores the client must stay light.
    """

    def __init__(self, host: str, port: int, paths: list[str], due: list[float] | None, stop_at: float) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.paths, self.due, self.stop_at = host, port, paths, due, stop_at
        self.latencies: list[float] = []
        self.service: list[float] = []  # from the request's first byte out to its answer, however late it left
        self.statuses: dict[int, int] = {}
        self.answered: list[str] = []

    def run(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        for n, path in enumerate(self.paths):
            start = time.perf_counter()
            if start >= self.stop_at:
                break
            if self.due is not None:  # paced: wait for its slot; latency counts from the slot
                if self.due[n] > start:
                    time.sleep(self.due[n] - start)
                start = self.due[n]
            sent = time.perf_counter()
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/x-www-form-"
                         f"urlencoded\r\nContent-Length: {len(BODY)}\r\n\r\n".encode() + BODY)
            while b"\r\n\r\n" not in buffer:
                buffer += _received(sock)
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?im)^content-length: *(\d+)", head)[1])  # type: ignore[index]
            while len(buffer) < length:
                buffer += _received(sock)
            buffer = buffer[length:]
            status = int(head.split(b" ", 2)[1])
            answered = time.perf_counter()
            self.latencies.append(answered - start)
            self.service.append(answered - sent)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.answered.append(path)
        sock.close()


def _received(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection")
    return data


def phase(name: str, host: str, port: int, paths: list[str], connections: int, seconds: float,
          rate: float | None, pid: int) -> tuple[list[str], dict[str, float]]:
    begin = time.perf_counter() + 0.2
    due = [begin + n / rate for n in range(len(paths))] if rate else None
    clients = [Client(host, port, paths[i::connections], due[i::connections] if due else None, begin + seconds)
               for i in range(connections)]
    cpu0, load0, own0 = cpu_seconds(pid), os.getloadavg()[0], sum(os.times()[:2])
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    wall = time.perf_counter() - begin
    cpu = cpu_seconds(pid) - cpu0
    client_cpu = sum(os.times()[:2]) - own0
    latencies = sorted(x for c in clients for x in c.latencies)
    statuses: dict[int, int] = {}
    for c in clients:
        for status, count in c.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    service = sorted(x for c in clients for x in c.service)
    n = len(latencies)
    q = statistics.quantiles(latencies, n=100) if n >= 2 else [latencies[0] * 1.0] * 99
    figures = {"requests": n, "wall_s": wall, "per_s": n / wall, "p50_ms": q[49] * 1000, "p90_ms": q[89] * 1000,
               "p99_ms": q[98] * 1000, "max_ms": latencies[-1] * 1000, "server_cpu_s": cpu,
               "cpu_ms_per_request": cpu / n * 1000, "load": max(load0, os.getloadavg()[0]),
               "p99_sent_ms": statistics.quantiles(service, n=100)[98] * 1000 if n >= 2 else service[0] * 1000}
    print(f"{name:12} {n:6d} requests in {wall:5.2f} s = {figures['per_s']:7.0f}/s   "
          f"p50 {figures['p50_ms']:5.1f} ms  p90 {figures['p90_ms']:5.1f} ms  p99 {figures['p99_ms']:5.1f} ms  "
          f"max {figures['max_ms']:6.1f} ms (p99 from sending {figures['p99_sent_ms']:5.1f} ms)   "
          f"server CPU {cpu:5.2f} s ({figures['cpu_ms_per_request']:.2f} ms/request)"
          f"   client CPU {client_cpu:5.2f} s   statuses {statuses}   load {figures['load']:.1f}")
    if set(statuses) != {200}:
        raise SystemExit(f"{name}: answers other than 200: {statuses}")
    return [p for c in clients for p in c.answered], figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=30_000)
    parser.add_argument("--connections", type=int, default=16, help="client connections in the closed loop")
    parser.add_argument("--paced-connections", type=int, default=64,
                        help="client connections in the paced phase: enough that a slow answer never delays "
                             "the next request's start (a mailbox provider sends from many connections)")
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second in the paced phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--nice", type=int, default=0,
                        help="change this process's and the server's niceness (negative needs root): on a shared "
                             "machine, -10 measures what the server does with the CPU it is given")
    args = parser.parse_args()
    if args.nice:
        os.nice(args.nice)  # inherited by the server started below
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        t0 = time.perf_counter()
        config_path, paths = make_site(Path(tmp), args.subscribers)
        print(f"{args.subscribers} active subscribers in the store ({time.perf_counter() - t0:.1f} s to import and "
              f"sign); {os.cpu_count()} cores; python {sys.version.split()[0]}; niceness {os.nice(0)}; "
              f"load {os.getloadavg()[0]:.1f}")
        proc, host, port = start(config_path)
        try:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            for _ in range(200):  # warm up: imports, templates, the first connection
                conn.request("GET", "/healthz")
                conn.getresponse().read()
            conn.close()
            paced_count = int(args.rate * args.seconds)
            closed_paths, paced_paths = paths[paced_count:], paths[:paced_count]
            done_closed, _ = phase("closed loop", host, port, closed_paths, args.connections, args.seconds, None,
                                   proc.pid)
            done_paced, paced = phase(f"paced {args.rate:.0f}/s", host, port, paced_paths, args.paced_connections,
                                      args.seconds, args.rate, proc.pid)
        finally:
            proc.terminate()
            proc.wait(15)
        store = open_store(load_config(config_path).state_dir)
        try:
            tokens = Tokens(KEY)
            missing = [p for p in done_closed + done_paced
                       if (s := store.get_by_id(tokens.check_unsubscribe(p.rsplit("/", 1)[1]))) is None
                       or s.status != Status.UNSUBSCRIBED]
            counts = store.counts()
        finally:
            store.close()
        answered = len(done_closed) + len(done_paced)
        print(f"store after: {counts.get(Status.UNSUBSCRIBED, 0)} unsubscribed for {answered} answered requests; "
              f"answered but not unsubscribed: {len(missing)}")
        if missing or counts.get(Status.UNSUBSCRIBED, 0) != answered:
            raise SystemExit("the store does not match the answers")
        verdict = "met" if paced["per_s"] >= 0.98 * args.rate and paced["p99_ms"] < 50 else "NOT met"
        print(f"target ≥ 500/s with p99 < 50 ms: {verdict} (paced phase: {paced['per_s']:.0f}/s, "
              f"p99 {paced['p99_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
