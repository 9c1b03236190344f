"""One or two `dialogvakt serve` processes on one port (``--reuse-port``) and one PostgreSQL decision log.

    .venv/bin/python benchmarks/bench_replicas.py [--rate 500] [--duration 20] [--rounds 3]

Starts a throwaway PostgreSQL server (Debian's initdb and pg_ctl; as root it runs them as the
``postgres`` user, as the tests do), with ``fsync`` as configured by ``--fsync`` (on by default:
a commit waits for the disk, as in production), and drives, in alternating order in every
round, one replica and then two replicas on the same port, with the client of
``bench_http.py``: single decisions paced at ``--rate`` per second on 8 connections, and a
closed loop on 8 connections. Each connection is given to one replica by the kernel when it
is opened (SO_REUSEPORT). Afterwards it checks that the decision log holds each decision
answered exactly once.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_http as http

from engine.server.decisionlog import open_log


def pg_binary(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"no {name}: apt-get install postgresql (or sh tests/ensure_postgres.sh)")
    return found


class Postgres:
    def __init__(self, fsync: bool):
        self.prefix: list[str] = []
        self.base = Path(tempfile.mkdtemp(prefix="dialogvakt-pg-bench-", dir="/tmp"))
        self.base.chmod(0o755)
        data, sockets = self.base / "data", self.base / "sock"
        sockets.mkdir()
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            os.chown(sockets, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.data = data
        port = http._free_port()
        subprocess.run([*self.prefix, pg_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "dialogvakt",
                        "-E", "UTF8"], check=True, capture_output=True, env={**os.environ, "LC_ALL": "C"})
        options = f"-k {sockets} -c listen_addresses='' -p {port} -c fsync={'on' if fsync else 'off'}"
        subprocess.run([*self.prefix, pg_binary("pg_ctl"), "-D", str(data), "-w", "-l", str(self.base / "log"),
                        "-o", options, "start"], check=True, capture_output=True)
        self.url = f"postgresql://dialogvakt@/postgres?host={sockets}&port={port}"

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url.replace("/postgres?", f"/{name}?")

    def stop(self) -> None:
        subprocess.run([*self.prefix, pg_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def start(workdir: Path, name: str, port: int, db: str) -> subprocess.Popen:
    folder = workdir / name
    folder.mkdir(parents=True)
    (folder / "secret").write_text("replica-bench-secret-0123456789abcdef")
    with open(folder / "service.log", "wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--db", db,
                                 "--secret-file", str(folder / "secret"), "--reload-interval", "0", "--reuse-port"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    deadline = time.monotonic() + 60
    while "Application startup complete" not in (folder / "service.log").read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start:\n" + (folder / "service.log").read_text(errors="replace"))
        time.sleep(0.1)
    return proc


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500, help="single decisions per second (paced)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per paced round and per closed loop")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-fsync", dest="fsync", action="store_false", help="PostgreSQL with fsync=off")
    args = parser.parse_args()
    pg = Postgres(args.fsync)
    workdir = Path(tempfile.mkdtemp(prefix="dialogvakt-replicas-"))
    payloads = http.Payloads()
    results: dict[tuple[int, str], list[http.Result]] = {}
    dbs: dict[int, str] = {}
    loads: list[float] = []
    try:
        for replicas in (1, 2):
            dbs[replicas] = pg.database(f"decisions_{replicas}")
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}/{args.rounds} …", file=sys.stderr, flush=True)
            for replicas in ((1, 2) if round_no % 2 == 0 else (2, 1)):
                port = http._free_port()
                procs = [start(workdir / f"r{round_no}-{replicas}", f"replica-{k}", port, dbs[replicas])
                         for k in range(replicas)]
                try:
                    http.paced(port, payloads.single, 50, 1, 2, 1)  # warm-up: 50 decisions, counted below
                    results.setdefault((replicas, "paced"), []).append(
                        http.paced(port, payloads.single, args.rate, args.duration, args.connections, 1))
                    loads.append(os.getloadavg()[0])
                    results.setdefault((replicas, "closed"), []).append(
                        http.closed_loop(port, payloads.single, args.duration, args.connections, 1))
                    loads.append(os.getloadavg()[0])
                finally:
                    stop(procs)
        ok = True
        for replicas, db in dbs.items():
            answered = sum(r.ok for (n, _), rs in results.items() if n == replicas for r in rs) + 50 * args.rounds
            store = open_log(db)
            ids = [r.id for r in store.query()]
            store.close()
            once = len(ids) == len(set(ids))
            # the closed loop's last answers in flight when it stops are logged and answered but not counted
            within = answered <= len(ids) <= answered + args.connections * args.rounds
            print(f"{replicas} replica(s): {len(ids)} records for {answered} decisions answered "
                  f"(+ up to {args.connections} per round in flight), each id once: {once}")
            ok = ok and once and within
        med = statistics.median
        print(f"Machine: {http._machine()}; load average (1 min) during the runs: min {min(loads):.2f}, "
              f"median {med(loads):.2f}, max {max(loads):.2f}")
        print(f"PostgreSQL on a Unix socket, fsync={'on' if args.fsync else 'off'}; client: bench_http.py's, "
              f"{args.connections} keep-alive connections; {args.rounds} rounds, medians\n")
        print("| replicas | load | throughput | p50 | p99 |")
        print("|---|---|---|---|---|")
        for replicas in (1, 2):
            for kind, label in (("paced", f"single decisions paced at {args.rate:.0f}/s"),
                                ("closed", f"single decisions, closed loop, {args.connections} connections")):
                rs = results[(replicas, kind)]
                print(f"| {replicas} | {label} | {med([r.ok / r.elapsed for r in rs]):.0f} decisions/s "
                      f"| {med([r.pct(50) for r in rs]):.2f} ms | {med([r.pct(99) for r in rs]):.2f} ms |")
        errors = sum(r.errors for rs in results.values() for r in rs)
        print(f"\nErrors: {errors}")
        ok = ok and not errors
        print("CHECK: " + ("OK" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
