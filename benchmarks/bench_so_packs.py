"""Decision speed for the Sykehuset Østfold packs, next to D81023 in the same run.

    .venv/bin/python benchmarks/bench_so_packs.py [ROUNDS]

Evaluates every example request in examples/ without naming a pack (scope selection included),
ROUNDS times each, and prints the median and 95th percentile per request group in microseconds.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

from engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def measure(engine: Engine, requests: list[dict], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for request in requests:
            start = time.perf_counter()
            engine.evaluate(request)
            samples.append((time.perf_counter() - start) * 1e6)
    return samples


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    engine = Engine.from_directory(ROOT / "policies")
    groups = {
        "D81023 (d81023-*)": "d81023-*.json",
        "SØ dialog (so-0*)": "so-0*.json",
        "SØ PLO (so-plo-*)": "so-plo-*.json",
    }
    print(f"python {platform.python_version()}, {platform.machine()}, rounds={rounds}")
    for label, pattern in groups.items():
        requests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob(pattern))]
        measure(engine, requests, 20)  # warm-up
        samples = sorted(measure(engine, requests, rounds))
        p95 = samples[int(len(samples) * 0.95)]
        median = statistics.median(samples)
        print(f"{label:<20} {len(requests):>2} requests  median {median:7.1f} µs  p95 {p95:7.1f} µs")


if __name__ == "__main__":
    main()
