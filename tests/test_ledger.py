"""The send ledger: durable appends, torn tails tolerated, real damage refused, one send per week at a time."""

from __future__ import annotations

import errno
import multiprocessing
import os
from datetime import datetime, timezone

import pytest

from feeder.errors import LedgerError, LockedError, StorageError, UsageError
from feeder.mail import ledger as ledger_module
from feeder.mail.ledger import ledger_path, open_ledger, read_ledger

NOW = datetime(2025, 12, 22, tzinfo=timezone.utc)


def test_records_survive_and_are_read_back(tmp_path):
    with open_ledger(tmp_path, "2025-W50") as ledger:
        assert ledger.sent == set()
        ledger.record("a@example.com", "<1@x>")
        ledger.record("b@example.com", "<2@x>")
    assert read_ledger(tmp_path, "2025-W50").sent == {"a@example.com", "b@example.com"}
    assert read_ledger(tmp_path, "2025-W51").sent == set()
    text = ledger_path(tmp_path, "2025-W50").read_text()
    assert text == "feeder-ledger 1\t2025-W50\nsent\ta@example.com\t<1@x>\nsent\tb@example.com\t<2@x>\n"


def test_appends_never_rewrite_what_is_there(tmp_path):
    with open_ledger(tmp_path, "2025-W50") as ledger:
        ledger.record("a@example.com", "<1@x>")
    path = ledger_path(tmp_path, "2025-W50")
    before = path.read_bytes()
    with open_ledger(tmp_path, "2025-W50") as ledger:
        assert ledger.sent == {"a@example.com"}
        ledger.record("b@example.com", "<2@x>")
    assert path.read_bytes().startswith(before)


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path, caplog):
    caplog.set_level("INFO", logger="feeder")  # expected after a crash, and repaired: a line under -v
    with open_ledger(tmp_path, "2025-W50") as ledger:
        ledger.record("a@example.com", "<1@x>")
    path = ledger_path(tmp_path, "2025-W50")
    with path.open("ab") as handle:
        handle.write(b"sent\tb@exam")  # the crash came mid-write
    assert read_ledger(tmp_path, "2025-W50").sent == {"a@example.com"}
    with open_ledger(tmp_path, "2025-W50") as ledger:
        assert ledger.sent == {"a@example.com"}
        ledger.record("c@example.com", "<3@x>")
    assert "torn" in caplog.text
    assert path.read_text().splitlines()[1:] == ["sent\ta@example.com\t<1@x>", "sent\tc@example.com\t<3@x>"]


def test_a_torn_header_is_a_new_ledger(tmp_path):
    path = ledger_path(tmp_path, "2025-W50")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"feeder-led")
    with open_ledger(tmp_path, "2025-W50") as ledger:
        ledger.record("a@example.com", "<1@x>")
    assert read_ledger(tmp_path, "2025-W50").sent == {"a@example.com"}


@pytest.mark.parametrize("damage", [
    b"feeder-ledger 1\t2025-W50\ngarbage line\nsent\ta@example.com\t<1@x>\n",
    b"feeder-ledger 1\t2025-W50\nsent\ta@example.com\n",
    b"feeder-ledger 1\t2025-W50\nsent\t\xff\xfe@x\t<1>\n",
    b"feeder-ledger 1\t2025-W49\n",
    b"\x00\x00\x00\x00\n",
    b"feeder-ledger 1\t2025-W50\nround\t3\t2025-12-22T00:00:00Z\n",
])
def test_other_damage_is_a_clear_error_not_a_resend(tmp_path, damage):
    path = ledger_path(tmp_path, "2025-W50")
    path.parent.mkdir(parents=True)
    path.write_bytes(damage)
    with pytest.raises(LedgerError, match=r"W50\.log:\d+: the send ledger is damaged"):
        read_ledger(tmp_path, "2025-W50")
    with pytest.raises(LedgerError):
        with open_ledger(tmp_path, "2025-W50"):
            pass
    assert path.read_bytes() == damage  # left for a human to look at


def test_a_forced_round_starts_afresh_and_keeps_history(tmp_path):
    with open_ledger(tmp_path, "2025-W50") as ledger:
        ledger.record("a@example.com", "<1@x>")
        ledger.start_round(NOW)
        assert ledger.sent == set() and ledger.state.round == 1
        ledger.record("b@example.com", "<2@x>")
    state = read_ledger(tmp_path, "2025-W50")
    assert state.round == 1 and state.sent == {"b@example.com"}
    assert "round\t1\t2025-12-22T00:00:00Z" in ledger_path(tmp_path, "2025-W50").read_text()


def test_week_labels_cannot_escape_the_state_folder(tmp_path):
    with pytest.raises(UsageError, match="invalid week"):
        ledger_path(tmp_path, "../../etc/passwd")


def _hold(state_dir, started, release):
    with open_ledger(state_dir, "2025-W50"):
        started.set()
        release.wait(10)


def test_one_send_per_week_at_a_time(tmp_path):
    ctx = multiprocessing.get_context("fork")
    started, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(tmp_path, started, release))
    other.start()
    try:
        assert started.wait(10)
        with pytest.raises(LockedError, match="another feeder send of 2025-W50"):
            with open_ledger(tmp_path, "2025-W50", wait=0.2):
                pass
        with open_ledger(tmp_path, "2025-W51"):  # another week is not blocked
            pass
    finally:
        release.set()
        other.join(10)
    with open_ledger(tmp_path, "2025-W50", wait=1):
        pass


class _Disk:
    """The ledger module's ``os``, with writes that come back short or fail, and a disk that can fill up."""

    def __init__(self, chunk: int | None = None) -> None:
        self.chunk = chunk  # most bytes one write call takes
        self.full = False
        self.fail_after: int | None = None  # bytes written before a write fails with ENOSPC

    def __getattr__(self, name: str):
        return getattr(os, name)

    def _take(self, data: bytes) -> bytes:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if self.fail_after is not None:
            if self.fail_after <= 0:
                self.full = True
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            data = data[: self.fail_after]
            self.fail_after -= len(data)
        return data[: self.chunk] if self.chunk else data

    def write(self, fd: int, data: bytes) -> int:
        return os.write(fd, self._take(bytes(data)))

    def pwrite(self, fd: int, data: bytes, offset: int) -> int:
        return os.pwrite(fd, self._take(bytes(data)), offset)

    def posix_fallocate(self, fd: int, offset: int, length: int) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.posix_fallocate(fd, offset, length)


def test_short_writes_are_continued_until_the_whole_line_is_down(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger_module, "os", _Disk(chunk=7))
    with open_ledger(tmp_path, "2025-W50") as ledger:
        for n in range(3):
            ledger.record(f"r{n}@example.com", f"<{n}@x>")
    assert read_ledger(tmp_path, "2025-W50").sent == {"r0@example.com", "r1@example.com", "r2@example.com"}
    assert ledger_path(tmp_path, "2025-W50").read_text().count("\n") == 4


def test_a_write_that_fails_midway_leaves_no_damage_for_the_next_one(tmp_path, monkeypatch):
    disk = _Disk()
    monkeypatch.setattr(ledger_module, "os", disk)
    with open_ledger(tmp_path, "2025-W50") as ledger:
        ledger.record("a@example.com", "<1@x>")
        disk.fail_after = 9  # "sent\tb@ex", then the disk is full
        with pytest.raises(StorageError, match=r"W50\.log: cannot write \(No space left on device\): the disk is full"):
            ledger.record("b@example.com", "<2@x>")
        disk.full, disk.fail_after = False, None  # space was freed
        ledger.record("c@example.com", "<3@x>")
    assert read_ledger(tmp_path, "2025-W50").sent == {"a@example.com", "c@example.com"}
    with open_ledger(tmp_path, "2025-W50") as ledger:  # and it opens without "damaged"
        assert ledger.sent == {"a@example.com", "c@example.com"}


def test_a_full_disk_is_found_before_the_message_is_sent(tmp_path, monkeypatch):
    disk = _Disk()
    monkeypatch.setattr(ledger_module, "os", disk)
    with open_ledger(tmp_path, "2025-W50") as ledger:
        for n in range(200):  # more than one allocation ahead: prepare allocates again on the way
            ledger.prepare(f"r{n}@example.com", f"<{n}@x>")
            ledger.record(f"r{n}@example.com", f"<{n}@x>")
        disk.full = True
        with pytest.raises(StorageError, match="the disk is full"):
            for n in range(200, 400):
                ledger.prepare(f"r{n}@example.com", f"<{n}@x>")  # this raises before the send ...
                ledger.record(f"r{n}@example.com", f"<{n}@x>")  # ... so this never fails after one
    assert len(read_ledger(tmp_path, "2025-W50").sent) >= 200


def test_space_allocated_ahead_is_given_back_or_cut_off(tmp_path):
    path = ledger_path(tmp_path, "2025-W50")
    with open_ledger(tmp_path, "2025-W50") as ledger:
        ledger.prepare("a@example.com", "<1@x>")
        ledger.record("a@example.com", "<1@x>")
        assert path.stat().st_size >= ledger_module.AHEAD  # zeros past the journal's end while it is open
        assert read_ledger(tmp_path, "2025-W50").sent == {"a@example.com"}  # a dry run meanwhile reads it
    assert path.read_bytes() == b"feeder-ledger 1\t2025-W50\nsent\ta@example.com\t<1@x>\n"
    with path.open("ab") as handle:  # what a SIGKILL leaves: the allocated zeros
        handle.write(bytes(4000))
    with open_ledger(tmp_path, "2025-W50") as ledger:
        assert ledger.sent == {"a@example.com"}
        ledger.record("b@example.com", "<2@x>")
    assert path.read_bytes().endswith(b"<1@x>\nsent\tb@example.com\t<2@x>\n")


def test_an_unwritable_state_folder_is_a_clear_error(tmp_path):
    (tmp_path / "sent").write_text("a file where the folder goes")
    with pytest.raises(StorageError, match=r"cannot write .*: the file .*sent is in the way") as caught:
        with open_ledger(tmp_path, "2025-W50"):
            pass
    assert caught.value.exit_code == 2
