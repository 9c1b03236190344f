"""The page handlers: the packs, trying a message, a pack read as rules, the decision log, the findings.

Each handler is wrapped by ``page``: it checks the session when the service's authentication
is on, answers errors with a page in bokmål, and adds the security headers. The rendered
HTML passes through ``mask_in_text`` last of all, so that no patient number reaches a page
even where a message quoted one.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import jinja2
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ...contract.bokmal import label
from ...contract.identifiers import mask_in_text
from ...contract.times import OSLO
from ...eval.explain import explain
from ..auth import AuthError, Principal
from ..decisionlog import DecisionRecord, LogError, mask_patient_numbers, open_log, redact
from ..handlers import service_of
from ..monitoring import MonitorOffline
from ..problems import Problem
from ..requests import Evaluated, Options, evaluate, evaluate_document, xml_item
from ..service import Service
from . import charts, views
from .coverage import CoverageCache
from .examples import bundled_examples, find_example
from .forms import FieldError, hide_numbers, parse_message, parse_moment, read_form, restore_numbers
from .security import (
    CSRF_FIELD,
    WebState,
    clear_session_cookie,
    finish,
    set_session_cookie,
    token_expiry,
)

log = logging.getLogger("dialogvakt.service")

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters["when"] = views.when
TEMPLATES.filters["decision_label"] = lambda v: label("decision", v)

LOG_LIMIT = 5000  # records read for the log page's charts
LOG_ROWS = 100  # records listed
FINDING_STATUS = {"open": "åpent", "resolved": "løst", "recorded": "registrert"}

Handler = Callable[[Request], Awaitable[Response]]


# --------------------------------------------------------------------------- shared

def web_state(request: Request) -> WebState:
    state = request.app.state
    if not hasattr(state, "web"):
        state.web = WebState()
    web: WebState = state.web
    return web


def coverage_cache(request: Request, svc: Service) -> CoverageCache:
    state = request.app.state
    if not hasattr(state, "web_coverage"):
        state.web_coverage = CoverageCache(svc.packs.root)
    cache: CoverageCache = state.web_coverage
    return cache


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    svc = service_of(request)
    principal = request.scope.get("dialogvakt.principal")
    base = {"path": request.url.path, "csrf_field": CSRF_FIELD, "csrf_token": web_state(request).csrf_token(request),
            "auth_enabled": svc.auth.enabled, "user": principal.client if principal else None}
    html = TEMPLATES.get_template(template).render(**base, **context)
    return HTMLResponse(mask_in_text(html), status_code=status)


def problem_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "problem.html", status, title=title, message=message)


def _local_path(target: str | None) -> str:
    """Where to go after logging in: a path on this service only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def page(handler: Handler, *, public: bool = False) -> Handler:
    """Authentication (session or Bearer), errors as pages, security headers."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        svc = service_of(request)
        response: Response
        try:
            if svc.auth.enabled and not public:
                header = request.headers.get("authorization")
                if header:
                    try:
                        principal = svc.auth.authenticate(header)
                    except AuthError as exc:
                        return finish(request, problem_page(request, exc.status, "Ikke tilgang",
                                                            f"Nøkkelen ble ikke godtatt: {exc.message}."))
                    request.scope["dialogvakt.principal"] = principal
                else:
                    session = web_state(request).session(request)
                    if session is None:
                        if request.method == "GET":
                            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                            response = RedirectResponse(
                                "/logg-inn?" + urlencode({"neste": target}), status_code=303)
                        else:
                            response = problem_page(request, 401, "Du er ikke logget inn",
                                                    "Logg inn med tjenestens tilgangsnøkkel og prøv igjen.")
                        return finish(request, response)
                    request.scope["dialogvakt.principal"] = Principal(session.client)
            started = time.perf_counter()
            response = await handler(request)
            response.headers["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
        except Exception as exc:
            log.error("page %s failed: %s", redact(request.url.path), redact(f"{type(exc).__name__}: {exc}"))
            response = problem_page(request, 500, "Noe gikk galt",
                                    "Siden kunne ikke vises på grunn av en feil i tjenesten. Feilen er skrevet i "
                                    "tjenestens logg. Prøv igjen, eller kontakt den som drifter tjenesten.")
        return finish(request, response)

    return wrapped


def _csrf_refused(request: Request) -> HTMLResponse:
    return problem_page(request, 403, "Skjemaet ble ikke godtatt",
                        "Skjemaet var for gammelt eller kom ikke fra denne siden. Gå tilbake, last siden på nytt og "
                        "send skjemaet igjen.")


def _today() -> dt.date:
    return dt.datetime.now(OSLO).date()


# --------------------------------------------------------------------------- /

async def home(request: Request) -> Response:
    svc = service_of(request)
    today = _today()
    packs = [views.pack_summary(p, today) for p in svc.packs.engine.packs.values()]
    return render(request, "index.html", packs=packs, today=views.when(today))


# --------------------------------------------------------------------------- /prov

FIELDS = ("melding", "kontekst", "pakke", "tidspunkt", "eksempel", "skjult", "lastet")


def _prov_context(svc: Service, form: dict[str, str]) -> dict[str, Any]:
    return {"examples": bundled_examples(), "packs": list(svc.packs.engine.packs.values()), "form": form,
            "errors": {}, "result": None}


async def prov_form(request: Request) -> Response:
    svc = service_of(request)
    form = {"melding": "", "kontekst": "", "pakke": request.query_params.get("pakke", ""), "tidspunkt": "",
            "eksempel": request.query_params.get("eksempel", ""), "skjult": "", "lastet": ""}
    context = _prov_context(svc, form)
    if form["pakke"] and form["pakke"] not in svc.packs.engine.packs:
        form["pakke"] = ""
    if form["eksempel"]:
        example = find_example(form["eksempel"])
        if example is None:
            context["errors"]["eksempel"] = "Det finnes ikke noe eksempel med det navnet. Velg et fra listen."
        else:
            numbers: list[str] = []
            form["melding"], numbers = hide_numbers(example.text, numbers)
            form["kontekst"], numbers = hide_numbers(example.context, numbers)
            form["skjult"] = web_state(request).hide(numbers)
            form["lastet"] = example.name
    return render(request, "prov.html", **context)


async def prov_submit(request: Request) -> Response:
    svc = service_of(request)
    state = web_state(request)
    try:
        form = await read_form(request)
    except FieldError as exc:
        context = _prov_context(svc, dict.fromkeys(FIELDS, ""))
        context["errors"][exc.field] = exc.message
        return render(request, "prov.html", 413, **context)
    if not state.csrf_ok(request, form.get(CSRF_FIELD)):
        return _csrf_refused(request)
    fields = {k: form.get(k, "") for k in FIELDS}
    context = _prov_context(svc, fields)
    errors: dict[str, str] = context["errors"]
    hidden = state.reveal(fields["skjult"])
    text, context_text = fields["melding"], fields["kontekst"]
    example = None
    chosen = fields["eksempel"]
    # a newly chosen example replaces the field; the example already in the field may have been edited
    if chosen and (chosen != fields["lastet"] or not text.strip()):
        example = find_example(chosen)
        if example is None:
            errors["eksempel"] = "Det finnes ikke noe eksempel med det navnet. Velg et fra listen."
        else:
            text, context_text = example.text, example.context
    pack = fields["pakke"] or None
    if pack is not None and pack not in svc.packs.engine.packs:
        errors["pakke"] = "Velg en retningslinje fra listen, eller automatisk valg."
    at = None
    try:
        at = parse_moment(fields["tidspunkt"], "tidspunkt")
    except FieldError as exc:
        errors[exc.field] = exc.message
    evaluated = None
    if not errors:
        try:
            text = restore_numbers(text, hidden, "melding")
            context_text = restore_numbers(context_text, hidden, "kontekst")
            pasted = parse_message(text, context_text)
            evaluated = _evaluate(svc, pasted, Options([pack] if pack else None, at, False, []))
        except FieldError as exc:
            errors[exc.field] = exc.message
        except Problem as problem:
            errors[_field_of(problem)] = _problem_text(problem)
    # echo the message back without its numbers (they ride along, encrypted, for the next try)
    numbers: list[str] = []
    fields["melding"], numbers = hide_numbers(text, numbers)
    fields["kontekst"], numbers = hide_numbers(context_text, numbers)
    fields["skjult"] = state.hide(numbers)
    if example is not None:
        fields["lastet"] = example.name
    elif not chosen:
        fields["lastet"] = ""
    if errors or evaluated is None:
        return render(request, "prov.html", 422, **context)
    principal = request.scope.get("dialogvakt.principal")
    try:
        record = (await svc.commit([evaluated], f"web/{principal.client}" if principal else "web"))[0]
    except Problem as problem:
        errors["melding"] = _problem_text(problem)
        return render(request, "prov.html", problem.status, **context)
    explained = explain(svc.packs.engine, evaluated.request, pack=[pack] if pack else None, at=at)
    document = json.dumps(mask_patient_numbers(evaluated.decision.to_dict()), ensure_ascii=False, indent=2)
    context["result"] = {"decision": views.decision_view(evaluated.decision), "explain": views.explain_view(explained),
                         "document": document, "record": record.id, "source": evaluated.source}
    return render(request, "prov.html", **context)


def _evaluate(svc: Service, pasted: Any, options: Options) -> Evaluated:
    """The service's own request reading and evaluation; Problem as the API would answer."""
    engine = svc.packs.engine
    if pasted.kind == "xml":
        request, parsed = xml_item(pasted.xml, pasted.context or {})
        return Evaluated(evaluate(engine, request, options, parsed, svc.metrics), request, "xml")
    return evaluate_document(engine, pasted.document, options, svc.metrics)


API_HINT = "; XML-meldingen har ikke dette"  # the API's advice (query parameters) has a field on this page instead


def _field_of(problem: Problem) -> str:
    if problem.slug == "unknown-pack":
        return "pakke"
    if any(API_HINT in str(e.get("message", "")) for e in problem.errors):
        return "kontekst"
    return "melding"


def _problem_text(problem: Problem) -> str:
    doc = problem.to_dict()
    lead = {"invalid-input": "Meldingen følger ikke inndatakontrakten", "invalid-xml": "XML-meldingen kan ikke leses",
            "invalid-json": "Meldingen er ikke gyldig JSON"}.get(problem.slug, str(doc["title"]))
    details = []
    for e in doc.get("errors", []):
        where = e.get("path") or e.get("parameter") or ""
        message = str(e.get("message", ""))
        if API_HINT in message:
            message = message.split(API_HINT, 1)[0] + "; XML-meldingen har ikke dette, så skriv det i feltet " \
                      "«Opplysninger XML-meldingen ikke har»"
        e = {**e, "message": message}
        xml = f" (i XML-meldingen: {e['xml_path']})" if e.get("xml_path") else ""
        details.append(f"{where}: {e.get('message', '')}{xml}" if where else f"{e.get('message', '')}{xml}")
    return f"{lead}: " + ("; ".join(details) if details else str(doc.get("detail", ""))) + "."


# --------------------------------------------------------------------------- /pakker/{id}

async def pack_page(request: Request) -> Response:
    svc = service_of(request)
    pack_id = request.path_params["id"]
    pack = svc.packs.engine.packs.get(pack_id)
    if pack is None:
        return problem_page(request, 404, "Fant ikke retningslinjen",
                            f"Det finnes ingen retningslinje med id «{pack_id}». Se listen over retningslinjer.")
    cache = coverage_cache(request, svc)
    coverage = cache.get(pack.id, pack.revision)
    rows = views.trace_view(pack, coverage)
    return render(request, "pack.html", pack=views.pack_summary(pack, _today()), rows=rows,
                  parameters=views.parameters_view(pack), vocabularies=views.vocabularies_view(pack),
                  coverage_ready=coverage is not None, coverage_failed=cache.failed,
                  coverage_meta=cache.summary(pack.id, pack.revision),
                  coverage_counts=views.coverage_counts(rows) if coverage is not None else None)


# --------------------------------------------------------------------------- /logg

def _read_log(svc: Service, since: dt.datetime | None, until: dt.datetime | None, pack: str | None,
              decision: str | None) -> list[DecisionRecord]:
    url = svc.writer.url if svc.writer is not None else svc.config.db
    store = open_log(url, read_only=True)
    try:
        return store.query(since=since, until=until, pack=pack, decision=decision, limit=LOG_LIMIT)
    finally:
        store.close()


def _logged(record: DecisionRecord) -> dt.datetime:
    return dt.datetime.fromisoformat(record.logged_at.replace("Z", "+00:00")).astimezone(OSLO)


async def log_page(request: Request) -> Response:
    svc = service_of(request)
    q = request.query_params
    form = {k: q.get(k, "").strip() for k in ("fra", "til", "pakke", "avgjorelse", "regel")}
    errors: dict[str, str] = {}
    since = until = None
    try:
        since = parse_moment(form["fra"], "fra")
    except FieldError as exc:
        errors["fra"] = exc.message
    try:
        until = parse_moment(form["til"], "til")
        if until is not None and len(form["til"]) == 10:  # a date: up to and including that day
            until += dt.timedelta(days=1)
    except FieldError as exc:
        errors["til"] = exc.message
    decisions = ("allow", "deny", "indeterminate", "not_applicable")
    if form["avgjorelse"] and form["avgjorelse"] not in decisions:
        errors["avgjorelse"] = "Velg en avgjørelse fra listen."
        form["avgjorelse"] = ""
    records: list[DecisionRecord] = []
    unavailable = None
    try:
        records = await anyio.to_thread.run_sync(_read_log, svc, since, until, form["pakke"] or None,
                                                 form["avgjorelse"] or None)
    except LogError as exc:
        unavailable = redact(str(exc))
    rule = form["regel"]
    if rule:
        records = [r for r in records if any(x.get("rule") == rule for x in (*r.reasons, *r.advice, *r.obligations))]
    stops = collections.Counter(x["rule"] for r in records for x in {y["rule"]: y for y in r.reasons}.values())
    top = stops.most_common(10)
    days: dict[dt.date, collections.Counter[str]] = {}
    for r in records:
        days.setdefault(_logged(r).date(), collections.Counter())[r.decision] += 1
    series: list[tuple[str, dict[str, int]]] = []
    if days:
        first = since.astimezone(OSLO).date() if since else min(days)
        last = (until - dt.timedelta(seconds=1)).astimezone(OSLO).date() if until else max(days)
        first, last = min(first, last), max(first, last)
        if (last - first).days > 366:
            first = last - dt.timedelta(days=366)
        starts = charts.buckets(first, last)
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else last + dt.timedelta(days=1)
            total: collections.Counter[str] = collections.Counter()
            for day, counts in days.items():
                if start <= day < end:
                    total.update(counts)
            series.append((f"{start.day}.{start.month}.", dict(total)))
    labels = {d: label("decision", d) for d in decisions}
    rows = [{"id": r.id, "logged": views.when(_logged(r)), "decision": r.decision,
             "decision_label": labels.get(r.decision, r.decision),
             "packs": [f"{p['id']} {p['version']}" for p in r.packs],
             "reasons": [f"{x['rule']} ({views.section_label(str(x.get('section', '')))})" for x in r.reasons],
             "missing": [m["fact"] for m in r.missing], "patient": r.patient or "", "message_id": r.message_id or "",
             "source": r.source, "client": r.client or ""} for r in reversed(records[-LOG_ROWS:])]
    packs = sorted(svc.packs.engine.packs)
    rule_ids = sorted({r.id for p in svc.packs.engine.packs.values() for r in p.rules})
    totals = collections.Counter(r.decision for r in records)
    return render(request, "log.html", form=form, errors=errors, rows=rows, count=len(records),
                  limited=len(records) >= LOG_LIMIT and not rule, unavailable=unavailable, packs=packs,
                  rule_ids=rule_ids, decisions=[(d, labels[d]) for d in decisions], top=top,
                  totals=[(labels[d], totals.get(d, 0)) for d in decisions], series=series,
                  stops_chart=charts.bar_chart(top, title="Regler som oftest stopper meldinger", chart_id="stopp")
                  if top else None,
                  time_chart=charts.timeline_chart(series, title="Avgjørelser over tid", chart_id="tid",
                                                   labels=labels) if series else None,
                  colours=charts.COLOURS)


# --------------------------------------------------------------------------- /funn

async def findings_page(request: Request) -> Response:
    svc = service_of(request)
    q = request.query_params
    form = {"status": q.get("status", ""), "pakke": q.get("pakke", ""), "type": q.get("type", "")}
    if form["status"] not in ("", "open", "resolved", "recorded"):
        form["status"] = ""
    try:
        monitor = await anyio.to_thread.run_sync(svc.monitor)
    except MonitorOffline as exc:
        return render(request, "findings.html", unavailable=redact(str(exc)), form=form, threads=[], stats=None,
                      packs=sorted(svc.packs.engine.packs), kinds=[], statuses=FINDING_STATUS, counts={})
    query = {"status": form["status"], "pack": form["pakke"], "kind": form["type"]}  # empty: any
    result = await anyio.to_thread.run_sync(monitor.findings, query)
    every = (await anyio.to_thread.run_sync(monitor.findings, {}))["findings"]
    found = mask_patient_numbers(result["findings"])
    threads: dict[str, list[dict[str, Any]]] = {}
    for f in found:
        threads.setdefault(f.get("thread") or "", []).append(f)
    shown = []
    for thread, items in threads.items():
        timeline: list[dict[str, Any]] = []
        for f in items:
            for name, moment in (f.get("due") or {}).items():
                if moment:
                    timeline.append({"at": moment, "text": f"Frist ({name}): {f['title']}", "kind": "frist"})
            timeline.append({"at": f["detected_at"], "text": f"Funnet: {f['title']}", "kind": f["status"]})
            if f.get("resolved_at"):
                timeline.append({"at": f["resolved_at"], "text": f"Løst: {f['title']}", "kind": "resolved"})
        timeline.sort(key=lambda t: _sortable(t["at"]))
        for t in timeline:
            t["when"] = views.when(t["at"])
        items.sort(key=lambda f: _sortable(f["detected_at"]))
        for f in items:
            f["status_label"] = FINDING_STATUS.get(f["status"], f["status"])
            f["section_label"] = views.section_label(str(f.get("source", {}).get("section", "")))
            f["due_list"] = [{"name": k, "when": views.when(v)} for k, v in (f.get("due") or {}).items() if v]
            f["detected"] = views.when(f["detected_at"])
            f["resolved"] = views.when(f.get("resolved_at"))
        shown.append({"thread": thread, "findings": items, "timeline": timeline,
                      "open": sum(f["status"] == "open" for f in items)})
    shown.sort(key=lambda t: (-t["open"], t["thread"]))
    counts = collections.Counter(f["status"] for f in every)
    kinds = sorted({f["kind"] for f in every if f.get("kind")})
    return render(request, "findings.html", unavailable=None, form=form, threads=shown, stats=result.get("stats"),
                  packs=sorted(svc.packs.engine.packs), kinds=kinds, statuses=FINDING_STATUS, counts=counts)


def _sortable(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value) if "T" in value else dt.datetime.fromisoformat(value + "T00:00")
    except ValueError:
        return dt.datetime.min.replace(tzinfo=OSLO)
    return moment if moment.tzinfo else moment.replace(tzinfo=OSLO)


# --------------------------------------------------------------------------- logging in and out

async def login_form(request: Request) -> Response:
    svc = service_of(request)
    target = _local_path(request.query_params.get("neste"))
    if svc.auth.enabled and web_state(request).session(request) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", target=target, error=None)


async def login_submit(request: Request) -> Response:
    svc = service_of(request)
    state = web_state(request)
    try:
        form = await read_form(request, 64 * 1024)
    except FieldError:
        return problem_page(request, 413, "Skjemaet er for stort", "Tilgangsnøkkelen er for lang.")
    target = _local_path(form.get("neste"))
    if not state.csrf_ok(request, form.get(CSRF_FIELD)):
        return _csrf_refused(request)
    if not svc.auth.enabled:
        return RedirectResponse(target, status_code=303)
    token = form.get("nokkel", "").strip()
    if not token:
        return render(request, "login.html", 401, target=target, error="Skriv inn tilgangsnøkkelen.")
    try:
        principal = svc.auth.authenticate(f"Bearer {token}")
    except AuthError as exc:
        return render(request, "login.html", exc.status, target=target,
                      error=f"Nøkkelen ble ikke godtatt: {exc.message}.")
    assert principal is not None
    cookie = state.open_session(principal, token_expiry(token))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, cookie)
    return response


async def logout(request: Request) -> Response:
    state = web_state(request)
    form = await read_form(request, 64 * 1024)
    if not state.csrf_ok(request, form.get(CSRF_FIELD)):
        return _csrf_refused(request)
    state.close_session(request)
    response = RedirectResponse("/logg-inn", status_code=303)
    clear_session_cookie(request, response)
    return response


# --------------------------------------------------------------------------- the style sheet

STATIC_FILES = {p.name: p for p in STATIC.iterdir() if p.is_file()} if STATIC.is_dir() else {}


async def static_file(request: Request) -> Response:
    path = STATIC_FILES.get(request.path_params["name"])
    if path is None:
        return problem_page(request, 404, "Finnes ikke", "Filen finnes ikke.")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


async def not_found(request: Request) -> Response:
    return problem_page(request, 404, "Siden finnes ikke", "Adressen finnes ikke. Bruk menyen for å finne fram.")


__all__ = ["findings_page", "home", "log_page", "login_form", "login_submit", "logout", "not_found", "pack_page",
           "page", "prov_form", "prov_submit", "static_file"]
