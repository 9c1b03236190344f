"""The input contract: validation, normalisation and derived facts.

A request (a dict in the input contract v1) becomes a flat mapping from dotted
fact paths to values (``"melding.type" -> "foresporsel"``). Dates become
``datetime.date``, times become aware ``datetime`` in Europe/Oslo. A fact that
the input lacks is simply absent from the mapping; rules that need it are then
indeterminate.

The fact catalogue (every path a rule may use, with its type) is built from the
input JSON Schema and ``schemas/derived-facts.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .errors import InputError
from .identifiers import IdentifierError, classify, mask_in_text
from .schemas import INPUT_SCHEMA, data_file, input_schema
from .times import OSLO, hours_between, in_oslo, parse_date, parse_datetime
from .validation import first_problem, text_problem
from .validation import json_path as json_path  # re-exported: the XML adapter names its paths with it
from .workdays import is_working_day

PARTY_CATEGORIES = ("sykehus", "kommune", "fastlege", "legekontor", "pasient")
PATIENT_ID_PATH = "melding.pasient.id"


# --------------------------------------------------------------------------- fact catalogue

@dataclass(frozen=True)
class FactInfo:
    path: str
    type: str  # string, enum, date, datetime, boolean, number, list, object
    values: tuple[str, ...] = ()
    items: str | None = None  # element type for lists
    free_text: bool = False
    derived: bool = False
    description: str = ""
    sources: tuple[str, ...] = ()  # input facts a derived fact is computed from
    declared: bool = False  # absent means "not declared" (compares as no value), not "unknown"


_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _leaf_type(node: dict) -> tuple[str, tuple[str, ...]]:
    if "enum" in node:
        return "enum", tuple(node["enum"])
    t = node.get("type")
    if isinstance(t, list):
        t = "string" if "string" in t else t[0]
    if t == "string":
        pattern = node.get("pattern", "")
        if pattern == _DATE_PATTERN:
            return "date", ()
        if pattern.startswith(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(["):
            return "datetime", ()
        return "string", ()
    if t in ("integer", "number"):
        return "number", ()
    if t == "boolean":
        return "boolean", ()
    return "object", ()


def _walk(schema: dict, node: dict, prefix: str, out: dict[str, FactInfo], declared: bool = False) -> None:
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    declared = declared or node.get("x-absent") == "not_declared"
    if node.get("type") == "object" and "properties" in node:
        if prefix:
            out[prefix] = FactInfo(prefix, "object", description=node.get("description", ""), declared=declared)
        for name, sub in node["properties"].items():
            _walk(schema, sub, f"{prefix}.{name}" if prefix else name, out, declared)
        return
    if node.get("type") == "array":
        items = node.get("items", {})
        if "$ref" in items:
            items = schema["$defs"][items["$ref"].rsplit("/", 1)[1]]
        item_type, values = _leaf_type(items)
        out[prefix] = FactInfo(prefix, "list", values=values, items=item_type,
                               description=node.get("description", ""), declared=declared)
        return
    t, values = _leaf_type(node)
    free = prefix in ("melding.tekst", "melding.emne")
    out[prefix] = FactInfo(prefix, t, values=values, free_text=free, description=node.get("description", ""),
                           declared=declared)


@cache
def catalogue() -> Mapping[str, FactInfo]:
    """Every fact path a rule may reference."""
    schema = input_schema()
    out: dict[str, FactInfo] = {}
    _walk(schema, schema, "", out)
    party: dict[str, FactInfo] = {}
    _walk(schema, schema["$defs"]["part"], "", party)
    derived = data_file("derived-facts.yaml")
    for path, spec in derived.items():
        sources = tuple(spec.get("from", ()))
        if spec["type"] == "party":
            out[path] = FactInfo(path, "object", derived=True, description=spec.get("description", ""),
                                 sources=sources)
            for sub, info in party.items():
                out[f"{path}.{sub}"] = FactInfo(f"{path}.{sub}", info.type, info.values, derived=True,
                                                description=info.description, sources=sources)
            continue
        values = tuple(spec.get("values", ()))
        declared_sources = bool(sources) and all(out[s].declared for s in sources if s in out)
        out[path] = FactInfo(path, spec["type"], values=values, free_text=bool(spec.get("free_text")),
                             derived=True, description=spec.get("description", ""), sources=sources,
                             declared=declared_sources)
    return out


@cache
def element_catalogue(list_path: str) -> Mapping[str, FactInfo] | None:
    """The fields of one element of a list of objects in the input (``melding.mottakere`` -> kategori,
    tjeneste, ...), or None when the path is not such a list."""
    schema = input_schema()
    node: Any = schema
    for part in list_path.split("."):
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        props = node.get("properties") if isinstance(node, dict) else None
        if not props or part not in props:
            return None
        node = props[part]
    if not isinstance(node, dict) or node.get("type") != "array":
        return None
    items = node.get("items", {})
    if "$ref" in items:
        items = schema["$defs"][items["$ref"].rsplit("/", 1)[1]]
    if items.get("type") != "object" or "properties" not in items:
        return None
    out: dict[str, FactInfo] = {}
    _walk(schema, items, "", out)
    return {p: i for p, i in out.items() if "." not in p and i.type not in ("object", "list", "date", "datetime")}


# --------------------------------------------------------------------------- validation

def validate_request(request: Any) -> None:
    """Raise InputError naming the JSON path of the first problem in the request.

    The compiled validator answers first; the schema's limits (recipients, attachments, text
    lengths) are checked before anything else is looked at, and wording the error is bounded
    work (``validation.first_problem``). Texts that no message can carry (lone surrogates,
    control characters) are refused too.
    """
    if not isinstance(request, dict):
        raise InputError("$", "forespørselen må være et JSON-objekt")
    problem = first_problem(INPUT_SCHEMA, request)
    if problem is not None:
        raise InputError(problem[0], problem[1])
    text = text_problem(request)
    if text is not None:
        raise InputError(*text)


# --------------------------------------------------------------------------- parsing helpers

def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from start to end (negative when end is before start)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def admitted_when_sent(status: str | None, during_admission: bool | None) -> bool | None:
    """Whether the patient was admitted when the message was sent, or None when nothing tells.

    Either source saying so is enough: pasientstatus ``innlagt``, or a send time inside
    ``kontekst.innleggelse``. Another known status, or a send time outside the recorded
    admission, means not admitted.
    """
    if status == "innlagt" or during_admission is True:
        return True
    if status is not None or during_admission is False:
        return False
    return None


def clock_hours(moment: dt.datetime) -> float:
    """The time of day in Europe/Oslo as hours, e.g. 15:30 -> 15.5."""
    local = moment.astimezone(OSLO)
    return round(local.hour + local.minute / 60 + local.second / 3600, 4)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


# --------------------------------------------------------------------------- preparation

@dataclass
class Facts:
    """The flat fact mapping for one request, plus what the engine noted while deriving it."""

    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def get(self, path: str, default: Any = None) -> Any:
        return self.values.get(path, default)

    def __contains__(self, path: str) -> bool:
        return path in self.values


def _flatten(obj: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in obj.items():
        path = prefix + key
        out[path] = value
        if value.__class__ is dict:
            _flatten(value, path + ".", out)


@cache
def _time_paths() -> tuple[tuple[str, bool], ...]:
    """Input paths that hold a date (False) or a date-time (True)."""
    schema = input_schema()
    found: dict[str, FactInfo] = {}
    _walk(schema, schema, "", found)
    return tuple((p, i.type == "datetime") for p, i in found.items() if i.type in ("date", "datetime"))


# ids that a decision document carries out (``message_id``): a patient's number typed into one is
# masked here, where the request enters, so that no later code can show it
MASKED_IDS = ("melding.id",)


def _mask_ids(values: dict[str, Any]) -> None:
    for path in MASKED_IDS:
        value = values.get(path)
        if isinstance(value, str):
            values[path] = mask_in_text(value)


def _convert_times(values: dict[str, Any]) -> None:
    for path, is_datetime in _time_paths():
        value = values.get(path)
        if isinstance(value, str):
            values[path] = (parse_datetime if is_datetime else parse_date)(value, "$." + path)


def missing_inputs(path: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The input facts to ask for when ``path`` is missing: its missing sources, or itself."""
    info = catalogue().get(path)
    if info is not None and info.sources:
        absent = tuple(s for s in info.sources if values.get(s) is None)
        if absent:
            return absent
    return (path,)


def _put_party(values: dict[str, Any], prefix: str, party: dict[str, Any]) -> None:
    values[prefix] = party
    for key, value in party.items():
        values[f"{prefix}.{key}"] = value


# Each deriver adds the derived facts of one kind (schemas/derived-facts.yaml says what each means).
# They read the flat values and the request, and run in this order after the evaluation time is set.

def _sending(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    if "melding.sendt" not in values:
        values["melding.sendt"] = values["tidspunkt"]
    values["melding.sendt_dato"] = values["melding.sendt"].date()


def _sending_day(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    values["melding.sendt_virkedag"] = is_working_day(values["melding.sendt_dato"])
    values["melding.sendt_klokkeslett"] = clock_hours(values["melding.sendt"])


def _patient(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    """The identifier's type from its structure; the number itself stays only under its own path."""
    if PATIENT_ID_PATH not in values:
        return
    try:
        pid = classify(values[PATIENT_ID_PATH], allow_synthetic=synthetic)
    except IdentifierError as exc:
        raise InputError("$." + PATIENT_ID_PATH, str(exc)) from None
    values["melding.pasient.id_type"] = pid.id_type
    values["melding.pasient.syntetisk"] = pid.synthetic
    if pid.synthetic:
        notes.append("Pasientnummeret er et syntetisk testnummer; vurderingen gjelder et testmiljø.")


def _parties(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    melding = request.get("melding", {})
    mottakere = melding.get("mottakere") or []
    if mottakere:
        _put_party(values, "melding.mottaker", mottakere[0])
        values["melding.antall_mottakere"] = len(mottakere)
    avsender = melding.get("avsender")
    mottaker = mottakere[0] if mottakere else None
    if avsender and mottaker:
        values["melding.retning"] = f"{avsender['kategori']}_til_{mottaker['kategori']}"
    for party in (avsender, mottaker):
        if party and f"parter.{party['kategori']}" not in values:
            _put_party(values, f"parter.{party['kategori']}", party)


def _content(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    melding = request.get("melding", {})
    vedlegg = melding.get("vedlegg") or []
    values["melding.har_vedlegg"] = bool(vedlegg)
    values["melding.antall_vedlegg"] = len(vedlegg)
    if "tekst" in melding:
        values["melding.tekst_lengde"] = len(melding["tekst"])
        values["melding.tekst_forste_linje"] = first_line(melding["tekst"])
    if "fagomrader" in melding:
        values["melding.antall_fagomrader"] = len(melding["fagomrader"])
    values["melding.er_svar"] = "svar_pa" in melding or melding.get("type") == "svar"
    fmt = melding.get("format")
    values["melding.format_ren_tekst"] = fmt is None or fmt.split(";")[0].strip().lower() == "text/plain"


_DAYS_SINCE = (("kontekst.utskrevet_dato", "kontekst.dager_siden_utskrivning"),
               ("kontekst.siste_kontakt_dato", "kontekst.dager_siden_siste_kontakt"),
               ("kontekst.henvisning_sendt_dato", "kontekst.dager_siden_henvisning"))
_MONTHS_SINCE = (("kontekst.siste_kontakt_dato", "kontekst.maneder_siden_siste_kontakt"),
                 ("kontekst.utskrevet_dato", "kontekst.maneder_siden_utskrivning"))


def _time_since(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    today = values["tidspunkt_dato"]
    for date_path, derived in _DAYS_SINCE:
        if date_path in values:
            values[derived] = (today - values[date_path]).days
    for date_path, derived in _MONTHS_SINCE:
        if date_path in values:
            values[derived] = months_between(values[date_path], today)
    if "kontekst.kommunale_vedtak" in values:
        values["kontekst.antall_kommunale_vedtak"] = len(values["kontekst.kommunale_vedtak"])


def _admission(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    if "kontekst.innleggelse.start" in values:
        start = values["kontekst.innleggelse.start"]
        slutt = values.get("kontekst.innleggelse.slutt")
        if slutt is not None and slutt < start:
            raise InputError("$.kontekst.innleggelse.slutt", "kan ikke være før start")
        begin, end = start.timestamp(), None if slutt is None else slutt.timestamp()  # instants, not wall time
        now, sent = values["tidspunkt"].timestamp(), values["melding.sendt"].timestamp()
        values["kontekst.innleggelse.aktiv"] = begin <= now and (end is None or now < end)
        values["melding.sendt_under_innleggelse"] = begin <= sent and (end is None or sent <= end)
        values["melding.timer_etter_innleggelse"] = round(hours_between(start, values["melding.sendt"]), 2)
    kontekst = request.get("kontekst", {})
    innlagt = admitted_when_sent(kontekst.get("pasientstatus"), values.get("melding.sendt_under_innleggelse"))
    if innlagt is not None:
        values["kontekst.innlagt_ved_sending"] = innlagt


_KNOWN_STATUSES = ("innlagt", "poliklinisk", "utskrevet", "henvist")


def _known(values: dict[str, Any], request: Mapping[str, Any], notes: list[str], synthetic: bool) -> None:
    if "kontekst.kjent_for_sykehuset" in values:
        return
    status = request.get("kontekst", {}).get("pasientstatus")
    if status in _KNOWN_STATUSES:
        values["kontekst.kjent_for_sykehuset"] = True
    elif status == "ingen_kontakt":
        values["kontekst.kjent_for_sykehuset"] = False


Deriver = Callable[[dict[str, Any], Mapping[str, Any], list[str], bool], None]
DERIVERS: tuple[Deriver, ...] = (_sending, _sending_day, _patient, _parties, _content, _time_since, _admission,
                                  _known)

# What each deriver gives (a name ending in "." stands for every fact under it). A deriver not listed
# here always runs: it checks the input (_patient) or fills a default other derivers read (_sending's
# melding.sendt), so leaving it out would change what is refused or what the others see.
_GIVES: dict[Deriver, tuple[str, ...]] = {
    _sending_day: ("melding.sendt_virkedag", "melding.sendt_klokkeslett"),
    _parties: ("melding.mottaker", "melding.mottaker.", "melding.antall_mottakere", "melding.retning", "parter."),
    _content: ("melding.har_vedlegg", "melding.antall_vedlegg", "melding.tekst_lengde", "melding.tekst_forste_linje",
               "melding.antall_fagomrader", "melding.er_svar", "melding.format_ren_tekst"),
    _time_since: (*(d for _, d in _DAYS_SINCE), *(d for _, d in _MONTHS_SINCE), "kontekst.antall_kommunale_vedtak"),
    _known: ("kontekst.kjent_for_sykehuset",),
}


@dataclass(frozen=True)
class FactPlan:
    """Which derivers a set of rules needs: ``prepare_planned`` runs only those (and the ones that check)."""

    derivers: tuple[Deriver, ...]

    @classmethod
    def for_facts(cls, needed: Iterable[str]) -> FactPlan:
        wanted = frozenset(needed)

        def used(deriver: Deriver) -> bool:
            gives = _GIVES.get(deriver)
            if gives is None:
                return True
            return any(any(w.startswith(g) if g.endswith(".") else w == g for g in gives) for w in wanted)

        return cls(tuple(d for d in DERIVERS if used(d)))


@cache
def _time_parsers() -> dict[str, Callable[[str, str], Any]]:
    return {path: parse_datetime if is_datetime else parse_date for path, is_datetime in _time_paths()}


def _read(obj: Mapping[str, Any], prefix: str, out: dict[str, Any], parsers: Mapping[str, Callable[[str, str], Any]]
          ) -> None:
    """``_flatten`` and ``_convert_times`` in one pass over the request."""
    for key, value in obj.items():
        path = prefix + key
        cls = value.__class__
        if cls is dict:
            out[path] = value
            _read(value, path + ".", out, parsers)
        elif cls is str and path in parsers:
            out[path] = parsers[path](value, "$." + path)
        else:
            out[path] = value


def _evaluation_time(values: Mapping[str, Any], now: dt.datetime | None, at: dt.datetime | str | None
                     ) -> dt.datetime:
    if at is not None:
        return parse_datetime(at, "--at") if isinstance(at, str) else in_oslo(at, "--at")
    if "tidspunkt" in values:
        moment: dt.datetime = values["tidspunkt"]
        return moment
    return in_oslo(now, "now") if now is not None else dt.datetime.now(OSLO)


def prepare_planned(request: Mapping[str, Any], plan: FactPlan, *, now: dt.datetime | None = None,
                    at: dt.datetime | str | None = None, allow_synthetic_ids: bool = False) -> Facts:
    """``prepare`` deriving only what ``plan`` says the rules need: the same facts for every name they read.

    The same checks as ``prepare`` (validation, the patient's number, the admission's times); a test
    holds the decisions made on these facts to those made on ``prepare``'s."""
    validate_request(request)
    values: dict[str, Any] = {}
    parsers = _time_parsers()
    if request.__class__ is dict:
        _read(request, "", values, parsers)
    else:
        _flatten(request, "", values)
        _convert_times(values)
    _mask_ids(values)
    notes: list[str] = []
    values["tidspunkt"] = _evaluation_time(values, now, at)
    values["tidspunkt_dato"] = values["tidspunkt"].date()
    for derive in plan.derivers:
        derive(values, request, notes, allow_synthetic_ids)
    return Facts(values, notes)


def prepare(request: Mapping[str, Any], *, now: dt.datetime | None = None, at: dt.datetime | str | None = None,
            allow_synthetic_ids: bool = False, validate: bool = True) -> Facts:
    """Validate a request and return its facts, derived facts included.

    ``at`` overrides the request's ``tidspunkt``; ``now`` is the clock used when neither is given.
    """
    if validate:
        validate_request(request)
    values: dict[str, Any] = {}
    _flatten(request, "", values)
    _mask_ids(values)
    _convert_times(values)
    notes: list[str] = []
    values["tidspunkt"] = _evaluation_time(values, now, at)
    values["tidspunkt_dato"] = values["tidspunkt"].date()
    for derive in DERIVERS:
        derive(values, request, notes, allow_synthetic_ids)
    return Facts(values, notes)
