"""Every date shape real posts use ends as one aware instant."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeder.dates import parse_date, parse_now, rfc3339

TOKYO = ZoneInfo("Asia/Tokyo")
UTC = timezone.utc
SAMPLE_INSTANT = datetime(2025, 12, 11, 4, 49, 28, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("2025-12-11 04:49:28 +0000", SAMPLE_INSTANT),  # Jekyll, the sample post
    ("2025-12-11 13:49:28 +0900", SAMPLE_INSTANT),
    ("2025-12-11 13:49:28 +09:00", SAMPLE_INSTANT),
    ("2025-12-10 23:49:28 -0500", SAMPLE_INSTANT),
    ("2025-12-11T04:49:28Z", SAMPLE_INSTANT),
    ("2025-12-11T04:49:28z", SAMPLE_INSTANT),
    ("2025-12-11T04:49:28+00:00", SAMPLE_INSTANT),
    ("2025-12-11T10:19:28+05:30", SAMPLE_INSTANT),
    ("2025-12-11T04:49:28.250Z", SAMPLE_INSTANT.replace(microsecond=250000)),
    ("2025-12-11 04:49:28 UTC", SAMPLE_INSTANT),
    ("2025-12-11T13:49:28", SAMPLE_INSTANT),  # naive: site timezone (Tokyo)
    ("2025-12-11 13:49:28", SAMPLE_INSTANT),
    ("2025-12-11 13:49", SAMPLE_INSTANT.replace(second=0)),
    ("2025-12-11", datetime(2025, 12, 11, tzinfo=TOKYO)),  # date only: midnight in the site timezone
    ("2025-1-5", datetime(2025, 1, 5, tzinfo=TOKYO)),
    ("  2025-12-11 04:49:28 +0000  ", SAMPLE_INSTANT),
])
def test_string_forms(text: str, expected: datetime) -> None:
    parsed = parse_date(text, TOKYO)
    assert parsed.tzinfo is not None and parsed.utcoffset() is not None
    assert parsed == expected


def test_jekyll_form_is_a_string_in_yaml_and_still_parses() -> None:
    value = yaml.safe_load("date: 2025-12-11 04:49:28 +0000")["date"]
    assert isinstance(value, str)  # the trap the issue warns about
    assert parse_date(value, TOKYO) == SAMPLE_INSTANT
    assert rfc3339(parse_date(value, TOKYO)) == "2025-12-11T04:49:28Z"


@pytest.mark.parametrize("source, expected", [
    ("date: 2025-12-11 04:49:28 +00:00", SAMPLE_INSTANT),  # YAML timestamp with offset: aware
    ("date: 2025-12-11T13:49:28", SAMPLE_INSTANT),  # YAML naive datetime: site timezone
    ("date: 2025-12-11", datetime(2025, 12, 11, tzinfo=TOKYO)),  # YAML date
])
def test_yaml_values(source: str, expected: datetime) -> None:
    value = yaml.safe_load(source)["date"]
    assert not isinstance(value, str)
    parsed = parse_date(value, TOKYO)
    assert parsed.utcoffset() is not None and parsed == expected


def test_date_object_is_midnight_in_the_site_timezone() -> None:
    parsed = parse_date(date(2025, 12, 5), ZoneInfo("America/New_York"))
    assert parsed.astimezone(UTC) == datetime(2025, 12, 5, 5, tzinfo=UTC)


@pytest.mark.parametrize("value", ["tomorrow", "2025-13-01", "2025-02-30", "2025-12-11 25:00",
                                   "2025-12-11 04:49:28 +2500", "11/12/2025", "", 20251211, ["2025-12-11"]])
def test_unreadable_dates_raise_a_helpful_value_error(value: object) -> None:
    with pytest.raises(ValueError, match=r"2025-12-11|date"):
        parse_date(value, TOKYO)


def test_parse_now_needs_an_offset() -> None:
    assert parse_now("2025-12-20T00:00:00Z") == datetime(2025, 12, 20, tzinfo=UTC)
    assert parse_now("2025-12-20T09:00:00+09:00") == datetime(2025, 12, 20, tzinfo=UTC)
    with pytest.raises(ValueError, match="offset"):
        parse_now("2025-12-20T00:00:00")
    with pytest.raises(ValueError, match="offset"):
        parse_now("2025-12-20")


def test_rfc3339_is_utc_with_z() -> None:
    assert rfc3339(datetime(2025, 12, 11, 13, 49, 28, tzinfo=TOKYO)) == "2025-12-11T04:49:28Z"
    assert rfc3339(SAMPLE_INSTANT.replace(microsecond=120000)) == "2025-12-11T04:49:28.12Z"


# ---- properties -------------------------------------------------------------

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
aware = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets)


@given(aware)
@settings(deadline=None)  # no timing flakes on a loaded CI machine
def test_rfc3339_round_trip(dt: datetime) -> None:
    text = rfc3339(dt)
    assert text.endswith("Z")
    back = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert back == dt and back.utcoffset() == timedelta(0)
    assert parse_date(text, TOKYO) == dt  # what the cache stores, the parser reads


@given(aware, st.sampled_from([ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York"), UTC]))
@settings(max_examples=200, deadline=None)
def test_any_aware_datetime_in_any_shape_parses_to_the_same_instant(dt: datetime, site_tz) -> None:
    whole = dt.replace(microsecond=0)
    shapes = [
        whole.strftime("%Y-%m-%d %H:%M:%S ") + whole.strftime("%z"),  # Jekyll: +0900
        whole.isoformat(),  # 2025-12-11T13:49:28+09:00
        whole.isoformat(sep=" "),
        whole.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        whole.strftime("%Y-%m-%dT%H:%M:%S") + whole.strftime("%z"),  # +0900 without colon
    ]
    for shape in shapes:
        assert parse_date(shape, site_tz) == whole, shape
    assert parse_date(dt.isoformat(), site_tz) == dt  # with microseconds


@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)))
@settings(deadline=None)
def test_naive_datetimes_are_wall_clock_time_in_the_site_timezone(naive: datetime) -> None:
    for text in (naive.isoformat(), naive.isoformat(sep=" ")):
        parsed = parse_date(text, TOKYO)
        assert parsed.utcoffset() == TOKYO.utcoffset(naive)  # +09:00, or LMT before 1888
        assert parsed.replace(tzinfo=None) == naive
