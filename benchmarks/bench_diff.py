"""Wall time of `dialogvakt diff` on the shipped corpus, two versions, in one process.

    .venv/bin/python benchmarks/bench_diff.py [--rounds 5]

Cases, each timed end to end (reading both versions, compiling, reading the corpus, evaluating
every message under both versions, building the report):
- d81023:   policies/helse-bergen-d81023 against a copy with a new validity window and 14 days;
- alle:     policies/ against a copy of policies/ with that same revision of D81023;
- like:     policies/ against itself (nothing to report).
The median over rounds is printed with the machine it ran on; figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the engine of this checkout

from engine.authoring.diff import diff

ROOT = Path(__file__).resolve().parent.parent


def revised_copy(target: Path) -> Path:
    pack = target / "helse-bergen-d81023"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^valid_to: 2026-03-20$", "valid_to: 2026-09-30", text)
    text = re.sub(r"(nylig_utskrevet_dager:\n(?:[ \t]+.*\n)*?[ \t]+value:) 30\b", r"\g<1> 14", text)
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    return pack


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus = ROOT / "corpus"
    with tempfile.TemporaryDirectory() as tmp:
        one = revised_copy(Path(tmp) / "one")
        everything = Path(tmp) / "all"
        shutil.copytree(ROOT / "policies", everything, ignore=shutil.ignore_patterns("helse-bergen-d81023"))
        revised_copy(everything)
        cases = {
            "d81023": (str(ROOT / "policies" / "helse-bergen-d81023"), str(one)),
            "alle": (str(ROOT / "policies"), str(everything)),
            "like": (str(ROOT / "policies"), str(ROOT / "policies")),
        }
        machine = platform.processor() or platform.machine()
        print(f"{machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
        for name, (old, new) in cases.items():
            times, report = [], None
            for _ in range(args.rounds):
                start = time.perf_counter()
                report = diff(old, new, corpus)
                times.append(time.perf_counter() - start)
            print(f"{name:<8} {report.messages} messages, {len(report.changed)} changed: "
                  f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
                  f"{args.rounds} rounds)")


if __name__ == "__main__":
    main()
