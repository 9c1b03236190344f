"""The real server (uvicorn) against slow and greedy clients: a deadline for headers and for the body,
a size limit for headers, and health that answers while the workers are busy.

The limits are set low here (half a second) so that the tests wait little; the assertions are about
what the server does (408, 431, the connection closed), never about how fast.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from .test_service_process import EXAMPLES, Server, running_server

pytestmark = pytest.mark.slow  # starts service processes


def _read_all(sock: socket.socket, wait: float) -> bytes:
    """What the server sends until it closes the connection (or ``wait`` seconds pass)."""
    sock.settimeout(wait)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pass
    return data


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    with running_server(tmp_path_factory.mktemp("limits"), "--header-timeout", "0.5", "--body-timeout", "0.5",
                        "--deadline", "5") as running:
        yield running


def test_headers_that_come_too_slowly_are_cut_off_with_408(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        answer = _read_all(sock, 10)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"request-timeout" in answer


def test_a_connection_that_sends_nothing_is_closed(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        answer = _read_all(sock, 10)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_many_slow_clients_are_all_cut_off_and_the_server_keeps_answering(server: Server) -> None:
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(200)]
    try:
        for sock in socks:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert server.request("GET", "/healthz")[0] == 200
        answers = [_read_all(sock, 10) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers)


def test_headers_larger_than_the_limit_get_431(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        answer = _read_all(sock, 10)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_body_that_comes_too_slowly_is_cut_off_with_408(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"melding\": ")
        answer = _read_all(sock, 10)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"connection: close" in answer.lower()


def test_keep_alive_requests_each_get_their_own_header_deadline(server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(4):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            assert response.status == 200 and response.read() == b'{"status":"ok"}'
            time.sleep(0.3)  # idle between requests, within keep-alive: not a slow request
    finally:
        conn.close()


def test_health_answers_while_a_large_batch_is_decided(server: Server) -> None:
    batch = json.dumps({"requests": [json.loads(p.read_text()) for p in EXAMPLES] * 27}).encode()
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(server.request(
        "POST", "/v1/decisions:batch", batch, {"content-type": "application/json"})[0]))
    worker.start()
    health = [server.request("GET", "/healthz")[0] for _ in range(20)]
    worker.join(60)
    assert health == [200] * 20 and done == [200]


def test_two_hundred_thousand_recipients_are_refused_with_422(server: Server) -> None:
    request = json.loads(EXAMPLES[0].read_text())
    request["melding"]["mottakere"] = [{}] * 200_000
    status, _, body = server.post_json("/v1/decisions", request)
    assert status == 422 and json.loads(body)["errors"][0]["path"] == "$.melding.mottakere"


def test_a_deadline_shorter_than_the_work_gives_503_and_logs_nothing(tmp_path: Path) -> None:
    with running_server(tmp_path, "--deadline", "0.001") as server:
        batch = json.dumps({"requests": [json.loads(p.read_text()) for p in EXAMPLES] * 27}).encode()
        status, headers, body = server.request("POST", "/v1/decisions:batch", batch,
                                               {"content-type": "application/json"})
        assert status == 503 and headers["retry-after"] == "1"
        assert json.loads(body)["type"].endswith("/deadline-exceeded")
        assert server.request("GET", "/healthz")[0] == 200
    from engine.server.decisionlog import SqliteLog

    assert SqliteLog(server.db).count() == 0
