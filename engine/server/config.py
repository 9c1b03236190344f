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
    max_body: int = 20 * MiB
    max_batch: int = 1000
    xsd: str | None = None  # strict mode: a folder with the official XSDs; XML they refuse is refused
    apprec: str | None = None  # a YAML file mapping decisions to AppRec status (engine/server/apprec.py)
