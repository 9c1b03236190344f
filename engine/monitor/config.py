"""The monitor's settings: where it keeps its event log, the site's secret, shards and retention.

Read from a YAML file (``--config``) and the environment; errors say which file or variable is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class MonitorError(ValueError):
    """The monitor cannot be set up as asked; the message says why."""


@dataclass
class MonitorConfig:
    """Where the monitor keeps its log and how it pseudonymises patients.

    Read from a YAML file (``--config``) and the environment:
    DIALOGVAKT_MONITOR_STORE (path or postgresql:// URL), DIALOGVAKT_MONITOR_SECRET
    or DIALOGVAKT_MONITOR_SECRET_FILE, DIALOGVAKT_MONITOR_SHARDS.
    """

    store: str | None = None
    secret: bytes | None = None
    shards: int = 16
    retention_days: int | None = 180
    policies: str | None = None
    allow_synthetic_ids: bool = False

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None) -> MonitorConfig:
        env = os.environ if env is None else env
        data: dict[str, Any] = {}
        if path is not None:
            try:
                data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            except FileNotFoundError:
                raise MonitorError(f"{path}: no such configuration file") from None
            except yaml.YAMLError as exc:
                raise MonitorError(f"{path}: invalid YAML ({exc})") from None
            if not isinstance(data, dict):
                raise MonitorError(f"{path}: must be a mapping (store, secret_file, shards, retention_days, policies)")
            unknown = set(data) - {"store", "secret", "secret_file", "shards", "retention_days", "policies",
                                   "test_environment"}
            if unknown:
                raise MonitorError(f"{path}: unknown key {', '.join(sorted(unknown))}; expected: store, secret_file, "
                                   "shards, retention_days, policies, test_environment")
        config = cls(store=data.get("store"), shards=int(data.get("shards", 16)),
                     retention_days=data.get("retention_days", 180), policies=data.get("policies"),
                     allow_synthetic_ids=bool(data.get("test_environment", False)))
        secret_file = env.get("DIALOGVAKT_MONITOR_SECRET_FILE") or data.get("secret_file")
        if env.get("DIALOGVAKT_MONITOR_SECRET"):
            config.secret = env["DIALOGVAKT_MONITOR_SECRET"].encode()
        elif secret_file:
            try:
                config.secret = Path(secret_file).read_bytes().strip()
            except OSError as exc:
                raise MonitorError(f"{secret_file}: cannot read the secret ({exc.strerror})") from None
        elif data.get("secret"):
            config.secret = str(data["secret"]).encode()
        if env.get("DIALOGVAKT_MONITOR_STORE"):
            config.store = env["DIALOGVAKT_MONITOR_STORE"]
        if env.get("DIALOGVAKT_MONITOR_SHARDS"):
            config.shards = int(env["DIALOGVAKT_MONITOR_SHARDS"])
        return config
