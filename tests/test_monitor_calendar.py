"""A generated month of traffic gives the overdue answers on the right dates across Christmas and Easter.

The expected deadlines are computed here, from the Norwegian public holidays written
out below, not with engine.workdays. «Forventet svartid: 3-5 virkedager» (D81023 § 6)
allows the whole of the fifth working day after the day the request was sent: an
answer that day is in time, and from midnight in Oslo after that day the answer is
"forfalt" unless it has come. An answer after that resolves the finding.
"""

from __future__ import annotations

import datetime as dt

import pytest

from engine.contract.times import OSLO
from engine.monitor import Monitor
from engine.monitor.traffic import month_of_traffic

D = dt.date
# Public holidays in Norway (helligdager og høytidsdager), 2025-2027. Christmas Eve and
# New Year's Eve are not public holidays. Easter 2026 is 5 April; Easter 2025 was 20 April.
HOLIDAYS = {
    D(2025, 1, 1), D(2025, 4, 17), D(2025, 4, 18), D(2025, 4, 20), D(2025, 4, 21), D(2025, 5, 1),
    D(2025, 5, 17), D(2025, 5, 29), D(2025, 6, 8), D(2025, 6, 9), D(2025, 12, 25), D(2025, 12, 26),
    D(2026, 1, 1), D(2026, 4, 2), D(2026, 4, 3), D(2026, 4, 5), D(2026, 4, 6), D(2026, 5, 1),
    D(2026, 5, 14), D(2026, 5, 17), D(2026, 5, 24), D(2026, 5, 25), D(2026, 12, 25), D(2026, 12, 26),
    D(2027, 1, 1),
}


def working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def fifth_working_day_after(day: dt.date) -> dt.date:
    count = 0
    while count < 5:
        day += dt.timedelta(days=1)
        count += working_day(day)
    return day


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 0, 0, tzinfo=OSLO)


def overdue_from(last_day: dt.date) -> dt.datetime:
    """Midnight after the last day for an answer."""
    return start_of(last_day + dt.timedelta(days=1))


@pytest.fixture(scope="module")
def monitor_packs(engine):
    return [engine.packs["helse-bergen-d81023"]]


@pytest.mark.parametrize("start", [D(2025, 12, 8), D(2026, 3, 16), D(2026, 12, 7)],
                         ids=["christmas-2025", "easter-2026", "christmas-2026"])
@pytest.mark.requires_monitor
def test_overdue_answers_on_the_right_days(monitor_packs, start: dt.date) -> None:
    traffic = month_of_traffic(start, days=31, per_day=12, seed=start.toordinal())
    with Monitor(monitor_packs) as monitor:
        monitor.feed_many(traffic.events)
        found = {f.events[0]: f for f in monitor.findings(kind="svar_forfalt")}
        other = [f for f in monitor.findings() if f.kind != "svar_forfalt"]

    expected = {}
    for req in traffic.requests:
        due = fifth_working_day_after(req.sent.date())
        if req.answered is None or req.answered >= overdue_from(due):
            expected[req.msg_id] = (req, due)
    assert other == []
    assert set(found) == set(expected)
    for msg_id, (req, due) in expected.items():
        f = found[msg_id]
        assert f.due == {"svarfrist": due.isoformat()}, msg_id
        assert f.detected_at == overdue_from(due), msg_id  # the traffic has a clock event every midnight
        assert f.thread == req.thread
        if req.answered is None:
            assert (f.status, f.resolved_at) == ("open", None)
        else:
            assert (f.status, f.resolved_at, f.resolved_by) == ("resolved", req.answered, f"{msg_id}-svar")

    # the month really crosses the holidays: some deadlines move because of them
    naive = {}
    for req, _due in expected.values():
        day, count = req.sent.date(), 0
        while count < 5:
            day += dt.timedelta(days=1)
            count += day.weekday() < 5
        naive[req.msg_id] = day
    moved = [m for m, (req, due) in expected.items() if naive[m] != due]
    assert len(moved) >= 5
    assert len(expected) >= 40 and any(req.answered is not None for req, _ in expected.values())


@pytest.mark.requires_monitor
def test_the_christmas_example_of_the_brief(monitor_packs) -> None:
    """Sent Friday 18 December 2026: Monday 28 December is the fifth working day (24 and 31 December count,
    25 and 26 December do not) and the whole of it is in time; the answer is overdue from Tuesday 29 December."""
    from engine.monitor.traffic import hospital, message_event, municipality

    sent = dt.datetime(2026, 12, 18, 10, 0, tzinfo=OSLO)
    with Monitor(monitor_packs, lateness=0) as monitor:  # each event applied as it is fed
        monitor.feed(message_event(at=sent, msg_id="m1", type="foresporsel", sender=municipality(1),
                                   recipient=hospital(), thread="t1"))
        assert monitor.advance("2026-12-28T23:59") == []  # the fifth working day, to its end: in time
        (finding,) = monitor.advance("2026-12-29T10:00")
        assert (finding.status, finding.detected_at) == ("open", dt.datetime(2026, 12, 29, 10, 0, tzinfo=OSLO))
        (resolved,) = monitor.feed(message_event(at=dt.datetime(2026, 12, 29, 15, 0, tzinfo=OSLO), msg_id="a1",
                                                 type="svar", sender=hospital(), recipient=municipality(1),
                                                 thread="t1"))
        assert resolved is finding and (finding.status, finding.resolved_by) == ("resolved", "a1")
    assert fifth_working_day_after(sent.date()) == D(2026, 12, 28)
    assert finding.due == {"svarfrist": "2026-12-28"}
    assert "senest mandag 28. desember 2026" in finding.message
    assert finding.pack_validity == "expired"  # D81023 was valid until 20 March 2026


@pytest.mark.requires_monitor
def test_an_answer_on_the_last_day_before_the_monitor_looked_is_in_time(monitor_packs) -> None:
    """The monitor sees the last day only through the answer: on that day it is in time, no finding."""
    from engine.monitor.traffic import hospital, message_event, municipality

    with Monitor(monitor_packs, lateness=0) as monitor:  # each event applied as it is fed
        monitor.feed(message_event(at=dt.datetime(2026, 12, 18, 10, 0, tzinfo=OSLO), msg_id="m1",
                                   type="foresporsel", sender=municipality(1), recipient=hospital(), thread="t1"))
        assert monitor.advance("2026-12-24T16:00") == []
        assert monitor.feed(message_event(at=dt.datetime(2026, 12, 28, 23, 30, tzinfo=OSLO), msg_id="a1",
                                          type="svar", sender=hospital(), recipient=municipality(1),
                                          thread="t1")) == []
        assert monitor.advance("2027-01-04T08:00") == []
        assert monitor.findings() == []


@pytest.mark.requires_monitor
def test_an_answer_after_the_last_day_before_the_monitor_looked_is_found_and_resolved(monitor_packs) -> None:
    """The monitor sees the day after the last day only through the answer: made and resolved at once."""
    from engine.monitor.traffic import hospital, message_event, municipality

    with Monitor(monitor_packs, lateness=0) as monitor:  # each event applied as it is fed
        monitor.feed(message_event(at=dt.datetime(2026, 12, 18, 10, 0, tzinfo=OSLO), msg_id="m1",
                                   type="foresporsel", sender=municipality(1), recipient=hospital(), thread="t1"))
        assert monitor.advance("2026-12-24T16:00") == []
        changed = monitor.feed(message_event(at=dt.datetime(2026, 12, 29, 9, 0, tzinfo=OSLO), msg_id="a1",
                                             type="svar", sender=hospital(), recipient=municipality(1), thread="t1"))
        (finding,) = monitor.findings()
    assert changed == [finding, finding]  # made, then resolved by the same event
    assert (finding.status, finding.due, finding.resolved_by) == ("resolved", {"svarfrist": "2026-12-28"}, "a1")
    assert finding.detected_at == finding.resolved_at == dt.datetime(2026, 12, 29, 9, 0, tzinfo=OSLO)


@pytest.mark.parametrize(("due", "unit", "expected"), [
    (D(2026, 12, 28), "working_days", dt.datetime(2026, 12, 29, 0, 0, tzinfo=OSLO)),
    (D(2026, 3, 28), "days", dt.datetime(2026, 3, 29, 0, 0, tzinfo=OSLO)),  # the night summer time begins
    (dt.datetime(2026, 10, 24, 15, 30, tzinfo=OSLO), "days", dt.datetime(2026, 10, 25, 0, 0, tzinfo=OSLO)),
])
def test_a_deadline_in_days_allows_its_whole_last_day(due, unit, expected) -> None:
    from engine.monitor.durable import overdue_instant

    assert overdue_instant(due, unit) == expected.timestamp()


def test_a_deadline_in_hours_falls_due_just_after_its_time() -> None:
    from engine.monitor.durable import overdue_instant

    due = dt.datetime(2026, 2, 3, 9, 30, tzinfo=OSLO)
    assert due.timestamp() < overdue_instant(due, "hours") < due.timestamp() + 1


@pytest.mark.parametrize(("start", "hours", "expected_utc"), [
    # «innen 24 timer etter innleggelse» is 24 real hours: across the change to summer time (29 March 2026,
    # 02:00 -> 03:00) the wall clock shows 09:00, not 08:00, the next day; across the change back
    # (25 October 2026, 03:00 -> 02:00) it shows 07:00.
    (dt.datetime(2026, 3, 28, 8, 0, tzinfo=OSLO), 24, dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)),
    (dt.datetime(2026, 10, 24, 8, 0, tzinfo=OSLO), 24, dt.datetime(2026, 10, 25, 6, 0, tzinfo=dt.UTC)),
    (dt.datetime(2026, 6, 1, 8, 0, tzinfo=OSLO), 24, dt.datetime(2026, 6, 2, 6, 0, tzinfo=dt.UTC)),
])
def test_hours_are_elapsed_time_across_summer_time(start, hours, expected_utc) -> None:
    from engine.eval.deadlines import resolve_due
    from engine.lang.tree import Due

    due = resolve_due(Due("frist", "x", "hours", hours), {"x": start})
    assert isinstance(due, dt.datetime)
    assert due.astimezone(dt.UTC) == expected_utc
    assert (due.timestamp() - start.timestamp()) / 3600 == hours
