"""Reading a request: query options, media types, bounded bodies, JSON, Dialogmelding XML, and evaluating it."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ..contract import dialogmelding
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.times import parse_datetime
from ..contract.xmlschema import XmlSchemas
from ..eval.engine import Engine, UnknownPackError
from .metrics import Metrics
from .problems import Problem, input_problem, xml_problem

RESERVED = ("pack", "at", "explain")


@dataclass
class Options:
    packs: list[str] | None
    at: dt.datetime | None
    explain: bool
    context_pairs: list[tuple[str, str]]
    at_message: bool = False  # ?at=message: at the message's own time (melding.sendt; GenDate in XML)
    xsd: XmlSchemas | None = None  # strict mode (--xsd): the official schemas XML must follow


def read_options(request: Request) -> Options:
    packs: list[str] = []
    at = None
    explain = False
    at_message = False
    rest: list[tuple[str, str]] = []
    for name, value in request.query_params.multi_items():
        if name == "pack":
            packs.extend(v.strip() for v in value.split(",") if v.strip())
        elif name == "at" and value == "message":
            at, at_message = None, True
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
    return Options(packs or None, at, explain, rest, at_message, getattr(request.app.state, "xml_schemas", None))


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def is_xml(media: str) -> bool:
    return media in dialogmelding.MEDIA_TYPES or media.endswith("+xml")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    too_large = Problem(413, "payload-too-large", "Forespørselen er for stor",
                        f"største tillatte størrelse er {limit} byte")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
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
    request: dict[str, Any]
    source: str  # json | xml


def xml_item(xml: bytes | str, context: Mapping[str, Any],
             schemas: XmlSchemas | None = None) -> tuple[dict[str, Any], dialogmelding.ParsedMessage]:
    try:
        if schemas is not None:
            schemas.check_message(xml)
        parsed = dialogmelding.parse(xml)
    except dialogmelding.XmlError as exc:
        raise xml_problem(exc) from None
    try:
        return dialogmelding.to_request(parsed, context), parsed
    except InputError as exc:
        raise input_problem(exc, parsed) from None


def wrapper_item(doc: dict[str, Any],
                 schemas: XmlSchemas | None = None) -> tuple[dict[str, Any], dialogmelding.ParsedMessage]:
    xml = doc.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise input_problem(InputError("$.xml", "må være en tekst med en MsgHead-melding i XML"))
    for key in doc:
        if key not in ("xml", "tidspunkt", "melding", "kontekst"):
            raise input_problem(InputError(f"$.{key}", "ukjent felt; tillatte felt er: kontekst, melding, "
                                                         "tidspunkt, xml"))
    return xml_item(xml, {k: v for k, v in doc.items() if k != "xml"}, schemas)


def evaluate(engine: Engine, request: dict[str, Any], options: Options, parsed: dialogmelding.ParsedMessage | None,
              metrics: Metrics) -> Decision:
    started = time.perf_counter()
    at: Any = options.at
    if options.at_message:
        at = (request.get("melding") or {}).get("sendt") if isinstance(request, dict) else None
        if not isinstance(at, str) or not at:
            raise Problem(400, "invalid-parameter", "Ugyldig parameter",
                          "at=message: meldingen har ikke noe sendt-tidspunkt (melding.sendt, GenDate i XML)",
                          [{"parameter": "at", "message": "meldingen har ikke noe sendt-tidspunkt"}])
    try:
        decision = engine.evaluate(request, pack=options.packs, at=at, explain=options.explain)
    except InputError as exc:
        raise input_problem(exc, parsed) from None
    except UnknownPackError as exc:
        raise Problem(422, "unknown-pack", "Ukjent retningslinje", str(exc),
                      [{"parameter": "pack", "message": str(exc)}]) from None
    metrics.evaluation_seconds.observe(time.perf_counter() - started)
    return decision


def evaluate_document(engine: Engine, doc: Any, options: Options, metrics: Metrics) -> Evaluated:
    """One JSON document: the input contract, or the XML wrapper."""
    if not isinstance(doc, dict):
        raise input_problem(InputError("$", "forespørselen må være et JSON-objekt"))
    if "xml" in doc:
        request, parsed = wrapper_item(doc, options.xsd)
        return Evaluated(evaluate(engine, request, options, parsed, metrics), request, "xml")
    return Evaluated(evaluate(engine, doc, options, None, metrics), doc, "json")
