"""``feeder run``: publish every few minutes and send the digest weekly, in the site's time.

Two halves.  *What is due* is a pure function of an instant and the config,
computed with ``zoneinfo`` on the site's wall clock, so "Monday 09:00" stays
09:00 local across daylight-saving changes, and tests pass the instant in.
*When to look* is the ``schedule`` package, used only as a ticker (it reads
the machine's clock itself and knows nothing about time zones without pytz).

The digest check asks for the latest send slot at or before now; if this
process has not handled it yet — including right after a start, when the
machine was down at the slot — it sends that slot's week.  The ledger makes
this exactly-once, so a restart, or a cron ``feeder send`` that got there
first, costs nothing but a look at the ledger.

A job that fails is reported (to *failed*, or else the log) and the loop goes on.  SIGTERM or SIGINT stops the
loop after the job that is running (a second signal stops it at once; the
ledger keeps an interrupted send resumable).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import schedule

from feeder.config import Config
from feeder.digest.weeks import last_complete_week
from feeder.errors import FeederError

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)  # a digest send that failed transiently is tried again after this
CHECK_EVERY_SECONDS = 30


def send_slot(now: datetime, config: Config) -> datetime:
    """The latest digest send time at or before *now* (in UTC): ``digest.send_day`` at ``digest.send_time``, local.

    A time that does not exist that day (skipped by a DST change) is read with the offset before the
    change, i.e. one hour later on the clock; an ambiguous one is its first occurrence, so a slot is
    never run twice.
    """
    tz, d = config.site.timezone, config.digest
    now = now.astimezone(timezone.utc)
    today = now.astimezone(tz).date()
    day = today - timedelta(days=(today.weekday() - d.send_day) % 7)
    slot = _at(day, config)
    if slot > now:
        slot = _at(day - timedelta(days=7), config)
    return slot


def next_send_slot(now: datetime, config: Config) -> datetime:
    """The first digest send time strictly after *now*."""
    slot = send_slot(now, config)
    day = slot.astimezone(config.site.timezone).date() + timedelta(days=7)
    return _at(day, config)


def _at(day: date, config: Config) -> datetime:
    local = datetime.combine(day, config.digest.send_time, config.site.timezone)
    # In UTC: two local times in the same zone compare by wall clock, ignoring fold (PEP 495).
    return local.astimezone(timezone.utc)


def digest_due(now: datetime, config: Config, handled: datetime | None,
               not_before: datetime | None = None) -> datetime | None:
    """The send slot to act on now, or None: the latest slot, unless already *handled* (or backing off)."""
    if not_before is not None and now < not_before:
        return None
    slot = send_slot(now, config)
    return slot if handled is None or slot > handled else None


@dataclass
class Runner:
    """The long-running loop.  *publish* and *send* are the jobs; *clock* is the only clock read."""

    config: Config
    publish: Callable[[datetime], Any]
    send: Callable[[datetime, str], Any]  # (now, week) -> SendResult
    clock: Callable[[], datetime]
    sleep: Callable[[float], None] = time.sleep
    handled: datetime | None = None
    not_before: datetime | None = None
    stopping: bool = False
    # (job name, exception) of a job that raised: the CLI prints it; without one it is logged at INFO
    failed: Callable[[str, Exception], None] | None = None

    def publish_job(self) -> None:
        self._guard("publish", lambda: self.publish(self.clock()))

    def digest_job(self) -> None:
        now = self.clock()
        slot = digest_due(now, self.config, self.handled, self.not_before)
        if slot is None:
            return
        week = last_complete_week(slot, self.config)
        log.info("digest for %s due since %s", week, slot.astimezone(self.config.site.timezone).isoformat())
        result = self._guard(f"send {week}", lambda: self.send(now, week))
        retry = result is None or bool(getattr(result, "deferred", None) or getattr(result, "stopped", None))
        if retry:  # transient trouble: the ledger lets a later try finish the job
            self.not_before = now + RETRY_AFTER
            log.info("digest for %s: will try again after %s", week, self.not_before.isoformat())
        else:
            self.handled, self.not_before = slot, None

    def _guard(self, name: str, job: Callable[[], Any]) -> Any:
        try:
            return job()
        except Exception as exc:  # a FeederError, or a bug in one job: neither may stop the others
            if self.failed is not None:
                self.failed(name, exc)
            else:
                log.info("%s failed: %s", name, exc, exc_info=not isinstance(exc, FeederError))  # a bug: whole
        return None

    def stop(self, signum: int, frame: object) -> None:
        if self.stopping:
            raise SystemExit(128 + signum)
        log.info("%s received: stopping after the current job", signal.Signals(signum).name)
        self.stopping = True

    def run(self, ticks: int | None = None) -> int:
        """Run until a signal (or *ticks* loop turns, for tests); 0 when stopped cleanly."""
        ticker = schedule.Scheduler()
        ticker.every(self.config.schedule.publish_every_minutes).minutes.do(self.publish_job)
        if self.config.digest.recipients is not None:
            ticker.every(CHECK_EVERY_SECONDS).seconds.do(self.digest_job)
            digest = "next digest " + next_send_slot(self.clock(), self.config).astimezone(
                self.config.site.timezone).isoformat()
        else:
            digest = "no digest (digest.recipients is not set)"
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            log.info("running: publish every %d min; %s", self.config.schedule.publish_every_minutes, digest)
            for job in list(ticker.jobs):  # once at start: catch up on what was missed while down
                if self.stopping:
                    break
                job.run()
            turns = 0
            while not self.stopping and (ticks is None or turns < ticks):
                for job in sorted(j for j in ticker.jobs if j.should_run):
                    if self.stopping:
                        break
                    job.run()
                turns += 1
                if not self.stopping:
                    self.sleep(min(max(ticker.idle_seconds or 1.0, 0.0), 1.0))
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        log.info("stopped")
        return 0
