"""Which week is which: ISO week labels as half-open spans of the site's local time.

A digest covers "the week" as the editors live it, so the span is computed on
the site's wall clock, not in UTC: the ``2025-W50`` of a Tokyo site runs from
Monday 2025-12-08 00:00 to Monday 2025-12-15 00:00 Tokyo time, and a post at
Sunday 23:59:59 there belongs to it although it is still Sunday afternoon in
UTC.  ``digest.week_starts`` moves the first day; the week keeps the label of
the ISO week it overlaps most (a Sunday start begins the day before the ISO
Monday, a Thursday start three days after), so labels stay unique and ordered.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from feeder.config import Config
from feeder.errors import UsageError

_LABEL = re.compile(r"^(\d{4})-W(\d{1,2})$")


def _shift(week_starts: int) -> int:
    """Days from the ISO Monday to the configured first day (-3 … +3)."""
    return week_starts if week_starts <= 3 else week_starts - 7


def parse_label(label: str) -> tuple[int, int]:
    """``2025-W50`` → (2025, 50); a clear error for anything else, including week 53 of a 52-week year."""
    match = _LABEL.match(label.strip())
    if match:
        year, week = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, week, 1)
            return year, week
        except ValueError:
            raise UsageError(f"--week: {year} has no ISO week {week}") from None
    raise UsageError(f"--week: expected an ISO week such as 2025-W50, got {label!r}")


def canonical(label: str) -> str:
    """``2026-W5`` → ``2026-W05``: one spelling per week, so file names, subjects, links and the ledger agree."""
    year, week = parse_label(label)
    return f"{year}-W{week:02d}"


def first_day(label: str, week_starts: int) -> date:
    """The local calendar day the week labelled *label* starts on."""
    year, week = parse_label(label)
    return date.fromisocalendar(year, week, 1) + timedelta(days=_shift(week_starts))


def bounds(label: str, week_starts: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the week: local midnights, aware, in *tz* (7 days apart on the wall clock)."""
    day = first_day(label, week_starts)
    return datetime.combine(day, time(), tz), datetime.combine(day + timedelta(days=7), time(), tz)


def label_of(moment: datetime, week_starts: int, tz: tzinfo) -> str:
    """The label of the week that contains *moment*, on the site's wall clock."""
    local = moment.astimezone(tz).date()
    start = local - timedelta(days=(local.weekday() - week_starts) % 7)
    year, week, _ = (start - timedelta(days=_shift(week_starts))).isocalendar()
    return f"{year}-W{week:02d}"


def previous(label: str, week_starts: int) -> str:
    """The label of the week before *label*."""
    day = first_day(label, week_starts) - timedelta(days=7 + _shift(week_starts))
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def iso_week_bounds(label: str, config: Config) -> tuple[datetime, datetime]:
    """[start, end) of week *label* for *config*'s site (timezone and ``digest.week_starts``)."""
    return bounds(label, config.digest.week_starts, config.site.timezone)


def week_of(moment: datetime, config: Config) -> str:
    return label_of(moment, config.digest.week_starts, config.site.timezone)


def last_complete_week(now: datetime, config: Config) -> str:
    """The newest week that has fully ended by *now* (the one before the week *now* is in)."""
    return previous(week_of(now, config), config.digest.week_starts)


def resolve(week: str | None, now: datetime, config: Config) -> str:
    """The week a command acts on: *week* (``--week``) spelled canonically, else the last complete week."""
    return canonical(week) if week else last_complete_week(now, config)
