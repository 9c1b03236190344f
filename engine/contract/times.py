"""Dates and times of the contract: Europe/Oslo, ISO 8601 text, calendar months.

``parse_date`` and ``parse_datetime`` are the one place text becomes a date or a time. They
refuse what would break later arithmetic: digits other than ASCII, years outside
``YEARS`` (a deadline counted from 31 December 9999 overflows), and offsets that move the
time out of range when it is converted to Oslo time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from .errors import InputError
from .workdays import add_working_days, subtract_working_days

OSLO = ZoneInfo("Europe/Oslo")

# the years a message, an admission or a decision can be about: generous on both sides of today,
# and far enough from the ends of Python's calendar (years 1 and 9999) that a deadline of months
# or working days counted from any of them still exists
YEARS = range(1900, 2200)
_RANGE = f"må ligge mellom år {YEARS.start} og {YEARS.stop - 1}"


def _checked_text(value: object, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise InputError(path, f"må være tekst ({what}, ISO 8601)")
    if not value.isascii():
        raise InputError(path, f"er ikke {what}; bruk sifrene 0–9 (ISO 8601)")
    return value


def _in_range(year: int, path: str) -> None:
    if year not in YEARS:
        raise InputError(path, _RANGE)


def parse_date(value: str, path: str) -> dt.date:
    text = _checked_text(value, path, "en gyldig dato")
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(path, "er ikke en gyldig dato") from None
    _in_range(parsed.year, path)
    return parsed


def parse_datetime(value: str, path: str) -> dt.datetime:
    """ISO 8601 date or date-time; naive values are Europe/Oslo; a date alone is midnight."""
    text = _checked_text(value, path, "et gyldig tidspunkt")
    try:
        if len(text) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(path, "er ikke et gyldig tidspunkt") from None
    _in_range(parsed.year, path)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=OSLO)
    try:
        local = parsed.astimezone(OSLO)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:30+02:00 is before the calendar begins
        raise InputError(path, _RANGE) from None
    _in_range(local.year, path)
    return local


def in_oslo(moment: dt.datetime, path: str) -> dt.datetime:
    """An aware (or naive: Europe/Oslo) datetime given from Python, in Oslo time, within ``YEARS``."""
    if not isinstance(moment, dt.datetime):
        raise InputError(path, "må være et tidspunkt (datetime eller ISO 8601-tekst)")
    _in_range(moment.year, path)
    try:
        local = (moment if moment.tzinfo else moment.replace(tzinfo=OSLO)).astimezone(OSLO)
    except (OverflowError, ValueError):
        raise InputError(path, _RANGE) from None
    _in_range(local.year, path)
    return local


def add_hours(moment: dt.datetime, hours: float) -> dt.datetime:
    """``hours`` real hours later, in Oslo time: counted in UTC, so a change to or from summer time in between
    is an hour like any other (arithmetic on Oslo's wall clock would give 23 or 25)."""
    return (moment.astimezone(dt.UTC) + dt.timedelta(hours=hours)).astimezone(OSLO)


def hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Real hours from ``start`` to ``end`` (negative when end is earlier)."""
    return (end.timestamp() - start.timestamp()) / 3600


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (or earlier); the month's last day when it is shorter.

    «Inntil 12 mnd. etter» 15 March 2025 is 15 March 2026; one month after 31 January is 28 or 29 February.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def shift(value: dt.date, unit: str, amount: int) -> dt.date:
    """A date or time moved by a calendar offset: months, days or Norwegian working days (time of day kept)."""
    if isinstance(value, dt.datetime):
        moved = shift(value.date(), unit, amount)
        return value.replace(year=moved.year, month=moved.month, day=moved.day)
    if unit == "months":
        return add_months(value, amount)
    if unit == "days":
        return value + dt.timedelta(days=amount)
    if unit == "working_days":
        return add_working_days(value, amount) if amount >= 0 else subtract_working_days(value, -amount)
    raise ValueError(unit)
