"""CDS Hooks 2.0: a record system that speaks CDS Hooks asks before it sends a dialog message.

- ``GET /cds-services``: discovery. One service per pack (its id) and ``dialogvakt``, which
  evaluates every pack whose scope matches; all on the hook ``dialogmelding-send``.
- ``POST /cds-services/{id}``: a CDS Hooks request (``hook``, ``hookInstance``, ``context``).
  ``context`` carries the draft message: ``melding`` and ``kontekst`` (and ``tidspunkt``) in
  the input contract v1, or ``xml`` (the MsgHead message) with ``melding``/``kontekst`` for
  what the XML lacks. The usual ``userId``, ``patientId`` and ``encounterId`` may be present
  and are not read. The answer is ``{"cards": [...]}``:

  ============================== ========== ==============================================
  what                           indicator  card
  ============================== ========== ==============================================
  a reason (deny rule fired)     critical   summary: the rule's title; detail: the bokmål
                                            message; suggestions: the rule's suggestions
  advice                         warning    the same
  missing facts (indeterminate)  warning    which facts the guideline needs
  an obligation                  info       the message and its dates (``due``)
  ============================== ========== ==============================================

  Every card's ``source`` is the guideline and section (``D81023 v1.01 § 5.1``) with the
  rule as ``topic``, and a link to the pack's section on this service
  (``/v1/packs/{pack}#{section}``). An allowed message without advice or duties gets no cards.

Every decision is committed to the decision log, as for ``/v1/decisions``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from ..contract.bokmal import norsk_dato
from ..contract.decision import Decision, Finding, SuggestionOut
from ..contract.errors import InputError
from .handlers import client_of, service_of
from .problems import Problem, input_problem, json_response
from .requests import Evaluated, evaluate, is_json, media_type, parse_json, read_body, read_options, wrapper_item

HOOK = "dialogmelding-send"
ALL_PACKS = "dialogvakt"
CONTEXT_IDS = ("userId", "patientId", "encounterId")
TOPIC_SYSTEM = "https://dialogvakt.no/regler"
SUMMARY_MAX = 140


def _services(request: Request) -> list[dict[str, Any]]:
    packs = service_of(request).packs.engine.packs
    out = [{"hook": HOOK, "id": ALL_PACKS, "title": "Dialogvakt: retningslinjene for dialogmeldinger",
            "description": "Vurderer et utkast til dialogmelding mot hver retningslinje som gjelder for den "
                           f"({', '.join(packs)}), før den sendes."}]
    out += [{"hook": HOOK, "id": pack.id, "title": pack.title,
             "description": f"{pack.citation}: " + " ".join(pack.scope_description.split())}
            for pack in packs.values()]
    return out


async def discovery(request: Request) -> Response:
    return json_response({"services": _services(request)})


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < SUMMARY_MAX else text[:SUMMARY_MAX - 2].rstrip() + "…"


def _citation(source: dict[str, Any]) -> str:
    document, section = str(source.get("document", "")), str(source.get("section", ""))
    if not section:
        return document
    return f"{document}{' § ' if section[:1].isdigit() else ', '}{section}"


def _section_link(request: Request, pack: str, section: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}/v1/packs/{quote(pack)}" + (f"#{quote(section)}" if section else "")


def _due_text(due: dict[str, str | None] | None) -> str:
    if not due:
        return ""
    parts = []
    for name, value in due.items():
        if value:
            parts.append(f"{name}: {norsk_dato(dt.date.fromisoformat(value[:10]))}")
    return ("\n\nFrist: " + "; ".join(parts)) if parts else ""


def _card(request: Request, finding: Finding, indicator: str, suggestions: list[SuggestionOut]) -> dict[str, Any]:
    section = str(finding.source.get("section", ""))
    link = _section_link(request, finding.pack, section)
    label = _citation(finding.source)
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(finding.title or finding.message),
        "detail": finding.message + (_due_text(finding.due) if finding.effect == "obligation" else ""),
        "indicator": indicator,
        "source": {"label": label, "url": link,
                   "topic": {"system": TOPIC_SYSTEM, "code": finding.rule, "display": finding.title}},
        "links": [{"label": f"{label} i retningslinjen", "url": link, "type": "absolute"}],
    }
    if suggestions:
        card["suggestions"] = [{"label": s.message, "uuid": str(uuid.uuid4())} for s in suggestions]
        card["selectionBehavior"] = "at-most-one"
    return card


def cards(request: Request, decision: Decision) -> list[dict[str, Any]]:
    """The cards for one decision: critical for reasons, warning for advice and missing facts, info for duties."""
    suggestions: dict[tuple[str, str], list[SuggestionOut]] = {}
    for s in decision.suggestions:
        suggestions.setdefault((s.pack, s.rule), []).append(s)
    out = [_card(request, f, "critical", suggestions.get((f.pack, f.rule), [])) for f in decision.reasons]
    out += [_card(request, f, "warning", suggestions.get((f.pack, f.rule), [])) for f in decision.advice]
    decisive = [m for m in decision.missing if m.decisive]
    by_pack: dict[str, list[str]] = {}
    for m in decisive:
        by_pack.setdefault(m.pack, []).append(m.fact)
    packs = {p.id: p for p in decision.packs}
    for pack_id, facts in by_pack.items():
        pack = packs.get(pack_id)
        label = pack.document if pack else pack_id
        link = _section_link(request, pack_id, "")
        out.append({
            "uuid": str(uuid.uuid4()),
            "summary": _summary(f"Kan ikke avgjøres etter {label}: opplysninger mangler"),
            "detail": "Retningslinjen trenger disse opplysningene for å avgjøre om meldingen kan sendes: "
                      + ", ".join(f"`{f}`" for f in facts) + ".",
            "indicator": "warning",
            "source": {"label": label, "url": link},
            "links": [{"label": f"{label} i retningslinjen", "url": link, "type": "absolute"}],
        })
    out += [_card(request, f, "info", suggestions.get((f.pack, f.rule), [])) for f in decision.obligations]
    return out


def _read(doc: Any, service_id: str) -> tuple[dict[str, Any], Any]:
    """The request in the input contract (and the parsed XML, if any) from a CDS Hooks request body."""
    if not isinstance(doc, dict):
        raise input_problem(InputError("$", "en CDS Hooks-forespørsel er et JSON-objekt"))
    if doc.get("hook") != HOOK:
        raise input_problem(InputError("$.hook", f"tjenesten {service_id} svarer på kroken «{HOOK}»"))
    if not isinstance(doc.get("hookInstance"), str) or not doc["hookInstance"]:
        raise input_problem(InputError("$.hookInstance", "mangler (en UUID for dette kallet)"))
    context = doc.get("context")
    if not isinstance(context, dict):
        raise input_problem(InputError("$.context", "mangler; context bærer utkastet til meldingen"))
    allowed = {"tidspunkt", "melding", "kontekst", "xml", *CONTEXT_IDS}
    for key in context:
        if key not in allowed:
            raise input_problem(InputError(f"$.context.{key}", "ukjent felt; tillatt er "
                                           + ", ".join(sorted(allowed))))
    draft = {k: v for k, v in context.items() if k not in CONTEXT_IDS}
    if "xml" in draft:
        return draft, True
    if "melding" not in draft:
        raise input_problem(InputError("$.context.melding", "mangler; utkastet sendes som melding (og kontekst) "
                                       "i inndatakontrakten v1, eller som xml"))
    return draft, False


async def call_service(request: Request) -> Response:
    svc = service_of(request)
    service_id = request.path_params["id"]
    engine = svc.packs.engine
    if service_id != ALL_PACKS and service_id not in engine.packs:
        raise Problem(404, "unknown-service", "Ukjent CDS-tjeneste",
                      f"ingen tjeneste med id «{service_id}»; se GET /cds-services")
    if not is_json(media_type(request)):
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype", "en CDS Hooks-forespørsel er JSON")
    options = read_options(request)
    if service_id != ALL_PACKS:
        options.packs = [service_id]
    draft, from_xml = _read(parse_json(await read_body(request, svc.config.max_body)), service_id)
    if from_xml:
        req, parsed = wrapper_item(draft, options.xsd)
    else:
        req, parsed = draft, None
    decision = evaluate(engine, req, options, parsed, svc.metrics)
    record = (await svc.commit([Evaluated(decision, req, "xml" if from_xml else "json")], client_of(request)))[0]
    request.scope["dialogvakt.outcome"] = f"decision={decision.decision} id={record.id} cds-hooks"
    return json_response({"cards": cards(request, decision)}, headers={"Dialogvakt-Decision-Id": record.id})


__all__ = ["ALL_PACKS", "HOOK", "call_service", "cards", "discovery"]
