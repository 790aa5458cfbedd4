"""Which week is which: ISO week labels as half-open spans of the site's local time.

A digest covers "the week" as the editors live it, so the span is computed on
the site's wall clock, not in UTC: the ``2025-W50`` of a Tokyo site runs from
Monday 2025-12-08 00:00 to Monday 2025-12-15 00:00 Tokyo time, and a post at
Sunday 23:59:59 there belongs to it although it is still Sunday afternoon in
UTC.  ``digest.week_starts`` moves the first day; the week keeps the label of
the ISO week it overlaps most (a Sunday start begins the day before the ISO
Monday, a Thursday start three days after), so labels stay unique and ordered.

Python's calendar ends at 0001-01-01 and 9999-12-31, where a week can overhang
it (the Sunday-start week of 0001-01-01 begins on a day that has no date).  The
first and last weeks Python can name take in the days beyond them, so every
moment a post can have is in exactly one week and nothing overflows.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

from feeder.config import Config
from feeder.errors import UsageError

_LABEL = re.compile(r"^(\d{4})-W(\d{1,2})$")
_FIRST, _LAST = date.min.toordinal(), date.max.toordinal()
_FIRST_WEEK, _LAST_WEEK = date.min.isocalendar()[:2], date.max.isocalendar()[:2]  # (1, 1) and (9999, 52)


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
    return f"{year:04d}-W{week:02d}"


def _day(ordinal: int) -> date:
    """The day numbered *ordinal*, held inside the years Python can represent (1 to 9999)."""
    return date.fromordinal(min(max(ordinal, _FIRST), _LAST))


def _label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _monday(label: str) -> int:
    """The ordinal of the ISO Monday of the week labelled *label*."""
    year, week = parse_label(label)
    return date.fromisocalendar(year, week, 1).toordinal()


def first_day(label: str, week_starts: int) -> date:
    """The local calendar day the week labelled *label* starts on (0001-01-01 at the earliest)."""
    return _day(_monday(label) + _shift(week_starts))


def bounds(label: str, week_starts: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the week: local midnights, aware, in *tz* (7 days apart on the wall clock).

    The first and the last week Python can name reach to the ends of its calendar (see the module docstring).
    """
    start = _monday(label) + _shift(week_starts)
    year_week = parse_label(label)
    begin = datetime.combine(date.min if year_week == _FIRST_WEEK else _day(start), time(), tz)
    if year_week == _LAST_WEEK or start + 7 > _LAST:
        return begin, datetime.combine(date.max, time.max, tz)
    return begin, datetime.combine(_day(start + 7), time(), tz)


def label_of(moment: datetime, week_starts: int, tz: tzinfo) -> str:
    """The label of the week that contains *moment*, on the site's wall clock.

    That is the ISO week of the week's fourth day, which lies in the ISO week the
    label names whatever the first day (see :func:`_shift`).
    """
    local = moment.astimezone(tz).date()
    start = local.toordinal() - (local.weekday() - week_starts) % 7
    return _label(_day(start + 3))


def previous(label: str, week_starts: int) -> str:
    """The label of the week before *label* (the first week Python can name is its own previous)."""
    return _label(_day(_monday(label) - 7))


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
