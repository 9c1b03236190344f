"""The endpoints: decisions, batches, packs, reloads, the monitor's events and findings, health and schemas."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from ..contract.schemas import DECISION_SCHEMA, EVENT_SCHEMA, INPUT_SCHEMA, PACK_SCHEMA, published_schema
from ..contract.times import OSLO
from ..eval.render import decision_text
from ..lang.tree import CompiledPack
from .decisionlog import DecisionRecord, LogError, redact
from .monitoring import MonitorBinding, MonitorOffline, findings_query
from .openapi import openapi_document
from .problems import Problem, json_bytes, json_response
from .requests import (
    Evaluated,
    batch_items,
    decide_body,
    evaluate_document,
    is_json,
    is_xml,
    media_type,
    parse_json,
    read_body,
    read_options,
)
from .service import Service

log = logging.getLogger("dialogvakt.service")


def service_of(request: Request) -> Service:
    return request.app.state.service


def client_of(request: Request) -> str | None:
    principal = request.scope.get("dialogvakt.principal")
    return principal.client if principal is not None else None


async def decide(request: Request) -> Response:
    svc = service_of(request)
    options = read_options(request)
    media = media_type(request)
    if not (is_json(media) or is_xml(media)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype",
                      "send application/json (inndatakontrakten v1 eller {\"xml\": …}) eller application/xml "
                      "(Dialogmelding i MsgHead)")
    body = await read_body(request, svc.config.max_body)
    engine = svc.packs.engine
    accept = request.headers.get("accept", "")
    as_text = "text/plain" in accept and "application/json" not in accept

    client = client_of(request)

    def work() -> tuple[Evaluated, bytes, DecisionRecord]:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            evaluated = decide_body(engine, body, media, options, svc.metrics)
            if as_text:
                payload = decision_text(evaluated.decision).encode("utf-8")
            else:
                payload = json_bytes(evaluated.decision.to_dict())
            return evaluated, payload, svc.record(evaluated, client)
        finally:  # refusals count too: a request that is slow to refuse is slow
            svc.workers.took(time.thread_time() - cpu, time.perf_counter() - started)

    if svc.inline(len(body)):  # cheap, as the last decisions were, and committed here: no thread hop
        evaluated, payload, record = work()
    else:
        evaluated, payload, record = await svc.workers.run("decision", work)
    await svc.commit([evaluated], client, [record])
    request.scope["dialogvakt.outcome"] = f"decision={evaluated.decision.decision} id={record.id}"
    headers = {"Dialogvakt-Decision-Id": record.id, "Dialogvakt-Input-SHA256": record.input_sha256}
    if as_text:
        return Response(payload, headers=headers, media_type="text/plain; charset=utf-8")
    return Response(payload, headers=headers, media_type="application/json")


async def decide_batch(request: Request) -> Response:
    svc = service_of(request)
    options = read_options(request)
    if options.context_pairs:
        name = options.context_pairs[0][0]
        raise Problem(400, "invalid-parameter", "Ukjent parameter", f"{name}: ukjent parameter",
                      [{"parameter": name, "message": "ukjent parameter"}])
    if not is_json(media_type(request)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype",
                      "en batch sendes som application/json: {\"requests\": [...]}")
    body = await read_body(request, svc.config.max_body)
    engine = svc.packs.engine

    def run() -> list[Evaluated | Problem]:
        out: list[Evaluated | Problem] = []
        for item in batch_items(body, svc.config.max_batch):
            try:
                out.append(evaluate_document(engine, item, options, svc.metrics))
            except Problem as problem:
                svc.metrics.errors.labels(problem.slug).inc()
                out.append(problem)
            except Exception as exc:  # one item's surprise must not cost the others their answers
                log.error("unexpected error in a batch item: %s", redact(f"{type(exc).__name__}: {exc}"))
                svc.metrics.errors.labels("internal-error").inc()
                out.append(Problem(500, "internal-error", "Intern feil", "en uventet feil oppsto; se tjenestens logg"))
        return out

    outcomes = await svc.workers.run("batch", run)
    decided = [o for o in outcomes if isinstance(o, Evaluated)]
    ids = iter([r.id for r in await svc.commit(decided, client_of(request))] if decided else [])
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
    return json_response({"results": results, "counts": counts})


def _pack_summary(p: CompiledPack, today: dt.date) -> dict[str, Any]:
    return {"id": p.id, "title": p.title, "issuer": p.issuer, "document": p.citation, "version": p.version,
            "revision": p.revision, "valid_from": p.valid_from.isoformat(),
            "valid_to": p.valid_to.isoformat() if p.valid_to else None, "validity": p.validity(today),
            "rules": len(p.rules), "scope": p.scope_description.strip()}


async def list_packs(request: Request) -> Response:
    svc = service_of(request)
    today = dt.datetime.now(OSLO).date()
    return json_response({"packs": [_pack_summary(p, today) for p in svc.packs.engine.packs.values()],
                  "loaded_at": svc.packs.loaded_at.isoformat(), "last_reload": svc.packs.last_reload})


async def get_pack(request: Request) -> Response:
    svc = service_of(request)
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
    return json_response(out)


async def reload_packs(request: Request) -> Response:
    svc = service_of(request)
    report = await svc.workers.run("reload", svc.packs.reload)
    if report["result"] == "refused":
        errors = [{"location": p.split(": ", 1)[0] if ": " in p else entry["folder"], "message": p}
                  for entry in report["packs"] if entry["status"] == "refused" for p in entry.get("problems", [])]
        problem = Problem(422, "pack-refused", "En eller flere pakker ble avvist",
                          "pakkene som ble avvist, er ikke tatt i bruk; forrige versjon svarer fortsatt", errors)
        body = problem.to_dict()
        body["report"] = report
        return json_response(body, 422, media_type="application/problem+json")
    return json_response(report)


async def _monitor(svc: Service) -> MonitorBinding:
    try:
        return await svc.workers.run("monitor", svc.monitor)  # building it replays its event log
    except MonitorOffline as exc:
        raise Problem(501, "monitor-unavailable", "Samtaleovervåkingen er ikke tilgjengelig", str(exc)) from None


async def post_events(request: Request) -> Response:
    svc = service_of(request)
    if not is_json(media_type(request)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype", "hendelser sendes som application/json")
    body = await read_body(request, svc.config.max_body)
    monitor = await _monitor(svc)
    result = await svc.workers.run("events", lambda: monitor.post_events(parse_json(body)))
    return json_response(result)


async def get_findings(request: Request) -> Response:
    svc = service_of(request)
    query = findings_query(request.query_params.multi_items())  # a bad parameter is a 400 before any work
    monitor = await _monitor(svc)
    result = await svc.workers.run("findings", monitor.findings, query)
    return json_response(result)


async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"})


async def readyz(request: Request) -> Response:
    svc = service_of(request)
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
    return json_response({"status": "ready", "packs": {p.id: {"version": p.version, "revision": p.revision}
                                               for p in packs.values()},
                  "decision_log": log_state, "last_reload": svc.packs.last_reload})


async def metrics(request: Request) -> Response:
    return Response(generate_latest(service_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def openapi(request: Request) -> Response:
    return json_response(openapi_document())


SERVED_SCHEMAS = (INPUT_SCHEMA, DECISION_SCHEMA, EVENT_SCHEMA, PACK_SCHEMA)


async def schema_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in SERVED_SCHEMAS:
        raise Problem(404, "not-found", "Finnes ikke", "kjente skjemaer: " + ", ".join(SERVED_SCHEMAS))
    return json_response(published_schema(name), media_type="application/schema+json")
