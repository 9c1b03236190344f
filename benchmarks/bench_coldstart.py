"""Cold start: how long a fresh `dialogvakt packs` and a bare `import engine` take, as processes.

    .venv/bin/python benchmarks/bench_coldstart.py [--runs 20] [--baseline DIR] [--as-is]

Each command runs ``--runs`` times as a new process of the checkout's own ``.venv`` (the
``dialogvakt`` script and its Python), and the report gives the median, the 90th percentile and
the fastest run of the wall time. With ``--baseline DIR`` (another checkout with its own
``.venv``, e.g. ``../before``) the same commands run there too, alternating with this checkout
run by run (and which goes first alternating as well), so that what else the machine does falls
on both alike; the two are printed side by side.

Bytecode: an installed package has its ``.pyc`` files, but a checkout run with
``PYTHONDONTWRITEBYTECODE`` (or from a read-only tree) compiles every module from source on every
start. By default each checkout gets its own bytecode cache in a temporary folder
(``PYTHONPYCACHEPREFIX``, nothing is written into the checkouts) and one warm-up run fills it;
``--as-is`` keeps the environment's settings instead.

The machine (CPU model, cores, load average before and after) is printed with the figures: on a
machine that is busy with other work the times are longer and spread more, which is why the runs
alternate. The CPU time each process used (user + system) is given too: it depends much less on
what else the machine does than the wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

COMMANDS: dict[str, tuple[str, ...]] = {
    "dialogvakt packs": ("{venv}/bin/dialogvakt", "packs"),
    "python -c 'import engine'": ("{venv}/bin/python", "-c", "import engine"),
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not available
        return "unknown"


def environment(checkout: Path, cache_root: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # each checkout imports its own engine
    if cache_root is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache_root / checkout.name)
    return env


def command(checkout: Path, name: str) -> list[str]:
    venv = checkout / ".venv"
    return [part.format(venv=venv) for part in COMMANDS[name]]


def run_once(checkout: Path, name: str, env: dict[str, str]) -> tuple[float, float]:
    """The wall time of one run, and the CPU time (user + system) the process used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command(checkout, name), cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def which_engine(checkout: Path, env: dict[str, str]) -> str:
    """Where the checkout's Python imports ``engine`` from (an editable install points at its tree)."""
    out = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c", "import engine; print(engine.__file__)"],
                         cwd=checkout, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def revision(checkout: Path) -> str:
    """The checkout's commit, and whether files in it are modified."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "not a git checkout"
    return commit + (" with modified files" if git("status", "--porcelain", "--untracked-files=no") else "")


def summary(times: Sequence[float]) -> str:
    p90 = statistics.quantiles(times, n=10, method="inclusive")[-1] if len(times) > 1 else times[0]
    median = statistics.median(times)
    return f"median {median * 1000:6.0f} ms  p90 {p90 * 1000:6.0f} ms  min {min(times) * 1000:6.0f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command in each checkout (default 20)")
    parser.add_argument("--baseline", metavar="DIR", help="another checkout with its own .venv, run alternately")
    parser.add_argument("--as-is", action="store_true",
                        help="keep the environment's bytecode settings (default: a warm bytecode cache per checkout)")
    args = parser.parse_args(argv)
    checkouts = {"this": HERE}
    if args.baseline:
        baseline = Path(args.baseline).resolve()
        if not (baseline / ".venv" / "bin" / "dialogvakt").exists():
            parser.error(f"--baseline {baseline}: no .venv/bin/dialogvakt there")
        checkouts = {"baseline": baseline, "this": HERE}
    with tempfile.TemporaryDirectory(prefix="coldstart-pyc-") as tmp:
        cache_root = None if args.as_is else Path(tmp)
        envs = {label: environment(path, cache_root) for label, path in checkouts.items()}
        print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
              f"Python {platform.python_version()}")
        print(f"load average (1, 5, 15 min) before: {load_average()}")
        for label, path in checkouts.items():
            print(f"{label}: {path} at {revision(path)} (engine from {which_engine(path, envs[label])})")
        print(f"bytecode: {'as the environment says' if args.as_is else 'a warm cache per checkout'}; "
              f"{args.runs} runs of each command, alternating")
        times: dict[tuple[str, str], list[float]] = {(c, n): [] for c in checkouts for n in COMMANDS}
        cpu: dict[tuple[str, str], list[float]] = {(c, n): [] for c in checkouts for n in COMMANDS}
        for label, path in checkouts.items():  # warm-up: fills the bytecode cache and the file cache
            for name in COMMANDS:
                run_once(path, name, envs[label])
        order = list(checkouts)
        for i in range(args.runs):
            for label in order if i % 2 == 0 else order[::-1]:
                for name in COMMANDS:
                    wall, used = run_once(checkouts[label], name, envs[label])
                    times[(label, name)].append(wall)
                    cpu[(label, name)].append(used)
        print(f"load average (1, 5, 15 min) after: {load_average()}")
        print()
        for name in COMMANDS:
            print(name)
            for label in checkouts:
                print(f"  {label:<9} wall {summary(times[(label, name)])}   "
                      f"cpu median {statistics.median(cpu[(label, name)]) * 1000:4.0f} ms")
            if args.baseline:
                before = statistics.median(times[("baseline", name)])
                after = statistics.median(times[("this", name)])
                change = (after / before - 1) * 100
                print(f"  {'change':<9} wall median {(after - before) * 1000:+6.0f} ms ({change:+.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
