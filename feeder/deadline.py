"""A time limit for one piece of CPU-bound work, so that one pathological post cannot stall a run.

Python-Markdown is quadratic on some inputs: a post of 20,000 ``[`` takes about
40 s to render, and publish holds its lock all that time, so the cron runs
behind it wait and fail.  Real posts render in milliseconds.  The limit is a
``SIGALRM`` timer, which only the main thread receives: elsewhere (the preview
server's threads) the work runs without one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from feeder.errors import Expired

__all__ = ["Expired", "deadline"]  # Expired lives in feeder.errors with every other exception


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Expired` inside the block if it runs longer than *seconds*."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    running = True

    def expire(_signum: int, _frame: object) -> None:
        if running:  # the timer may fire just as the block ends: then it is too late to stop it
            raise Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        running = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
