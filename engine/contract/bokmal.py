"""How the contract's values read in bokmål: dates, labels, yes/no, and text with patient numbers masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .identifiers import mask_in_text
from .schemas import labels


def norsk_dato(day: dt.date, weekday: bool = False) -> str:
    lab = labels()
    text = f"{day.day}. {lab['months'][day.month - 1]} {day.year}"
    return f"{lab['weekdays'][day.weekday()]} {text}" if weekday else text


def show(value: Any, path: str | None = None) -> str:
    """A fact value as a clinician reads it."""
    if value.__class__ is str and path is None:
        return mask_in_text(value)
    if isinstance(value, dt.datetime):
        return f"{norsk_dato(value.date())} kl. {value:%H:%M}"
    if isinstance(value, dt.date):
        return norsk_dato(value)
    if isinstance(value, bool):
        return str(labels()["boolean"][value])
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(show(v, path) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if path is not None and isinstance(value, str):
        table = labels().get(path) or labels().get(path.rsplit(".", 1)[-1])
        if isinstance(table, dict) and value in table:
            return str(table[value])
    return mask_in_text(str(value))


def label(table: str, value: str) -> str:
    """The bokmål word for a value of the contract ('deny' -> 'avvist'), or the value itself."""
    return str(labels().get(table, {}).get(value, value))
