"""Connections that cannot be held open by a slow client: a deadline for the headers of every request.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` seconds, but has no
limit on how long a request's headers may take to arrive: a client that sends one byte every
few seconds (slowloris) holds its connection, and two hundred such clients hold two hundred.
``GuardedHttpTools`` is uvicorn's httptools protocol with two more rules:

- from the first byte of a request (or from the connection being opened) to the end of its
  headers at most ``header_timeout`` seconds; then ``408 Request Timeout`` and the connection
  is closed;
- at most ``max_header_bytes`` bytes of request line and headers; then
  ``431 Request Header Fields Too Large`` and the connection is closed.

The body has its own deadline, enforced where the application reads it (``gate.Gate``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .openapi import PROBLEM_BASE

log = logging.getLogger("dialogvakt.service")

_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


def raw_problem(status: int, slug: str, title: str, detail: str) -> bytes:
    """A complete HTTP/1.1 problem answer that closes the connection, for use before any request exists."""
    body = json.dumps({"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail},
                      ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode("ascii") + body


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit for each request's headers."""

    header_timeout: float = 10.0
    max_header_bytes: int = 64 * 1024
    on_timeout: Callable[[str], None] | None = None  # told "headers" when a client is cut off

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        # waiting for (the rest of) a request's headers: from the connection's start, and from the first
        # byte of each request on it; between requests uvicorn's keep-alive timeout times the idle wait
        self._in_headers = True
        self._header_bytes = 0  # bytes of the request line and headers so far
        self._tail = b""  # the last bytes seen, to find the blank line that ends the headers across chunks

    def _arm(self) -> None:
        if self._header_timer is None and self.header_timeout > 0:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._arm()
            window = self._tail + data
            end = window.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = window[-3:] if end < 0 else b""
            if self._header_bytes > self.max_header_bytes:
                self._refuse(431, "request-headers-too-large", "For store hoder",
                             f"forespørselslinjen og hodene kan være høyst {self.max_header_bytes} byte")
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._in_headers = True
        self._header_bytes = 0  # bytes of the request line and headers so far
        self._tail = b""  # the last bytes seen, to find the blank line that ends the headers across chunks
        self._arm()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._in_headers:
            self._refuse(408, "request-timeout", "Forespørselen kom for sakte",
                         f"hodene må komme innen {self.header_timeout:g} sekunder")

    def _refuse(self, status: int, slug: str, title: str, detail: str) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        log.warning("connection from a client cut off: %s", title.lower())
        if self.on_timeout is not None:
            self.on_timeout("headers" if status == 408 else "header-size")
        self.transport.write(raw_problem(status, slug, title, detail))
        self.transport.close()


def protocol_class(*, header_timeout: float, max_header_bytes: int,
                   on_timeout: Callable[[str], None] | None = None) -> type[GuardedHttpTools]:
    """``GuardedHttpTools`` with these settings, as uvicorn takes it (``http=``)."""
    return type("DialogvaktHttpProtocol", (GuardedHttpTools,),
                {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes,
                 "on_timeout": staticmethod(on_timeout) if on_timeout else None})
