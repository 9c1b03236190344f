"""Render times of the pages, in process (Starlette's test client, no network).

    .venv/bin/python benchmarks/bench_pages.py [--rounds 50]

Fills a fresh decision log with every bundled example tried on /prov, then
fetches each page ``rounds`` times and prints the median and 95th percentile
in milliseconds. /pakker/{id} is measured after its coverage is computed
(the first visit starts it; the time it took is printed too).
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.server.app import create_app
from engine.server.config import ServiceConfig
from engine.server.web.examples import bundled_examples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = ServiceConfig(db=str(Path(tmp) / "d.sqlite"), secret=b"bench-secret-0123456789abcdef",
                               reload_interval=0)
        with TestClient(create_app(config)) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/prov").text).group(1)
            post_times = []
            for example in bundled_examples():
                started = time.perf_counter()
                assert client.post("/prov", data={"csrf_token": token, "eksempel": example.name}).status_code == 200
                post_times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            while "Testdekning:" not in client.get("/pakker/helse-bergen-d81023").text:
                time.sleep(0.1)
            coverage = time.perf_counter() - started
            pages = ["/", "/prov", "/pakker/helse-bergen-d81023", "/pakker/sykehuset-ostfold", "/logg", "/funn"]
            print(f"POST /prov (each bundled example, {len(post_times)}): median "
                  f"{statistics.median(post_times):.1f} ms, max {max(post_times):.1f} ms")
            print(f"coverage for the pack pages, computed once in the background: {coverage:.1f} s")
            for page in pages:
                times = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    assert client.get(page).status_code == 200
                    times.append((time.perf_counter() - started) * 1000)
                times.sort()
                print(f"GET {page:<32} median {statistics.median(times):6.1f} ms   "
                      f"p95 {times[int(len(times) * 0.95) - 1]:6.1f} ms")


if __name__ == "__main__":
    main()
