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
- ``GET /healthz``, ``GET /readyz``, ``GET /metrics`` (Prometheus).

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
import datetime as dt
import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..contract import dialogmelding
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.schemas import INPUT_SCHEMA, detailed_validator, fast_validator, published_schema
from ..contract.times import OSLO, parse_datetime
from ..contract.workdays import holidays_for
from ..eval.engine import Engine, UnknownPackError, compile_packs
from ..lang.compiler import compile_pack
from ..lang.loader import PackError, bundled_policies_dir, list_pack_folders
from ..lang.tree import CompiledPack
from .auth import AuthConfig, Authenticator, AuthError, challenge
from .decisionlog import DecisionRecord, LogError, LogWriter, open_log, record_for, redact
from .openapi import PROBLEM_BASE, openapi_document

log = logging.getLogger("dialogvakt.service")
access_log = logging.getLogger("dialogvakt.access")

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


# --------------------------------------------------------------------------- problems

class Problem(Exception):
    """An RFC 9457 problem; raised inside handlers, answered as application/problem+json."""

    def __init__(self, status: int, slug: str, title: str, detail: str = "", errors: Sequence[dict] = (),
                 headers: Mapping[str, str] | None = None):
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def to_dict(self, instance: str | None = None) -> dict:
        out: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            out["detail"] = redact(self.detail)
        if instance:
            out["instance"] = redact(instance)
        if self.errors:
            out["errors"] = [{k: redact(v) if isinstance(v, str) else v for k, v in e.items()} for e in self.errors]
        return out


def _input_problem(exc: InputError, parsed: dialogmelding.ParsedMessage | None = None) -> Problem:
    error: dict[str, Any] = {"path": exc.path, "message": exc.message}
    message = exc.message
    if parsed is not None:
        where = parsed.xml_path(exc.path)
        if where:
            error["xml_path"] = where
        elif exc.path.startswith("$.") and "mangler" in exc.message:
            message += ("; XML-meldingen har ikke dette, så det må komme som kontekst "
                        f"(query-parameter {exc.path[2:]}=… eller i JSON-innpakningen)")
            error["message"] = message
    return Problem(422, "invalid-input", "Forespørselen følger ikke inndatakontrakten",
                   f"{exc.path}: {message}", [error])


def _xml_problem(exc: dialogmelding.XmlError) -> Problem:
    status = 400 if exc.kind in ("syntax", "forbidden") else 422
    return Problem(status, "invalid-xml", "XML-meldingen kan ikke leses", f"{exc.path}: {exc.message}",
                   [{"path": exc.path, "message": exc.message}])


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _json(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None,
          media_type: str = "application/json") -> Response:
    return Response(_json_bytes(payload), status_code=status, headers=dict(headers or {}), media_type=media_type)


def _problem_response(problem: Problem, instance: str | None = None) -> Response:
    return _json(problem.to_dict(instance), problem.status, problem.headers, "application/problem+json")


# --------------------------------------------------------------------------- metrics

class Metrics:
    """Prometheus metrics in a registry of the application's own. Labels never hold patient data."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.decisions = Counter("dialogvakt_decisions_total", "Decisions given, by outcome.", ["decision"],
                                 registry=r)
        self.pack_decisions = Counter("dialogvakt_pack_decisions_total",
                                      "Pack outcomes within the decisions given, by pack and version.",
                                      ["pack", "version", "decision"], registry=r)
        self.errors = Counter("dialogvakt_decision_errors_total", "Requests answered with a problem instead of "
                              "a decision, by kind.", ["kind"], registry=r)
        self.request_seconds = Histogram(
            "dialogvakt_request_duration_seconds", "Time from request to response, by route.", ["route"],
            buckets=(0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                     2.5, 5.0), registry=r)
        self.evaluation_seconds = Histogram(
            "dialogvakt_evaluation_seconds", "Engine time for one decision (no HTTP, no log).",
            buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1), registry=r)
        self.log_seconds = Histogram(
            "dialogvakt_decision_log_commit_seconds", "Time to commit decisions to the decision log.",
            buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5), registry=r)
        self.log_failures = Counter("dialogvakt_decision_log_failures_total",
                                    "Decisions withheld because the decision log could not be written.", registry=r)
        self.reloads = Counter("dialogvakt_pack_reloads_total", "Pack reloads, by result (ok, unchanged, refused).",
                               ["result"], registry=r)
        self.reload_failures = Counter("dialogvakt_pack_reload_failures_total",
                                       "Pack folders refused on reload, by folder.", ["folder"], registry=r)
        self.pack_info = Gauge("dialogvakt_pack_info", "The pack versions being served (value 1).",
                               ["pack", "version", "revision"], registry=r)

    def set_packs(self, packs: Mapping[str, CompiledPack]) -> None:
        self.pack_info.clear()
        for p in packs.values():
            self.pack_info.labels(p.id, p.version, p.revision).set(1)

    def count_decision(self, decision: Decision) -> None:
        self.decisions.labels(decision.decision).inc()
        for p in decision.packs:
            self.pack_decisions.labels(p.id, p.version, p.decision).inc()


# --------------------------------------------------------------------------- packs and hot reload

def _problems_text(exc: PackError) -> list[str]:
    return [str(p) for p in exc.problems]


class Packs:
    """The compiled packs being served; reloaded off to the side and swapped in whole.

    Each pack folder is compiled on its own: a folder that fails validation is
    refused with its problems and the pack it held keeps serving; the others
    take their new version. Readers take ``self.engine`` once per request, so
    a request never sees half of a reload.
    """

    def __init__(self, root: Path, *, allow_synthetic_ids: bool, metrics: Metrics):
        self.root = root
        self.allow_synthetic_ids = allow_synthetic_ids
        self.metrics = metrics
        self._lock = threading.Lock()
        self.engine = Engine(compile_packs(root), allow_synthetic_ids=allow_synthetic_ids)
        self.fingerprint = self.scan()
        self.loaded_at = dt.datetime.now(OSLO)
        self.last_reload: dict | None = None
        metrics.set_packs(self.engine.packs)

    def scan(self) -> tuple:
        """What a change of the pack files would change: names, sizes and modification times."""
        entries = []
        for folder in list_pack_folders(self.root):
            for path in sorted(folder.glob("*.yaml")):
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                entries.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(entries)

    def reload(self) -> dict:
        """Compile every folder off to the side, then swap. Returns the reload report."""
        with self._lock:
            before = self.scan()
            current = self.engine.packs
            by_folder = {p.folder.resolve(): p for p in current.values()}
            new: list[CompiledPack] = []
            report: list[dict] = []
            refused = False
            seen: set[Path] = set()
            for folder in list_pack_folders(self.root):
                key = folder.resolve()
                seen.add(key)
                old = by_folder.get(key)
                try:
                    pack = compile_pack(folder)
                except PackError as exc:
                    refused = True
                    self.metrics.reload_failures.labels(folder.name).inc()
                    entry = {"folder": folder.name, "status": "refused", "problems": _problems_text(exc)}
                    if old is not None:
                        entry.update(id=old.id, version=old.version, revision=old.revision)
                        new.append(old)
                    report.append(entry)
                    continue
                if old is not None and old.revision == pack.revision and old.id == pack.id:
                    new.append(old)
                    status = "unchanged"
                else:
                    new.append(pack)
                    status = "loaded" if old is not None else "added"
                report.append({"folder": folder.name, "id": pack.id, "version": pack.version,
                               "revision": pack.revision, "status": status})
            for key, old in by_folder.items():
                if key not in seen:
                    report.append({"folder": key.name, "id": old.id, "version": old.version,
                                   "revision": old.revision, "status": "removed"})
            ids = [p.id for p in new]
            duplicates = {i for i in ids if ids.count(i) > 1}
            if duplicates:
                refused = True
                for entry in report:
                    if entry.get("id") in duplicates and entry["status"] in ("loaded", "added"):
                        entry["status"] = "refused"
                        entry["problems"] = [f"pakke-id «{entry['id']}» finnes i flere mapper"]
                new = [p for p in new if p.id not in duplicates] + [
                    p for p in current.values() if p.id in duplicates]
            changed = any(e["status"] in ("loaded", "added", "removed") for e in report)
            if not new:
                refused = True
                new = list(current.values())
            if changed:
                self.engine = Engine(new, allow_synthetic_ids=self.allow_synthetic_ids)  # the atomic swap
                self.loaded_at = dt.datetime.now(OSLO)
                self.metrics.set_packs(self.engine.packs)
            self.fingerprint = before
            result = "refused" if refused else ("ok" if changed else "unchanged")
            self.metrics.reloads.labels(result).inc()
            self.last_reload = {"result": result, "at": dt.datetime.now(OSLO).isoformat(), "packs": report}
            for entry in report:
                if entry["status"] == "refused":
                    log.warning("pack folder %s refused; %s", entry["folder"],
                                "the previous version keeps serving" if entry.get("id") else "not loaded")
                    for problem in entry.get("problems", []):
                        log.warning("  %s", problem)
                elif entry["status"] != "unchanged":
                    log.info("pack %s %s (version %s, revision %s)", entry.get("id"), entry["status"],
                             entry.get("version"), entry.get("revision"))
            return self.last_reload


async def _watch(packs: Packs, interval: float) -> None:
    """Poll the pack files; reload when a change has held still for one interval."""
    pending = None
    while True:
        await asyncio.sleep(interval)
        try:
            now = packs.scan()
            if now == packs.fingerprint:
                pending = None
                continue
            if now != pending:
                pending = now  # changed: wait one more interval so that an editor's save is complete
                continue
            pending = None
            await anyio.to_thread.run_sync(packs.reload)
        except Exception as exc:  # keep watching whatever happens
            log.error("pack watcher: %s", redact(f"{type(exc).__name__}: {exc}"))


# --------------------------------------------------------------------------- the monitor (optional)

class MonitorUnavailable(Exception):
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
        import concurrent.futures
        import os

        from .decisionlog import sqlite_path

        settings = module.MonitorConfig.load(os.environ.get("DIALOGVAKT_MONITOR_CONFIG"))
        if settings.store is None:
            beside = sqlite_path(config.db or os.environ.get("DIALOGVAKT_DB") or "dialogvakt.sqlite")
            settings.store = str(beside.with_name(beside.name + ".monitor.sqlite")) if beside else None
        secret = settings.secret or config.secret
        self.event_error = getattr(module, "EventError", ValueError)
        self._thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dialogvakt-monitor")
        self.monitor = self._thread.submit(
            module.Monitor, list(packs), store=settings.store, secret=secret, shards=settings.shards,
            retention_days=settings.retention_days,
            allow_synthetic_ids=settings.allow_synthetic_ids or config.test_environment).result()

    def post_events(self, body: Any) -> dict:
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

    def findings(self, query: Mapping[str, str]) -> dict:
        filters = {k: query[k] for k in ("status", "pack", "kind") if query.get(k)}
        found = self._thread.submit(self.monitor.findings, **filters).result()
        stats = self._thread.submit(self.monitor.stats).result()
        return {"findings": [f.to_dict() for f in found], "stats": stats}


def _load_monitor(config: ServiceConfig, packs: Sequence[CompiledPack]) -> MonitorBinding:
    """The conversation monitor, imported and built only when its endpoints are first used,
    so that single-message decisions never depend on it (nor on durable_rules)."""
    try:
        module = importlib.import_module("engine.monitor")
    except ModuleNotFoundError as exc:
        if exc.name in ("engine.monitor", None):
            raise MonitorUnavailable("samtaleovervåkingen (engine.monitor) er ikke installert i denne versjonen") from None
        raise MonitorUnavailable(f"samtaleovervåkingen kan ikke lastes: modulen «{exc.name}» mangler") from None
    except Exception as exc:  # a C extension that fails to load, and the like
        raise MonitorUnavailable(f"samtaleovervåkingen kan ikke lastes ({type(exc).__name__})") from None
    if not (hasattr(module, "Monitor") and hasattr(module, "MonitorConfig")):
        raise MonitorUnavailable("engine.monitor er lastet, men har ikke Monitor og MonitorConfig")
    try:
        return MonitorBinding(module, config, packs)
    except Exception as exc:
        # the monitor's own errors say why (durable_rules missing, no secret, another secret, ...)
        said = str(exc) if type(exc).__name__ in ("MonitorUnavailable", "MonitorError", "StoreError") else ""
        raise MonitorUnavailable(f"samtaleovervåkingen kunne ikke startes ({type(exc).__name__}"
                                 + (f": {redact(said)}" if said else "") + ")") from None


# --------------------------------------------------------------------------- request handling

RESERVED = ("pack", "at", "explain")


@dataclass
class Options:
    packs: list[str] | None
    at: dt.datetime | None
    explain: bool
    context_pairs: list[tuple[str, str]]


def _options(request: Request) -> Options:
    packs: list[str] = []
    at = None
    explain = False
    rest: list[tuple[str, str]] = []
    for name, value in request.query_params.multi_items():
        if name == "pack":
            packs.extend(v.strip() for v in value.split(",") if v.strip())
        elif name == "at":
            try:
                at = parse_datetime(value, "at")
            except InputError:
                raise Problem(400, "invalid-parameter", "Ugyldig parameter",
                              "at: er ikke et gyldig tidspunkt (ISO 8601)",
                              [{"parameter": "at", "message": "er ikke et gyldig tidspunkt (ISO 8601)"}]) from None
        elif name == "explain":
            if value.lower() not in ("", "true", "false", "1", "0"):
                raise Problem(400, "invalid-parameter", "Ugyldig parameter", "explain: må være true eller false",
                              [{"parameter": "explain", "message": "må være true eller false"}])
            explain = value.lower() in ("", "true", "1")
        else:
            rest.append((name, value))
    return Options(packs or None, at, explain, rest)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_xml(media: str) -> bool:
    return media in dialogmelding.MEDIA_TYPES or media.endswith("+xml")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    too_large = Problem(413, "payload-too-large", "Forespørselen er for stor",
                        f"største tillatte størrelse er {limit} byte")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "invalid-json", "Ugyldig JSON", "forespørselen er ikke UTF-8-tekst") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Problem(400, "invalid-json", "Ugyldig JSON", f"linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}",
                      [{"path": "$", "message": f"linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}"}]) from None


@dataclass
class Evaluated:
    decision: Decision
    request: dict
    source: str  # json | xml


def _xml_item(xml: bytes | str, context: Mapping[str, Any]) -> tuple[dict, dialogmelding.ParsedMessage]:
    try:
        parsed = dialogmelding.parse(xml)
    except dialogmelding.XmlError as exc:
        raise _xml_problem(exc) from None
    try:
        return dialogmelding.to_request(parsed, context), parsed
    except InputError as exc:
        raise _input_problem(exc, parsed) from None


def _wrapper_item(doc: dict) -> tuple[dict, dialogmelding.ParsedMessage]:
    xml = doc.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise _input_problem(InputError("$.xml", "må være en tekst med en MsgHead-melding i XML"))
    for key in doc:
        if key not in ("xml", "tidspunkt", "melding", "kontekst"):
            raise _input_problem(InputError(f"$.{key}", "ukjent felt; tillatte felt er: kontekst, melding, "
                                                         "tidspunkt, xml"))
    return _xml_item(xml, {k: v for k, v in doc.items() if k != "xml"})


def _evaluate(engine: Engine, request: dict, options: Options, parsed: dialogmelding.ParsedMessage | None,
              metrics: Metrics) -> Decision:
    started = time.perf_counter()
    try:
        decision = engine.evaluate(request, pack=options.packs, at=options.at, explain=options.explain)
    except InputError as exc:
        raise _input_problem(exc, parsed) from None
    except UnknownPackError as exc:
        raise Problem(422, "unknown-pack", "Ukjent retningslinje", str(exc),
                      [{"parameter": "pack", "message": str(exc)}]) from None
    metrics.evaluation_seconds.observe(time.perf_counter() - started)
    return decision


def _evaluate_document(engine: Engine, doc: Any, options: Options, metrics: Metrics) -> Evaluated:
    """One JSON document: the input contract, or the XML wrapper."""
    if not isinstance(doc, dict):
        raise _input_problem(InputError("$", "forespørselen må være et JSON-objekt"))
    if "xml" in doc:
        request, parsed = _wrapper_item(doc)
        return Evaluated(_evaluate(engine, request, options, parsed, metrics), request, "xml")
    return Evaluated(_evaluate(engine, doc, options, None, metrics), doc, "json")


class Service:
    """The application's state: packs, decision log writer, metrics, authentication."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.metrics = Metrics()
        root = Path(config.policies) if config.policies else bundled_policies_dir()
        self.packs = Packs(root, allow_synthetic_ids=config.test_environment, metrics=self.metrics)
        self.auth = Authenticator(config.auth)
        _warm_up()
        self.writer: LogWriter | None = None
        self._monitor: Any = None
        self._monitor_lock = threading.Lock()

    def start(self) -> None:
        if self.writer is None:
            self.writer = LogWriter(lambda: open_log(self.config.db))

    def stop(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None

    def monitor(self) -> MonitorBinding:
        with self._monitor_lock:
            if self._monitor is None:
                self._monitor = _load_monitor(self.config, list(self.packs.engine.packs.values()))
            return self._monitor

    async def commit(self, items: Sequence[Evaluated], client: str | None) -> list[DecisionRecord]:
        """Write the decisions to the log; returns their records. Raises Problem(503) when it cannot."""
        if self.writer is None:
            raise Problem(503, "decision-log-unavailable", "Beslutningsloggen er ikke åpen",
                          "ingen avgjørelse gis uten at den er skrevet i beslutningsloggen")
        records = [record_for(e.decision, e.request, secret=self.config.secret, source=e.source, client=client)
                   for e in items]
        started = time.perf_counter()
        try:
            committed = self.writer.submit(records)
            if committed.done():  # committed on this thread already (SQLite without an fsync per commit)
                committed.result()
            else:
                await asyncio.wrap_future(committed)
        except LogError as exc:
            self.metrics.log_failures.inc(len(records))
            raise Problem(503, "decision-log-unavailable", "Beslutningsloggen kan ikke skrives",
                          f"{exc}; ingen avgjørelse gis uten at den er skrevet i beslutningsloggen") from None
        self.metrics.log_seconds.observe(time.perf_counter() - started)
        for e in items:
            self.metrics.count_decision(e.decision)
        return records


def _warm_up() -> None:
    """Build what the first requests would otherwise pay for: holiday tables, the detailed validator."""
    year = dt.date.today().year
    for y in range(year - 2, year + 3):
        holidays_for(y)
    fast_validator(INPUT_SCHEMA)
    detailed_validator(INPUT_SCHEMA)


def _service(request: Request) -> Service:
    return request.app.state.service


def _client(request: Request) -> str | None:
    principal = request.scope.get("dialogvakt.principal")
    return principal.client if principal is not None else None


async def decide(request: Request) -> Response:
    svc = _service(request)
    options = _options(request)
    media = _media_type(request)
    if not (_is_json(media) or _is_xml(media)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype",
                      "send application/json (inndatakontrakten v1 eller {\"xml\": …}) eller application/xml "
                      "(Dialogmelding i MsgHead)")
    body = await _read_body(request, svc.config.max_body)
    engine = svc.packs.engine
    if _is_xml(media):
        try:
            context = dialogmelding.context_from_pairs(options.context_pairs)
        except InputError as exc:
            raise _input_problem(exc) from None
        req, parsed = _xml_item(body, context)
        evaluated = Evaluated(_evaluate(engine, req, options, parsed, svc.metrics), req, "xml")
    else:
        if options.context_pairs:
            name = options.context_pairs[0][0]
            raise Problem(400, "invalid-parameter", "Ukjent parameter",
                          f"{name}: ukjent parameter; kontekst i query-parametre brukes bare for XML, "
                          "for JSON hører den hjemme i dokumentet",
                          [{"parameter": name, "message": "ukjent parameter"}])
        evaluated = _evaluate_document(engine, _parse_json(body), options, svc.metrics)
    record = (await svc.commit([evaluated], _client(request)))[0]
    request.scope["dialogvakt.outcome"] = f"decision={evaluated.decision.decision} id={record.id}"
    headers = {"Dialogvakt-Decision-Id": record.id, "Dialogvakt-Input-SHA256": record.input_sha256}
    if "text/plain" in request.headers.get("accept", "") and "application/json" not in request.headers.get("accept", ""):
        from ..eval.render import decision_text
        return Response(decision_text(evaluated.decision), headers=headers,
                        media_type="text/plain; charset=utf-8")
    return _json(evaluated.decision.to_dict(), headers=headers)


async def decide_batch(request: Request) -> Response:
    svc = _service(request)
    options = _options(request)
    if options.context_pairs:
        name = options.context_pairs[0][0]
        raise Problem(400, "invalid-parameter", "Ukjent parameter", f"{name}: ukjent parameter",
                      [{"parameter": name, "message": "ukjent parameter"}])
    if not _is_json(_media_type(request)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype",
                      "en batch sendes som application/json: {\"requests\": [...]}")
    doc = _parse_json(await _read_body(request, svc.config.max_body))
    if not isinstance(doc, dict) or not isinstance(doc.get("requests"), list):
        raise _input_problem(InputError("$.requests", "mangler; en batch er {\"requests\": [ ... ]}"))
    extra = [k for k in doc if k != "requests"]
    if extra:
        raise _input_problem(InputError(f"$.{extra[0]}", "ukjent felt; en batch har bare requests"))
    items = doc["requests"]
    if len(items) > svc.config.max_batch:
        raise Problem(413, "batch-too-large", "For mange elementer",
                      f"en batch kan ha høyst {svc.config.max_batch} elementer (fikk {len(items)})")
    engine = svc.packs.engine

    def run() -> list[Evaluated | Problem]:
        out: list[Evaluated | Problem] = []
        for item in items:
            try:
                out.append(_evaluate_document(engine, item, options, svc.metrics))
            except Problem as problem:
                svc.metrics.errors.labels(problem.slug).inc()
                out.append(problem)
        return out

    outcomes = run() if len(items) <= 8 else await anyio.to_thread.run_sync(run)
    decided = [o for o in outcomes if isinstance(o, Evaluated)]
    ids = iter([r.id for r in await svc.commit(decided, _client(request))] if decided else [])
    results, counts = [], {"allow": 0, "deny": 0, "indeterminate": 0, "not_applicable": 0, "error": 0}
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, Problem):
            counts["error"] += 1
            results.append({"index": index, "status": outcome.status,
                            "problem": outcome.to_dict(f"/v1/decisions:batch#/requests/{index}")})
        else:
            counts[outcome.decision.decision] += 1
            results.append({"index": index, "status": 200, "decision_id": next(ids),
                            "decision": outcome.decision.to_dict()})
    request.scope["dialogvakt.outcome"] = " ".join(f"{k}={v}" for k, v in counts.items() if v)
    return _json({"results": results, "counts": counts})


def _pack_summary(p: CompiledPack, today: dt.date) -> dict:
    return {"id": p.id, "title": p.title, "issuer": p.issuer, "document": p.citation, "version": p.version,
            "revision": p.revision, "valid_from": p.valid_from.isoformat(),
            "valid_to": p.valid_to.isoformat() if p.valid_to else None, "validity": p.validity(today),
            "rules": len(p.rules), "scope": p.scope_description.strip()}


async def list_packs(request: Request) -> Response:
    svc = _service(request)
    today = dt.datetime.now(OSLO).date()
    return _json({"packs": [_pack_summary(p, today) for p in svc.packs.engine.packs.values()],
                  "loaded_at": svc.packs.loaded_at.isoformat(), "last_reload": svc.packs.last_reload})


async def get_pack(request: Request) -> Response:
    svc = _service(request)
    pack_id = request.path_params["id"]
    pack = svc.packs.engine.packs.get(pack_id)
    if pack is None:
        raise Problem(404, "unknown-pack", "Ukjent retningslinje",
                      f"ingen pakke med id «{pack_id}»; kjente: {', '.join(svc.packs.engine.packs)}")
    today = dt.datetime.now(OSLO).date()
    out = _pack_summary(pack, today)
    out["rules"] = [{"id": r.id, "title": r.title, "effect": r.effect, "source": r.source, "facts": list(r.facts),
                     **({"location": f"{pack.folder.name}/{Path(r.location.file).name}:{r.location.line}:"
                                     f"{r.location.column}"} if r.location else {})} for r in pack.rules]
    out["parameters"] = {name: {"type": prm.type, "value": prm.value, "description": prm.description.strip(),
                                "local_interpretation": prm.local_interpretation, "source": prm.source}
                         for name, prm in pack.parameters.items()}
    out["vocabularies"] = {name: {"match": v.match, "terms": list(v.terms), "description": v.description.strip(),
                                  "local_interpretation": v.local_interpretation}
                           for name, v in pack.vocabularies.items()}
    out["not_checkable"] = list(pack.not_checkable)
    out["document_details"] = pack.document
    return _json(out)


async def reload_packs(request: Request) -> Response:
    svc = _service(request)
    report = await anyio.to_thread.run_sync(svc.packs.reload)
    if report["result"] == "refused":
        errors = [{"location": p.split(": ", 1)[0] if ": " in p else entry["folder"], "message": p}
                  for entry in report["packs"] if entry["status"] == "refused" for p in entry.get("problems", [])]
        problem = Problem(422, "pack-refused", "En eller flere pakker ble avvist",
                          "pakkene som ble avvist, er ikke tatt i bruk; forrige versjon svarer fortsatt", errors)
        body = problem.to_dict()
        body["report"] = report
        return _json(body, 422, media_type="application/problem+json")
    return _json(report)


async def _monitor(svc: Service) -> MonitorBinding:
    try:
        return await anyio.to_thread.run_sync(svc.monitor)  # building it replays its event log
    except MonitorUnavailable as exc:
        raise Problem(501, "monitor-unavailable", "Samtaleovervåkingen er ikke tilgjengelig", str(exc)) from None


async def post_events(request: Request) -> Response:
    svc = _service(request)
    monitor = await _monitor(svc)
    if not _is_json(_media_type(request)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype", "hendelser sendes som application/json")
    body = _parse_json(await _read_body(request, svc.config.max_body))
    result = await anyio.to_thread.run_sync(monitor.post_events, body)
    return _json(result)


async def get_findings(request: Request) -> Response:
    svc = _service(request)
    monitor = await _monitor(svc)
    query = dict(request.query_params.multi_items())
    result = await anyio.to_thread.run_sync(monitor.findings, query)
    return _json(result)


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


async def readyz(request: Request) -> Response:
    svc = _service(request)
    problems = []
    packs = svc.packs.engine.packs
    if not packs:
        problems.append({"message": "ingen pakker er lastet"})
    log_state = "ok"
    if svc.writer is None:
        log_state = "closed"
    else:
        try:
            await asyncio.wait_for(asyncio.wrap_future(svc.writer.ping()), timeout=2.0)
        except (TimeoutError, LogError) as exc:
            log_state = "unavailable"
            problems.append({"message": f"beslutningsloggen svarer ikke ({type(exc).__name__})"})
    if log_state == "closed":
        problems.append({"message": "beslutningsloggen er ikke åpen"})
    if problems:
        raise Problem(503, "not-ready", "Tjenesten er ikke klar", "; ".join(p["message"] for p in problems), problems)
    return _json({"status": "ready", "packs": {p.id: {"version": p.version, "revision": p.revision}
                                               for p in packs.values()},
                  "decision_log": log_state, "last_reload": svc.packs.last_reload})


async def metrics(request: Request) -> Response:
    return Response(generate_latest(_service(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def openapi(request: Request) -> Response:
    return _json(openapi_document())


async def schema_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ("input-v1.schema.json", "decision-v1.schema.json", "pack-v1.schema.json"):
        raise Problem(404, "not-found", "Finnes ikke", "kjente skjemaer: input-v1.schema.json, "
                      "decision-v1.schema.json, pack-v1.schema.json")
    return _json(published_schema(name), media_type="application/schema+json")


# --------------------------------------------------------------------------- middleware

PUBLIC = ("/healthz", "/readyz", "/openapi.json", "/schemas/")


def _route_label(path: str) -> str:
    if path.startswith("/v1/packs/"):
        return "/v1/packs/{id}"
    if path.startswith("/schemas/"):
        return "/schemas/{name}"
    if path in ROUTE_PATHS:
        return path
    return "other"


def _authorization(scope: dict) -> str | None:
    """The request's Authorization header; the last one when it is sent more than once."""
    value = None
    for name, raw in scope.get("headers", []):
        if name.lower() == b"authorization":
            value = raw.decode("latin-1")
    return value


class Gate:
    """Authentication, problem answers for errors, access log and request timing, as plain ASGI."""

    def __init__(self, app: Callable, service: Service):
        self.app = app
        self.service = service

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        state = {"status": 500}

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            await send(message)

        try:
            if not path.startswith(PUBLIC) and self.service.auth.enabled:
                try:
                    principal = self.service.auth.authenticate(_authorization(scope))
                except AuthError as exc:
                    slug = "forbidden" if exc.status == 403 else "unauthorized"
                    self.service.metrics.errors.labels(slug).inc()
                    problem = Problem(exc.status, slug, "Ikke tilgang", exc.message,
                                      headers={"WWW-Authenticate": challenge(exc)})
                    await _problem_response(problem, path)(scope, receive, send_wrapper)
                    return
                if principal is not None:
                    scope["dialogvakt.principal"] = principal
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception as exc:  # Starlette has already answered it with _on_error before re-raising
                log.error("unexpected error on %s: %s", redact(path), redact(f"{type(exc).__name__}: {exc}"))
        finally:
            elapsed = time.perf_counter() - started
            self.service.metrics.request_seconds.labels(_route_label(path)).observe(elapsed)
            outcome = scope.get("dialogvakt.outcome")
            access_log.info("%s %s %s %.2fms%s", scope.get("method", "-"), redact(path), state["status"],
                            elapsed * 1000, f" {outcome}" if outcome else "")


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
]
ROUTE_PATHS = {r.path for r in ROUTES}


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    _service(request).metrics.errors.labels(exc.slug).inc()
    return _problem_response(exc, request.url.path)


async def _on_error(request: Request, exc: Exception) -> Response:
    problem = Problem(500, "internal-error", "Intern feil", "en uventet feil oppsto; se tjenestens logg")
    _service(request).metrics.errors.labels(problem.slug).inc()
    return _problem_response(problem, request.url.path)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        problem = Problem(405, "method-not-allowed", "Metoden er ikke tillatt", f"{request.method} {request.url.path}")
    else:
        problem = Problem(404, "not-found", "Finnes ikke", "se /openapi.json for tjenestens adresser")
    return _problem_response(problem, request.url.path)


def create_app(config: ServiceConfig) -> Any:
    """The ASGI application. Packs are compiled here (PackError when any fails); the log opens at startup."""
    service = Service(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        service.start()
        watcher = None
        if config.reload_interval > 0:
            watcher = asyncio.create_task(_watch(service.packs, config.reload_interval))
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

    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers={404: _not_found, 405: _not_found, Problem: _on_problem, Exception: _on_error})
    app.state.service = service
    gated = Gate(app, service)
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


def serve(config: ServiceConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    import uvicorn

    if not logging.getLogger().handlers:
        configure_logging()
    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
                server_header=False, timeout_graceful_shutdown=10)


__all__ = ["Metrics", "Packs", "Problem", "ServiceConfig", "configure_logging", "create_app", "serve"]
