"""Work off the event loop: decisions, batches, reloads and the monitor run in a pool of worker threads.

The event loop reads requests and writes answers; anything that costs more than a few
microseconds (parsing a body, validating, deciding, compiling packs, feeding the monitor) is
handed to ``Workers.run``. So ``/healthz``, ``/readyz`` and ``/metrics`` answer in milliseconds
while the workers are busy, and a request waits for a free worker rather than for every
request ahead of it on the loop.

Each request has a deadline (``ServiceConfig.deadline``) that counts the wait for a worker
and the work itself. At the deadline the request is answered 503 with ``Retry-After``; work
that had not started is dropped, and work that had started finishes on its thread (a thread
cannot be stopped from outside) with its result thrown away, never committed to the
decision log nor answered. The pool has a fixed number of threads, so a flood of slow
requests queues instead of starting more threads.

A single decision that is known to be cheap is made on the event loop instead (``inline``):
handing it to a worker and back costs two thread switches and, while a worker holds the
interpreter, up to a switch interval (5 ms) of waiting for it, more than the decision itself
(0.2-0.5 ms). "Known to be cheap" is a small body (``INLINE_MAX_BODY``) after ``INLINE_AFTER``
decisions in a row each done within ``inline_budget`` of CPU time (``ServiceConfig.inline_budget``,
2 ms) and ``WALL_LIMIT`` budgets of wall time; one slower decision sends the next
``INLINE_AFTER`` to the pool again. So the event loop is never held much longer than the
budget by a decision, and a decision that is slow for any reason (a hostile pack, a loaded
machine, a large message) is made on a worker within its deadline while /healthz answers.
``Service.inline`` adds one condition: the decision log commits on the loop as well (SQLite as
shipped); a writer thread of its own (``synchronous=full``, PostgreSQL) needs the interpreter
at every step of a commit, and a loop kept busy deciding would hold it off.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .metrics import Metrics
from .problems import Problem

log = logging.getLogger("dialogvakt.service")

T = TypeVar("T")


class Workers:
    """A fixed pool of worker threads with a deadline for each piece of work."""

    INLINE_AFTER = 32  # decisions in a row within the budget before one is made on the event loop
    INLINE_MAX_BODY = 16 * 1024  # bytes; a larger body is always decided on a worker
    WALL_LIMIT = 25  # budgets of wall time; a decision that took longer is slow whatever its CPU time

    def __init__(self, threads: int, deadline: float, metrics: Metrics, inline_budget: float = 0.0):
        self.threads = max(1, threads)
        self.inline_budget = inline_budget if inline_budget and inline_budget > 0 else 0.0
        self._until_inline = self.INLINE_AFTER  # cheap decisions still to see before inline is allowed
        self.deadline: float | None = deadline if deadline and deadline > 0 else None
        self.metrics = metrics
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.threads,
                                                           thread_name_prefix="dialogvakt-worker")
        self._lock = threading.Lock()
        self.busy = 0  # pieces of work running now

    def _counted(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self._lock:
            self.busy += 1
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.busy -= 1

    def inline(self, size: int) -> bool:
        """Whether a decision of a body of ``size`` bytes may be made on the event loop now."""
        return self.inline_budget > 0 and self._until_inline == 0 and size <= self.INLINE_MAX_BODY

    def took(self, cpu: float, wall: float) -> None:
        """Count what a decision cost, wherever it was made (see ``inline``): its thread's CPU time, as
        the wall time of a worker includes waiting for the interpreter while others run; and its wall
        time past ``WALL_LIMIT`` budgets, for work that waits on something else."""
        with self._lock:
            if cpu > self.inline_budget or wall > self.WALL_LIMIT * self.inline_budget:
                self._until_inline = self.INLINE_AFTER
            elif self._until_inline:
                self._until_inline -= 1

    async def run(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker thread, within the deadline; Problem(503) when it is not done by then."""
        future = self._pool.submit(self._counted, fn, args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.deadline)
        except TimeoutError:
            future.cancel()  # if it has not started, it never will
            self.metrics.deadlines.labels(what).inc()
            log.warning("%s cut off at the deadline of %g s (%d of %d workers busy)", what, self.deadline,
                        self.busy, self.threads)
            raise Problem(503, "deadline-exceeded", "Forespørselen tok for lang tid",
                          f"tjenesten svarer innen {self.deadline:g} sekunder; ingen avgjørelse er gitt eller "
                          "logget for denne forespørselen, prøv igjen", headers={"Retry-After": "1"}) from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
