"""The time limit on rendering: it stops runaway work, and leaves everything else as it was."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from feeder.deadline import deadline
from feeder.errors import Expired


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_work_past_the_limit_is_stopped() -> None:
    started = time.perf_counter()
    with pytest.raises(Expired):
        with deadline(0.05):
            spin(5)
    assert time.perf_counter() - started < 1


def test_work_within_the_limit_is_untouched_and_the_timer_and_handler_are_restored() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with deadline(1.0):
        spin(0.01)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_outside_the_main_thread_there_is_no_limit() -> None:
    outcome: list[str] = []

    def work() -> None:
        with deadline(0.01):
            spin(0.1)
        outcome.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["finished"]
