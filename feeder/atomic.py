"""Durable files: atomic replacement and an inter-process lock.

A reader (a web server, rsync, a feed reader) must never see half a file, and
a crash must leave the previous version in place: write a temporary file in the
same folder, fsync it, rename it over the target, fsync the folder.  Overlapping
cron runs take an exclusive ``flock`` first; the kernel drops it if we die.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from feeder.errors import LockedError

log = logging.getLogger(__name__)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace *path* with *data* so that readers see the old bytes or the new, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write only when the bytes differ, so web servers and rsync see no churn.  True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    return True


def fsync_dir(folder: Path) -> None:
    """Make a file's creation or rename in *folder* durable (the file's own fsync does not)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path: Path, wait: float, what: str) -> Iterator[None]:
    """Hold an exclusive lock on *path*, waiting up to *wait* seconds for another run to finish."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockedError(f"{path}: another feeder {what} is still running after {wait:g}s; "
                                      "try again later, or raise --wait") from None
                log.debug("waiting for %s", path)
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
