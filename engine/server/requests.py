"""Reading a request: query options, media types, bounded bodies, JSON, Dialogmelding XML, and evaluating it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from ..contract import dialogmelding
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.times import parse_datetime
from ..contract.validation import shape_problem
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


def too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", "Forespørselen er for stor", f"største tillatte størrelse er {limit} byte",
                   headers={"Connection": "close"})  # the rest of the body is never read


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be over ``limit`` (declared or counted)."""
    declared = request.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    """A JSON body, strictly (orjson): UTF-8, no NaN, no lone surrogates, nesting capped at 1,024 levels.
    A byte order mark at the start is allowed. Problem(400) with the line and column otherwise."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "invalid-json", "Ugyldig JSON", "forespørselen er ikke UTF-8-tekst") from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem(400, "invalid-json", "Ugyldig JSON", f"linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}",
                      [{"path": "$", "message": f"linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}"}]) from None


@dataclass
class Evaluated:
    decision: Decision
    request: dict[str, Any]
    source: str  # json | xml


# what reading XML may raise besides XmlError when a message is hostile (an unknown or multi-byte
# encoding declared, nesting deeper than the parser's recursion): answered as unreadable XML, never a 500
_XML_FAULTS = (LookupError, UnicodeError, ValueError, RecursionError)


def _unreadable_xml(exc: BaseException) -> Problem:
    return Problem(400, "invalid-xml", "XML-meldingen kan ikke leses",
                   f"/: XML-meldingen kan ikke leses ({type(exc).__name__}); send den som UTF-8, uten dyp nøsting",
                   [{"path": "/", "message": f"XML-meldingen kan ikke leses ({type(exc).__name__})"}])


def xml_item(xml: bytes | str, context: Mapping[str, Any],
             schemas: XmlSchemas | None = None) -> tuple[dict[str, Any], dialogmelding.ParsedMessage]:
    try:
        if schemas is not None:
            schemas.check_message(xml)
        parsed = dialogmelding.parse(xml)
    except dialogmelding.XmlError as exc:
        raise xml_problem(exc) from None
    except _XML_FAULTS as exc:
        raise _unreadable_xml(exc) from None
    try:
        return dialogmelding.to_request(parsed, context), parsed
    except InputError as exc:
        raise input_problem(exc, parsed) from None
    except _XML_FAULTS as exc:
        raise _unreadable_xml(exc) from None


def wrapper_item(doc: dict[str, Any],
                 schemas: XmlSchemas | None = None) -> tuple[dict[str, Any], dialogmelding.ParsedMessage]:
    nested = shape_problem(doc)  # the context is merged into the XML's message before it is validated
    if nested is not None:
        raise input_problem(InputError(*nested))
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


def decide_body(engine: Engine, body: bytes, media: str, options: Options, metrics: Metrics) -> Evaluated:
    """One request's body (JSON or XML) decided; runs on a worker thread. Raises Problem."""
    if is_xml(media):
        try:
            context = dialogmelding.context_from_pairs(options.context_pairs)
        except InputError as exc:
            raise input_problem(exc) from None
        request, parsed = xml_item(body, context, options.xsd)
        return Evaluated(evaluate(engine, request, options, parsed, metrics), request, "xml")
    if options.context_pairs:
        name = options.context_pairs[0][0]
        raise Problem(400, "invalid-parameter", "Ukjent parameter",
                      f"{name}: ukjent parameter; kontekst i query-parametre brukes bare for XML, "
                      "for JSON hører den hjemme i dokumentet",
                      [{"parameter": name, "message": "ukjent parameter"}])
    return evaluate_document(engine, parse_json(body), options, metrics)


def batch_items(body: bytes, max_batch: int) -> list[Any]:
    """The items of a batch body ``{"requests": [...]}``; Problem for a body of another shape."""
    doc = parse_json(body)
    if not isinstance(doc, dict) or "requests" not in doc:
        raise input_problem(InputError("$.requests", "mangler; en batch er {\"requests\": [ ... ]}"))
    if not isinstance(doc["requests"], list):
        raise input_problem(InputError("$.requests", "må være en liste; en batch er {\"requests\": [ ... ]}"))
    extra = [k for k in doc if k != "requests"]
    if extra:
        raise input_problem(InputError(f"$.{extra[0]}", "ukjent felt; en batch har bare requests"))
    items: list[Any] = doc["requests"]
    if len(items) > max_batch:
        raise Problem(413, "batch-too-large", "For mange elementer",
                      f"en batch kan ha høyst {max_batch} elementer (fikk {len(items)})")
    return items


def evaluate_document(engine: Engine, doc: Any, options: Options, metrics: Metrics) -> Evaluated:
    """One JSON document: the input contract, or the XML wrapper."""
    if not isinstance(doc, dict):
        raise input_problem(InputError("$", "forespørselen må være et JSON-objekt"))
    if "xml" in doc:
        request, parsed = wrapper_item(doc, options.xsd)
        return Evaluated(evaluate(engine, request, options, parsed, metrics), request, "xml")
    return Evaluated(evaluate(engine, doc, options, None, metrics), doc, "json")
