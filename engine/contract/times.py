"""Dates and times of the contract: Europe/Oslo, ISO 8601 text, calendar months."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from .errors import InputError
from .workdays import add_working_days, subtract_working_days

OSLO = ZoneInfo("Europe/Oslo")


def parse_date(value: str, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(path, "er ikke en gyldig dato") from None


def parse_datetime(value: str, path: str) -> dt.datetime:
    """ISO 8601 date or date-time; naive values are Europe/Oslo; a date alone is midnight."""
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(value.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(path, "er ikke et gyldig tidspunkt") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=OSLO)
    return parsed.astimezone(OSLO)


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
