from __future__ import annotations

import functools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Engine

ROOT = Path(__file__).resolve().parent.parent

# durable_rules 2.0.28 loads on these Pythons; from 3.13 on its C extension cannot (see engine/monitor/durable.py)
MONITOR_PYTHONS = ((3, 11), (3, 12))


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The bundled packs, compiled once for the whole test session."""
    return Engine.from_directory(ROOT / "policies")


@functools.cache
def monitor_unavailable() -> str | None:
    """Why the conversation monitor cannot run on this Python (MonitorUnavailable's one line), or None."""
    from engine.monitor.durable import MonitorUnavailable, load_durable

    try:
        load_durable()
    except MonitorUnavailable as exc:
        return str(exc)
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked requires_monitor skips where durable_rules cannot load, unless it must load there."""
    if item.get_closest_marker("requires_monitor") is None:
        return
    reason = monitor_unavailable()
    if reason is None:
        return
    if sys.version_info[:2] in MONITOR_PYTHONS or os.environ.get("CI") == "true":
        pytest.fail(f"the monitor must run on Python {sys.version_info.major}.{sys.version_info.minor}"
                    f"{' in CI' if os.environ.get('CI') == 'true' else ''}: {reason}", pytrace=False)
    pytest.skip(reason)


SEEDS = ROOT.parent / "shared" / "seeds"  # the guideline texts, beside the repository (and in CI)


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The folder of the guidelines' texts: a test that needs it skips without it, except in CI."""
    if not (SEEDS / "README.md").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the guideline texts must be beside the repository in CI ({SEEDS})", pytrace=False)
        pytest.skip(f"the guideline texts are not beside the repository ({SEEDS})")
    return SEEDS


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    """A step no step of the library matches: say so in bokmål, with the line, instead of pytest-bdd's English."""
    pytest.fail(f"Ingen steg passer «{step.keyword.strip()} {step.name}» ({feature.rel_filename}:{step.line_number}, "
                f"scenario «{scenario.name}»). Stegene som finnes står i features/README.md (dialogvakt steg).",
                pytrace=False)


# --------------------------------------------------------------------------- PostgreSQL

def _not_here(reason: str) -> None:
    """Skip with the reason, except under CI=true: there PostgreSQL must be tested, so the test fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"the PostgreSQL tests must run in CI (make test runs tests/ensure_postgres.sh first): {reason}",
                    pytrace=False)
    pytest.skip(reason)


def _pg_binary(name: str) -> str | None:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<major>/bin, off PATH."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0, reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on a Unix socket for one test module (fsync off), or a skip that says
    why there is none here; under CI=true a failure instead of the skip. Stopped at the module's end, as
    before: with one server kept for the whole session, the durable_rules tests of a later module
    (test_durable_edges) crashed the test process here, twice; the cause is not known."""
    try:
        import psycopg
    except ImportError:
        _not_here("psycopg is not installed (pip install 'dialogvakt[postgres]')")
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        _not_here("no PostgreSQL server programs (initdb, pg_ctl) on this machine; "
                  "install them with: apt-get install postgresql")
    assert initdb is not None and pg_ctl is not None
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _not_here("running as root and there is no 'postgres' user to run the server as")
        runuser = shutil.which("runuser")
        if not runuser:
            _not_here("running as root without runuser to start the server as 'postgres'")
        assert runuser is not None
        prefix = [runuser, "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="dialogvakt-pg-", dir="/tmp"))  # short: a socket path has a limit
    base.chmod(0o755)
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
        os.chown(sockets, owner.pw_uid, owner.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LC_ALL": "C"}
    started = False
    try:
        init = subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "dialogvakt", "--no-sync",
                               "-E", "UTF8"], capture_output=True, text=True, env=env, timeout=120)
        if init.returncode != 0:
            _not_here(f"initdb failed here: {init.stderr.strip().splitlines()[-1:]}")
        start = subprocess.run([*prefix, pg_ctl, "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                                f"-k {sockets} -c listen_addresses='' -p {port} -c fsync=off "
                                "-c max_connections=200", "start"],
                               capture_output=True, text=True, env=env, timeout=120)
        if start.returncode != 0:
            _not_here(f"the PostgreSQL server did not start here: {start.stderr.strip()[-300:]}")
        started = True
        url = f"postgresql://dialogvakt@/postgres?host={sockets}&port={port}"
        psycopg.connect(url, connect_timeout=10).close()
        yield url
    finally:
        if started:
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                           env=env, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """A new, empty database ``name`` on the server of ``url`` (dropped first if it is there); its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return url.replace("/postgres?", f"/{name}?")


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest, postgres_url: str) -> str:
    """A fresh database of its own for one test, on the session's PostgreSQL server."""
    import hashlib

    return fresh_database(postgres_url, "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12])
