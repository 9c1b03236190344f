"""Reading what a person sends in a form: the fields, a pasted message (JSON, YAML or XML), hidden numbers.

A message echoed back into the form never shows a patient's number: each number with valid
check digits becomes a placeholder (``[personnummer-1]``) and the numbers are kept,
encrypted, in a hidden field (``WebState.hide``) so that the form can be sent again as it is.
Errors are ``FieldError``: the field they belong to and a sentence in bokmål.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

import yaml

from ...contract.errors import InputError
from ...contract.identifiers import NUMBER_SHAPE, mask_in_text
from ...contract.times import parse_datetime
from ...lang.loader import DataError, parse_data
from ..problems import Problem
from ..requests import read_body

FORM_LIMIT = 2 * 1024 * 1024  # bytes of a form; a message is far smaller
NUMBER = NUMBER_SHAPE  # shaped like a personal number, or digits that may hold one
PLACEHOLDER = re.compile(r"\[personnummer-(\d+)\]")

class FieldError(Exception):
    """A mistake in one field of a form, said in bokmål."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


async def read_form(request: Any, limit: int = FORM_LIMIT) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as {field: value} (the last value of a repeated field)."""
    try:
        body = await read_body(request, limit)
    except Problem:
        raise FieldError("melding", f"Skjemaet er for stort; en melding kan være høyst {limit // 1024} kB.") from None
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", ""):
        raise FieldError("melding", "Skjemaet må sendes fra siden (application/x-www-form-urlencoded).")
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise FieldError("melding", "Skjemaet kunne ikke leses (ikke UTF-8-tekst).") from None
    return {k: v.replace("\r\n", "\n") for k, v in pairs}


# --------------------------------------------------------------------------- hidden numbers

def hide_numbers(text: str, numbers: list[str] | None = None) -> tuple[str, list[str]]:
    """The text with every valid patient number as a numbered placeholder, and the numbers in order.

    ``numbers`` continues a list (the same number gets the same placeholder everywhere)."""
    found = numbers if numbers is not None else []

    def swap(match: re.Match[str]) -> str:
        raw = match.group(0)
        if mask_in_text(raw) == raw:  # not valid check digits: not a patient number
            return raw
        digits = re.sub(r"\D", "", raw)
        if digits not in found:
            found.append(digits)
        return f"[personnummer-{found.index(digits) + 1}]"

    return NUMBER.sub(swap, text), found


def restore_numbers(text: str, numbers: list[str] | None, field: str) -> str:
    """Put the hidden numbers back where their placeholders stand."""

    def back(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        if numbers is None or not 0 <= index < len(numbers):
            raise FieldError(field, f"Meldingen har et skjult pasientnummer ({match.group(0)}) som ikke kan hentes "
                                    "fram igjen (siden er for gammel eller tjenesten er startet på nytt). "
                                    "Lim inn meldingen på nytt eller skriv inn nummeret.")
        return numbers[index]

    return PLACEHOLDER.sub(back, text)


# --------------------------------------------------------------------------- a pasted message

@dataclass
class Pasted:
    kind: str  # json (a request or the XML wrapper, from JSON or YAML) | xml
    document: Any = None
    xml: str = ""
    context: dict[str, Any] | None = None


class _SafeWithoutAliases(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a pasted message has no need of them, and an alias
    bomb would make the request's canonical JSON (its hash in the log) enormous."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(None, None, "alias (*) er ikke tillatt her", event.start_mark)
        return super().compose_node(parent, index)


def _plain(value: Any) -> Any:
    """YAML's dates and times as the ISO texts the input contract has."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def parse_document(text: str, field: str, what: str) -> Any:
    """A JSON or YAML document from a field; FieldError with line and column in bokmål."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return parse_data(text, field)
        except DataError as exc:
            inner = exc.message.removeprefix("ugyldig JSON (").removesuffix(")")
            words = inner  # the reader says it in bokmål
            where = f" på linje {exc.line}, kolonne {exc.column}" if exc.line else ""
            raise FieldError(field, f"{what} er ikke gyldig JSON: {words}{where}.") from None
    try:
        loader = _SafeWithoutAliases(text)
        try:
            return _plain(loader.get_single_data())
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" på linje {mark.line + 1}, kolonne {mark.column + 1}" if mark else ""
        raise FieldError(field, f"{what} kan ikke leses som JSON eller YAML{where} ({exc.problem}).") from None
    except yaml.YAMLError:
        raise FieldError(field, f"{what} kan ikke leses som JSON eller YAML.") from None


def parse_message(text: str, context_text: str) -> Pasted:
    """A pasted request (JSON or YAML, or the XML wrapper) or a Dialogmelding XML with its context."""
    if not text.strip():
        raise FieldError("melding", "Lim inn en melding, eller velg et eksempel.")
    if text.lstrip().startswith("<"):
        context: Any = {}
        if context_text.strip():
            context = parse_document(context_text, "kontekst", "Opplysningene ved siden av XML-meldingen")
            if not isinstance(context, dict):
                raise FieldError("kontekst", "Opplysningene må være et objekt, for eksempel "
                                             '{"melding": {"avsender": {"kategori": "kommune"}}, "kontekst": {…}}.')
        return Pasted("xml", xml=text, context=context)
    document = parse_document(text, "melding", "Meldingen")
    if not isinstance(document, dict):
        raise FieldError("melding", "Meldingen må være et objekt med tidspunkt, melding og kontekst "
                                    "(inndatakontrakten), eller en Dialogmelding i XML.")
    if context_text.strip():
        raise FieldError("kontekst", "Opplysninger ved siden av meldingen brukes bare for XML; for JSON og YAML "
                                     "hører de hjemme i selve meldingen (under melding og kontekst).")
    return Pasted("json", document=document)


def parse_moment(text: str, field: str) -> dt.datetime | None:
    if not text.strip():
        return None
    try:
        return parse_datetime(text.strip(), field)
    except InputError:
        raise FieldError(field, "Skriv et tidspunkt som 2025-06-02T10:00 (dato og klokkeslett), eller la feltet "
                                "stå tomt.") from None


__all__ = ["FieldError", "Pasted", "hide_numbers", "parse_document", "parse_message", "parse_moment",
           "read_form", "restore_numbers"]
