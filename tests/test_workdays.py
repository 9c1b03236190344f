"""Working days against an explicit list of Norwegian public holidays (not the library itself)."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.contract.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


HOLIDAYS_2025_2026 = {
    D(2025, 1, 1), D(2025, 4, 17), D(2025, 4, 18), D(2025, 4, 20), D(2025, 4, 21), D(2025, 5, 1),
    D(2025, 5, 17), D(2025, 5, 29), D(2025, 6, 8), D(2025, 6, 9), D(2025, 12, 25), D(2025, 12, 26),
    D(2026, 1, 1), D(2026, 4, 2), D(2026, 4, 3), D(2026, 4, 5), D(2026, 4, 6), D(2026, 5, 1),
    D(2026, 5, 14), D(2026, 5, 17), D(2026, 5, 24), D(2026, 5, 25), D(2026, 12, 25), D(2026, 12, 26),
}


def test_working_days_match_explicit_holiday_list():
    day = D(2025, 1, 1)
    while day <= D(2026, 12, 31):
        expected = day.weekday() < 5 and day not in HOLIDAYS_2025_2026
        assert is_working_day(day) == expected, day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("start,days,due", [
    (D(2025, 6, 2), 3, D(2025, 6, 5)),      # plain week
    (D(2025, 6, 2), 5, D(2025, 6, 10)),     # over 2. pinsedag
    (D(2025, 4, 16), 3, D(2025, 4, 24)),    # over Easter
    (D(2025, 12, 19), 3, D(2025, 12, 24)),  # 24 Dec is a working day in Norway
    (D(2026, 12, 18), 5, D(2026, 12, 28)),  # 25 and 26 Dec 2026 fall on Friday and Saturday
    (D(2025, 6, 6), 0, D(2025, 6, 6)),
])
def test_add_working_days(start, days, due):
    assert add_working_days(start, days) == due
    assert working_days_between(start, due) == days
