"""The application's state: the packs, the decision log writer, metrics, authentication and the monitor."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ..contract.schemas import INPUT_SCHEMA, detailed_validator, fast_validator
from ..contract.workdays import holidays_for
from ..lang.loader import bundled_policies_dir
from .auth import Authenticator
from .config import ServiceConfig
from .decisionlog import DecisionRecord, LogError, LogWriter, open_log, record_for
from .metrics import Metrics
from .monitoring import MonitorBinding, load_monitor
from .packs import Packs
from .problems import Problem
from .requests import Evaluated
from .work import Workers


class Service:
    """The application's state: packs, decision log writer, metrics, authentication."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.metrics = Metrics()
        root = Path(config.policies) if config.policies else bundled_policies_dir()
        self.packs = Packs(root, allow_synthetic_ids=config.test_environment, metrics=self.metrics)
        self.auth = Authenticator(config.auth)
        self.workers = Workers(config.workers, config.deadline, self.metrics, config.inline_budget)
        warm_up()
        self.writer: LogWriter | None = None
        self._monitor: MonitorBinding | None = None
        self._monitor_lock = threading.Lock()
        self._waiting: list[tuple[Sequence[DecisionRecord], asyncio.Future[int]]] = []  # see _group

    def start(self) -> None:
        if self.writer is None:
            self.writer = LogWriter(lambda: open_log(self.config.db))

    def stop(self) -> None:
        self.workers.close()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None

    def monitor(self) -> MonitorBinding:
        with self._monitor_lock:
            if self._monitor is None:
                self._monitor = load_monitor(self.config, list(self.packs.engine.packs.values()))
            return self._monitor

    def inline(self, size: int) -> bool:
        """Whether a single decision of a body of ``size`` bytes is made on the event loop (``Workers.inline``).

        Only where the log commits on the loop too (SQLite as shipped). Where a writer thread commits
        (``synchronous=full``, PostgreSQL), that thread needs the interpreter at every step of a commit,
        and a loop busy deciding holds it off: at 500 decisions/s with ``synchronous=full`` the queue of
        commits grew without end. There the decisions go to the workers, whose threads wait in turn."""
        writer = self.writer
        return writer is not None and writer.inline and self.workers.inline(size)

    def record(self, item: Evaluated, client: str | None) -> DecisionRecord:
        """The decision log record of one decision (input hash, pseudonym): made where the decision was."""
        return record_for(item.decision, item.request, secret=self.config.secret, source=item.source, client=client)

    async def commit(self, items: Sequence[Evaluated], client: str | None,
                     records: Sequence[DecisionRecord] | None = None) -> Sequence[DecisionRecord]:
        """Write the decisions (or their ``records``, made already) to the log; returns the records. Raises
        Problem(503) when it cannot. Returns when the records are committed, and only then."""
        if self.writer is None:
            raise Problem(503, "decision-log-unavailable", "Beslutningsloggen er ikke åpen",
                          "ingen avgjørelse gis uten at den er skrevet i beslutningsloggen")
        if records is None:
            records = [self.record(e, client) for e in items]
        started = time.perf_counter()
        try:
            if self.writer.inline:  # SQLite without an fsync per commit: on this loop, in groups
                await self._group(records)
            else:  # the writer's thread commits what waits in one transaction
                await asyncio.wrap_future(self.writer.submit(records))
        except LogError as exc:
            self.metrics.log_failures.inc(len(records))
            raise Problem(503, "decision-log-unavailable", "Beslutningsloggen kan ikke skrives",
                          f"{exc}; ingen avgjørelse gis uten at den er skrevet i beslutningsloggen") from None
        self.metrics.log_seconds.observe(time.perf_counter() - started)
        for e in items:
            self.metrics.count_decision(e.decision)
        return records

    def _group(self, records: Sequence[DecisionRecord]) -> asyncio.Future[int]:
        """Commit the records with those of every other request that reaches this point in the same turn
        of the event loop, in one transaction, at the end of the turn; the future completes after it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._waiting.append((records, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._commit_waiting)
        return future

    def _commit_waiting(self) -> None:
        jobs, self._waiting = self._waiting, []
        committed: concurrent.futures.Future[int] = concurrent.futures.Future()
        if self.writer is None:
            committed.set_exception(LogError("beslutningsloggen er lukket"))
        else:  # committed by the time it returns; while closing, handed to the writer's thread
            try:
                committed = self.writer.submit([r for records, _ in jobs for r in records])
            except Exception as exc:  # never leave a request waiting
                committed.set_exception(LogError(f"beslutningsloggen kunne ikke skrives ({type(exc).__name__})"))

        def settle(done: concurrent.futures.Future[int]) -> None:
            failure = done.exception()
            for records, future in jobs:
                if future.done():  # the request was cancelled (its client went away)
                    continue
                if failure is not None:
                    future.set_exception(failure)
                else:
                    future.set_result(len(records))

        if committed.done():
            settle(committed)
        else:
            loop = asyncio.get_running_loop()
            committed.add_done_callback(lambda done: loop.call_soon_threadsafe(settle, done))


def warm_up() -> None:
    """Build what the first requests would otherwise pay for: holiday tables, the detailed validator."""
    year = dt.date.today().year
    for y in range(year - 2, year + 3):
        holidays_for(y)
    fast_validator(INPUT_SCHEMA)
    detailed_validator(INPUT_SCHEMA)
