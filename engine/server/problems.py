"""RFC 9457 problem details: every error the service answers, in bokmål, with the JSON path of the field."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from ..contract import dialogmelding
from ..contract.errors import InputError
from .decisionlog import redact
from .openapi import PROBLEM_BASE


class Problem(Exception):
    """An RFC 9457 problem; raised inside handlers, answered as application/problem+json."""

    def __init__(self, status: int, slug: str, title: str, detail: str = "", errors: Sequence[dict[str, Any]] = (),
                 headers: Mapping[str, str] | None = None):
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            out["detail"] = redact(self.detail)
        if instance:
            out["instance"] = redact(instance)
        if self.errors:
            out["errors"] = [{k: redact(v) if isinstance(v, str) else v for k, v in e.items()} for e in self.errors]
        return out


def input_problem(exc: InputError, parsed: dialogmelding.ParsedMessage | None = None) -> Problem:
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


def xml_problem(exc: dialogmelding.XmlError) -> Problem:
    status = 400 if exc.kind in ("syntax", "forbidden") else 422
    return Problem(status, "invalid-xml", "XML-meldingen kan ikke leses", f"{exc.path}: {exc.message}",
                   [{"path": exc.path, "message": exc.message}])


_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS  # dates through default=str, as json does


def json_bytes(payload: Any) -> bytes:
    """Compact UTF-8 JSON, the same bytes as ``json.dumps(..., ensure_ascii=False, separators=(",", ":"),
    default=str)`` for the documents the service sends, an order of magnitude faster (orjson)."""
    try:
        return orjson.dumps(payload, default=str, option=_ORJSON)
    except (orjson.JSONEncodeError, TypeError):  # an integer beyond 64 bits, and the like
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None,
          media_type: str = "application/json") -> Response:
    return Response(json_bytes(payload), status_code=status, headers=dict(headers or {}), media_type=media_type)


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    return json_response(problem.to_dict(instance), problem.status, problem.headers, "application/problem+json")
