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


# Ruby's Time.parse (what Jekyll reads a front matter date with) accepts far more than ISO 8601.  These are
# the shapes real posts use beyond _DATE: a date, then a time; the time's zone only when it follows the
# time directly (anything after a gap is ignored, as Ruby ignores it); month names in English.
_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), 1) for name in names}
_LOOSE_DATES = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"),
    re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<mon>[A-Za-z]{3,9})\.?,?[\s-]+(?P<y>\d{4})"),
)
_LOOSE_TIME = re.compile(r"(?<![\d:])(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
                         r"(?:\s?(?P<ampm>[ap])\.?m\b\.?)?(?:[ \t]?(?P<z>Z\b|UTC\b|GMT\b|[+-]\d{1,2}(?::?\d{2})?\b"
                         r"|[A-Za-z]{3,4}\b))?", re.IGNORECASE)
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
          "PST": -8, "PDT": -7, "JST": 9, "CET": 1, "CEST": 2, "BST": 1, "IST": 5.5, "AEST": 10, "AEDT": 11}


def parse_loose(value: str, tz: tzinfo) -> datetime | None:
    """*value* read the way Ruby's ``Time.parse`` reads it (as Jekyll does), or None if it cannot be.

    For dates the strict reader refuses, such as ``2023-01-29 18:30:22 2023 -0800``
    (Ruby takes the date and the time, and the zone only when it follows the time:
    here none, so the site's timezone) or ``January 29, 2023 6:30 pm PST``.
    """
    found = None
    for pattern in _LOOSE_DATES:
        found = pattern.search(value)
        if found and ("mon" not in found.groupdict() or found["mon"].lower() in _MONTHS):
            break
        found = None
    if found is None:
        return None
    month = _MONTHS[found["mon"].lower()] if "mon" in found.groupdict() else int(found["m"])
    rest = value[:found.start()] + " " + value[found.end():]
    clock = _LOOSE_TIME.search(rest)
    hour = minute = second = micro = 0
    zone: tzinfo = tz
    if clock:
        hour, minute, second = int(clock["H"]), int(clock["M"]), int(clock["S"] or 0)
        micro = int((clock["f"] or "0").ljust(6, "0")[:6])
        if clock["ampm"]:
            hour = hour % 12 + (12 if clock["ampm"].lower() == "p" else 0)
        zone = _zone(clock["z"]) or tz
    try:
        moment = datetime(int(found["y"]), month, int(found["d"]), hour, minute, second, micro, zone)
        moment.astimezone(timezone.utc), moment.astimezone(tz)
    except (ValueError, OverflowError):
        return None
    return moment


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text.upper() in _ZONES:
        return timezone(timedelta(hours=_ZONES[text.upper()]))
    if text[0] not in "+-":
        return None  # a word Ruby does not know as a zone
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2] or 0), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        return None
    return timezone((-1 if text[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes))
