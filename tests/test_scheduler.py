"""What is due when, on the site's wall clock (DST included), and the loop that acts on it."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from mailserver import Recorder, Server
from test_send import PEOPLE, configure

from feeder.errors import FeederError
from feeder.scheduler import RETRY_AFTER, Runner, digest_due, next_send_slot, send_slot

UTC = timezone.utc


def config_for(site, tz: str, day: str = "monday", at: str = "09:00", recipients: bool = True):
    (site.root / "recipients.txt").write_text("a@example.com\n")
    site.write_config(f"""
        digest:
          send_day: {day}
          send_time: "{at}"
          {"recipients: recipients.txt" if recipients else ""}
        """, timezone=tz)
    return site.config


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_tokyo_slot_is_monday_nine_local(site):
    config = config_for(site, "Asia/Tokyo")
    monday_9 = utc(2025, 12, 22, 0, 0)  # 09:00 JST
    assert send_slot(monday_9, config) == monday_9
    assert send_slot(monday_9 - timedelta(seconds=1), config) == utc(2025, 12, 15, 0, 0)
    assert send_slot(utc(2025, 12, 24, 12), config) == monday_9
    assert send_slot(monday_9, config).astimezone(ZoneInfo("Asia/Tokyo")).hour == 9
    assert next_send_slot(monday_9, config) == utc(2025, 12, 29, 0, 0)
    # Sunday 23:59 UTC is already Monday 08:59 in Tokyo: still before the slot.
    assert send_slot(utc(2025, 12, 21, 23, 59), config) == utc(2025, 12, 15, 0, 0)


def test_new_york_slots_follow_the_wall_clock_across_both_dst_changes(site):
    config = config_for(site, "America/New_York")
    # DST starts Sunday 2026-03-08: 09:00 EST is 14:00 UTC before, 09:00 EDT is 13:00 UTC after.
    assert send_slot(utc(2026, 3, 5), config) == utc(2026, 3, 2, 14)
    assert next_send_slot(utc(2026, 3, 5), config) == utc(2026, 3, 9, 13)
    assert send_slot(utc(2026, 3, 9, 12, 59), config) == utc(2026, 3, 2, 14)
    assert send_slot(utc(2026, 3, 9, 13, 0), config) == utc(2026, 3, 9, 13)
    # DST ends Sunday 2026-11-01: back to 14:00 UTC.
    assert send_slot(utc(2026, 10, 30), config) == utc(2026, 10, 26, 13)
    assert next_send_slot(utc(2026, 10, 30), config) == utc(2026, 11, 2, 14)
    assert send_slot(utc(2026, 11, 2, 13, 30), config) == utc(2026, 10, 26, 13)  # 08:30 EST: not yet


def test_a_slot_inside_the_spring_gap_happens_once_an_hour_later(site):
    config = config_for(site, "America/New_York", "sunday", "02:30")  # 02:30 does not exist on 2026-03-08
    slot = send_slot(utc(2026, 3, 8, 12), config)
    assert slot == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    assert slot.astimezone(ZoneInfo("America/New_York")).hour == 3
    assert send_slot(utc(2026, 3, 8, 7, 29), config) == utc(2026, 3, 1, 7, 30)


def test_a_slot_in_the_repeated_autumn_hour_is_due_once(site):
    config = config_for(site, "America/New_York", "sunday", "01:30")  # 01:30 happens twice on 2026-11-01
    first = utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert send_slot(first, config) == first
    assert digest_due(first, config, None) == first
    assert digest_due(utc(2026, 11, 1, 6, 30), config, first) is None  # 01:30 EST again: already handled


def test_due_once_per_slot_with_catch_up_after_downtime(site):
    config = config_for(site, "Asia/Tokyo")
    slot = utc(2025, 12, 22, 0, 0)
    assert digest_due(slot - timedelta(minutes=1), config, utc(2025, 12, 15)) is None
    assert digest_due(slot, config, utc(2025, 12, 15)) == slot
    assert digest_due(slot + timedelta(minutes=1), config, slot) is None
    # Down from Sunday to Wednesday: the first look after the start finds Monday's slot due.
    assert digest_due(utc(2025, 12, 24, 3), config, None) == slot
    # Backing off after a failed try.
    assert digest_due(slot, config, None, not_before=slot + timedelta(minutes=5)) is None
    assert digest_due(slot + timedelta(minutes=5), config, None, not_before=slot + timedelta(minutes=5)) == slot


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def runner(config, clock, publish=None, send=None):
    calls = {"publish": [], "send": []}

    def do_publish(at):
        calls["publish"].append(at)
        if publish:
            publish(at)

    def do_send(at, week):
        calls["send"].append((at, week))
        return send(at, week) if send else type("R", (), {"deferred": [], "stopped": None})()

    return Runner(config, publish=do_publish, send=do_send, clock=clock, sleep=lambda s: None), calls


def test_the_digest_job_sends_each_week_once_and_catches_up(site):
    config = config_for(site, "Asia/Tokyo")
    clock = Clock(utc(2025, 12, 24, 3))  # Wednesday: Monday's digest was missed
    r, calls = runner(config, clock)
    r.digest_job()
    r.digest_job()
    assert calls["send"] == [(clock.now, "2025-W51")]
    clock.now = utc(2025, 12, 28, 23, 59)  # Monday 08:59 JST
    r.digest_job()
    clock.now = utc(2025, 12, 29, 0, 0, 30)
    r.digest_job()
    assert calls["send"][1:] == [(clock.now, "2025-W52")]


def test_a_failed_send_is_tried_again_later_not_every_tick(site, caplog):
    caplog.set_level("INFO", logger="feeder")  # without a `failed` callback, a failure is logged at INFO
    config = config_for(site, "Asia/Tokyo")
    clock = Clock(utc(2025, 12, 22, 0, 1))
    outcomes = [FeederError("smtp: connection refused"), None]

    def send(at, week):
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome
        return type("R", (), {"deferred": [], "stopped": None})()

    r, calls = runner(config, clock, send=send)
    r.digest_job()
    assert "send 2025-W51 failed: smtp: connection refused" in caplog.text
    clock.now += RETRY_AFTER - timedelta(seconds=1)
    r.digest_job()
    assert len(calls["send"]) == 1
    clock.now += timedelta(seconds=1)
    r.digest_job()
    r.digest_job()
    assert len(calls["send"]) == 2 and outcomes == []


def test_a_failed_job_goes_to_the_callers_report_not_the_log(site, caplog):
    """feeder run prints a failed job itself (once); the library logs nothing about it then."""
    caplog.set_level("DEBUG", logger="feeder")
    config = config_for(site, "Asia/Tokyo")
    said = []

    def publish(at):
        raise FeederError("posts_dir: /nowhere is not a folder")

    r, _calls = runner(config, Clock(utc(2025, 12, 24, 3)), publish=publish)
    r.failed = lambda name, exc: said.append((name, str(exc)))
    r.publish_job()
    assert said == [("publish", "posts_dir: /nowhere is not a folder")]
    assert "nowhere" not in caplog.text


def test_a_failing_job_is_logged_and_the_loop_goes_on_until_sigterm(site, caplog):
    caplog.set_level("INFO", logger="feeder")
    config = config_for(site, "Asia/Tokyo")
    clock = Clock(utc(2025, 12, 24, 3))

    def publish(at):
        raise RuntimeError("disk on fire")

    def send(at, week):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-job: the loop stops after it
        return type("R", (), {"deferred": [], "stopped": None})()

    r, calls = runner(config, clock, publish=publish, send=send)
    before = signal.getsignal(signal.SIGTERM)
    assert r.run(ticks=1000) == 0
    assert "publish failed" in caplog.text and "disk on fire" in caplog.text  # logged with its traceback
    assert len(calls["publish"]) == 1 and len(calls["send"]) == 1  # the failure did not stop the send
    assert "SIGTERM received" in caplog.text
    assert signal.getsignal(signal.SIGTERM) is before


def test_feeder_run_publishes_sends_the_missed_digest_and_stops_on_sigterm(sample_site):
    srv = Server(Recorder())
    try:
        config_path = configure(sample_site, srv.port)
        # Monday 09:05 Tokyo: the W51 digest (one post) became due five minutes ago.
        cmd = [sys.executable, "-m", "feeder.cli", "run", "-v", "--config", str(config_path),
               "--now", "2025-12-22T00:05:00Z"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(srv.handler.received) < len(PEOPLE) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert Counter(a for r in srv.handler.received for a in r.rcpt_tos) == Counter({p: 1 for p in PEOPLE})
        assert all("2025-W51" in r.message["Subject"] for r in srv.handler.received)
        assert (sample_site / "public" / "feed.xml").is_file()
        assert (sample_site / "public" / "digests" / "2025-W51.html").is_file()  # what each message links to
        assert "2025-W51: sent 5 of 5" in out
        assert "SIGTERM received" in err and "stopped" in err

        again = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(60, again.kill)  # a hung loop fails the test instead of hanging it
        timer.start()
        first_lines = []
        for line in again.stdout:  # the restart's catch-up finds the ledger complete
            first_lines.append(line)
            if "already sent to all 5" in line:
                break
        again.send_signal(signal.SIGINT)
        out, err = again.communicate(timeout=30)
        timer.cancel()
        assert again.returncode == 0, err
        assert "already sent to all 5" in "".join(first_lines)
        assert len(srv.handler.received) == len(PEOPLE)
    finally:
        srv.stop()


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Lord_Howe"])
def test_slots_are_a_week_apart_on_the_wall_clock_all_year(site, tz):
    config = config_for(site, tz, "sunday", "02:15")
    zone = ZoneInfo(tz)
    now = utc(2026, 1, 1)
    seen = []
    for _ in range(53):
        slot = next_send_slot(now, config)
        local = slot.astimezone(zone)
        assert local.weekday() == 6 and (local.hour, local.minute) in ((2, 15), (3, 15), (2, 45))
        assert send_slot(slot, config) == slot and send_slot(slot - timedelta(seconds=1), config) < slot
        seen.append(slot)
        now = slot
    assert all(timedelta(days=6, hours=22) <= b - a <= timedelta(days=7, hours=2) for a, b in itertools.pairwise(seen))


def test_without_recipients_run_only_publishes(site, caplog):
    caplog.set_level("INFO", logger="feeder")
    config = config_for(site, "Asia/Tokyo", recipients=False)
    clock = Clock(utc(2025, 12, 24, 3))

    def publish(at):
        os.kill(os.getpid(), signal.SIGINT)

    r, calls = runner(config, clock, publish=publish)
    assert r.run(ticks=1000) == 0
    assert len(calls["publish"]) == 1 and calls["send"] == []
    assert "no digest (digest.recipients is not set)" in caplog.text
