"""The send ledger: durable appends, torn tails tolerated, real damage refused, one send per week at a time."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone

import pytest

from feeder.errors import LedgerError, LockedError, UsageError
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
