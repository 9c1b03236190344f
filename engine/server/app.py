"""The decision service: an ASGI application (Starlette) served by uvicorn.

    dialogvakt serve [--host 127.0.0.1] [--port 8080] [--policies DIR] [--db URL]

Endpoints (OpenAPI 3.1 at ``/openapi.json``):

- ``POST /v1/decisions``: one request, as JSON in the input contract, as
  Dialogmelding XML (``application/xml``; the context the XML lacks as query
  parameters such as ``melding.avsender.kategori=kommune``), or as XML in a
  JSON wrapper ``{"xml": "...", "melding": {...}, "kontekst": {...}}``;
- ``POST /v1/decisions:batch``: ``{"requests": [...]}``, one answer each, in
  order; a bad item is answered with its problem and the rest are decided;
- ``GET /v1/packs``, ``GET /v1/packs/{id}``, ``POST /v1/packs:reload``;
- ``POST /v1/events``, ``GET /v1/findings``: the conversation monitor
  (``engine.monitor``), imported and built when first used; 501 with the
  reason when it is absent or cannot start;
- ``GET /healthz``, ``GET /readyz``, ``GET /metrics`` (Prometheus);
- ``POST /v1/apprec``: a received message's application receipt (AppRec 1.1, ``apprec``);
- ``GET /cds-services``, ``POST /cds-services/{id}``: CDS Hooks 2.0 (``cdshooks``).

With ``ServiceConfig.xsd`` (``--xsd DIR``) XML the official schemas refuse is refused (strict mode).

Every decision is committed to the decision log before it is answered; when
the log cannot be written the request fails with 503 and no decision.
Errors are RFC 9457 problem details with the JSON path of the field. No
patient number is put in a response, a log line or a metric: access log
lines carry no query string, and every text logged or sent as an error is
masked for 11-digit numbers.

Why Starlette: a thin ASGI toolkit with no model layer of its own, so the
published JSON Schemas stay the only contract (no second set of models to
keep in step), and its per-request overhead is small enough for the latency
target.
"""


from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import sys
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..contract.xmlschema import XmlSchemas
from .apprec import mapping_for, post_apprec
from .cdshooks import call_service, discovery
from .config import ServiceConfig
from .decisionlog import redact
from .gate import Gate
from .handlers import (
    decide,
    decide_batch,
    get_findings,
    get_pack,
    healthz,
    list_packs,
    metrics,
    openapi,
    post_events,
    readyz,
    reload_packs,
    schema_file,
    service_of,
)
from .packs import watch
from .problems import Problem, problem_response
from .service import Service
from .web import routes as page_routes

log = logging.getLogger("dialogvakt.service")

SWITCH_INTERVAL = 0.0005  # seconds; see serve()

# --------------------------------------------------------------------------- the application

ROUTES = [
    Route("/v1/decisions", decide, methods=["POST"]),
    Route("/v1/decisions:batch", decide_batch, methods=["POST"]),
    Route("/v1/packs", list_packs, methods=["GET"]),
    Route("/v1/packs:reload", reload_packs, methods=["POST"]),
    Route("/v1/packs/{id}", get_pack, methods=["GET"]),
    Route("/v1/events", post_events, methods=["POST"]),
    Route("/v1/findings", get_findings, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/schemas/{name}", schema_file, methods=["GET"]),
    Route("/v1/apprec", post_apprec, methods=["POST"]),
    Route("/cds-services", discovery, methods=["GET"]),
    Route("/cds-services/{id}", call_service, methods=["POST"]),
]
ROUTE_PATHS = frozenset(r.path for r in ROUTES)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    service_of(request).metrics.errors.labels(exc.slug).inc()
    return problem_response(exc, request.url.path)


async def _on_error(request: Request, exc: Exception) -> Response:
    problem = Problem(500, "internal-error", "Intern feil", "en uventet feil oppsto; se tjenestens logg")
    service_of(request).metrics.errors.labels(problem.slug).inc()
    return problem_response(problem, request.url.path)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        allow = (getattr(exc, "headers", None) or {}).get("Allow", "")  # the router says which methods the path takes
        problem = Problem(405, "method-not-allowed", "Metoden er ikke tillatt",
                          f"{request.method} {request.url.path}" + (f"; tillatt: {allow}" if allow else ""),
                          headers={"Allow": allow} if allow else None)
    else:
        problem = Problem(404, "not-found", "Finnes ikke", "se /openapi.json for tjenestens adresser")
    return problem_response(problem, request.url.path)


def create_app(config: ServiceConfig) -> Gate:
    """The ASGI application. Packs are compiled here (PackError when any fails); the log opens at startup."""
    service = Service(config)
    schemas = XmlSchemas(config.xsd) if config.xsd else None  # SchemaFolderError: the folder cannot be used
    mapping_for(config.apprec)  # ApprecConfigError now rather than on the first receipt

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.start()
        watcher = None
        if config.reload_interval > 0:
            watcher = asyncio.create_task(watch(service.packs, config.reload_interval))
        log.info("serving %d pack(s): %s; decision log %s", len(service.packs.engine.packs),
                 ", ".join(f"{p.id} {p.version} ({p.revision})" for p in service.packs.engine.packs.values()),
                 service.writer.url if service.writer else "-")
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            service.stop()

    handlers = {404: _not_found, 405: _not_found, Problem: _on_problem, Exception: _on_error}
    app = Starlette(routes=ROUTES + page_routes(), lifespan=lifespan, exception_handlers=handlers)
    app.state.service = service
    app.state.xml_schemas = schemas
    gated = Gate(app, service, ROUTE_PATHS)
    gated.state = app.state  # type: ignore[attr-defined]  # tests reach the service through it
    gated.router = app.router  # type: ignore[attr-defined]
    return gated


# --------------------------------------------------------------------------- running it

class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record)) or ""


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket with SO_REUSEPORT: several processes bind the same address and the kernel
    spreads new connections over them (Linux: by a hash of the connection's addresses)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(config: ServiceConfig, host: str = "127.0.0.1", port: int = 8080, *, reuse_port: bool = False) -> None:
    """Run the service under uvicorn, with the limits of ``config``: the header deadline and size
    (``connections``), the body deadline and size (``gate``), idle keep-alive and open connections.

    With ``reuse_port`` the port is bound with SO_REUSEPORT, so that more processes (each its own
    ``dialogvakt serve --reuse-port``) answer on one address, one core each; see docs/scaling.md."""
    import uvicorn

    from .connections import protocol_class

    if not logging.getLogger().handlers:
        configure_logging()
    app = create_app(config)
    timeouts = app.service.metrics.timeouts
    protocol = protocol_class(header_timeout=config.header_timeout, max_header_bytes=config.max_header_bytes,
                              on_timeout=lambda phase: timeouts.labels(phase).inc())
    settings = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
                              server_header=False, timeout_graceful_shutdown=10, http=protocol,
                              timeout_keep_alive=config.keep_alive, limit_concurrency=config.max_connections or None)
    server = uvicorn.Server(settings)
    # the compiled packs, schemas and modules live as long as the process: moved out of the collector's
    # reach, a full collection no longer walks them (about 100 ms on a busy machine, a pause every request
    # waiting then would see). Here, not in create_app: a test process makes many apps and frees them.
    gc.collect()
    gc.freeze()
    # a thread that wants the interpreter waits for the one holding it to let go, by default up to 5 ms
    # each time; the decision log's writer thread takes it several times per commit (rows, statements,
    # COMMIT) while the event loop decides the next requests. 0.5 ms keeps that wait under the latency
    # budget; the cost is more frequent switches between threads that are all busy.
    sys.setswitchinterval(SWITCH_INTERVAL)
    sockets = [reuse_port_socket(host, port)] if reuse_port else None
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=sockets)
    if not server.started:
        raise SystemExit(3)  # as uvicorn.run does: the start-up failed and uvicorn has said why


__all__ = ["Problem", "ServiceConfig", "configure_logging", "create_app", "serve"]
