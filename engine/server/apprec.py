"""``POST /v1/apprec``: a received Dialogmelding in, its application receipt (AppRec 1.1) out.

The body is the MsgHead message as it came (``application/xml``, the context the XML
lacks as query parameters, as for ``/v1/decisions``) or the JSON wrapper
``{"xml": "...", "melding": {...}, "kontekst": {...}}``. The message is evaluated,
the decision committed to the decision log, and the receipt answered as
``application/xml`` with ``Dialogvakt-Decision-Id`` and ``Dialogvakt-Decision``.
Which decision gives which status is the mapping file (``engine/schemas/apprec-mapping.yaml``
by default; ``dialogvakt serve --apprec-config FILE`` for a site's own). ``?at=message``
judges the message at its GenDate.
"""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import Response

from ..contract import dialogmelding
from ..contract.apprec import ApprecMapping, apprec_xml
from ..contract.errors import InputError
from .handlers import client_of, service_of
from .problems import Problem, input_problem, xml_problem
from .requests import (
    Evaluated,
    evaluate,
    is_json,
    is_xml,
    media_type,
    parse_json,
    read_body,
    read_options,
    wrapper_item,
    xml_item,
)


@cache
def mapping_for(path: str | None) -> ApprecMapping:
    """The decision -> status mapping, read once per file (ApprecConfigError when the file is not usable)."""
    return ApprecMapping.load(path)


async def post_apprec(request: Request) -> Response:
    svc = service_of(request)
    options = read_options(request)
    media = media_type(request)
    body = await read_body(request, svc.config.max_body)
    if is_xml(media):
        try:
            context = dialogmelding.context_from_pairs(options.context_pairs)
        except InputError as exc:
            raise input_problem(exc) from None
        req, parsed = xml_item(body, context, options.xsd)
    elif is_json(media):
        doc = parse_json(body)
        if not isinstance(doc, dict) or "xml" not in doc:
            raise input_problem(InputError("$.xml", "mangler; en applikasjonskvittering svarer på en mottatt "
                                                     "XML-melding"))
        req, parsed = wrapper_item(doc, options.xsd)
    else:
        raise Problem(415, "unsupported-media-type", "Ukjent innholdstype",
                      "send den mottatte meldingen som application/xml, eller som {\"xml\": …} i application/json")
    decision = evaluate(svc.packs.engine, req, options, parsed, svc.metrics)
    try:
        receipt = apprec_xml(parsed, decision, mapping_for(svc.config.apprec))
    except dialogmelding.XmlError as exc:
        raise xml_problem(exc) from None
    record = (await svc.commit([Evaluated(decision, req, "xml")], client_of(request)))[0]
    request.scope["dialogvakt.outcome"] = f"decision={decision.decision} id={record.id} apprec"
    headers = {"Dialogvakt-Decision-Id": record.id, "Dialogvakt-Input-SHA256": record.input_sha256,
               "Dialogvakt-Decision": decision.decision}
    return Response(receipt, headers=headers, media_type="application/xml; charset=utf-8")


__all__ = ["mapping_for", "post_apprec"]
