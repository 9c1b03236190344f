"""The tail of single decisions at a paced rate, one service as shipped and nothing else running.

    .venv/bin/python benchmarks/bench_http_tail.py [--rate 500] [--duration 20] [--rounds 4]

``bench_http.py`` measures many kinds of load in one run, with a second service beside the first;
this one isolates the figure of the issue: single decisions paced at ``--rate`` on 8 keep-alive
connections (``bench_http.paced``: latency from when each request was due), on a fresh service with
a fresh SQLite decision log (``synchronous=NORMAL``) for every round, after a short warm-up. Prints
p50, p99 and the largest latency of each round and their medians, the load average with each round,
and checks that each decision log holds one record per decision answered.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_http as http

from engine.server.decisionlog import SqliteLog

WARMUP_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500, help="single decisions per second")
    parser.add_argument("--duration", type=float, default=20, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    payloads = http.Payloads()
    workdir = Path(tempfile.mkdtemp(prefix="dialogvakt-tail-"))
    print(f"Machine: {http._machine()}")
    rows, ok = [], True
    try:
        for n in range(args.rounds):
            service = http.start_service(workdir / f"round-{n}", "normal")
            try:
                warm = http.paced(service.port, payloads.single, args.rate, WARMUP_SECONDS, 8, 1)
                result = http.paced(service.port, payloads.single, args.rate, args.duration, 8, 1)
            finally:
                service.stop()
            logged = SqliteLog(service.db).count()
            ok = ok and logged == warm.decisions + result.decisions and not (warm.errors or result.errors)
            load = os.getloadavg()[0]
            rows.append((result.pct(50), result.pct(99), max(result.latencies) * 1000))
            print(f"round {n + 1}: p50 {rows[-1][0]:.2f} ms, p99 {rows[-1][1]:.2f} ms, max {rows[-1][2]:.1f} ms; "
                  f"{result.decisions} decisions, {logged} records; load average {load:.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    p50, p99, worst = (statistics.median(r[i] for r in rows) for i in range(3))
    print(f"single decisions paced at {args.rate:.0f}/s for {args.duration:.0f} s, {args.rounds} rounds, medians: "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.1f} ms")
    print("CHECK: " + ("OK" if ok else "FAILED (a decision log does not hold one record per decision answered)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
