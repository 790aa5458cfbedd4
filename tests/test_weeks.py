"""Week labels as half-open spans of the site's wall clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from feeder.digest.weeks import (
    bounds,
    canonical,
    first_day,
    iso_week_bounds,
    label_of,
    last_complete_week,
    parse_label,
    previous,
    resolve,
)
from feeder.errors import UsageError

TOKYO = ZoneInfo("Asia/Tokyo")


def test_w50_in_tokyo_is_monday_to_monday_local_time(sample_config):
    start, end = iso_week_bounds("2025-W50", sample_config)
    assert start == datetime(2025, 12, 8, tzinfo=TOKYO) and end == datetime(2025, 12, 15, tzinfo=TOKYO)
    assert start.astimezone(timezone.utc) == datetime(2025, 12, 7, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("moment, label", [
    ("2025-12-14T23:59:59+09:00", "2025-W50"),  # Sunday night in Tokyo, still Sunday afternoon in UTC
    ("2025-12-14T14:59:59+00:00", "2025-W50"),
    ("2025-12-15T00:00:00+09:00", "2025-W51"),  # the end is exclusive
    ("2025-12-14T15:00:30+00:00", "2025-W51"),  # Monday 00:00:30 in Tokyo
    ("2025-12-08T00:00:00+09:00", "2025-W50"),  # the start is inclusive
    ("2024-12-30T12:00:00+09:00", "2025-W01"),  # ISO years differ from calendar years
    ("2021-01-03T12:00:00+09:00", "2020-W53"),
])
def test_label_of(moment, label):
    assert label_of(datetime.fromisoformat(moment), 0, TOKYO) == label


def test_week_starts_moves_the_first_day_and_keeps_labels_unique():
    sunday = 6
    assert first_day("2025-W50", sunday) == date(2025, 12, 7)
    assert label_of(datetime(2025, 12, 7, 0, 0, tzinfo=TOKYO), sunday, TOKYO) == "2025-W50"
    assert label_of(datetime(2025, 12, 13, 23, 59, tzinfo=TOKYO), sunday, TOKYO) == "2025-W50"
    assert label_of(datetime(2025, 12, 14, 0, 0, tzinfo=TOKYO), sunday, TOKYO) == "2025-W51"
    for starts in range(7):  # consecutive weeks tile the timeline: each ends where the next starts
        day = datetime(2025, 1, 1, tzinfo=TOKYO)
        label = label_of(day, starts, TOKYO)
        for _ in range(60):
            start, end = bounds(label, starts, TOKYO)
            assert start <= day < end and start.weekday() == starts
            nxt = label_of(end, starts, TOKYO)
            assert bounds(nxt, starts, TOKYO)[0] == end and previous(nxt, starts) == label
            label, day = nxt, end


def test_a_dst_week_is_seven_wall_clock_days():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = bounds("2025-W13", 0, berlin)  # clocks go forward on Sunday 2025-03-30
    assert (start.hour, end.hour) == (0, 0)
    assert end.astimezone(timezone.utc) - start.astimezone(timezone.utc) == timedelta(hours=167)


def test_last_complete_week(sample_config):
    assert last_complete_week(datetime(2025, 12, 20, tzinfo=timezone.utc), sample_config) == "2025-W50"
    # Monday 00:00 Tokyo: the week that just ended is complete
    assert last_complete_week(datetime(2025, 12, 15, tzinfo=TOKYO), sample_config) == "2025-W50"
    assert last_complete_week(datetime(2025, 12, 14, 23, 59, tzinfo=TOKYO), sample_config) == "2025-W49"
    assert last_complete_week(datetime(2026, 1, 5, 9, tzinfo=TOKYO), sample_config) == "2026-W01"
    assert last_complete_week(datetime(2026, 1, 4, 9, tzinfo=TOKYO), sample_config) == "2025-W52"


@pytest.mark.parametrize("bad", ["2025-50", "W50", "2025-W", "2025-W00", "2025-W54", "2025-W53", "x"])
def test_bad_labels_are_usage_errors(bad):
    with pytest.raises(UsageError, match="--week"):
        parse_label(bad)


def test_week_53_exists_in_long_years():
    assert parse_label("2020-W53") == (2020, 53)


def test_a_week_has_one_spelling(sample_config):
    assert canonical("2026-W5") == canonical(" 2026-W05 ") == "2026-W05"
    now = datetime(2025, 12, 20, tzinfo=timezone.utc)
    assert resolve("2025-W1", now, sample_config) == "2025-W01"
    assert resolve(None, now, sample_config) == last_complete_week(now, sample_config) == "2025-W50"
    with pytest.raises(UsageError, match="no ISO week 53"):
        resolve("2025-W53", now, sample_config)


@pytest.mark.parametrize("week_starts", range(7))
@pytest.mark.parametrize("tz", [timezone.utc, TOKYO, ZoneInfo("America/New_York")])
def test_the_ends_of_the_calendar_belong_to_a_week_and_nothing_overflows(week_starts, tz):
    """Issue 14, row 18: a post dated 0001-01-01 with a Sunday start raised OverflowError (its week begins on a
    day Python has no date for); so did the last week of 9999.  The first and last weeks take in those days."""
    first = [datetime(1, 1, 1, tzinfo=timezone.utc) + timedelta(hours=h) for h in range(0, 24 * 15, 7)]
    last = [datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc) - timedelta(hours=h) for h in range(0, 24 * 15, 7)]
    for moment in first + last:
        try:
            moment.astimezone(tz)
        except OverflowError:  # not a date in this timezone: a post is refused such a date
            continue
        label = label_of(moment, week_starts, tz)
        start, end = bounds(label, week_starts, tz)
        assert start <= moment < end, (label, moment)
        assert canonical(label) == label and previous(label, week_starts) <= label
        start.timestamp(), end.timestamp()  # what selecting the week's posts does with them
    assert label_of(first[0], week_starts, timezone.utc) == "0001-W01"
    assert label_of(last[0], week_starts, timezone.utc) == "9999-W52"
    assert bounds("0001-W01", week_starts, tz)[0] == datetime.combine(date.min, datetime.min.time(), tz)
    assert bounds("9999-W52", week_starts, tz)[1] == datetime.max.replace(tzinfo=tz)


def test_years_before_1000_keep_four_digits():
    assert canonical("0001-W1") == "0001-W01" and previous("0001-W02", 0) == "0001-W01"
    assert label_of(datetime(999, 6, 1, tzinfo=timezone.utc), 0, timezone.utc) == "0999-W22"
