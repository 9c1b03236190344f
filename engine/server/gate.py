"""Authentication, problem answers for unexpected errors, the access log and request timing, as plain ASGI.

The gate also guards the body as the application reads it: it must arrive within
``ServiceConfig.body_timeout`` seconds of the headers (408 and the connection closed
otherwise, so a client cannot hold a request open by trickling its body), and no more than
``ServiceConfig.max_body`` bytes are taken from any request whatever it declared (413).
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import AuthError, challenge
from .decisionlog import redact
from .problems import Problem, problem_response
from .requests import too_large
from .service import Service
from .web.paths import is_page

log = logging.getLogger("dialogvakt.service")
access_log = logging.getLogger("dialogvakt.access")

# --------------------------------------------------------------------------- middleware

PUBLIC = ("/healthz", "/readyz", "/openapi.json", "/schemas/")


def route_label(path: str, routes: frozenset[str]) -> str:
    if path.startswith("/v1/packs/"):
        return "/v1/packs/{id}"
    if path.startswith("/schemas/"):
        return "/schemas/{name}"
    if path in routes:
        return path
    return "other"


def _authorization(scope: Scope) -> str | None:
    """The request's Authorization header; the last one when it is sent more than once."""
    value = None
    for name, raw in scope.get("headers", []):
        if name.lower() == b"authorization":
            value = raw.decode("latin-1")
    return value


class Gate:
    """Authentication, problem answers for errors, access log and request timing, as plain ASGI."""

    def __init__(self, app: ASGIApp, service: Service, routes: frozenset[str]):
        self.app = app
        self.service = service
        self.routes = routes  # the paths metrics are labelled with; any other path is "other"

    def _guarded(self, receive: Receive) -> Receive:
        """``receive`` with the body's deadline and size limit (Problem 408 or 413 to the reader)."""
        config, metrics = self.service.config, self.service.metrics
        timeout = config.body_timeout if config.body_timeout and config.body_timeout > 0 else None
        deadline = time.monotonic() + timeout if timeout is not None else None
        state = {"received": 0, "done": False}

        async def guarded() -> Message:
            if state["done"]:
                return await receive()
            try:
                if deadline is None:
                    message = await receive()
                else:
                    message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0.0))
            except TimeoutError:
                metrics.timeouts.labels("body").inc()
                raise Problem(408, "request-timeout", "Forespørselen kom for sakte",
                              f"hele innholdet må komme innen {timeout:g} sekunder etter hodene",
                              headers={"Connection": "close"}) from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > config.max_body:
                    raise too_large(config.max_body)
                state["done"] = not message.get("more_body", False)
            else:
                state["done"] = True
            return message

        return guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        state = {"status": 500}
        receive = self._guarded(receive)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            await send(message)

        try:
            # the pages check their own session (a browser sends no Bearer header): engine/server/web/security.py
            if not path.startswith(PUBLIC) and not is_page(path) and self.service.auth.enabled:
                try:
                    principal = self.service.auth.authenticate(_authorization(scope))
                except AuthError as exc:
                    slug = "forbidden" if exc.status == 403 else "unauthorized"
                    self.service.metrics.errors.labels(slug).inc()
                    problem = Problem(exc.status, slug, "Ikke tilgang", exc.message,
                                      headers={"WWW-Authenticate": challenge(exc)})
                    await problem_response(problem, path)(scope, receive, send_wrapper)
                    return
                if principal is not None:
                    scope["dialogvakt.principal"] = principal
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception as exc:  # Starlette has already answered it with _on_error before re-raising
                log.error("unexpected error on %s: %s", redact(path), redact(f"{type(exc).__name__}: {exc}"))
        finally:
            elapsed = time.perf_counter() - started
            self.service.metrics.request_seconds.labels(route_label(path, self.routes)).observe(elapsed)
            outcome = scope.get("dialogvakt.outcome")
            access_log.info("%s %s %s %.2fms%s", scope.get("method", "-"), redact(path), state["status"],
                            elapsed * 1000, f" {outcome}" if outcome else "")
