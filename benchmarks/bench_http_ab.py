"""Before and after: the HTTP service of two checkouts, driven in alternation by one client.

    .venv/bin/python benchmarks/bench_http_ab.py --before ../main [--rounds 3] [--duration 20] [--sync normal]

Each checkout's own ``.venv/bin/python -m engine.cli serve`` is started on a free loopback
port with a fresh SQLite decision log (``?synchronous=`` ``--sync``); both are warmed up,
then every round runs, in alternating order, single decisions paced at 200 and at 500 per
second (``bench_http.paced``: latency from when each request was due, no coordinated
omission) and a closed loop on 4 connections (half the ``--duration``). The load average is
read after every run, since on a shared machine the neighbours set the tails; and the
service's own CPU time per decision answered (user + system, from /proc), which the
neighbours change much less than latency. Afterwards the decision logs must hold exactly one
record per decision answered.
"""

from __future__ import annotations

import argparse
import functools
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

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 100


def start(checkout: Path, workdir: Path, sync: str, extra: list[str]) -> http.Service:
    return http.start_service(workdir, sync, python=str(checkout / ".venv" / "bin" / "python"), extra=tuple(extra),
                              what=str(checkout))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(service: http.Service, run, cpu: list[float]) -> http.Result:
    """``run()``, and the service's CPU time per decision it answered during it (ms) added to ``cpu``."""
    before = cpu_seconds(service.proc.pid)
    result: http.Result = run()
    cpu.append((cpu_seconds(service.proc.pid) - before) / max(result.ok, 1) * 1000)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (with its .venv)")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20, help="seconds per paced run")
    parser.add_argument("--sync", choices=("normal", "full"), default="normal")
    parser.add_argument("--before-args", default="", help="more options for the first service's serve")
    parser.add_argument("--after-args", default="", help="more options for the second service's serve")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dialogvakt-ab-"))
    services = {"before": start(args.before.resolve(), workdir / "before", args.sync, args.before_args.split()),
                "after": start(args.after.resolve(), workdir / "after", args.sync, args.after_args.split())}
    payloads = http.Payloads()
    results: dict[tuple[str, object], list[http.Result]] = {}
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    loads: list[float] = []
    try:
        for service in services.values():
            http.paced(service.port, payloads.single, 50, WARMUP / 50, 2, 1)
        for round_no in range(args.rounds):
            order = ["before", "after"] if round_no % 2 == 0 else ["after", "before"]
            for rate in (200, 500):
                for name in order:
                    port = services[name].port
                    results.setdefault((name, rate), []).append(measured(
                        services[name], functools.partial(http.paced, port, payloads.single, rate, args.duration, 8, 1),
                        cpu[name]))
                    loads.append(os.getloadavg()[0])
            for name in order:
                port = services[name].port
                results.setdefault((name, "closed"), []).append(measured(
                    services[name], functools.partial(http.closed_loop, port, payloads.single, args.duration / 2, 4, 1),
                    cpu[name]))
                loads.append(os.getloadavg()[0])
            print(f"round {round_no + 1}/{args.rounds}, load average {os.getloadavg()[0]:.2f}", file=sys.stderr,
                  flush=True)
    finally:
        for service in services.values():
            service.stop()
    ok = True
    for name, service in services.items():
        answered = sum(r.ok for (n, _), rs in results.items() if n == name for r in rs) + WARMUP
        logged = SqliteLog(service.db).count()
        print(f"{name}: {logged} records for {answered} decisions answered")
        ok = ok and logged == answered
    errors = sum(r.errors for rs in results.values() for r in rs)
    med = statistics.median
    print(f"Machine: {http._machine()}; load average (1 min) after each run: min {min(loads):.2f}, "
          f"median {med(loads):.2f}, max {max(loads):.2f}")
    print(f"before: {args.before} {args.before_args}, after: {args.after} {args.after_args}; "
          f"SQLite synchronous={args.sync.upper()}; "
          f"{args.rounds} rounds of {args.duration:g} s paced, {args.duration / 2:g} s closed loop; medians\n")
    print("| load | before: throughput | p50 | p99 | after: throughput | p50 | p99 |")
    print("|---|---|---|---|---|---|---|")
    for key, label in ((200, "single decisions paced at 200/s"), (500, "single decisions paced at 500/s"),
                       ("closed", "single decisions, closed loop, 4 connections")):
        cells = [label]
        for name in ("before", "after"):
            rs = results[(name, key)]
            cells += [f"{med([r.ok / r.elapsed for r in rs]):.0f}/s", f"{med([r.pct(50) for r in rs]):.2f} ms",
                      f"{med([r.pct(99) for r in rs]):.2f} ms"]
        print("| " + " | ".join(cells) + " |")
    for key in (200, 500, "closed"):
        print(f"p99 of each round, {key}: before " + ", ".join(f"{r.pct(99):.2f}" for r in results[("before", key)])
              + "; after " + ", ".join(f"{r.pct(99):.2f}" for r in results[("after", key)]) + " ms")
    print("Service CPU time per decision answered (user + system), median of the runs: "
          + ", ".join(f"{name} {med(values):.3f} ms" for name, values in cpu.items()))
    print(f"Errors: {errors}")
    ok = ok and not errors
    print("CHECK: " + ("OK" if ok else "FAILED"))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
