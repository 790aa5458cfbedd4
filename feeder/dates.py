"""Dates as posts write them, made timezone-aware the moment they are parsed.

Jekyll posts carry dates in several shapes, and PyYAML only turns some of them
into datetimes (``2025-12-11 04:49:28 +0000`` stays a string).  Every shape ends
here as an aware datetime; a date without an offset is in the site's timezone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from feeder.brief import brief

_DATE = re.compile(
    r"""^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
    (?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>[.,]\d{1,9})?)?)?
    (?:\s*(?P<z>Z|UTC|GMT|[+-]\d{2}:?\d{2}))?\s*$""",  # not \s*(?P<z>…)?\s*: two \s* sharing spaces is quadratic
    re.VERBOSE | re.IGNORECASE,
)


def parse_date(value: object, tz: tzinfo) -> datetime:
    """Return *value* (a YAML datetime, date or string) as an aware datetime.

    Naive values are wall-clock time in *tz*; a bare date is midnight there.
    Raises ValueError with a message fit for the user, also for an instant that
    exists but cannot be shown in UTC or in *tz* (``0001-01-01`` in Tokyo).
    """
    moment = _read(value, tz)
    try:
        moment.astimezone(timezone.utc), moment.astimezone(tz)
    except (OverflowError, ValueError):
        raise ValueError(f"{brief(str(value))} is out of range: a date must fall within the years 1 to 9999 "
                         "both in UTC and in the site's timezone") from None
    return moment


def _read(value: object, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    if not isinstance(value, str):
        raise ValueError(f"expected a date such as 2025-12-11 04:49:28 +0000, got {brief(value)}")
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"cannot read {brief(value)} as a date; use e.g. 2025-12-11 04:49:28 +0000 "
                         "or 2025-12-11T04:49:28Z")
    g = match.groupdict()
    micro = int((g["f"] or ".0")[1:].ljust(6, "0")[:6])
    try:
        naive = datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0),
                         int(g["S"] or 0), micro)
    except ValueError as exc:
        raise ValueError(f"cannot read {brief(value)} as a date: {exc}") from None
    zone = g["z"]
    if zone is None:
        return naive.replace(tzinfo=tz)  # in a DST gap, fold=0 reads it with the earlier offset
    if zone.upper() in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=timezone.utc)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"cannot read {brief(value)} as a date: bad UTC offset {zone}")
    return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


def parse_now(value: str) -> datetime:
    """Parse the ``--now`` option; it must carry an offset so it means one instant."""
    match = _DATE.match(value)
    if not match or not match["z"]:
        raise ValueError("--now needs a date, a time and a UTC offset or Z, e.g. 2025-12-20T00:00:00Z; "
                         f"got {brief(value)}")
    return parse_date(value, timezone.utc)


def to_utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


def rfc3339(dt: datetime) -> str:
    """``2025-12-11T04:49:28Z``: the one textual form stored and compared everywhere."""
    utc = to_utc(dt)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"
