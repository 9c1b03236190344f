"""Every decision the service answers is in the decision log, once, whichever way it was committed.

Concurrent requests through the application on each store (SQLite as shipped, committed on the
event loop; SQLite with an fsync per commit and PostgreSQL, committed in groups by the writer
thread), decided inline and on the workers; and the group commit itself: what waits while a
commit runs goes in the next one, and no answer is released before its record's commit.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # newer Starlette prefers the httpx2 package; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine import Engine
from engine.contract.identifiers import example_number
from engine.server.app import create_app
from engine.server.config import ServiceConfig
from engine.server.decisionlog import DecisionLog, LogError, LogWriter, open_log, record_for

from .conftest import ROOT

SECRET = b"decisionlog-test-secret-0123456789abcdef"
EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]


def _requests(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        doc = copy.deepcopy(EXAMPLES[i % len(EXAMPLES)])
        doc["melding"]["pasient"]["id"] = example_number("fnr", seed=9000 + i)
        out.append(doc)
    return out


@pytest.fixture(params=["sqlite", "sqlite-full", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "d.sqlite")
    if request.param == "sqlite-full":
        return f"{tmp_path / 'd.sqlite'}?synchronous=full"
    url: str = request.getfixturevalue("postgres_db")
    return url


@pytest.mark.parametrize("budget", [0.0, 60.0], ids=["on-workers", "inline-after-32"])
def test_every_decision_answered_under_concurrency_is_logged_once(db: str, budget: float) -> None:
    total, threads = 160, 8
    requests = _requests(total)
    config = ServiceConfig(db=db, secret=SECRET, reload_interval=0, inline_budget=budget)
    answered: list[str] = []
    lock = threading.Lock()
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        service = client.app.state.service  # type: ignore[attr-defined]

        def send(k: int) -> None:
            for i in range(k, total, threads):
                response = client.post("/v1/decisions", json=requests[i])
                assert response.status_code == 200, response.text
                with lock:
                    answered.append(response.headers["dialogvakt-decision-id"])

        workers = [threading.Thread(target=send, args=(k,)) for k in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        batch = client.post("/v1/decisions:batch", json={"requests": requests[:20]}).json()
        answered += [r["decision_id"] for r in batch["results"]]
        inline_now = service.workers.inline(100)
    store = open_log(db)
    try:
        logged = [r.id for r in store.query()]
    finally:
        store.close()
    assert len(answered) == total + 20
    assert len(logged) == len(set(logged)) == len(answered) and set(logged) == set(answered)
    assert inline_now is (budget > 0)  # within a budget of a minute every decision is cheap: inline after 32


class _HeldStore(DecisionLog):
    """A store whose first commit waits until the test lets it go; remembers each commit's size."""

    url = "held://"
    commits_are_cheap = False

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.commits: list[int] = []

    def write_many(self, records: Any) -> None:
        if not self.commits:
            self.entered.set()
            assert self.release.wait(30)
        self.commits.append(len(records))

    def ping(self) -> None:
        pass

    def close(self) -> None:
        pass


def _first_commit_held(engine: Engine, store: _HeldStore) -> tuple[LogWriter, Any, concurrent.futures.Future[int]]:
    """A writer on ``store``, one decision's record, and that record's commit, started and held by the store."""
    writer = LogWriter(lambda: store)
    request = _requests(1)[0]
    record = record_for(engine.evaluate(request), request, secret=SECRET, source="json")
    first = writer.submit([record])
    assert store.entered.wait(30)
    return writer, record, first


def test_what_waits_during_a_commit_goes_in_the_next_commit_together(engine: Engine) -> None:
    store = _HeldStore()
    writer, record, first = _first_commit_held(engine, store)
    waiting = [writer.submit([record]) for _ in range(10)]  # ten requests arrive while the commit runs
    assert not first.done() and not any(f.done() for f in waiting)  # no answer before its commit
    store.release.set()
    assert [f.result(timeout=30) for f in [first, *waiting]] == [1] * 11
    writer.close()
    assert store.commits == [1, 10]  # one transaction (one fsync, one round trip) for the ten


def test_a_failed_group_commit_fails_every_request_in_it(engine: Engine) -> None:
    class Failing(_HeldStore):
        def write_many(self, records: Any) -> None:
            super().write_many(records)
            if len(self.commits) == 2:
                raise OSError("disk full")

    store = Failing()
    writer, record, first = _first_commit_held(engine, store)
    waiting = [writer.submit([record]) for _ in range(5)]
    store.release.set()
    assert first.result(timeout=30) == 1
    for future in waiting:
        with pytest.raises(LogError, match="kunne ikke skrives"):
            future.result(timeout=30)
    writer.close()


def test_requests_reaching_the_log_in_one_turn_of_the_event_loop_share_one_commit(engine: Engine) -> None:
    import asyncio

    from engine.server.requests import Evaluated
    from engine.server.service import Service

    class Writer:
        inline = True
        url = "counting://"

        def __init__(self) -> None:
            self.commits: list[int] = []

        def submit(self, records: Any) -> concurrent.futures.Future[int]:
            self.commits.append(len(records))
            done: concurrent.futures.Future[int] = concurrent.futures.Future()
            done.set_result(len(records))
            return done

    service = Service(ServiceConfig(secret=SECRET, reload_interval=0))
    writer = Writer()
    service.writer = writer  # type: ignore[assignment]
    items = [Evaluated(engine.evaluate(r), r, "json") for r in _requests(5)]

    async def five_requests() -> list[Any]:
        return list(await asyncio.gather(*(service.commit([item], None) for item in items)))

    # on a thread of its own: a test before this one (the browser's sync API) may leave a loop running here
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answered = pool.submit(asyncio.run, five_requests()).result()
    service.workers.close()
    assert writer.commits == [5] and len(answered) == 5  # one transaction, and every request answered after it
