"""Events for the conversation monitor: reading, validation, pseudonymisation, facts.

An event is one JSON object (``schemas/event-v1.schema.json``); an event file is
JSONL, one event per line. Errors name the line and the JSON path
(``events.jsonl:17: $.melding.type: ukjent verdi; ...``) and never repeat a value.

When an event comes in it is turned into its *stored form*: the patient's
number is replaced by a keyed pseudonym (``identifiers.pseudonym`` with the
site's secret), so the event log never holds it. The stored form is what the
log keeps and what a replay reads; ``event_facts`` makes the flat fact mapping
that conversation rules see from it. Nothing here imports durable_rules.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..contract.errors import InputError
from ..contract.facts import prepare
from ..contract.identifiers import IdentifierError, classify, pseudonym, pseudonymise_in_text
from ..contract.schemas import EVENT_SCHEMA, published_schema
from ..contract.times import OSLO, parse_date, parse_datetime
from ..contract.validation import first_problem, text_problem
from ..lang.tree import norm

KINDS = ("melding", "kvittering", "innleggelse", "utskrivning", "klokke")
REPLY_PREFIX = re.compile(r"^\s*(?:(?:sv|re|svar|vs|fw|fwd)\s*:\s*)+", re.IGNORECASE)


class EventError(ValueError):
    """An event does not follow the event format. Names the JSON path, and the file and line when known."""

    def __init__(self, path: str, message: str, *, line: int | None = None, source: str | None = None):
        self.path, self.message, self.line, self.source = path, message, line, source
        super().__init__(str(self))

    def at(self, source: str | None, line: int | None) -> EventError:
        return EventError(self.path, self.message, line=line, source=source)

    def __str__(self) -> str:
        where = ""
        if self.source is not None or self.line is not None:
            where = f"{self.source or '<hendelser>'}:{self.line}: " if self.line else f"{self.source}: "
        return f"{where}{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event in the log: its place (seq), id, kind, time and stored form (no patient numbers)."""

    seq: int
    id: str
    kind: str
    time: dt.datetime
    body: dict

    @property
    def derived(self) -> dict:
        return self.body.get("avledet") or {}


# --------------------------------------------------------------------------- schema

def event_schema() -> dict[str, Any]:
    """The published event schema (it refers to the input contract for melding and kontekst)."""
    return published_schema(EVENT_SCHEMA)


def validate_event(raw: Any) -> None:
    """Raise EventError naming the JSON path of the first problem.

    Bounded work whatever the event holds (``contract.validation``): the schema's limits
    first, then the most specific error, a wrong field ranked above a missing one.
    """
    if not isinstance(raw, dict):
        raise EventError("$", "hendelsen må være et JSON-objekt")
    problem = first_problem(EVENT_SCHEMA, raw, prefer_deep=True)
    if problem is not None:
        path, message, best = problem
        if best is not None and best.validator == "not" and not best.absolute_path:
            kind = raw.get("hendelse")
            message = f"feltene passer ikke til hendelsen «{kind if kind in KINDS else '?'}»"
        raise EventError(path, message)
    text = text_problem(raw)
    if text is not None:
        raise EventError(*text)


# --------------------------------------------------------------------------- stored form

def _patient(number: str, path: str, secret: bytes, allow_synthetic: bool) -> dict:
    try:
        pid = classify(number, allow_synthetic=allow_synthetic)
    except IdentifierError as exc:
        raise EventError(path, str(exc)) from None
    return {"pseudonym": pseudonym(number, secret), "id_type": pid.id_type, "syntetisk": pid.synthetic}


def _pseudonymised(node: Any, secret: bytes) -> Any:
    """Every text in a stored event with the patient numbers in it replaced by their pseudonyms.

    A number typed into a text, a subject or an id (a message id that is the patient's number)
    never reaches the log; the same number always gives the same pseudonym, so ids that name
    each other (``svar_pa``, ``kvittering.melding_id``) still match. A text shorter than a
    number (11 characters) is kept as it is without a call.
    """
    if isinstance(node, str):
        return node if len(node) < 11 else pseudonymise_in_text(node, secret)
    if isinstance(node, dict):
        return {(k if len(k) < 11 else pseudonymise_in_text(k, secret)):
                (v if v is None or v.__class__ in _SCALARS or (v.__class__ is str and len(v) < 11)
                 else _pseudonymised(v, secret))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_pseudonymised(v, secret) for v in node]
    return node


_SCALARS = (bool, int, float)
_SIX_DIGITS = re.compile(r"\d{6}")  # a patient number in a text has at least six digits in a row


def _may_hold_a_number(node: dict) -> bool:
    """False when no text in ``node`` (keys too) can hold a patient number: its JSON has no six digits in a
    row (digits are never escaped in JSON). Most events have none, and need no walk through every text."""
    try:
        text = orjson.dumps(node).decode()
    except (TypeError, orjson.JSONEncodeError):  # pragma: no cover - an integer beyond 64 bits
        return True
    return _SIX_DIGITS.search(text) is not None


def _plain_copy(raw: dict) -> Any:
    """A plain copy of a validated event (JSON types only, as the schema check leaves them)."""
    try:
        return orjson.loads(orjson.dumps(raw))
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits, a lone surrogate
        return json.loads(json.dumps(raw, ensure_ascii=False))


def to_stored(raw: Any, *, secret: bytes, allow_synthetic_ids: bool = False) -> tuple[str, str, dt.datetime, dict]:
    """Validate an incoming event and return (id, kind, time, stored form). Raises EventError.

    The schema covers the event and, for messages, the input contract; this checks the
    admission's times and ``event_facts`` the rest (dates that do not exist). The stored form
    holds no patient number: the patient becomes a pseudonym, and a number anywhere else
    (text, subject, ids) becomes its pseudonym too (``_pseudonymised``).
    """
    validate_event(raw)
    kind = raw["hendelse"]
    try:
        time = parse_datetime(raw["tidspunkt"], "$.tidspunkt")
    except InputError as exc:
        raise EventError(exc.path, exc.message) from None
    event = _plain_copy(raw)  # the caller's dict is never kept
    body: dict[str, Any] = {"hendelse": kind, "tidspunkt": time.isoformat()}
    top_patient = event.get("pasient")
    if kind == "melding":
        melding = event["melding"]
        number = (melding.pop("pasient", None) or {}).get("id")
        if number is not None and top_patient is not None:
            raise EventError("$.pasient", "pasienten er oppgitt både her og i melding.pasient; oppgi den ett sted")
        body["melding"] = melding
        if "kontekst" in event:
            body["kontekst"] = event["kontekst"]
        if "retning" in event:
            body["retning"] = event["retning"]
        if number is not None:
            body["pasient"] = _patient(number, "$.melding.pasient.id", secret, allow_synthetic_ids)
    elif kind == "kvittering":
        body["kvittering"] = event["kvittering"]
    elif kind in ("innleggelse", "utskrivning"):
        adm = event["innleggelse"]
        moments: dict[str, dt.datetime] = {}
        for key in ("start", "slutt"):
            if key in adm:
                try:
                    moments[key] = parse_datetime(adm[key], f"$.innleggelse.{key}")
                except InputError as exc:
                    raise EventError(exc.path, exc.message) from None
                adm[key] = moments[key].isoformat()
        if "start" in moments and "slutt" in moments and moments["slutt"] < moments["start"]:
            raise EventError("$.innleggelse.slutt", "kan ikke være før start")
        if kind == "innleggelse":
            adm.setdefault("start", time.isoformat())
        else:
            adm.setdefault("slutt", time.isoformat())
        body["innleggelse"] = adm
    if kind != "melding" and "retning" in event:
        raise EventError("$.retning", "gjelder bare meldinger")
    if top_patient is not None:
        if "id" in top_patient:
            body["pasient"] = _patient(top_patient["id"], "$.pasient.id", secret, allow_synthetic_ids)
        else:
            body["pasient"] = {"pseudonym": top_patient["pseudonym"]}
    if _may_hold_a_number({k: v for k, v in body.items() if k != "pasient"}):
        body = {k: v if k == "pasient" else _pseudonymised(v, secret) for k, v in body.items()}
    given = event.get("id")
    event_id = pseudonymise_in_text(given, secret) if given else hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
    return event_id, kind, time, body


def check_discharge(admission: dict, discharge: dict) -> None:
    """A discharge (stored forms) that ends its admission before the admission began is an EventError."""
    start = admission.get("innleggelse", {}).get("start")
    end = discharge.get("innleggelse", {}).get("slutt")
    if isinstance(start, str) and isinstance(end, str) and dt.datetime.fromisoformat(end) < dt.datetime.fromisoformat(
            start):
        raise EventError("$.innleggelse.slutt", "kan ikke være før innleggelsen begynte")


def checked_facts(body: dict) -> dict[str, Any]:
    """``event_facts`` for an event coming in: what the schema cannot check becomes an EventError."""
    try:
        return event_facts(body)
    except InputError as exc:
        raise EventError(exc.path, exc.message) from None


# --------------------------------------------------------------------------- reading JSONL

def read_jsonl(lines: Iterable[str], source: str | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for every non-empty line. Raises EventError on bad JSON."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)  # strict JSON: no NaN, no lone surrogates, nesting capped
        except orjson.JSONDecodeError as exc:
            raise EventError("$", f"ugyldig JSON ({exc.msg}, kolonne {exc.colno})", line=number,
                             source=source) from None


def read_event_file(path: str | Path) -> Iterator[tuple[int, Any]]:
    name = str(path)
    if name == "-":
        yield from read_jsonl(sys.stdin, "<stdin>")
        return
    try:
        with open(path, encoding="utf-8") as fh:
            yield from read_jsonl(fh, name)
    except FileNotFoundError:
        raise EventError("$", "filen finnes ikke", source=name) from None
    except UnicodeDecodeError:
        raise EventError("$", "filen er ikke UTF-8-tekst", source=name) from None


# --------------------------------------------------------------------------- facts

def _party(values: dict, prefix: str, party: dict | None) -> None:
    if not party:
        return
    values[prefix] = party
    for key, value in party.items():
        values[f"{prefix}.{key}"] = value


def fagomrader_key(items: list[str]) -> str:
    return " | ".join(sorted({norm(x) for x in items}))


def event_facts(body: dict) -> dict[str, Any]:
    """The flat facts of a stored event, as conversation rules of its kind see them."""
    kind = body["hendelse"]
    time = parse_datetime(body["tidspunkt"], "$.tidspunkt")
    derived = body.get("avledet") or {}
    patient = body.get("pasient") or {}
    if kind == "melding":
        request = {"tidspunkt": body["tidspunkt"], "melding": body["melding"]}
        if "kontekst" in body:
            request["kontekst"] = body["kontekst"]
        values = prepare(request, validate=False).values
        if "id_type" in patient:
            values["melding.pasient.id_type"] = patient["id_type"]
            values["melding.pasient.syntetisk"] = patient["syntetisk"]
        samtale = derived.get("samtale") or {}
        for key in ("id", "forste", "nummer"):
            if key in samtale:
                values[f"samtale.{key}"] = samtale[key]
        if "retning" in body:
            values["hendelse.retning"] = body["retning"]
        melding = body["melding"]
        if melding.get("fagomrader"):
            values["melding.fagomrader_nokkel"] = fagomrader_key(melding["fagomrader"])
        if melding.get("emne"):
            core = REPLY_PREFIX.sub("", melding["emne"]).strip()
            if core:
                values["melding.emne_kjerne"] = core
    elif kind == "kvittering":
        k = body["kvittering"]
        values = {"kvittering.melding_id": k["melding_id"], "kvittering.status": k["status"]}
        if k.get("feil"):
            values["kvittering.feilkoder"] = [f["kode"] for f in k["feil"]]
        _party(values, "kvittering.avsender", k.get("avsender"))
    elif kind in ("innleggelse", "utskrivning"):
        a = body["innleggelse"]
        values = {"innleggelse.id": a["id"]}
        for key in ("start", "slutt"):
            if key in a:
                moment = parse_datetime(a[key], f"$.innleggelse.{key}")
                values[f"innleggelse.{key}"] = moment
                values[f"innleggelse.{key}_dato"] = moment.date()
        if "kommunale_tjenester" in a:
            values["innleggelse.kommunale_tjenester"] = a["kommunale_tjenester"]
        _party(values, "innleggelse.sykehus", a.get("sykehus"))
        _party(values, "innleggelse.kommune", a.get("kommune"))
    else:
        values = {}
    if "pseudonym" in patient:
        values["pasient.pseudonym"] = patient["pseudonym"]
    values["hendelse.tidspunkt"] = time
    values["tidspunkt"] = time
    values["tidspunkt_dato"] = time.date()
    return values


def with_discharge(admission: dict, discharge: dict) -> dict:
    """The stored form of an admission with the end time of its discharge."""
    body = copy.deepcopy(admission)
    body["innleggelse"]["slutt"] = discharge["innleggelse"]["slutt"]
    return body


def parse_time(value: str | dt.datetime | dt.date, path: str = "--until") -> dt.datetime:
    """A time for the monitor's API and CLI: ISO 8601, naive times are Europe/Oslo."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=OSLO)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), OSLO)
    try:
        return parse_datetime(value, path)
    except InputError as exc:
        raise EventError(path, exc.message) from None


__all__ = [
    "KINDS",
    "EventError",
    "StoredEvent",
    "check_discharge",
    "checked_facts",
    "event_facts",
    "event_schema",
    "parse_date",
    "parse_time",
    "read_event_file",
    "read_jsonl",
    "to_stored",
    "validate_event",
    "with_discharge",
]
