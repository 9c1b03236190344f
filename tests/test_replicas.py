"""Past one process: two `dialogvakt serve` replicas on one PostgreSQL server (docs/scaling.md).

- Decisions: both replicas bind one port with ``--reuse-port`` and write one shared decision log;
  every decision answered is in it exactly once, and both replicas answered some.
- The conversation monitor: partitioned by patient, each replica with its own event log (a
  database of its own on the same server); events are routed to a replica by their patient, the
  clock to both. The findings of the two together are those of one process fed every event.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.contract.identifiers import example_number
from engine.monitor.traffic import month_of_traffic
from engine.server.decisionlog import open_log

from .conftest import fresh_database
from .test_service_process import free_port, stop

pytestmark = pytest.mark.slow  # starts five service processes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
SECRET = "replica-test-secret-0123456789abcdef"


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a connection of its own (so that SO_REUSEPORT may send each to either replica)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"content-type": "application/json"} if body else {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def replica(tmp_path: Path, name: str, port: int, db: str, monitor: str, *extra: str) -> Iterator[Path]:
    """A `dialogvakt serve` process; yields the file of its output (its access log among it)."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "secret").write_text(SECRET)
    log = folder / "service.log"
    env = {**os.environ, "DIALOGVAKT_MONITOR_STORE": monitor}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--db", db,
                                 "--secret-file", str(folder / "secret"), "--reload-interval", "0", *extra],
                                stdout=out, stderr=subprocess.STDOUT, cwd=folder, env=env)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{name} stopped at start-up:\n" + log.read_text(errors="replace"))
            # with --reuse-port another replica may answer on the port: this one is up when it says so
            with contextlib.suppress(OSError):
                if "Application startup complete" in log.read_text(errors="replace") and \
                        request(port, "GET", "/readyz")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not become ready:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
        yield log
    finally:
        stop(proc, timeout=30)


def answered_by(log: Path) -> int:
    return sum(" POST /v1/decisions 200 " in line for line in log.read_text(errors="replace").splitlines())


def test_two_replicas_on_one_port_log_every_decision_exactly_once(tmp_path: Path, postgres_url: str) -> None:
    db = fresh_database(postgres_url, "replica_decisions")
    monitor = fresh_database(postgres_url, "replica_unused_monitor")
    port = free_port()
    total, clients = 400, 8
    bodies = []
    for i in range(total):
        doc = copy.deepcopy(json.loads(EXAMPLES[i % len(EXAMPLES)].read_text(encoding="utf-8")))
        doc["melding"]["pasient"]["id"] = example_number("fnr", seed=5000 + i)
        bodies.append(json.dumps(doc).encode())
    ids: list[str] = []
    failures: list[int] = []
    lock = threading.Lock()

    def send(k: int) -> None:
        for i in range(k, total, clients):
            status, headers, _ = request(port, "POST", "/v1/decisions", bodies[i])
            with lock:
                if status == 200:
                    ids.append(headers["dialogvakt-decision-id"])
                else:
                    failures.append(status)

    with replica(tmp_path, "a", port, db, monitor, "--reuse-port") as log_a, \
            replica(tmp_path, "b", port, db, monitor, "--reuse-port") as log_b:
        threads = [threading.Thread(target=send, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.5)  # the access log line is written as the answer goes out
        by_a, by_b = answered_by(log_a), answered_by(log_b)
    assert not failures and len(ids) == total
    assert by_a + by_b == total and by_a > 0 and by_b > 0, (by_a, by_b)  # both replicas answered
    store = open_log(db)
    try:
        logged = [r.id for r in store.query()]
    finally:
        store.close()
    assert len(logged) == len(set(logged)) == total  # each decision once, none lost, none twice
    assert set(logged) == set(ids)


def _partition(event: dict, partitions: int) -> list[int]:
    """Which replicas an event goes to: a message by its patient, the clock to all."""
    patient = ((event.get("melding") or {}).get("pasient") or {}).get("id")
    if patient is None:
        return list(range(partitions))
    return [int.from_bytes(hashlib.sha256(patient.encode()).digest()[:4], "big") % partitions]


def _findings(port: int) -> list[dict]:
    status, _, body = request(port, "GET", "/v1/findings?status=all")
    assert status == 200, body
    found: list[dict] = json.loads(body)["findings"]
    return found


def _comparable(finding: dict) -> str:
    """A finding without the event numbers, which are places in one replica's own event log."""
    return json.dumps({k: v for k, v in finding.items() if k != "events"}, sort_keys=True, ensure_ascii=False)


@pytest.mark.requires_monitor
def test_the_monitor_partitioned_by_patient_finds_what_one_process_finds(tmp_path: Path, postgres_url: str) -> None:
    db = fresh_database(postgres_url, "replica_monitor_decisions")
    stores = [fresh_database(postgres_url, f"replica_monitor_{name}") for name in ("p0", "p1", "single")]
    traffic = month_of_traffic(dt.date(2026, 3, 2), days=12, per_day=8, seed=7)
    ports = [free_port() for _ in range(3)]
    with replica(tmp_path, "p0", ports[0], db, stores[0]), replica(tmp_path, "p1", ports[1], db, stores[1]), \
            replica(tmp_path, "single", ports[2], db, stores[2]):
        routed: list[list[dict]] = [[], []]
        for event in traffic.events:
            for p in _partition(event, 2):
                routed[p].append(event)
        assert routed[0] and routed[1] and len(routed[0]) + len(routed[1]) > len(traffic.events)
        step = 40
        for p, events in enumerate(routed):
            for i in range(0, len(events), step):
                status, _, body = request(ports[p], "POST", "/v1/events",
                                          json.dumps({"events": events[i:i + step]}).encode())
                assert status == 200, body
        for i in range(0, len(traffic.events), step):
            status, _, body = request(ports[2], "POST", "/v1/events",
                                      json.dumps({"events": traffic.events[i:i + step]}).encode())
            assert status == 200, body
        partitioned = sorted(_comparable(f) for port in ports[:2] for f in _findings(port))
        single = sorted(_comparable(f) for f in _findings(ports[2]))
    assert single and any('"svar_forfalt"' in f for f in single)
    assert partitioned == single
