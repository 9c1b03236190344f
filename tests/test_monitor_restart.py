"""Nothing is lost on restart: a monitor killed mid-stream, restarted and fed the rest, finds the same.

A feeding process is killed with SIGKILL half-way through a generated month of
traffic. A new process is then fed the whole file again (events already in the log
are recognised by their id and skipped): it replays the log it finds, takes the
rest, and its findings must equal those of a run that was never interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.monitor.traffic import month_of_traffic, write_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.requires_monitor]  # kills and restarts monitor processes


ROOT = Path(__file__).resolve().parent.parent
DIALOGVAKT = [sys.executable, "-m", "engine.cli"]
FEEDER = textwrap.dedent("""
    import json, sys
    from engine.monitor import Monitor
    from engine.monitor.events import read_event_file
    monitor = Monitor(store=sys.argv[2], secret=b"restart-test-secret")
    for n, (line, event) in enumerate(read_event_file(sys.argv[1]), 1):
        monitor.feed(event)          # one transaction per event
        print(n, flush=True)
""")


def run(*args: str, env: dict) -> str:
    out = subprocess.run([*DIALOGVAKT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def findings(store: Path, env: dict) -> list[dict]:
    return json.loads(run("monitor", "findings", "--store", str(store), "--format", "json", env=env))["findings"]


def test_findings_after_a_kill_and_restart_equal_an_uninterrupted_run(tmp_path) -> None:
    traffic = month_of_traffic(dt.date(2026, 12, 7), days=31, per_day=12, seed=7)
    events = tmp_path / "events.jsonl"
    total = write_jsonl(traffic.events, events)
    env = {**os.environ, "DIALOGVAKT_MONITOR_SECRET": "restart-test-secret"}

    whole = tmp_path / "whole.sqlite"
    run("monitor", "feed", str(events), "--store", str(whole), env=env)
    expected = findings(whole, env)
    assert len(expected) > 50

    broken = tmp_path / "broken.sqlite"
    feeder = subprocess.Popen([sys.executable, "-c", FEEDER, str(events), str(broken)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fed = 0
    for line in feeder.stdout:
        fed = int(line)
        if fed >= total // 2:
            feeder.send_signal(signal.SIGKILL)
            break
    feeder.wait(timeout=60)
    assert feeder.returncode == -signal.SIGKILL, feeder.stderr.read()
    with sqlite3.connect(broken) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM dv_events").fetchone()[0]
    assert total // 2 <= kept < total  # killed mid-stream, after at least half

    run("monitor", "feed", str(events), "--store", str(broken), env=env)  # restart: replay the log, take the rest
    with sqlite3.connect(broken) as conn:
        assert conn.execute("SELECT COUNT(*) FROM dv_events").fetchone()[0] == total
    assert findings(broken, env) == expected


def test_the_log_holds_no_patient_numbers(tmp_path) -> None:
    traffic = month_of_traffic(dt.date(2026, 3, 16), days=3, per_day=5, seed=3)
    events = tmp_path / "events.jsonl"
    write_jsonl(traffic.events, events)
    numbers = {e["melding"]["pasient"]["id"] for e in traffic.events if e["hendelse"] == "melding"}
    env = {**os.environ, "DIALOGVAKT_MONITOR_SECRET": "another-secret"}
    store = tmp_path / "log.sqlite"
    run("monitor", "feed", str(events), "--store", str(store), env=env)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("log.sqlite*"))
    assert numbers and not any(n.encode() in raw for n in numbers)
    assert b"pseudonym" in raw

    other = {**os.environ, "DIALOGVAKT_MONITOR_SECRET": "not-the-same"}
    out = subprocess.run([*DIALOGVAKT, "monitor", "findings", "--store", str(store)], cwd=ROOT, env=other,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "another secret" in out.stderr
