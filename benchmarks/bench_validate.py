"""How long `dialogvakt validate` takes on the bundled packs: is it fast enough to run on every save?

    .venv/bin/python benchmarks/bench_validate.py [--rounds 15]

Each round reads, compiles and lints every bundled pack from disk (what ``validate``
does), in one process after a warm-up round (imports, the fact catalogue and the JSON
Schema are loaded once, as in an editor that keeps the process). Also timed: one
``dialogvakt validate`` as a fresh process, the way a save hook or CI runs it. The
report gives the median and the spread over rounds, per pack and in total.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.authoring.lint import lint_pack
from engine.lang.loader import bundled_policies_dir, list_pack_folders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    folders = list_pack_folders(bundled_policies_dir())
    for folder in folders:  # warm-up
        lint_pack(folder)
    per_pack: dict[str, list[float]] = {f.name: [] for f in folders}
    totals: list[float] = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for folder in folders:
            t0 = time.perf_counter()
            lint_pack(folder)
            per_pack[folder.name].append(time.perf_counter() - t0)
        totals.append(time.perf_counter() - start)
    cli = Path(sys.executable).with_name("dialogvakt")
    processes: list[float] = []
    for _ in range(max(3, args.rounds // 3)):
        t0 = time.perf_counter()
        subprocess.run([str(cli), "validate"], check=True, capture_output=True)
        processes.append(time.perf_counter() - t0)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"rounds: {args.rounds}")
    for name, times in per_pack.items():
        print(f"  {name:<28} median {statistics.median(times) * 1000:7.1f} ms")
    print(f"  {'all five packs':<28} median {statistics.median(totals) * 1000:7.1f} ms "
          f"(min {min(totals) * 1000:.1f}, max {max(totals) * 1000:.1f})")
    print(f"  {'dialogvakt validate (process)':<28} median {statistics.median(processes) * 1000:7.1f} ms "
          f"(min {min(processes) * 1000:.1f}, max {max(processes) * 1000:.1f})")


if __name__ == "__main__":
    main()
