"""The worker pool: results in order from other processes, bounded, and no worker outlives its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from feeder.pool import WorkerPool, run_ordered


def test_results_come_in_task_order_from_forked_workers() -> None:
    parent = os.getpid()
    results = list(run_ordered(2, lambda n: (n * n, os.getpid()), list(range(200)), parallel_from=10, window=8))
    assert [square for square, _ in results] == [n * n for n in range(200)]
    assert {pid for _, pid in results} - {parent}, "no task ran in a worker"
    assert parent not in {pid for _, pid in results}


def test_short_lists_stay_in_this_process() -> None:
    results = list(run_ordered(2, lambda n: os.getpid(), list(range(5)), parallel_from=10, window=8))
    assert set(results) == {os.getpid()}


def test_the_task_is_inherited_not_pickled() -> None:
    """A closure over something unpicklable (a lock, an open file) still runs in the workers."""
    with open(os.devnull) as unpicklable:
        results = list(run_ordered(2, lambda n: (n, unpicklable.closed), list(range(20)), parallel_from=2, window=4))
    assert results == [(n, False) for n in range(20)]


def test_at_most_a_window_of_tasks_is_submitted_ahead() -> None:
    taken = []

    def items():
        for n in range(100):
            taken.append(n)
            yield n

    with WorkerPool(2, lambda n: n) as pool:
        results = pool.ordered(items(), window=5)
        assert next(results) == 0
        assert len(taken) <= 6  # the first window, and the one task that refilled it
    assert pool._pool is None


def test_items_go_to_the_workers_a_chunk_at_a_time_and_come_back_in_order() -> None:
    taken = []

    def items():
        for n in range(23):
            taken.append(n)
            yield n

    with WorkerPool(2, lambda n: (n, os.getpid())) as pool:
        results = pool.ordered(items(), window=8, chunk=4)
        assert next(results)[0] == 0
        assert len(taken) <= 12  # the first window (two chunks of four), and the chunk that refilled it
        rest = list(results)
    assert [n for n, _pid in rest] == list(range(1, 23))  # the last chunk is short
    pids = [pid for _n, pid in rest[3:]]
    assert all(pids[i] == pids[i - i % 4] for i in range(len(pids)))  # a chunk stays together on one worker


def test_a_pool_needs_two_workers() -> None:
    with pytest.raises(ValueError):
        WorkerPool(1, lambda n: n)


def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    """A publish or send killed mid-run leaves no worker behind waiting for work."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import os, sys, time
        from feeder.pool import WorkerPool
        pool = WorkerPool(2, lambda n: time.sleep(60))
        results = pool.ordered(range(4), window=4)
        print(" ".join(str(p.pid) for p in pool._pool._pool), flush=True)
        next(results)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert len(workers) == 2 and all(Path(f"/proc/{pid}").exists() for pid in workers)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived its parent"


def test_run_forked_returns_what_the_child_returned() -> None:
    from feeder.pool import run_forked

    assert run_forked(lambda: {"pid": os.getpid(), "data": b"x" * 1_000_000}, 30)["data"] == b"x" * 1_000_000
    assert run_forked(lambda: os.getpid(), 30) != os.getpid()


def test_a_crash_or_a_hang_in_the_child_is_a_failure_here() -> None:
    import ctypes
    import faulthandler

    from feeder.errors import ChildFailed
    from feeder.pool import run_forked

    def crash() -> None:
        faulthandler.disable()  # pytest's would print the child's stack
        ctypes.string_at(0)

    with pytest.raises(ChildFailed, match=r"crashed \(SIGSEGV\)"):
        run_forked(crash, 30)
    began = time.monotonic()
    with pytest.raises(ChildFailed, match=r"took over 0\.3 s and was stopped"):
        run_forked(lambda: time.sleep(30), 0.3)
    assert time.monotonic() - began < 5
    with pytest.raises(ChildFailed, match="failed"):
        run_forked(lambda: 1 // 0, 30)


def test_in_a_child_forked_from_a_thread_the_render_time_limit_works() -> None:
    """What the preview relies on: SIGALRM only reaches a main thread, and a forked child's one thread is one."""
    import threading

    from feeder.deadline import Expired, deadline
    from feeder.pool import run_forked

    def slow() -> str:
        try:
            with deadline(0.2):
                time.sleep(5)
        except Expired:
            return "stopped"
        return "ran on"

    outcome: list[str] = []
    thread = threading.Thread(target=lambda: outcome.append(run_forked(slow, 30)))
    thread.start()
    thread.join()
    assert outcome == ["stopped"]
