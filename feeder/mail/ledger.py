"""Who already has this week's digest: an append-only, fsynced journal per week.

Exactly-once delivery rests on this file.  Right after the SMTP server accepts
a message, one line naming the recipient is appended and fsynced, so a crash
loses at most the line being written; the next ``feeder send`` reads the
journal and sends only to those not in it.  Appending costs O(1) however long
the list is (no file is rewritten per recipient).

A crash can leave a torn last line (no newline): it is ignored and cut off
before the next append.  Any other damage — an unreadable line in the middle,
a foreign file — is a :class:`LedgerError`, never a silent "nobody got it"
that would mail everyone twice.  ``--force`` appends a ``round`` line: only
the lines after the last one count, so history is kept and a forced run that
crashes resumes like any other.

The journal lives in ``state_dir`` (private), never in ``output_dir``
(published), and one lock per week keeps two sends of that week from running
at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from feeder.atomic import fsync_dir, locked
from feeder.errors import LedgerError, UsageError

log = logging.getLogger(__name__)

MAGIC = "feeder-ledger 1"
_WEEK = re.compile(r"^\d{4}-W\d{2}$")


@dataclass
class LedgerState:
    week: str
    round: int = 0  # how many --force rounds have started
    sent: set[str] = field(default_factory=set)  # recipient keys accepted in the current round
    torn: int = 0  # bytes of a torn last line (a crash mid-append), to be cut off


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
    """The open journal of one week; only one exists at a time, under the week's lock."""

    def __init__(self, path: Path, week: str) -> None:
        self.path, self.week = path, week
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            with open(self._fd, "rb", closefd=False) as handle:
                data = handle.read()
            self.state = parse_ledger(data, path, week)
            if self.state.torn:
                log.info("%s: ignoring a torn last line (%d bytes) left by an interrupted send",
                            path, self.state.torn)
                os.ftruncate(self._fd, len(data) - self.state.torn)
            if not data[: len(data) - self.state.torn]:  # new, or only a torn header
                self._append(f"{MAGIC}\t{week}\n")
            if created:
                fsync_dir(path.parent)
        except BaseException:
            os.close(self._fd)
            raise

    @property
    def sent(self) -> set[str]:
        return self.state.sent

    def record(self, key: str, message_id: str) -> None:
        """*key* was accepted by the server: make that durable before anything else happens."""
        if "\t" in message_id or "\n" in message_id or "\n" in key or "\t" in key:
            raise ValueError(f"unsafe ledger entry {key!r} {message_id!r}")
        self._append(f"sent\t{key}\t{message_id}\n")
        self.state.sent.add(key)

    def start_round(self, now: datetime) -> None:
        """``--force``: from here on, everybody counts as not sent."""
        self.state.round += 1
        stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._append(f"round\t{self.state.round}\t{stamp}\n")
        self.state.sent.clear()

    def _append(self, line: str) -> None:
        os.write(self._fd, line.encode("utf-8"))  # one write: O_APPEND keeps it whole at the end
        os.fdatasync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


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
