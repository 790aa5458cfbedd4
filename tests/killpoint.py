"""Run the feeder CLI and SIGKILL it at one step of its file and network I/O: a crash exactly there.

    python tests/killpoint.py STEP feeder-arguments...

A step is a call to one of the functions below that make a write durable or
visible (``os.replace``, ``os.fsync``, ``os.pwrite``, ``socket.sendall``, …), in
the feeder process itself (not in worker processes).  STEP is:

* ``N``: the process kills itself with SIGKILL just before its N-th step;
* ``FUNCTION``: just before its first call of that function (``sendall``: a
  request goes out);
* ``replace:NAME``: just before renaming a temporary file over NAME (between
  writing a file and publishing it);
* ``count``: nothing is killed; the number of steps is written to stderr as
  ``killpoint steps: N`` when the process exits.

Killing before a step is the same as killing after the one before it, so
every gap between two steps can be reached.  Used by tests/test_crashes.py
and bench/crash_loop.py.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEPS: list[tuple[Any, str]] = [(os, name) for name in (
    "write", "pwrite", "fsync", "fdatasync", "replace", "rename", "unlink", "ftruncate", "posix_fallocate", "rmdir",
)] + [(socket.socket, "sendall")]


def arm(step: str) -> None:
    main = os.getpid()
    count = 0
    limit = int(step) if step.isdigit() else 0
    function, _, target = step.partition(":")

    def wrap(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def stepped(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            if os.getpid() == main:
                count += 1
                if count == limit or (name == function and (not target or Path(args[1]).name == target)):
                    os.kill(main, signal.SIGKILL)
            return call(*args, **kwargs)

        return stepped

    for owner, name in STEPS:
        setattr(owner, name, wrap(name, getattr(owner, name)))
    if step == "count":
        atexit.register(lambda: os.getpid() == main and sys.stderr.write(f"killpoint steps: {count}\n"))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    arm(sys.argv[1])
    from feeder.cli import main as feeder

    sys.argv = ["feeder", *sys.argv[2:]]
    feeder()
