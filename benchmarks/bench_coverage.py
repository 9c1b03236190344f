"""How long ``dialogvakt coverage`` takes on the bundled packs and features.

    .venv/bin/python benchmarks/bench_coverage.py [--rounds 5]

Each round runs the whole command as a user would (a fresh process: start-up,
compiling the packs, every pack test and scenario, and one flip per evaluated
rule), and separately times the computation alone in this process on an engine
compiled once. The report gives the median and the spread over rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the engine of this checkout

from engine import Engine
from engine.authoring.coverage import compute

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    command = [str(Path(sys.executable).with_name("dialogvakt")), "coverage", "--format", "json"]
    whole, alone = [], []
    engine = Engine.from_directory(ROOT / "policies")
    report = None
    for _ in range(args.rounds):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
        whole.append(time.perf_counter() - start)
        start = time.perf_counter()
        report = compute(engine, features=ROOT / "features")
        alone.append(time.perf_counter() - start)
    assert report is not None
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{report.tests_run} pack tests, {report.scenarios_run} scenarios, {len(report.rules)} rules")
    for name, times in (("dialogvakt coverage (whole command)", whole), ("compute() alone", alone)):
        print(f"{name}: median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
              f"{len(times)} rounds)")


if __name__ == "__main__":
    main()
