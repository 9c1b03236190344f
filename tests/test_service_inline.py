"""When a single decision is made on the event loop rather than on a worker (engine/server/work.py)."""

from __future__ import annotations

from engine.server.metrics import Metrics
from engine.server.work import Workers


def test_inline_only_after_a_run_of_cheap_decisions_and_never_for_a_large_body() -> None:
    workers = Workers(2, 10.0, Metrics(), inline_budget=0.002)
    try:
        assert not workers.inline(100)  # nothing known yet: on a worker
        for _ in range(Workers.INLINE_AFTER - 1):
            workers.took(0.0005, 0.001)
        assert not workers.inline(100)
        workers.took(0.0005, 0.001)
        assert workers.inline(100)
        assert not workers.inline(Workers.INLINE_MAX_BODY + 1)
        workers.took(0.010, 0.011)  # one decision over the budget of CPU time
        assert not workers.inline(100)
        for _ in range(Workers.INLINE_AFTER):
            workers.took(0.0005, 0.001)
        assert workers.inline(100)
        workers.took(0.0001, Workers.WALL_LIMIT * 0.002 + 0.001)  # cheap in CPU, but it waited on something
        assert not workers.inline(100)
    finally:
        workers.close()


def test_a_budget_of_zero_keeps_every_decision_on_the_workers() -> None:
    workers = Workers(2, 10.0, Metrics(), inline_budget=0.0)
    try:
        for _ in range(3 * Workers.INLINE_AFTER):
            workers.took(0.0, 0.0)
        assert not workers.inline(10)
    finally:
        workers.close()
