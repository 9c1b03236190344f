"""Derived facts: admitted when sent, months since discharge, number of municipal decisions, send time."""

from __future__ import annotations

import pytest

from engine.contract.facts import admitted_when_sent, catalogue, clock_hours, missing_inputs, prepare
from engine.contract.times import parse_datetime

BASE = {"tidspunkt": "2025-06-02T10:00:00+02:00", "melding": {"type": "foresporsel"}}


def facts(**kontekst):
    request = {**BASE, "kontekst": kontekst} if kontekst else dict(BASE)
    return prepare(request).values


@pytest.mark.parametrize("status, during, expected", [
    ("innlagt", None, True),
    ("innlagt", False, True),
    ("poliklinisk", None, False),
    ("utskrevet", False, False),
    ("utskrevet", True, True),      # a send time inside the recorded admission is enough
    (None, True, True),
    (None, False, False),
    (None, None, None),
])
def test_admitted_when_sent(status, during, expected):
    assert admitted_when_sent(status, during) is expected


def test_admitted_from_status_alone():
    assert facts(pasientstatus="innlagt")["kontekst.innlagt_ved_sending"] is True
    assert facts(pasientstatus="henvist")["kontekst.innlagt_ved_sending"] is False


def test_admitted_from_admission_times_alone():
    inside = facts(innleggelse={"start": "2025-06-01T14:00"})
    assert inside["kontekst.innlagt_ved_sending"] is True
    after = facts(innleggelse={"start": "2025-05-20T14:00", "slutt": "2025-05-28T12:00"})
    assert after["kontekst.innlagt_ved_sending"] is False


def test_admitted_is_missing_without_status_or_admission_and_names_both_inputs():
    values = facts()
    assert "kontekst.innlagt_ved_sending" not in values
    assert missing_inputs("kontekst.innlagt_ved_sending", values) == ("kontekst.pasientstatus", "kontekst.innleggelse")


def test_months_since_discharge():
    values = facts(pasientstatus="utskrevet", utskrevet_dato="2024-05-03")
    assert values["kontekst.maneder_siden_utskrivning"] == 12
    values = facts(pasientstatus="utskrevet", utskrevet_dato="2024-06-02")
    assert values["kontekst.maneder_siden_utskrivning"] == 12
    values = facts(pasientstatus="utskrevet", utskrevet_dato="2024-06-03")
    assert values["kontekst.maneder_siden_utskrivning"] == 11
    assert "kontekst.maneder_siden_utskrivning" not in facts(pasientstatus="utskrevet")


def test_number_of_municipal_decisions():
    assert facts(kommunale_vedtak=[])["kontekst.antall_kommunale_vedtak"] == 0
    assert facts(kommunale_vedtak=["sykepleie", "fysioterapi"])["kontekst.antall_kommunale_vedtak"] == 2
    assert "kontekst.antall_kommunale_vedtak" not in facts(pasientstatus="innlagt")


@pytest.mark.parametrize("sendt, working_day", [
    ("2025-06-02T10:00", True),    # Monday
    ("2025-06-07T10:00", False),   # Saturday
    ("2025-06-09T10:00", False),   # Whit Monday (2. pinsedag)
    ("2025-05-17T10:00", False),   # Constitution Day, a Saturday anyway
    ("2025-05-29T10:00", False),   # Ascension Day (Kristi himmelfartsdag), a Thursday
    ("2025-12-24T10:00", True),    # Christmas Eve is a working day
])
def test_sent_on_a_working_day(sendt, working_day):
    values = prepare({**BASE, "melding": {"type": "foresporsel", "sendt": sendt}}).values
    assert values["melding.sendt_virkedag"] is working_day


def test_clock_hours_in_oslo_time():
    assert clock_hours(parse_datetime("2025-06-02T15:30", "")) == 15.5
    # 13:45 UTC is 15:45 in Oslo in summer
    assert clock_hours(parse_datetime("2025-06-02T13:45:00Z", "")) == 15.75
    values = prepare({**BASE, "melding": {"type": "foresporsel", "sendt": "2025-01-06T07:59"}}).values
    assert values["melding.sendt_klokkeslett"] == pytest.approx(7.9833, abs=1e-3)


def test_send_time_defaults_to_evaluation_time():
    values = prepare({"tidspunkt": "2025-06-07T22:15", "melding": {"type": "foresporsel"}}).values
    assert values["melding.sendt_virkedag"] is False
    assert values["melding.sendt_klokkeslett"] == 22.25


def test_new_facts_are_in_the_catalogue():
    cat = catalogue()
    for path, kind in [("kontekst.innlagt_ved_sending", "boolean"), ("kontekst.maneder_siden_utskrivning", "number"),
                       ("kontekst.antall_kommunale_vedtak", "number"), ("melding.sendt_virkedag", "boolean"),
                       ("melding.sendt_klokkeslett", "number")]:
        assert cat[path].type == kind and cat[path].derived
    assert cat["kontekst.innlagt_ved_sending"].sources == ("kontekst.pasientstatus", "kontekst.innleggelse")
