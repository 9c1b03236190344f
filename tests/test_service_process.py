"""The service as a real process under uvicorn: durability, what reaches the disk and the log, start-up checks."""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.contract.identifiers import example_number
from engine.server.decisionlog import SqliteLog

pytestmark = pytest.mark.slow  # starts service processes, and kills one


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
XML_EXAMPLES = sorted((ROOT / "examples" / "xml").glob("*.xml"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a service process, and kill it when it has not stopped after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, db: Path, log: Path):
        self.proc, self.port, self.db, self.log = proc, port, db, log

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def post_json(self, path: str, payload) -> tuple[int, dict, bytes]:
        return self.request("POST", path, json.dumps(payload).encode(), {"content-type": "application/json"})


@contextlib.contextmanager
def running_server(tmp_path: Path, *extra: str) -> Iterator[Server]:
    port = free_port()
    db = tmp_path / "decisions.sqlite"
    secret = tmp_path / "secret"
    secret.write_text("process-test-secret-0123456789abcdef")
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--db", str(db),
                                 "--secret-file", str(secret), "--reload-interval", "0", *extra],
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    server = Server(proc, port, db, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError("the service stopped at start-up:\n" + log.read_text(errors="replace"))
            try:
                if server.request("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the service did not become ready:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
        yield server
    finally:
        stop(proc)


def test_a_decision_answered_is_on_disk_when_the_process_is_killed(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        ids = []
        for path in EXAMPLES[:5]:
            status, headers, body = server.post_json("/v1/decisions", json.loads(path.read_text()))
            assert status == 200
            ids.append((headers["dialogvakt-decision-id"], json.loads(body)["decision"]))
        os.kill(server.proc.pid, signal.SIGKILL)  # right after the last answer, no chance to flush anything
        server.proc.wait(timeout=10)
        assert server.proc.returncode == -signal.SIGKILL
    logged = {r.id: r.decision for r in SqliteLog(server.db).query()}
    assert [(i, logged.get(i)) for i, _ in ids] == ids


def _variants(number: str) -> list[str]:
    return [number, f"{number[:6]} {number[6:]}", number.encode("utf-16-le").decode("latin-1")]


def test_no_patient_number_reaches_the_database_or_the_log(tmp_path: Path) -> None:
    used: set[str] = set()
    with running_server(tmp_path) as server:
        for seed, path in enumerate(EXAMPLES):
            request = json.loads(path.read_text())
            number = example_number(("fnr", "dnr", "hnr")[seed % 3], seed=500 + seed)
            request["melding"]["pasient"]["id"] = number
            request["melding"]["tekst"] = f"{request['melding'].get('tekst', '')} Gjelder {number}."
            request["melding"]["id"] = f"msg-{number}"
            used.add(number)
            assert server.post_json("/v1/decisions", request)[0] == 200
        for path in XML_EXAMPLES:
            xml = path.read_text(encoding="utf-8")
            context = json.loads(path.with_suffix(".kontekst.json").read_text())
            used.add(json.loads(path.with_suffix(".json").read_text())["melding"]["pasient"]["id"])
            assert server.post_json("/v1/decisions", {"xml": xml, **context})[0] == 200
        batch = []
        for seed in range(20):
            request = copy.deepcopy(json.loads(EXAMPLES[seed % len(EXAMPLES)].read_text()))
            number = example_number("fnr", seed=700 + seed)
            request["melding"]["pasient"]["id"] = number
            used.add(number)
            batch.append(request)
        bad = example_number("fnr", seed=900)
        bad = bad[:-1] + str((int(bad[-1]) + 1) % 10)
        used.add(bad)
        broken = copy.deepcopy(batch[0])
        broken["melding"]["pasient"]["id"] = bad
        status, _, body = server.post_json("/v1/decisions:batch", {"requests": [*batch, broken]})
        assert status == 200 and json.loads(body)["counts"]["error"] == 1
        # a number where it does not belong: in a URL and as a pack id
        stray = example_number("dnr", seed=901)
        used.add(stray)
        status, _, body = server.request("POST", f"/v1/decisions?melding.pasient.id={stray}",
                                         XML_EXAMPLES[0].read_bytes(), {"content-type": "application/xml"})
        assert status == 422 and stray.encode() not in body
        status, _, body = server.request("GET", f"/v1/packs/{stray}")
        assert status == 404 and stray.encode() not in body
        status, _, metrics = server.request("GET", "/metrics")
        assert status == 200
        for number in used:
            assert number.encode() not in metrics
    files = [server.db, Path(f"{server.db}-wal"), Path(f"{server.db}-shm"), server.log]
    contents = b"".join(p.read_bytes() for p in files if p.exists())
    assert len(SqliteLog(server.db).query()) == len(EXAMPLES) + len(XML_EXAMPLES) + 20
    assert b"POST /v1/decisions" in server.log.read_bytes()
    for number in used:
        for variant in _variants(number):
            assert variant.encode("latin-1") not in contents, "a patient number was found on disk or in the log"


def test_refuses_to_serve_unauthenticated_beyond_loopback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "engine.cli", "serve", "--host", "0.0.0.0", "--port",
                             str(free_port()), "--db", str(tmp_path / "d.sqlite")],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "autentisering" in result.stderr
    assert not (tmp_path / "d.sqlite").exists()


def test_serves_with_a_token_when_asked(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a-long-static-token-for-process-tests")
    with running_server(tmp_path, "--token-file", str(token)) as server:
        request = json.loads(EXAMPLES[0].read_text())
        assert server.post_json("/v1/decisions", request)[0] == 401
        status, _, _ = server.request("POST", "/v1/decisions", json.dumps(request).encode(),
                                      {"content-type": "application/json",
                                       "authorization": "Bearer a-long-static-token-for-process-tests"})
        assert status == 200
