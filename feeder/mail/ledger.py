"""Who already has this week's digest: an append-only, fsynced journal per week.

Exactly-once delivery rests on this file.  Right after the SMTP server accepts
a message, one line naming the recipient is appended and fsynced, so a crash
loses at most the line being written; the next ``feeder send`` reads the
journal and sends only to those not in it.  Appending costs O(1) however long
the list is (no file is rewritten per recipient).

That line must not fail to be written once the message is out, or the next run
would mail that recipient again: so the disk space for it is allocated before
the message is sent (:meth:`Ledger.prepare`; ``posix_fallocate`` a few KB ahead,
one allocation per dozens of recipients), and a full disk stops the run there,
with a clear error and nothing sent that the journal does not name.  Every
write is looped until all its bytes are down, at the offset the journal ends at.

A crash can leave a torn last line (no newline), or the zeros of space
allocated ahead: both are ignored and cut off before the next append.  Any
other damage — an unreadable line in the middle, a foreign file — is a
:class:`LedgerError`, never a silent "nobody got it" that would mail everyone
twice.  ``--force`` appends a ``round`` line: only
the lines after the last one count, so history is kept and a forced run that
crashes resumes like any other.

The journal lives in ``state_dir`` (private), never in ``output_dir``
(published), and one lock per week keeps two sends of that week from running
at once.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from feeder.atomic import cannot_write, fsync_dir, locked, write_atomic
from feeder.errors import LedgerError, UsageError

log = logging.getLogger(__name__)

MAGIC = "feeder-ledger 1"
AHEAD = 4096  # bytes allocated ahead of the journal's end: about 60 recipients' lines per allocation
_WEEK = re.compile(r"^\d{4}-W\d{2}$")


@dataclass
class LedgerState:
    week: str
    round: int = 0  # how many --force rounds have started
    sent: set[str] = field(default_factory=set)  # recipient keys accepted in the current round
    torn: int = 0  # bytes after the last newline (a line torn by a crash, space allocated ahead): cut off


def ledger_path(state_dir: Path, week: str) -> Path:
    if not _WEEK.match(week):  # the label becomes a file name: no traversal, no surprises
        raise UsageError(f"invalid week label {week!r}; expected e.g. 2025-W50")
    return state_dir / "sent" / f"{week}.log"


def parse_ledger(data: bytes, path: Path, week: str) -> LedgerState:
    """Read a journal's bytes; the unterminated tail, if any, is a torn line and is left out."""
    state = LedgerState(week)
    end = data.rfind(b"\n") + 1
    state.torn = len(data) - end
    lines = data[:end].split(b"\n")[:-1]
    for number, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _corrupt(path, number, "not UTF-8 text") from None
        fields = line.split("\t")
        if number == 1:
            if line != f"{MAGIC}\t{week}":
                raise _corrupt(path, number, f"expected the header {MAGIC!r} for week {week}")
        elif fields[0] == "sent" and len(fields) == 3 and "@" in fields[1] and fields[1] == fields[1].lower():
            state.sent.add(fields[1])
        elif fields[0] == "round" and len(fields) == 3 and fields[1].isdigit() and int(fields[1]) == state.round + 1:
            state.round += 1
            state.sent.clear()
        else:
            raise _corrupt(path, number, f"unreadable entry {line[:80]!r}")
    return state


def _corrupt(path: Path, line: int, what: str) -> LedgerError:
    return LedgerError(f"{path}:{line}: the send ledger is damaged ({what}); nothing was sent. "
                       "Fix or move the file by hand: feeder will not guess who already has this digest")


def read_ledger(state_dir: Path, week: str) -> LedgerState:
    """The journal as it stands, without locking (for ``--dry-run`` and reports)."""
    path = ledger_path(state_dir, week)
    try:
        return parse_ledger(path.read_bytes(), path, week)
    except FileNotFoundError:
        return LedgerState(week)


class Ledger:
    """The open journal of one week; only one exists at a time, under the week's lock.

    It is written at ``_end`` (not with ``O_APPEND``): bytes after it — a line
    whose write failed, space allocated ahead — are never part of the journal,
    and the next write goes over them.
    """

    def __init__(self, path: Path, week: str) -> None:
        self.path, self.week = path, week
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            created = not path.exists()
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        try:
            with open(self._fd, "rb", closefd=False) as handle:
                data = handle.read()
            self.state = parse_ledger(data, path, week)
            self._end = self._allocated = len(data) - self.state.torn
            if self.state.torn:
                torn = len(data.rstrip(b"\0")) - self._end  # the zeros are space allocated ahead, not a line
                if torn > 0:
                    log.info("%s: ignoring a torn last line (%d bytes) left by an interrupted send", path, torn)
                os.ftruncate(self._fd, self._end)
            if not self._end:  # new, or only a torn header
                self._write(f"{MAGIC}\t{week}\n")
            if created:
                fsync_dir(path.parent)
        except BaseException as exc:
            os.close(self._fd)
            if isinstance(exc, OSError):
                raise cannot_write(path, exc) from None
            raise

    @property
    def sent(self) -> set[str]:
        return self.state.sent

    def prepare(self, key: str, message_id: str) -> None:
        """Before sending to *key*: allocate the space its line will need once the server accepts.

        A full disk is a :class:`StorageError` here, while nothing has been sent:
        the run stops with every message that went out in the journal.
        """
        self._make_room(len(_line(key, message_id)))

    def record(self, key: str, message_id: str) -> None:
        """*key* was accepted by the server: make that durable before anything else happens."""
        self._write(_line(key, message_id))
        self.state.sent.add(key)

    def start_round(self, now: datetime) -> None:
        """``--force``: from here on, everybody counts as not sent."""
        stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write(f"round\t{self.state.round + 1}\t{stamp}\n")
        self.state.round += 1
        self.state.sent.clear()

    def _make_room(self, size: int) -> None:
        """Have the file system allocate at least *size* bytes past the journal's end (fsynced)."""
        if self._end + size <= self._allocated:
            return
        for length in (max(size, AHEAD), size):  # then just this line, on a disk with less than AHEAD left
            try:
                _allocate(self._fd, self._end, length)
                os.fdatasync(self._fd)  # a file system that reports a full disk late (NFS) reports it now
            except OSError as exc:
                if length != size and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    continue
                raise cannot_write(self.path, exc) from None
            self._allocated = self._end + length
            return

    def _write(self, line: str) -> None:
        data = line.encode("utf-8")
        self._make_room(len(data))
        written = 0
        try:
            while written < len(data):  # a short write is continued, never left as a torn line mid-file
                written += os.pwrite(self._fd, data[written:], self._end + written)
            os.fdatasync(self._fd)
        except OSError as exc:
            raise cannot_write(self.path, exc) from None
        self._end += len(data)

    def close(self) -> None:
        """Give back the space allocated ahead; a crash leaves it as zeros, which the next open cuts off."""
        if self._fd >= 0:
            if self._allocated > self._end:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, self._end)
            os.close(self._fd)
            self._fd = -1


def _line(key: str, message_id: str) -> str:
    if "\t" in message_id or "\n" in message_id or "\n" in key or "\t" in key:
        raise ValueError(f"unsafe ledger entry {key!r} {message_id!r}")
    return f"sent\t{key}\t{message_id}\n"


def _allocate(fd: int, offset: int, length: int) -> None:
    """Allocate disk blocks for [offset, offset + length): zeros where the file was shorter."""
    try:
        os.posix_fallocate(fd, offset, length)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise
        zeros = bytes(length)  # a file system without fallocate: write the zeros ourselves
        written = 0
        while written < length:
            written += os.pwrite(fd, zeros[written:], offset + written)


@contextlib.contextmanager
def open_ledger(state_dir: Path, week: str, wait: float = 0.0) -> Iterator[Ledger]:
    """The week's journal under its lock: a second send of the same week waits, then fails."""
    path = ledger_path(state_dir, week)
    with locked(path.with_suffix(".lock"), wait, f"send of {week}"):
        ledger = Ledger(path, week)
        try:
            yield ledger
        finally:
            ledger.close()


def scrub(state_dir: Path, key: str, wait: float = 30.0) -> int:
    """Remove the lines naming *key* from every week's journal (a GDPR erasure); how many were removed.

    Safe for exactly-once: a forgotten person is in no week's audience any more, so no send
    needs to know that they had a week.  Each journal is rewritten atomically under its
    week's lock, so a send of that week is never running meanwhile.
    """
    needle = f"sent\t{key}\t".encode()
    removed = 0
    for path in sorted((state_dir / "sent").glob("*.log")):
        if not _WEEK.match(path.stem):
            continue
        with locked(path.with_suffix(".lock"), wait, f"send of {path.stem}"):
            data = path.read_bytes()
            if needle not in data:
                continue
            lines = data.split(b"\n")  # a torn tail, or zeros allocated ahead, stay as they are
            kept = [line for line in lines if not line.startswith(needle)]
            removed += len(lines) - len(kept)
            write_atomic(path, b"\n".join(kept), mode=0o600)
    return removed
