"""Load test of the HTTP decision service from a second process on loopback.

    .venv/bin/python benchmarks/bench_http.py [--rate 200] [--duration 30] [--rounds 3]

Starts ``dialogvakt serve`` (uvicorn, one process, SQLite decision log) on a
free loopback port and drives it from this process with a small HTTP/1.1
client over keep-alive connections (a thread each):

1. single decisions at a fixed rate (default 200 per second): requests are
   sent on a fixed schedule and latency is counted from the moment each one
   was due, so a slow answer also delays the count of those queued behind it
   (no coordinated omission);
2. batches at a fixed rate (default 10 per second of 50 decisions);
3. the most single decisions and batch decisions per second the service
   gives with a closed loop of a few connections.

Every request carries a different fictional patient (engine.identifiers.
example_number), and half of the single decisions are Dialogmelding XML.
Afterwards the script checks that the decision log holds exactly one record
per decision answered, and that no patient number used appears in the
database files or in the service's log output. Figures are medians over the
rounds; the machine is printed with them.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import re
import shutil
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

from engine.contract.identifiers import example_number

ROOT = Path(__file__).resolve().parent.parent

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
XML_EXAMPLES = sorted((ROOT / "examples" / "xml").glob("*.xml"))


# --------------------------------------------------------------------------- payloads

def _context_query(context: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for key, value in context.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out += _context_query(value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                out += _context_query(item, f"{path}[{i}]")
        elif isinstance(value, list):
            out += [(path, str(v)) for v in value]
        else:
            out.append((path, str(value).lower() if isinstance(value, bool) else str(value)))
    return out


@dataclass
class Payload:
    path: str
    content_type: str
    body: bytes
    patient: str


class Payloads:
    """Requests with a fresh fictional patient each; every patient number used is remembered."""

    def __init__(self) -> None:
        self.json = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
        self.xml = []
        from urllib.parse import quote
        for p in XML_EXAMPLES:
            text = p.read_text(encoding="utf-8")
            number = re.search(r"<(?:\w+:)?Id>(\d{11})</(?:\w+:)?Id>\s*<(?:\w+:)?TypeId V=\"(?:FNR|DNR|HNR)\"", text)
            context = json.loads(p.with_suffix(".kontekst.json").read_text(encoding="utf-8"))
            query = "&".join(f"{quote(k, safe='.[]')}={quote(v)}" for k, v in _context_query(context))
            self.xml.append((text, number.group(1), query))
        self.seed = 0
        self.used: set[str] = set()

    def _number(self) -> str:
        kind = ("fnr", "fnr", "fnr", "dnr", "hnr")[self.seed % 5]
        number = example_number(kind, seed=1000 + self.seed)
        self.seed += 1
        self.used.add(number)
        return number

    def request_json(self, i: int) -> dict:
        request = copy.deepcopy(self.json[i % len(self.json)])
        request["melding"]["pasient"]["id"] = self._number()
        return request

    def single(self, i: int) -> Payload:
        if i % 2 and self.xml:
            text, original, query = self.xml[(i // 2) % len(self.xml)]
            number = self._number()
            return Payload(f"/v1/decisions?{query}", "application/xml", text.replace(original, number).encode(),
                           number)
        request = self.request_json(i)
        return Payload("/v1/decisions", "application/json", json.dumps(request).encode(),
                       request["melding"]["pasient"]["id"])

    def batch(self, size: int) -> Payload:
        requests = [self.request_json(self.seed + j) for j in range(size)]
        return Payload("/v1/decisions:batch", "application/json", json.dumps({"requests": requests}).encode(), "")


# --------------------------------------------------------------------------- a minimal keep-alive client

class Connection:
    """One keep-alive HTTP/1.1 connection on a blocking socket; used by one thread at a time."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, payload: Payload) -> tuple[int, bytes]:
        if not payload.body:
            head = f"GET {payload.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        else:
            head = (f"POST {payload.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {payload.content_type}\r\n"
                    f"Content-Length: {len(payload.body)}\r\n\r\n").encode()
        self.sock.sendall(head + payload.body)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        header, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = next((int(v) for k, _, v in (line.partition(b":") for line in lines[1:])
                       if k.strip().lower() == b"content-length"), 0)
        while len(rest) < length:
            self.buffer = rest
            self._fill()
            rest = self.buffer
        body, self.buffer = rest[:length], rest[length:]
        return status, body

    def _fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("the service closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds
    ok: int = 0
    errors: int = 0
    decisions: int = 0
    elapsed: float = 0.0

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))] * 1000

    def add(self, latency: float, status: int, per_request: int) -> None:
        self.latencies.append(latency)
        if status == 200:
            self.ok += 1
            self.decisions += per_request
        else:
            self.errors += 1


def paced(port: int, make, rate: float, duration: float, connections: int, per_request: int) -> Result:
    """Send on a fixed schedule (wrk2-style); latency counts from when each request was due.

    Request i is due at start + i/rate and goes out on connection i mod N, each driven by its own
    thread sleeping until the due time (time.sleep is precise to well under a millisecond). A slow
    answer delays the requests queued behind it on its connection, and that wait is counted
    (no coordinated omission).
    """
    total = int(rate * duration)
    payloads = [make(i) for i in range(total)]
    result = Result()
    lock = threading.Lock()
    conns = [Connection(port) for _ in range(connections)]
    start = time.perf_counter() + 0.1

    def run(k: int) -> None:
        conn = conns[k]
        for i in range(k, total, connections):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status, _ = conn.send(payloads[i])
            latency = time.perf_counter() - due
            with lock:
                result.add(latency, status, per_request)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return result


def closed_loop(port: int, make, duration: float, connections: int, per_request: int) -> Result:
    """As many as the service answers: each connection sends the next request when the last is answered."""
    result = Result()
    payloads = [make(i) for i in range(2000 if per_request == 1 else 60)]
    lock = threading.Lock()
    stop = time.perf_counter() + duration

    def run(k: int) -> None:
        conn = Connection(port)
        i = k
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            status, _ = conn.send(payloads[i % len(payloads)])
            i += connections
            with lock:
                result.add(time.perf_counter() - sent, status, per_request)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- the service

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HEALTH = Payload("/healthz", "", b"", "")

# with --pin: service and load generator on different cores
CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
SERVER_CPU: int | None = None
CLIENT_CPU: int | None = None


def _pin(cpu: int | None):
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@dataclass
class Service:
    proc: subprocess.Popen
    port: int
    db: Path
    log: Path

    def files(self) -> list[Path]:
        return [self.db, Path(f"{self.db}-wal"), Path(f"{self.db}-shm"), self.log]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_service(workdir: Path, synchronous: str, *, python: str = sys.executable,
                  extra: tuple[str, ...] = ("--max-batch", "1000"), pin: int | None = None,
                  what: str = "the service") -> Service:
    """``python -m engine.cli serve`` on a free port with a fresh SQLite decision log, once /readyz says 200."""
    workdir.mkdir(parents=True)
    port = _free_port()
    secret = workdir / "secret"
    secret.write_text(os.urandom(32).hex())
    log = workdir / "service.log"
    db = workdir / "decisions.sqlite"
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([python, "-m", "engine.cli", "serve", "--port", str(port), "--db",
                                 f"{db}?synchronous={synchronous}", "--secret-file", str(secret),
                                 "--reload-interval", "0", *extra],
                                stdout=out, stderr=subprocess.STDOUT, cwd=workdir, preexec_fn=_pin(pin))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return Service(proc, port, db, log)
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{what} did not start:\n" + log.read_text(errors="replace"))


def server_metric(port: int, name: str) -> dict[str, float]:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    out = {}
    for line in data.decode().splitlines():
        if line.startswith(name):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def run_wrk(port: int, payload: Payload, seconds: float, connections: int, workdir: Path) -> dict | None:
    """The same closed loop measured by wrk (C, one thread), when it is installed; None otherwise."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    script = workdir / "post.lua"
    lua = ('wrk.method = "POST"\n'
           'wrk.headers["Content-Type"] = "{}"\n'
           'wrk.body = [==[{}]==]\n').format(payload.content_type, payload.body.decode("utf-8"))
    script.write_text(lua, encoding="utf-8")
    pin = ["taskset", "-c", str(CLIENT_CPU)] if CLIENT_CPU is not None and shutil.which("taskset") else []
    command = [*pin, wrk, "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-s", str(script),
               f"http://127.0.0.1:{port}{payload.path}"]
    out = subprocess.run(command, capture_output=True, text=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    done = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99"),
            "done": done, "errors": int(bad.group(1)) if bad else 0}


def numbers_in(files: list[Path]) -> set[str]:
    """Every 11-digit string in the files (each window of longer digit runs, and the '6 5' spaced form)."""
    seen: set[str] = set()
    for path in files:
        if not path.exists():
            continue
        blob = path.read_bytes()
        for m in re.finditer(rb"\d{11,}", blob):
            run = m.group()
            seen.update(run[i:i + 11].decode() for i in range(len(run) - 10))
        seen.update(m.group().replace(b" ", b"").decode() for m in re.finditer(rb"(?<!\d)\d{6} \d{5}(?!\d)", blob))
    return seen


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"


# --------------------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="single decisions per second (paced)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per paced round")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections for paced load")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--batch-rate", type=float, default=10, help="batches per second (paced)")
    parser.add_argument("--max-seconds", type=float, default=10, help="seconds per closed-loop round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the databases and service logs (else deleted)")
    parser.add_argument("--pin", action="store_true", help="pin the service to one core and the load to the other")
    args = parser.parse_args()
    global SERVER_CPU, CLIENT_CPU
    if args.pin and len(CPUS) > 1:
        SERVER_CPU, CLIENT_CPU = CPUS[-1], CPUS[0]

    payloads = Payloads()
    workdir = Path(tempfile.mkdtemp(prefix="dialogvakt-bench-"))
    if CLIENT_CPU is not None:
        os.sched_setaffinity(0, {CLIENT_CPU})
    # the service as shipped (synchronous=NORMAL), and the same with synchronous=FULL for comparison
    services = {mode: start_service(workdir / mode, mode, pin=SERVER_CPU) for mode in ("normal", "full")}
    port = services["normal"].port
    rows: dict[str, list[Result]] = {"health": [], "single": [], "single_full": [], "batch": [],
                                     "single_max": [], "batch_max": []}
    wrk_rows: list[dict] = []
    try:
        for service in services.values():  # warm-up, not counted: every example once
            (paced(service.port, payloads.single, 50, 1, 2, 1))
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}/{args.rounds} …", file=sys.stderr, flush=True)
            rows["health"].append(paced(port, lambda i: HEALTH, args.rate, args.duration / 3,
                                                    args.connections, 0))
            order = ("single", "single_full") if round_no % 2 == 0 else ("single_full", "single")
            for name in order:
                target = services["full" if name == "single_full" else "normal"].port
                rows[name].append(paced(target, payloads.single, args.rate, args.duration,
                                                    args.connections, 1))
            rows["batch"].append(paced(port, lambda i: payloads.batch(args.batch_size), args.batch_rate,
                                                   args.duration / 2, 4, args.batch_size))
            rows["single_max"].append(closed_loop(port, payloads.single, args.max_seconds, 4, 1))
            rows["batch_max"].append(closed_loop(port, lambda i: payloads.batch(args.batch_size),
                                                             args.max_seconds, 2, args.batch_size))
            measured = run_wrk(port, payloads.single(0), args.max_seconds, 4, workdir)
            if measured is not None:
                wrk_rows.append(measured)
        requests_seconds = server_metric(port, "dialogvakt_request_duration_seconds_")
        evaluation = server_metric(port, "dialogvakt_evaluation_seconds_")
        commit = server_metric(port, "dialogvakt_decision_log_commit_seconds_")
    finally:
        for service in services.values():
            service.stop()

    # ---- the decision logs hold every decision answered, and no patient number is anywhere on disk
    from engine.server.decisionlog import SqliteLog

    warmup = 50
    answered_normal = sum(r.decisions for name, results in rows.items() if name != "single_full" for r in results)
    answered_normal += sum(w["done"] - w["errors"] for w in wrk_rows)  # wrk does not count the last ones in flight
    answered_full = sum(r.decisions for r in rows["single_full"])
    logged_full = SqliteLog(services["full"].db).count()
    logged_normal = SqliteLog(services["normal"].db).count()
    files = [f for service in services.values() for f in service.files()]
    found = sorted(payloads.used & numbers_in(files))
    errors = sum(r.errors for results in rows.values() for r in results) + sum(w["errors"] for w in wrk_rows)
    in_flight = 4 * len(wrk_rows)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def row(label: str, results: list[Result], per_second: str = "decisions") -> str:
        rate = med([(r.decisions if r.decisions else r.ok) / r.elapsed for r in results])
        p50 = med([r.pct(50) for r in results])
        p99 = med([r.pct(99) for r in results])
        worst = med([max(r.latencies) * 1000 for r in results])
        return f"| {label} | {rate:.0f} {per_second}/s | {p50:.2f} ms | {p99:.2f} ms | {worst:.1f} ms |"

    print(f"Machine: {_machine()}")
    pinning = (f"service pinned to CPU {SERVER_CPU}, load generator to CPU {CLIENT_CPU}"
               if SERVER_CPU is not None else "no CPU pinning")
    print(f"Service: one uvicorn process (uvloop, httptools) per configuration, SQLite decision log (WAL); "
          f"client: this script (a thread per keep-alive connection), "
          f"{args.connections} connections for paced load; {pinning}; "
          f"{args.rounds} rounds, medians of the rounds\n")
    print("| load | throughput | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    print(row(f"GET /healthz, paced at {args.rate:.0f}/s (client and HTTP floor)", rows["health"], "requests"))
    print(row(f"single decisions, paced at {args.rate:.0f}/s ({args.duration:.0f} s), decision log "
              f"synchronous=NORMAL (default)", rows["single"]))
    print(row(f"single decisions, paced at {args.rate:.0f}/s, decision log synchronous=FULL", rows["single_full"]))
    print(row(f"batches of {args.batch_size}, paced at {args.batch_rate:.0f}/s", rows["batch"]))
    print(row("single decisions, closed loop, 4 connections", rows["single_max"]))
    print(row(f"batches of {args.batch_size}, closed loop, 2 connections", rows["batch_max"]))
    if wrk_rows:
        print(f"| single decisions, closed loop, 4 connections, measured by wrk (C client) "
              f"| {med([w['rps'] for w in wrk_rows]):.0f} decisions/s "
              f"| {med([w['p50'] for w in wrk_rows]):.2f} ms | {med([w['p99'] for w in wrk_rows]):.2f} ms | |")
    print("\np99 of each round, single decisions paced, NORMAL: "
          + ", ".join(f"{r.pct(99):.2f} ms" for r in rows["single"]) + "; FULL: "
          + ", ".join(f"{r.pct(99):.2f} ms" for r in rows["single_full"]))
    n_eval = evaluation.get("dialogvakt_evaluation_seconds_count", 0) or 1
    n_commit = commit.get("dialogvakt_decision_log_commit_seconds_count", 0) or 1
    print(f"Server side (default service), mean over the run: engine "
          f"{evaluation.get('dialogvakt_evaluation_seconds_sum', 0) / n_eval * 1e3:.3f} ms per decision; "
          f"decision-log commit {commit.get('dialogvakt_decision_log_commit_seconds_sum', 0) / n_commit * 1e3:.3f} "
          f"ms per request (batches included)")
    key = '{route="/v1/decisions"}'
    count = requests_seconds.get(f"dialogvakt_request_duration_seconds_count{key}", 0) or 1
    print(f"Server side, POST /v1/decisions from request to response, mean over the run (single decisions): "
          f"{requests_seconds.get(f'dialogvakt_request_duration_seconds_sum{key}', 0) / count * 1e3:.3f} ms")
    print(f"\nDecision logs: {logged_normal} records for {answered_normal} decisions answered (NORMAL), "
          f"{logged_full} for {answered_full} (FULL), each + {warmup} warm-up"
          + (f"; wrk leaves up to {in_flight} answered but uncounted" if wrk_rows else "") + f". Errors: {errors}")
    print(f"Patient numbers used: {len(payloads.used)}; found in the database files or the service logs: {len(found)}")
    ok = (answered_normal + warmup <= logged_normal <= answered_normal + warmup + in_flight
          and logged_full == answered_full + warmup and not found and not errors)
    print("CHECK: " + ("OK" if ok else "FAILED"))
    if args.keep:
        print(f"Databases and service logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
