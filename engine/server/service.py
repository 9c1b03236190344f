"""The application's state: the packs, the decision log writer, metrics, authentication and the monitor."""

from __future__ import annotations

import asyncio
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
            committed = self.writer.submit(records)
            if committed.done():  # committed on this thread already (SQLite without an fsync per commit)
                committed.result()
            else:
                await asyncio.wrap_future(committed)
        except LogError as exc:
            self.metrics.log_failures.inc(len(records))
            raise Problem(503, "decision-log-unavailable", "Beslutningsloggen kan ikke skrives",
                          f"{exc}; ingen avgjørelse gis uten at den er skrevet i beslutningsloggen") from None
        self.metrics.log_seconds.observe(time.perf_counter() - started)
        for e in items:
            self.metrics.count_decision(e.decision)
        return records


def warm_up() -> None:
    """Build what the first requests would otherwise pay for: holiday tables, the detailed validator."""
    year = dt.date.today().year
    for y in range(year - 2, year + 3):
        holidays_for(y)
    fast_validator(INPUT_SCHEMA)
    detailed_validator(INPUT_SCHEMA)
