"""The monitor's settings: where it keeps its event log, the site's secret, shards, retention and lateness.

Read from a YAML file (``--config``) and the environment; errors say which file or variable is wrong.

The lateness window (``lateness``, DIALOGVAKT_MONITOR_LATENESS, ``--lateness``) is how far behind the
latest event an event may arrive and still be applied in its place in time (see ``core``). It is
written with a unit: ``0``, ``90s``, ``15m``, ``2h`` or ``1d``. The default, 15 minutes, covers the
ordinary lag of message exchange, receipts and systems that deliver events every few minutes, and
costs at most 15 minutes before a finding is reported; the monitor's deadlines are hours and days.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class MonitorError(ValueError):
    """The monitor cannot be set up as asked; the message says why."""


DEFAULT_LATENESS = dt.timedelta(minutes=15)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"(\d+)\s*([smhd])")


def parse_lateness(value: object, where: str = "lateness") -> dt.timedelta:
    """A lateness window: a timedelta, 0, or a whole number with a unit (``90s``, ``15m``, ``2h``, ``1d``)."""
    if isinstance(value, dt.timedelta):
        if value < dt.timedelta(0):
            raise MonitorError(f"{where}: the lateness window cannot be negative")
        return value
    if isinstance(value, bool):
        raise MonitorError(f"{where}: expected a duration such as 15m, 2h or 0")
    if isinstance(value, (int, float)) and value == 0:
        return dt.timedelta(0)
    text = str(value).strip().lower()
    if text == "0":
        return dt.timedelta(0)
    m = _DURATION.fullmatch(text)
    if m is None:
        raise MonitorError(f"{where}: expected a whole number with a unit, s, m, h or d (such as 15m, 2h or 0); "
                           f"got {str(value)!r}")
    return dt.timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


@dataclass
class MonitorConfig:
    """Where the monitor keeps its log and how it pseudonymises patients.

    Read from a YAML file (``--config``) and the environment:
    DIALOGVAKT_MONITOR_STORE (path or postgresql:// URL), DIALOGVAKT_MONITOR_SECRET
    or DIALOGVAKT_MONITOR_SECRET_FILE, DIALOGVAKT_MONITOR_SHARDS, DIALOGVAKT_MONITOR_LATENESS.
    """

    store: str | None = None
    secret: bytes | None = None
    shards: int = 16
    retention_days: int | None = 180
    policies: str | None = None
    allow_synthetic_ids: bool = False
    lateness: dt.timedelta = DEFAULT_LATENESS

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
                raise MonitorError(f"{path}: must be a mapping (store, secret_file, shards, retention_days, policies, "
                                   "lateness)")
            unknown = set(data) - {"store", "secret", "secret_file", "shards", "retention_days", "policies",
                                   "test_environment", "lateness"}
            if unknown:
                raise MonitorError(f"{path}: unknown key {', '.join(sorted(unknown))}; expected: store, secret_file, "
                                   "shards, retention_days, policies, test_environment, lateness")
        config = cls(store=data.get("store"), shards=int(data.get("shards", 16)),
                     retention_days=data.get("retention_days", 180), policies=data.get("policies"),
                     allow_synthetic_ids=bool(data.get("test_environment", False)))
        if "lateness" in data:
            config.lateness = parse_lateness(data["lateness"], f"{path}: lateness")
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
        if env.get("DIALOGVAKT_MONITOR_LATENESS"):
            config.lateness = parse_lateness(env["DIALOGVAKT_MONITOR_LATENESS"], "DIALOGVAKT_MONITOR_LATENESS")
        return config
