"""Working days in Norway: Monday to Friday, except public holidays.

Public holidays come from the ``holidays`` package (Norway, without Sundays as
holidays, since weekends are excluded anyway). Christmas Eve and New Year's Eve
are not public holidays in Norway and count as working days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=64)
def holidays_for(year: int) -> frozenset[dt.date]:
    import holidays  # about 20 ms of imports, for the commands that count working days

    return frozenset(holidays.country_holidays("NO", years=year, include_sundays=False).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in holidays_for(day.year)


def holiday_name(day: dt.date) -> str | None:
    """The Norwegian name of a public holiday, or None."""
    import holidays

    names = holidays.country_holidays("NO", years=day.year, include_sundays=False)
    return names.get(day)


@lru_cache(maxsize=4096)
def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts).

    A request sent on Friday with 3 working days to answer is due on Wednesday.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


@lru_cache(maxsize=4096)
def subtract_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days before ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current -= dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
