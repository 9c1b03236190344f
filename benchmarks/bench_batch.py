"""Decisions per second and peak memory of `dialogvakt batch`, one worker against two, in the same run.

    .venv/bin/python benchmarks/bench_batch.py [--messages 30000] [--rounds 3]

The input is the shipped corpus (corpus/meldinger.jsonl) cycled to --messages lines, written once to a
temporary file. Each round runs `dialogvakt batch IN --out /dev/null --test-environment` as a new process
with --workers 1 and with --workers 2, alternating which goes first, and measures:
- decisions/s end to end: lines / wall time of the whole command (start-up and pack compilation included);
- decisions/s as the command's own summary gives it (from the first line read to the last written);
- peak memory of the process tree: the command and its workers, their PSS summed (/proc polled every
  50 ms; a forked worker's pages shared with the command are counted once), and the largest RSS of any
  one process of all runs (getrusage RUSAGE_CHILDREN);
- CPU seconds of the command and its workers (getrusage RUSAGE_CHILDREN): what parallelism costs
  in work, whatever the neighbours take of the cores;
- the load average before and after, since on a shared machine the other load is part of the figure.
The medians over rounds are printed with the machine they ran on; figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "meldinger.jsonl"


def write_input(path: Path, messages: int) -> None:
    lines = CORPUS.read_bytes().splitlines(keepends=True)
    with path.open("wb") as out:
        for line in itertools.islice(itertools.cycle(lines), messages):
            out.write(line)


def _tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _memory_kb(pid: int) -> int:
    """A process's proportional set size (PSS: shared pages, such as those a forked worker still shares with
    the command, counted once over the tree), or its RSS where smaps_rollup is missing."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


class TreeRss:
    """Polls the summed PSS of a process tree until stopped; ``peak_kb`` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(_memory_kb(p) for p in _tree(self.pid)))
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


SUMMARY = re.compile(r"Lest (\d+) linjer: (\d+) avgjørelser .*; ([\d,]+) s, (\d+) avgjørelser/s")


def run_once(path: Path, workers: int, messages: int) -> dict[str, float]:
    load_before = os.getloadavg()[0]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "batch", str(path), "--out", os.devnull,
                             "--workers", str(workers), "--test-environment"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    poll = TreeRss(proc.pid)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    tree_kb = poll.stop()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command, and the workers it waited for
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    if proc.returncode != 0:
        raise SystemExit(f"batch --workers {workers} failed ({proc.returncode}): {err.strip()}")
    m = SUMMARY.search(err)
    if m is None or int(m.group(2)) != messages:
        raise SystemExit(f"unexpected summary: {err.strip()}")
    return {"wall": wall, "cpu": cpu, "end_to_end": messages / wall, "own": float(m.group(4)),
            "tree_mb": tree_kb / 1024, "load_before": load_before, "load_after": os.getloadavg()[0]}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=30_000, help="lines of input (the corpus, cycled)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inn.jsonl"
        write_input(path, args.messages)
        print(f"{args.messages} messages, {path.stat().st_size / 2**20:.0f} MiB of JSON Lines")
        for round_ in range(args.rounds):
            order = (1, 2) if round_ % 2 == 0 else (2, 1)
            for workers in order:
                r = run_once(path, workers, args.messages)
                results[workers].append(r)
                print(f"  round {round_ + 1}, --workers {workers}: {r['wall']:.1f} s, {r['end_to_end']:.0f}/s end "
                      f"to end, {r['own']:.0f}/s in the run, {r['cpu']:.1f} s of CPU, "
                      f"tree peak {r['tree_mb']:.0f} MB PSS, "
                      f"load {r['load_before']:.2f} -> {r['load_after']:.2f}", flush=True)
    # RUSAGE_CHILDREN's maxrss is the largest of every child so far, so only its overall maximum is told
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for workers, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in ("end_to_end", "own", "tree_mb", "wall", "cpu")}
        loads = [r["load_before"] for r in rows] + [r["load_after"] for r in rows]
        print(f"--workers {workers}: median {med['end_to_end']:.0f} decisions/s end to end "
              f"({med['wall']:.1f} s, {med['cpu']:.1f} s of CPU), {med['own']:.0f}/s in the run; "
              f"peak of the tree {med['tree_mb']:.0f} MB PSS; "
              f"load average {min(loads):.2f}-{max(loads):.2f} ({len(rows)} rounds)")
    one = statistics.median(r["end_to_end"] for r in results[1])
    two = statistics.median(r["end_to_end"] for r in results[2])
    print(f"two workers / one: {two / one:.2f}x end to end; largest RSS of one process of all runs {largest:.0f} MB")


if __name__ == "__main__":
    main()
