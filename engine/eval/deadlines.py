"""Deadlines: the day or moment a duty falls due, from a fact of the message and a ``Due`` of a rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..contract.times import OSLO, add_hours
from ..contract.workdays import add_working_days
from ..lang.tree import Due


def resolve_due(due: Due, facts: Mapping[str, Any]) -> dt.date | dt.datetime | None:
    start = facts.get(due.from_fact)
    if start is None:
        return None
    if due.unit == "hours":  # elapsed hours: counted on the time line, across the change to or from summer time
        return add_hours(start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time(), OSLO),
                         due.amount)
    day = start.date() if isinstance(start, dt.datetime) else start
    if due.unit == "days":
        return day + dt.timedelta(days=due.amount)
    return add_working_days(day, due.amount)
