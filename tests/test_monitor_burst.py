"""When many deadlines pass at once, the monitor's work is one step per deadline, whatever else it holds.

The work is counted, never timed: facts asserted into and retracted from durable_rules (one call
may carry several) and the records its rules leave, while the clock moves past every deadline of ``n`` open threads.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from engine.monitor import Monitor
from engine.monitor.durable import Ruleset
from engine.monitor.traffic import open_threads

pytestmark = pytest.mark.requires_monitor


def fed(engine, n: int) -> tuple[Monitor, dt.datetime]:
    monitor = Monitor([engine.packs["helse-bergen-d81023"]], lateness=0)
    events = list(open_threads(n, 10))
    monitor.feed_many(events)
    return monitor, dt.datetime.fromisoformat(events[-1]["tidspunkt"])


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """Calls into durable_rules by the monitor's rulesets, and the records their actions leave."""
    counted: Counter = Counter()
    for name, key, many in (("assert_fact", "asserted", False), ("assert_facts", "asserted", True),
                            ("retract", "retracted", False), ("retract_facts", "retracted", True)):
        original = getattr(Ruleset, name)

        def counting(self, sid, fact, _original=original, _key=key, _many=many):
            counted[_key] += len(fact) if _many else 1  # facts, however many calls they took
            return _original(self, sid, fact)

        monkeypatch.setattr(Ruleset, name, counting)
    original_drain = Ruleset.drain

    def drain(self):
        records = original_drain(self)
        counted["records"] += len(records)
        return records

    monkeypatch.setattr(Ruleset, "drain", drain)
    return counted


@pytest.mark.parametrize("n", [60, 240])
def test_the_deadline_burst_is_one_assertion_and_one_retraction_per_deadline(engine, calls, n) -> None:
    monitor, last = fed(engine, n)
    with monitor:
        before_due = monitor.deadlines_due
        calls.clear()
        found = monitor.advance(last + dt.timedelta(days=14))
        assert len(found) == n
        assert monitor.deadlines_due - before_due == n  # one deadline popped from the heap per thread
        # one $due fact asserted per deadline, and retracted at once (the clock is past its hour)
        assert calls["asserted"] == n
        assert calls["retracted"] == n
        assert calls["records"] == n  # each anchor's rule fired once


def test_moving_the_clock_again_after_the_burst_touches_no_thread(engine, calls) -> None:
    monitor, last = fed(engine, 120)
    with monitor:
        late = last + dt.timedelta(days=14)
        monitor.advance(late)
        calls.clear()
        for minutes in (1, 5, 30, 90, 60 * 24):  # in the same hour, and later ones
            assert monitor.advance(late + dt.timedelta(minutes=minutes)) == []
        assert calls == Counter()  # the overdue threads are not looked at again


def test_a_deadline_falling_due_in_the_hour_the_clock_is_in_stays_until_the_hour_ends(engine, calls) -> None:
    monitor, last = fed(engine, 30)
    with monitor:
        due = sorted(instant for instant, *_ in monitor._deadlines)
        first = dt.datetime.fromtimestamp(due[0], last.tzinfo)
        hour_end = first.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        calls.clear()
        found = monitor.advance(first + dt.timedelta(seconds=1))
        kept = len(monitor._due_now)
        assert kept == calls["asserted"] == len(found) > 0
        assert calls["retracted"] == 0
        monitor.advance(hour_end + dt.timedelta(seconds=1))
        assert calls["retracted"] >= kept  # those of the hour that ended go, with any that fell due since
