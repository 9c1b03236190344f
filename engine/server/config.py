"""The service's settings: where the packs and the decision log are, the site secret, authentication and limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from .auth import AuthConfig

MiB = 1024 * 1024


@dataclass
class ServiceConfig:
    policies: str | None = None  # folder of packs; None: the bundled packs
    db: str | None = None  # decision log URL or file; None: dialogvakt.sqlite
    secret: bytes = b""  # site secret for patient pseudonyms (>= 16 bytes)
    auth: AuthConfig = field(default_factory=AuthConfig)
    reload_interval: float = 2.0  # seconds between polls of the policies folder; 0 turns polling off
    test_environment: bool = False  # accept synthetic patient numbers
    # limits: what one request may ask of the service
    max_body: int = 20 * MiB  # bytes in a request body; more is answered 413 without being read
    max_batch: int = 1000  # requests in one batch
    workers: int = 4  # threads that decide, reload and feed the monitor; the event loop only reads and answers
    inline_budget: float = 0.002  # seconds; single decisions this cheap are made on the event loop (work.py); 0: never
    deadline: float = 10.0  # seconds a request may take, waiting for a worker included; then 503
    header_timeout: float = 10.0  # seconds from a request's first byte to the end of its headers; then 408
    body_timeout: float = 30.0  # seconds from the end of the headers to the end of the body; then 408
    keep_alive: int = 5  # seconds an idle keep-alive connection is kept open
    max_header_bytes: int = 64 * 1024  # request line and headers; more is answered 431
    max_connections: int = 1000  # open connections; beyond them uvicorn answers 503
    xsd: str | None = None  # strict mode: a folder with the official XSDs; XML they refuse is refused
    apprec: str | None = None  # a YAML file mapping decisions to AppRec status (engine/server/apprec.py)
