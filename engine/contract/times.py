"""Dates and times of the contract: Europe/Oslo, ISO 8601 text, calendar months."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .errors import InputError

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
