"""The input contract refuses, with the field named, what would crash, stall or leak later.

Every limit the schema states is enforced with its path; times outside the calendar, digits
other than 0-9, lone surrogates, control characters and deep nesting are input errors; wording
an error is bounded work whatever the request holds; a patient's number never shows in a path
or in the decision's message id.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from engine import Engine, InputError
from engine.contract.identifiers import MASK, example_number
from engine.contract.schemas import INPUT_SCHEMA, self_contained
from engine.contract.times import parse_date, parse_datetime
from engine.contract.validation import DETAIL_BUDGET, json_path, pruned, shape_problem

from .conftest import ROOT

EXAMPLE = json.loads((ROOT / "examples" / "d81023-01-sporsmal-nylig-utskrevet.json").read_text(encoding="utf-8"))
NUMBERS = {kind: example_number(kind, seed=11) for kind in ("fnr", "dnr", "hnr")}


def with_value(path: str, value: Any) -> dict[str, Any]:
    """The example with the value at a dotted path (``melding.mottakere.0.kategori``)."""
    request = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    node: Any = request
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return request


def refused(engine: Engine, request: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        engine.evaluate(request)
    return caught.value


# --------------------------------------------------------------------------- times

TIME_FIELDS = ["tidspunkt", "melding.sendt", "kontekst.innleggelse.start"]
DATE_FIELDS = ["kontekst.utskrevet_dato", "kontekst.siste_kontakt_dato", "melding.referanse.dato"]


@pytest.mark.parametrize("value", ["9999-12-31T23:59-05:00", "0001-01-01T00:30+02:00", "9999-12-31T23:59",
                                   "1899-12-31T23:00", "2200-01-01T00:00+00:00"])
@pytest.mark.parametrize("field", TIME_FIELDS)
def test_a_time_outside_the_calendar_is_an_input_error_naming_the_field(engine, field, value):
    request = with_value(field, value)
    if field == "kontekst.innleggelse.start":
        request["kontekst"]["innleggelse"] = {"start": value}
    error = refused(engine, request)
    assert error.path == "$." + field
    assert "mellom år 1900 og 2199" in error.message


@pytest.mark.parametrize("field", DATE_FIELDS)
@pytest.mark.parametrize("value", ["٢٠٢٥-٠٥-٢٨", "２０２５-０５-２８", "2025-13-45", "0001-01-01", "9999-12-31"])
def test_a_date_that_is_not_one_is_an_input_error_naming_the_field(engine, field, value):
    request = with_value(field, value)
    if field == "melding.referanse.dato":
        request["melding"]["referanse"] = {"type": "epikrise", "dato": value}
    assert refused(engine, request).path == "$." + field


def test_an_evaluation_time_given_from_python_outside_the_calendar_is_an_input_error(engine):
    for at in (dt.datetime.max, dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59)):
        with pytest.raises(InputError) as caught:
            engine.evaluate(EXAMPLE, at=at)
        assert caught.value.path == "--at"


def test_the_time_functions_refuse_what_is_not_text_or_not_ascii():
    for bad in (20250528, None, "2025-05-2٨"):
        with pytest.raises(InputError):
            parse_date(bad, "$.x")  # type: ignore[arg-type]
        with pytest.raises(InputError):
            parse_datetime(bad, "$.x")  # type: ignore[arg-type]
    assert parse_datetime("2025-05-28T10:00Z", "$.x").utcoffset() == dt.timedelta(hours=2)


# --------------------------------------------------------------------------- texts

@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", "nul\x00byte", "bell\x07", "esc\x1b[31m"])
@pytest.mark.parametrize("field", ["melding.id", "melding.tekst", "melding.emne", "melding.avsender.organisasjon",
                                   "melding.mottakere.0.tjeneste"])
def test_a_text_no_message_can_carry_is_an_input_error_naming_the_field(engine, field, value):
    error = refused(engine, with_value(field, value))
    assert error.path == "$." + field.replace(".0.", "[0].")
    assert "tegn som ikke kan brukes" in error.message
    json.dumps(str(error)).encode("utf-8")  # printable, loggable


def test_tabs_and_newlines_are_text(engine):
    decision = engine.evaluate(with_value("melding.tekst", "Lungesykdommer:\tLinje én\r\nLinje to\n"))
    assert decision.decision in ("allow", "deny", "indeterminate", "not_applicable")


def test_a_key_no_message_can_carry_is_an_input_error_that_can_be_printed(engine):
    request = copy.deepcopy(EXAMPLE)
    request["melding"]["\ud800"] = "x"
    error = refused(engine, request)
    assert error.path == "$.melding"
    str(error).encode("utf-8")


# --------------------------------------------------------------------------- nesting and size

def nested(depth: int, leaf: Any = None) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
@pytest.mark.parametrize("where", ["melding.tekst", "melding.ukjent", "kontekst.innleggelse"])
def test_deep_nesting_anywhere_is_an_input_error_not_a_recursion_error(engine, depth, where):
    error = refused(engine, with_value(where, nested(depth)))
    assert error.path.startswith("$." + where.split(".")[0])
    str(error).encode("utf-8")


def test_nesting_is_measured_without_recursion():
    deep: Any = {}
    for _ in range(200_000):
        deep = {"a": deep}
    path, message = shape_problem(deep) or ("", "")
    assert path.startswith("$.a.a") and "nøstet for dypt" in message


def test_two_hundred_thousand_recipients_are_refused_by_the_limit(engine):
    request = with_value("melding.mottakere", EXAMPLE["melding"]["mottakere"] * 200_000)
    error = refused(engine, request)
    assert (error.path, error.message) == ("$.melding.mottakere", "kan ha høyst 50 elementer")


def test_wording_an_error_looks_at_no_more_than_the_schema_allows():
    """Whatever a wrong field or an unknown key holds, the detailed validator is given at most
    what the schema's limits allow: here far fewer nodes than the request has."""
    junk = [[{"x": i}] for i in range(50_000)]
    request = copy.deepcopy(EXAMPLE)
    request["melding"]["tekst"] = junk
    request["melding"]["ukjent"] = junk
    request["kontekst"]["fastlege"] = {"journalsystem": junk}
    small, limit = pruned(INPUT_SCHEMA, request)
    assert limit is None
    assert shape_problem(small, budget=DETAIL_BUDGET) is None  # within budget: walked fully
    assert small["melding"]["tekst"] == [] and small["melding"]["ukjent"] is None


def limits(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, int]]:
    """Every (path, keyword, limit) the input schema states, with ``*`` for a list item."""
    schema = self_contained(INPUT_SCHEMA)
    if isinstance(node, dict) and "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if not isinstance(node, dict):
        return
    for keyword in ("maxItems", "maxLength", "maximum"):
        if keyword in node:
            yield path, keyword, node[keyword]
    for name, sub in (node.get("properties") or {}).items():
        yield from limits(sub, (*path, name))
    if isinstance(node.get("items"), dict):
        yield from limits(node["items"], (*path, "*"))


LIMITS = list(limits(self_contained(INPUT_SCHEMA)))


def test_the_schema_bounds_every_list_and_every_free_text():
    bounded = {(p, k) for p, k, _ in LIMITS}
    for path in [("melding", "mottakere"), ("melding", "vedlegg"), ("melding", "fagomrader"),
                 ("kontekst", "kommunale_vedtak")]:
        assert (path, "maxItems") in bounded, path
    for path in [("melding", "id"), ("melding", "tekst"), ("melding", "emne"), ("melding", "samtale_id"),
                 ("melding", "mottakere", "*", "organisasjon"), ("melding", "vedlegg", "*", "filnavn")]:
        assert (path, "maxLength") in bounded, path


def over_the_limit(path: tuple[str, ...], keyword: str, limit: int) -> tuple[dict[str, Any], str]:
    """The example with one value just over a limit, and the JSON path of that value."""
    request = copy.deepcopy(EXAMPLE)
    request["melding"].setdefault("vedlegg", [{"filnavn": "a.pdf", "mimetype": "application/pdf"}])
    request["melding"].setdefault("fagomrader", ["medisin"])
    request["melding"]["referanse"] = {"type": "epikrise", "dato": "2025-05-28", "id": "r1"}
    request["melding"]["forfatter"] = {"navn": "Ola", "yrkesgruppe": "SP", "hpr": "123"}
    request["kontekst"].update({"innleggelse": {"start": "2025-05-20T10:00"}, "kommunale_vedtak": ["sykepleie"],
                                "fastlege": {"journalsystem": "X"},
                                "legekontor": {"aktiverte_tjenester": ["bestill_time"]}})
    node: Any = request
    shown: list[Any] = []
    for part in path[:-1]:
        if part == "*":
            if not node:
                node.append({})
            node = node[0]
        else:
            node = node.setdefault(part, [] if part in ("mottakere", "vedlegg") else {})
        shown.append(0 if part == "*" else part)
    last: Any = path[-1]
    if last == "*":  # a limit on each item of a list of texts
        node[0] = "a" * (limit + 1)
        return request, json_path([*shown, 0])
    current = node.get(last) if isinstance(node, dict) else None
    if keyword == "maxItems":
        value: Any = (current or ["x"]) * (limit + 1) if isinstance(current, list) else ["x"] * (limit + 1)
        if last == "aktiverte_tjenester":
            value = ["bestill_time", "forny_resept", "e_konsultasjon", "kontakt_legekontoret", "x"]
    elif keyword == "maxLength":
        value = "1" * (limit + 1) if last in ("hpr", "her_id", "orgnr") else "a" * (limit + 1)
    else:
        value = limit + 1
    node[last] = value
    return request, json_path([*shown, last])


@pytest.mark.parametrize(("path", "keyword", "limit"), LIMITS, ids=lambda x: ".".join(x) if isinstance(x, tuple)
                         else str(x))
def test_every_limit_of_the_schema_is_an_input_error_at_its_field(engine, path, keyword, limit):
    request, where = over_the_limit(path, keyword, limit)
    error = refused(engine, request)
    assert error.path == where
    if keyword in ("maxItems", "maxLength", "maximum"):
        assert str(limit) in error.message or "format" in error.message


# --------------------------------------------------------------------------- patient numbers

@pytest.mark.parametrize("kind", sorted(NUMBERS))
def test_an_unknown_key_that_is_a_patient_number_is_masked_in_the_path(engine, kind):
    for spelled in (NUMBERS[kind], NUMBERS[kind][:6] + " " + NUMBERS[kind][6:]):
        request = copy.deepcopy(EXAMPLE)
        request["melding"][spelled] = 1
        error = refused(engine, request)
        assert NUMBERS[kind] not in str(error) and spelled not in str(error)
        assert error.path == f"$.melding.{MASK}"


@pytest.mark.parametrize("kind", sorted(NUMBERS))
def test_a_message_id_that_is_a_patient_number_is_masked_in_the_decision(engine, kind):
    number = NUMBERS[kind]
    for message_id in (number, f"MSG-{number}-1"):
        decision = engine.evaluate(with_value("melding.id", message_id))
        assert number not in (decision.message_id or "")
        assert number not in json.dumps(decision.to_dict(), ensure_ascii=False)
    assert engine.evaluate(with_value("melding.id", "b6f1c2e0-0001")).message_id == "b6f1c2e0-0001"


def test_a_long_unknown_key_is_shortened_in_the_path(engine):
    request = copy.deepcopy(EXAMPLE)
    request["melding"]["k" * 10_000] = 1
    assert len(refused(engine, request).path) < 100


@pytest.mark.parametrize("field", ["melding.type", "melding.tekst", "melding.forfatter.hpr", "kontekst.pasientstatus"])
def test_a_number_with_thousands_of_digits_is_an_input_error(engine, field):
    request = with_value(field, 10**5000)
    assert refused(engine, request).path == "$." + field
