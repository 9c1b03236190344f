"""The HTTP face of the conversation monitor, built on first use so that decisions never depend on it."""

from __future__ import annotations

import concurrent.futures
import importlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..lang.tree import CompiledPack
from .config import ServiceConfig
from .decisionlog import redact, sqlite_path
from .problems import Problem


class MonitorOffline(Exception):
    pass


class MonitorBinding:
    """The HTTP face of ``engine.monitor.Monitor``.

    The monitor is built once, from ``MonitorConfig`` (its configuration file
    in ``DIALOGVAKT_MONITOR_CONFIG`` and its ``DIALOGVAKT_MONITOR_*`` variables),
    over the packs being served. Without a store of its own it keeps its event
    log beside the decision log (``<db>.monitor.sqlite``), and without a secret
    of its own it uses the site's. One thread drives it, as the monitor asks.
    """

    def __init__(self, module: Any, config: ServiceConfig, packs: Sequence[CompiledPack]):

        settings = module.MonitorConfig.load(os.environ.get("DIALOGVAKT_MONITOR_CONFIG"))
        if settings.store is None:
            beside = sqlite_path(config.db or os.environ.get("DIALOGVAKT_DB") or "dialogvakt.sqlite")
            settings.store = str(beside.with_name(beside.name + ".monitor.sqlite")) if beside else None
        secret = settings.secret or config.secret
        self.event_error = getattr(module, "EventError", ValueError)
        self._thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dialogvakt-monitor")
        self.monitor = self._thread.submit(
            module.Monitor, list(packs), store=settings.store, secret=secret, shards=settings.shards,
            retention_days=settings.retention_days, lateness=settings.lateness,
            allow_synthetic_ids=settings.allow_synthetic_ids or config.test_environment).result()

    def post_events(self, body: Any) -> dict[str, Any]:
        """One event, a list of events, or {"events": [...]}; the findings they made or resolved."""
        if isinstance(body, dict) and isinstance(body.get("events"), list):
            events, prefix = body["events"], "$.events"
        elif isinstance(body, list):
            events, prefix = body, "$"
        else:
            events, prefix = [body], None
        try:
            found = self._thread.submit(self.monitor.feed_many, list(enumerate(events)), source="request").result()
        except self.event_error as exc:
            line = getattr(exc, "line", None)
            path = getattr(exc, "path", "$")
            where = f"{prefix}[{line}]{path[1:]}" if prefix is not None and line is not None else path
            kept = f"; hendelsene før nr. {line} er tatt imot" if line else ""
            raise Problem(422, "invalid-event", "Hendelsen følger ikke hendelsesformatet",
                          f"{where}: {getattr(exc, 'message', exc)}{kept}",
                          [{"path": where, "message": str(getattr(exc, "message", exc))}]) from None
        return {"accepted": len(events), "findings": [f.to_dict() for f in found]}

    def close(self) -> None:
        self._thread.submit(self.monitor.close).result()
        self._thread.shutdown()

    def findings(self, query: Mapping[str, str]) -> dict[str, Any]:
        """Findings by the filters of ``findings_query`` (status, pack, kind; status ``all`` is no filter)."""
        filters = {k: v for k, v in query.items() if k in FINDING_FILTERS and v and not (k == "status" and v == "all")}
        found = self._thread.submit(self.monitor.findings, **filters).result()
        stats = self._thread.submit(self.monitor.stats).result()
        return {"findings": [f.to_dict() for f in found], "stats": stats}


FINDING_FILTERS = ("status", "pack", "kind")
FINDING_STATUSES = ("open", "resolved", "recorded", "all")


def findings_query(items: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The query of GET /v1/findings, checked: Problem(400) naming a parameter that is unknown,
    given twice, or (status) not one of open, resolved, recorded, all (as on the command line)."""
    query: dict[str, str] = {}
    for name, value in items:
        if name not in FINDING_FILTERS:
            raise Problem(400, "invalid-parameter", "Ukjent parameter",
                          f"{redact(name)}: ukjent parameter; kjente er {', '.join(FINDING_FILTERS)}",
                          [{"parameter": redact(name), "message": "ukjent parameter"}])
        if name in query:
            raise Problem(400, "invalid-parameter", "Ugyldig parameter", f"{name}: er oppgitt flere ganger",
                          [{"parameter": name, "message": "er oppgitt flere ganger"}])
        if name == "status" and value not in FINDING_STATUSES:
            message = "må være en av " + ", ".join(FINDING_STATUSES)
            raise Problem(400, "invalid-parameter", "Ugyldig parameter", f"status: {message}",
                          [{"parameter": "status", "message": message}])
        query[name] = value
    return query


def load_monitor(config: ServiceConfig, packs: Sequence[CompiledPack]) -> MonitorBinding:
    """The conversation monitor, imported and built only when its endpoints are first used,
    so that single-message decisions never depend on it (nor on durable_rules)."""
    try:
        module = importlib.import_module("engine.monitor")
    except ModuleNotFoundError as exc:
        if exc.name in ("engine.monitor", None):
            raise MonitorOffline("samtaleovervåkingen (engine.monitor) er ikke installert i denne versjonen") from None
        raise MonitorOffline(f"samtaleovervåkingen kan ikke lastes: modulen «{exc.name}» mangler") from None
    except Exception as exc:  # a C extension that fails to load, and the like
        raise MonitorOffline(f"samtaleovervåkingen kan ikke lastes ({type(exc).__name__})") from None
    if not (hasattr(module, "Monitor") and hasattr(module, "MonitorConfig")):
        raise MonitorOffline("engine.monitor er lastet, men har ikke Monitor og MonitorConfig")
    try:
        return MonitorBinding(module, config, packs)
    except Exception as exc:
        # the monitor's own errors say why (durable_rules missing, no secret, another secret, ...)
        said = str(exc) if type(exc).__name__ in ("MonitorUnavailable", "MonitorError", "StoreError") else ""
        raise MonitorOffline(f"samtaleovervåkingen kunne ikke startes ({type(exc).__name__}"
                                 + (f": {redact(said)}" if said else "") + ")") from None
