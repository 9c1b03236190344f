"""Kill the decision service with SIGKILL under load and check that no answered decision was lost.

    .venv/bin/python benchmarks/fault_kill.py [--clients 12] [--kills 5] [--interval 2.5] [--rounds 3]

Starts ``dialogvakt serve`` (one uvicorn process, a fresh SQLite decision log as shipped) and
drives it from this process with ``--clients`` keep-alive connections, each sending single JSON
decisions, Dialogmelding XML decisions and batches of 10 without pause. Every ``--interval``
seconds the service is killed with SIGKILL (no chance to flush anything) and started again on the
same decision log and port; the clients reconnect and go on. After ``--kills`` kills the service
is stopped and its decision log read back.

A decision counts as *answered* when the client received its 200 with its decision id (the
``Dialogvakt-Decision-Id`` header, or ``decision_id`` in a batch result). The check: every
answered decision is in the log with the same decision. Decisions in the log that no client saw
answered (the service was killed between the commit and the answer) are counted and allowed:
the log may hold more than was answered, never less. Prints ``CHECK: OK`` or fails, with the
medians over the rounds and the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the engine of this checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import Payloads

from engine.server.decisionlog import SqliteLog


def machine() -> str:
    """The CPU, cores, Python, date and load: what a figure was measured on."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
            f"load average {os.getloadavg()[0]:.2f} at the start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    workdir: Path
    port: int
    extra: tuple[str, ...] = ()  # more options for dialogvakt serve
    proc: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)  # seconds from start to ready

    @property
    def db(self) -> Path:
        return self.workdir / "decisions.sqlite"

    def start(self) -> None:
        secret = self.workdir / "secret"
        if not secret.exists():
            secret.write_text(os.urandom(32).hex())
        began = time.perf_counter()
        with open(self.workdir / "service.log", "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(self.port),
                                          "--db", str(self.db), "--secret-file", str(secret),
                                          "--reload-interval", "0", *self.extra], stdout=out,
                                         stderr=subprocess.STDOUT,
                                         cwd=self.workdir)
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.perf_counter() - began > 60:
                raise SystemExit("the service did not start:\n" + (self.workdir / "service.log").read_text())
            time.sleep(0.05)
        self.starts.append(time.perf_counter() - began)

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@dataclass
class Tally:
    answered: dict[str, str] = field(default_factory=dict)  # decision id -> decision
    requests: int = 0
    refused: int = 0  # connection lost or not 200 (the service was down)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(port: int, payloads: Payloads, tally: Tally, stop: threading.Event, k: int) -> None:
    conn: http.client.HTTPConnection | None = None
    i = k
    while not stop.is_set():
        payload = payloads.batch(10) if i % 5 == 4 else payloads.single(i)
        i += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", payload.path, payload.body, {"content-type": payload.content_type})
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.requests += 1
                tally.refused += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.02)
            continue
        got: dict[str, str] = {}
        if response.status == 200 and payload.path.startswith("/v1/decisions:batch"):
            for result in json.loads(body)["results"]:
                if result["status"] == 200:
                    got[result["decision_id"]] = result["decision"]["decision"]
        elif response.status == 200:
            got[response.getheader("dialogvakt-decision-id") or ""] = json.loads(body)["decision"]
        with tally.lock:
            tally.requests += 1
            tally.refused += response.status != 200
            tally.answered.update(got)
    if conn is not None:
        conn.close()


def one_round(clients: int, kills: int, interval: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="dialogvakt-fault-") as tmp:
        service = Service(Path(tmp), free_port())
        service.start()
        payloads = Payloads()
        tally, stop = Tally(), threading.Event()
        threads = [threading.Thread(target=client, args=(service.port, payloads, tally, stop, k), daemon=True)
                   for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for _ in range(kills):
            time.sleep(interval)
            service.kill()
            service.start()
        time.sleep(interval)
        stop.set()
        for t in threads:
            t.join(60)
        elapsed = time.perf_counter() - started
        service.stop()
        logged = {r.id: r.decision for r in SqliteLog(service.db).query()}
    lost = [i for i in tally.answered if i not in logged]
    changed = [i for i, d in tally.answered.items() if i in logged and logged[i] != d]
    extra = len(set(logged) - set(tally.answered))
    print(f"  answered {len(tally.answered):,} decisions in {tally.requests:,} requests over {elapsed:.1f} s "
          f"({kills} kills); logged {len(logged):,}; lost {len(lost)}, changed {len(changed)}; "
          f"logged but not seen answered {extra}; requests refused while down {tally.refused:,}; "
          f"restart to ready {statistics.median(service.starts[1:]) if kills else 0:.2f} s (median)")
    if lost or changed:
        raise SystemExit(f"CHECK: FAILED: {len(lost)} answered decisions not in the log, {len(changed)} changed")
    return {"answered": len(tally.answered), "logged": len(logged), "extra": extra,
            "per_second": len(tally.answered) / elapsed, "restart": statistics.median(service.starts[1:] or [0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--interval", type=float, default=2.5, help="seconds between kills")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rounds = []
    for r in range(args.rounds):
        print(f"round {r + 1}:")
        rounds.append(one_round(args.clients, args.kills, args.interval))
    med = {k: statistics.median(x[k] for x in rounds) for k in rounds[0]}
    print(f"median of {args.rounds} rounds: {med['answered']:,.0f} answered decisions, {med['logged']:,.0f} logged, "
          f"0 lost; {med['extra']:.0f} logged but not seen answered; {med['per_second']:.0f} answered decisions/s "
          f"under kills; restart to ready {med['restart']:.2f} s")
    print("CHECK: OK (every answered decision is in the decision log, with the same decision)")


if __name__ == "__main__":
    main()
