"""Scale of the conversation monitor: open threads for many organisations, on durable_rules.

    .venv/bin/python benchmarks/bench_monitor.py --threads 100000 --organisations 10000 [--lateness 15m]
        [--bursts 1000,10000]

Feeds ``--threads`` unanswered requests (one thread each) from ``--organisations``
municipalities to a monitor with the bundled packs and an SQLite event log, then:

- feed: events per second, median over batches of 5,000 events, both per second
  of wall-clock time and per second of the process's CPU time
  (``time.process_time``; steadier on a shared machine), and per-event latency
  (median and 99th percentile);
- memory: resident set size with every thread open, and the durable_rules
  sessions used (durable_rules fails at its 1,025th session of a ruleset). The
  events are generated as they are fed, as from a file, so the figure is the
  monitor's own;
- deadline: moves the clock past every deadline at once and times the findings
  (wall-clock and CPU);
- restart: opens a new monitor on the same log and times the replay, which must
  give the same number of open findings;
- ``--bursts``: the same deadline burst for further numbers of threads, each on
  a fresh monitor and log in the same run, to see how it grows.

``--lateness`` is the monitor's window for events that arrive out of order (15
minutes by default, as for a site; ``0`` applies each event as it comes), so the
cost of the reorder buffer can be measured with the same code.

Prints one JSON document; BENCHMARKS.md quotes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine
from engine.monitor import Monitor
from engine.monitor.traffic import open_threads


def rss_mb() -> float:
    """Current resident set size (VmRSS) in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def machine() -> dict:
    """Python, CPU model, cores and load average: the figures compare only within one run on one machine."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:  # pragma: no cover - not Linux
        pass
    return {"python": platform.python_version(), "cpu": model, "cpus": os.cpu_count(),
            "platform": platform.platform(), "load_average": [round(x, 2) for x in os.getloadavg()]}


class Last:
    """Passes events through and keeps the time of the last one."""

    def __init__(self, events: Iterator[dict]):
        self.events = events
        self.time: dt.datetime | None = None

    def __iter__(self) -> Iterator[dict]:
        for event in self.events:
            self.time = dt.datetime.fromisoformat(event["tidspunkt"])
            yield event


def burst(packs: list, threads: int, organisations: int, shards: int, lateness: str) -> dict:
    """Feed ``threads`` open requests to a fresh monitor and log, then let every deadline pass at once."""
    folder = Path(tempfile.mkdtemp(prefix="dialogvakt-bench-"))
    monitor = Monitor(packs, store=folder / "monitor.sqlite", secret=b"benchmark", shards=shards, lateness=lateness)
    events = Last(open_threads(threads, organisations))
    monitor.feed_many(events, batch=5_000)
    if events.time is None:
        raise SystemExit("no events")
    w0, c0 = time.perf_counter(), time.process_time()
    due = monitor.advance(events.time + dt.timedelta(days=14))
    out = {"threads": threads, "findings": len(due), "seconds": round(time.perf_counter() - w0, 2),
           "cpu_seconds": round(time.process_time() - c0, 2)}
    monitor.close()
    for p in folder.glob("monitor.sqlite*"):
        p.unlink()
    folder.rmdir()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--lateness", default="15m", help="the lateness window: 0, 90s, 15m, 2h (default: 15m)")
    parser.add_argument("--bursts", default="", help="further numbers of threads for the deadline burst: 1000,10000")
    parser.add_argument("--replay", metavar="STORE", help=argparse.SUPPRESS)  # the restart, in its own process
    args = parser.parse_args()

    packs = list(Engine.from_directory().packs.values())
    if args.replay:
        t0, c0 = time.perf_counter(), time.process_time()
        restarted = Monitor(packs, store=args.replay, secret=b"benchmark", shards=args.shards, lateness=args.lateness)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"events_replayed": restarted.events_seen, "seconds": round(seconds, 1),
                          "cpu_seconds": round(cpu, 1), "events_per_second": round(restarted.events_seen / seconds),
                          "events_per_cpu_second": round(restarted.events_seen / cpu),
                          "open_findings": len(restarted.open_findings()), "rss_mb": round(rss_mb())}))
        return
    folder = Path(tempfile.mkdtemp(prefix="dialogvakt-bench-"))
    store = folder / "monitor.sqlite"
    before = rss_mb()
    out: dict = {"machine": machine(),
                 "threads": args.threads, "organisations": args.organisations, "shards": args.shards,
                 "lateness": args.lateness}

    monitor = Monitor(packs, store=store, secret=b"benchmark", shards=args.shards, lateness=args.lateness)
    rates, cpu_rates, latencies = [], [], []
    events = Last(open_threads(args.threads, args.organisations))  # generated as fed, as from a file
    stream = iter(events)
    fed = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        chunk = list(itertools.islice(stream, args.batch))
        if not chunk:
            break
        t0, c0 = time.perf_counter(), time.process_time()
        with monitor.store.transaction():
            for event in chunk:
                e0 = time.perf_counter()
                monitor._ingest(event)  # the body of feed_many, timed per event
                latencies.append(time.perf_counter() - e0)
        rates.append(len(chunk) / (time.perf_counter() - t0))
        cpu_rates.append(len(chunk) / max(time.process_time() - c0, 1e-9))
        fed += len(chunk)
    feed_seconds, feed_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if events.time is None:
        raise SystemExit("no events")
    last_time = events.time
    stats = monitor.stats()
    out["feed"] = {"events": fed, "seconds": round(feed_seconds, 1), "cpu_seconds": round(feed_cpu, 1),
                   "events_per_cpu_second": round(fed / feed_cpu),
                   "events_per_cpu_second_median": round(statistics.median(cpu_rates)),
                   "events_per_second_median": round(statistics.median(rates)),
                   "events_per_second_min": round(min(rates)), "events_per_second_max": round(max(rates)),
                   "latency_ms_median": round(statistics.median(latencies) * 1000, 3),
                   "latency_ms_p99": round(sorted(latencies)[int(len(latencies) * 0.99)] * 1000, 3)}
    facts = sum(len(rs.facts(sid)) for i, rs in enumerate(monitor.rulesets)
                for (j, sid) in monitor._sessions if j == i)
    out["open"] = {"threads": stats["threads"], "waiting": stats["waiting"],
                   "durable_rules_sessions": stats["sessions"],
                   "durable_rules_facts": facts, "rss_mb": round(rss_mb()), "rss_mb_before": round(before),
                   "log_mb": round(sum(p.stat().st_size for p in folder.glob("monitor.sqlite*")) / 2**20, 1)}
    t0, c0 = time.perf_counter(), time.process_time()
    due = monitor.advance(last_time + dt.timedelta(days=14))
    seconds = time.perf_counter() - t0
    out["deadline"] = {"findings": len(due), "seconds": round(seconds, 2),
                       "cpu_seconds": round(time.process_time() - c0, 2),
                       "findings_per_second": round(len(due) / seconds) if seconds else None,
                       "open_findings": len(monitor.open_findings()), "rss_mb": round(rss_mb())}
    open_before = len(monitor.open_findings())
    monitor.close()
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    # the restart runs in a fresh process, as after a crash, so that its memory is its own
    restart = subprocess.run([sys.executable, __file__, "--replay", str(store), "--shards", str(args.shards),
                              "--lateness", args.lateness],
                             capture_output=True, text=True, check=True)
    out["restart"] = json.loads(restart.stdout)
    out["restart"]["same_open_findings"] = out["restart"]["open_findings"] == open_before
    for p in folder.glob("monitor.sqlite*"):
        p.unlink()
    folder.rmdir()
    bursts = [int(n) for n in args.bursts.split(",") if n.strip()]
    if bursts:
        out["bursts"] = [burst(packs, n, max(1, n * args.organisations // args.threads), args.shards, args.lateness)
                         for n in bursts]
    out["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
