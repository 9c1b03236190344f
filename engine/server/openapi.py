"""The OpenAPI 3.1 document of the decision service.

The request and decision schemas are the published JSON Schemas
(``engine/schemas/input-v1.schema.json`` and ``decision-v1.schema.json``),
embedded from the files when the document is built, with their local
references re-rooted so that tools resolve them: the HTTP contract and the
Python contract cannot drift.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from ..contract.schemas import published_schema
from ..contract.version import __version__

PROBLEM_BASE = "https://dialogvakt.no/problems/"


def embedded(schema: dict, name: str) -> dict:
    """A published schema as the component ``name``: the same schema, with its local references
    (``#/$defs/part``) re-rooted under the component so that they resolve in the OpenAPI document.

    ``$id`` and ``$schema`` are left to the published file (the document declares the dialect); a
    ``$comment`` names the file's ``$id``.
    """
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (f"#/components/schemas/{name}/{v[2:]}" if k == "$ref" and isinstance(v, str)
                        and v.startswith("#/") else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = {k: v for k, v in schema.items() if k not in ("$id", "$schema")}
    return {"$comment": f"published as {schema.get('$id', name)}", **walk(out)}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


_PACK_PARAM = {"name": "pack", "in": "query", "required": False, "explode": True,
               "schema": {"type": "array", "items": {"type": "string"}},
               "description": "Evaluer bare mot disse pakkene (gjentas eller kommaseparert). Standard: alle pakker "
                              "som gjelder meldingen."}
_AT_PARAM = {"name": "at", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Vurder som om det var dette tidspunktet (ISO 8601); overstyrer tidspunkt."}
_EXPLAIN_PARAM = {"name": "explain", "in": "query", "required": False, "schema": {"type": "boolean"},
                  "description": "Ta med sporing av hver regel (decision.trace)."}
_CONTEXT_PARAM = {
    "name": "context", "in": "query", "required": False, "style": "form", "explode": True,
    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
    "description": (
        "Bare for XML: konteksten XML-meldingen ikke har, som felt i inndatakontrakten med punktum og "
        "indekser, f.eks. melding.avsender.kategori=kommune, melding.mottakere[0].kategori=sykehus, "
        "melding.formal=avklaring, kontekst.pasientstatus=utskrevet, kontekst.utskrevet_dato=2025-05-28, "
        "tidspunkt=2025-06-02T10:00. Lister gjentas eller kommasepareres. Pasientens nummer tas aldri "
        "imot i URL-en."),
}


@cache
def _document() -> dict:
    input_schema = published_schema("input-v1.schema.json")
    decision_schema = published_schema("decision-v1.schema.json")
    # what a pack's summary and its detail both say about it
    pack_properties = {
        "id": {"type": "string"}, "title": {"type": "string"}, "issuer": {"type": "string"},
        "document": {"type": "string"}, "version": {"type": "string"}, "revision": {"type": "string"},
        "valid_from": {"type": "string", "format": "date"},
        "valid_to": {"type": ["string", "null"], "format": "date"},
        "validity": {"enum": ["valid", "expired", "not_yet_valid"]},
    }
    pack_required = ["id", "title", "document", "version", "revision", "valid_from", "valid_to", "validity"]
    schemas = {
        "DecisionRequest": embedded(input_schema, "DecisionRequest"),
        "Decision": embedded(decision_schema, "Decision"),
        "DialogmeldingRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["xml"],
            "description": "En Dialogmelding (MsgHead) som XML-tekst, med konteksten XML-meldingen ikke har. "
                           "melding kan bare legge til felt XML-meldingen mangler (f.eks. kategori, formal); "
                           "en annen verdi for et felt XML-meldingen har, gir feil.",
            "properties": {
                "xml": {"type": "string", "minLength": 1,
                        "description": "MsgHead med Dialogmelding 1.0 eller 1.1."},
                "tidspunkt": {"type": "string"},
                "melding": {"type": "object",
                            "description": "Del av melding i inndatakontrakten (samme feltnavn)."},
                "kontekst": {"type": "object",
                             "description": "Som kontekst i inndatakontrakten."},
            },
        },
        "BatchRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["requests"],
            "properties": {"requests": {"type": "array", "minItems": 1,
                                        "items": {"oneOf": [_ref("DecisionRequest"), _ref("DialogmeldingRequest")]}}},
        },
        "BatchResult": {
            "type": "object",
            "required": ["index", "status"],
            "properties": {
                "index": {"type": "integer", "minimum": 0},
                "status": {"type": "integer", "description": "200, eller feilens HTTP-status"},
                "decision_id": {"type": "string", "description": "Id i beslutningsloggen."},
                "decision": _ref("Decision"),
                "problem": _ref("Problem"),
            },
        },
        "BatchResponse": {
            "type": "object",
            "required": ["results", "counts"],
            "properties": {
                "results": {"type": "array", "items": _ref("BatchResult")},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details. errors[].path er JSON-stien til feltet (eller XML-stien "
                           "for XML); xml_path sier hvor i XML-meldingen et felt ble lest.",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {"path": {"type": "string"}, "xml_path": {"type": "string"},
                                   "parameter": {"type": "string"}, "location": {"type": "string"},
                                   "message": {"type": "string"}}}},
            },
        },
        "PackSummary": {
            "type": "object",
            "required": pack_required,
            "properties": {
                **pack_properties,
                "rules": {"type": "integer"}, "scope": {"type": "string"},
            },
        },
        "PackDetail": {
            "type": "object",
            "required": [*pack_required, "rules"],
            "properties": {
                **pack_properties,
                "scope": {"type": "string"},
                "document_details": {"type": "object"},
                "rules": {"type": "array", "items": {
                    "type": "object", "required": ["id", "title", "effect", "source"],
                    "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                   "effect": {"enum": ["deny", "advice", "obligation"]},
                                   "source": decision_schema["$defs"]["source"],
                                   "facts": {"type": "array", "items": {"type": "string"}},
                                   "location": {"type": "string"}}}},
                "parameters": {"type": "object"},
                "vocabularies": {"type": "object"},
                "not_checkable": {"type": "array"},
            },
        },
        "ReloadReport": {
            "type": "object",
            "required": ["result", "at", "packs"],
            "properties": {
                "result": {"enum": ["ok", "refused", "unchanged"]},
                "at": {"type": "string", "format": "date-time"},
                "packs": {"type": "array", "items": {
                    "type": "object", "required": ["folder", "status"],
                    "properties": {"folder": {"type": "string"}, "id": {"type": "string"},
                                   "version": {"type": "string"}, "revision": {"type": "string"},
                                   "status": {"enum": ["loaded", "added", "unchanged", "removed", "refused"]},
                                   "problems": {"type": "array", "items": {"type": "string"}}}}},
            },
        },
    }
    decision_responses = {
        "200": {"description": "Avgjørelsen (skrevet i beslutningsloggen før svaret sendes).",
                "headers": {"Dialogvakt-Decision-Id": {"schema": {"type": "string"},
                                                       "description": "Id i beslutningsloggen."},
                            "Dialogvakt-Input-SHA256": {"schema": {"type": "string"},
                                                        "description": "SHA-256 av forespørselen i kanonisk JSON."}},
                "content": {"application/json": {"schema": _ref("Decision")},
                            "text/plain": {"schema": {"type": "string"}}}},
        "400": _problem_response("Ikke velformet JSON eller XML, eller ukjent parameter."),
        "401": _problem_response("Mangler eller ugyldig token."),
        "413": _problem_response("For stor forespørsel."),
        "415": _problem_response("Content-Type er verken JSON eller XML."),
        "422": _problem_response("Forespørselen følger ikke kontrakten; errors[].path peker på feltet."),
        "503": _problem_response("Beslutningsloggen kan ikke skrives; ingen avgjørelse gis uten logg."),
    }
    paths = {
        "/v1/decisions": {"post": {
            "summary": "Vurder én melding",
            "description": "JSON i inndatakontrakten, en Dialogmelding som XML (application/xml, text/xml; "
                           "konteksten som query-parametre), eller XML pakket i JSON (DialogmeldingRequest). "
                           "Accept: text/plain gir en tekstrapport på bokmål.",
            "operationId": "decide",
            "parameters": [_PACK_PARAM, _AT_PARAM, _EXPLAIN_PARAM, _CONTEXT_PARAM],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"oneOf": [_ref("DecisionRequest"), _ref("DialogmeldingRequest")]}},
                "application/xml": {"schema": {"type": "string"}},
                "text/xml": {"schema": {"type": "string"}},
            }},
            "responses": decision_responses,
        }},
        "/v1/decisions:batch": {"post": {
            "summary": "Vurder mange meldinger",
            "description": "Ett svar per element, i samme rekkefølge; et ugyldig element får sin feil uten å "
                           "stoppe de andre.",
            "operationId": "decideBatch",
            "parameters": [_PACK_PARAM, _AT_PARAM, _EXPLAIN_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BatchRequest")}}},
            "responses": {
                "200": {"description": "Ett resultat per element.",
                        "content": {"application/json": {"schema": _ref("BatchResponse")}}},
                "400": _problem_response("Ikke velformet JSON."),
                "401": _problem_response("Mangler eller ugyldig token."),
                "413": _problem_response("For mange elementer eller for stor forespørsel."),
                "422": _problem_response("Ikke en batch (requests mangler)."),
                "503": _problem_response("Beslutningsloggen kan ikke skrives."),
            },
        }},
        "/v1/packs": {"get": {
            "summary": "Pakkene som er lastet", "operationId": "listPacks",
            "responses": {"200": {"description": "Pakkene med versjon, revisjon og gyldighet.",
                                  "content": {"application/json": {"schema": {
                                      "type": "object", "properties": {
                                          "packs": {"type": "array", "items": _ref("PackSummary")},
                                          "last_reload": _ref("ReloadReport")}}}}}},
        }},
        "/v1/packs/{id}": {"get": {
            "summary": "Én pakke med regler og kilder", "operationId": "getPack",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Metadata, gyldighet, parametre, regler med kilder.",
                                  "content": {"application/json": {"schema": _ref("PackDetail")}}},
                          "404": _problem_response("Ukjent pakke.")},
        }},
        "/v1/packs:reload": {"post": {
            "summary": "Les pakkene på nytt",
            "description": "Validerer og kompilerer ved siden av og bytter inn atomisk. En pakke som ikke "
                           "validerer, avvises med feilene (fil:linje); forrige versjon fortsetter å svare.",
            "operationId": "reloadPacks",
            "responses": {"200": {"description": "Alle pakker lastet (eller uendret).",
                                  "content": {"application/json": {"schema": _ref("ReloadReport")}}},
                          "422": _problem_response("Minst én pakke ble avvist; se errors[].location.")},
        }},
        "/v1/events": {"post": {
            "summary": "Hendelser til samtaleovervåkingen",
            "operationId": "postEvents",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "Hendelsene er tatt imot.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "501": _problem_response("Samtaleovervåkingen er ikke tilgjengelig i denne installasjonen.")},
        }},
        "/v1/findings": {"get": {
            "summary": "Åpne funn fra samtaleovervåkingen",
            "operationId": "getFindings",
            "responses": {"200": {"description": "Funn.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "501": _problem_response("Samtaleovervåkingen er ikke tilgjengelig i denne installasjonen.")},
        }},
        "/healthz": {"get": {"summary": "Prosessen lever", "operationId": "health", "security": [],
                             "responses": {"200": {"description": "ok"}}}},
        "/readyz": {"get": {"summary": "Klar til å svare (pakker lastet, beslutningsloggen skrivbar)",
                            "operationId": "ready", "security": [],
                            "responses": {"200": {"description": "klar"},
                                          "503": _problem_response("ikke klar")}}},
        "/metrics": {"get": {"summary": "Prometheus-målinger", "operationId": "metrics",
                             "responses": {"200": {"description": "Prometheus tekstformat",
                                                   "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Dialogvakt", "version": __version__,
                 "description": "Regelmotor for dialogmeldinger: vurderer en melding mot retningslinjene og svarer "
                                "allow, deny, indeterminate eller not_applicable, med begrunnelser på bokmål."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Statisk nøkkel eller JWT (RS256/PS256/ES256), når "
                                                          "autentisering er slått på."}},
        },
        "security": [{"bearer": []}, {}],
    }


def openapi_document() -> dict:
    """A fresh copy of the OpenAPI document."""
    return copy.deepcopy(_document())


__all__ = ["PROBLEM_BASE", "embedded", "openapi_document", "published_schema"]
