"""Events that would crash, stall or leak: refused with their path, or stored without patient numbers.

An admission that ends before it starts, times outside the calendar, deep or huge JSON lines and
lone surrogates are event errors naming the field and line. A patient number typed into a text,
a subject or an id is stored as its pseudonym, so the log never holds it, and ids that named
each other still do: the answer still resolves the overdue finding.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from engine.contract.identifiers import example_number
from engine.contract.times import OSLO
from engine.monitor import Monitor
from engine.monitor.events import EventError, read_jsonl, to_stored
from engine.monitor.traffic import hospital, message_event, municipality

SECRET = b"event-test-secret-0123456789abcdef"
T0 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=OSLO)
KOMMUNE, HUS = municipality(7), hospital("Lungesykdommer")
PATIENT = example_number("fnr", seed=2)
NUMBERS = [example_number(kind, seed=23) for kind in ("fnr", "dnr", "hnr")]


def admission(**fields: str) -> dict:
    return {"hendelse": "innleggelse", "tidspunkt": "2025-06-02T10:00", "pasient": {"id": PATIENT},
            "innleggelse": {"id": "a1", **fields}}


def stored_error(event: object) -> EventError:
    with pytest.raises(EventError) as caught:
        to_stored(event, secret=SECRET)
    return caught.value


def test_an_admission_that_ends_before_it_starts_is_refused_with_the_field():
    error = stored_error(admission(start="2025-06-02T10:00", slutt="2025-06-01T09:00"))
    assert (error.path, error.message) == ("$.innleggelse.slutt", "kan ikke være før start")
    to_stored(admission(start="2025-06-02T10:00", slutt="2025-06-02T10:00"), secret=SECRET)


@pytest.mark.parametrize("value", ["9999-12-31T23:59-05:00", "0001-01-01T00:30+02:00", "٢٠٢٥-٠٦-٠٢"])
def test_event_times_outside_the_calendar_are_event_errors(value):
    assert stored_error({"hendelse": "klokke", "tidspunkt": value}).path == "$.tidspunkt"
    assert stored_error(admission(start=value)).path == "$.innleggelse.start"


def test_a_lone_surrogate_or_a_control_character_is_an_event_error():
    event = message_event(at=T0, msg_id="m\ud800", type="foresporsel", sender=KOMMUNE, recipient=HUS,
                          patient=PATIENT)
    assert stored_error(event).path == "$.melding.id"
    event["melding"]["id"] = "m1"
    event["melding"]["tekst"] = "a\x00b"
    assert stored_error(event).path == "$.melding.tekst"


@pytest.mark.parametrize("line", ["[" * 100_000, "{\"a\":" * 50_000, "1" * 5_000, "{\"x\": NaN}",
                                  "\"\\ud800\""])
def test_a_hostile_jsonl_line_is_an_event_error_with_its_line(line):
    lines = ['{"hendelse": "klokke", "tidspunkt": "2025-06-02T10:00"}', line]
    with pytest.raises(EventError) as caught:
        list(read_jsonl(lines, "events.jsonl"))
    assert caught.value.line == 2 and str(caught.value).startswith("events.jsonl:2: $: ugyldig JSON")


def test_deep_nesting_inside_an_event_is_an_event_error():
    deep: object = "x"
    for _ in range(5_000):
        deep = [deep]
    event = message_event(at=T0, msg_id="m1", type="foresporsel", sender=KOMMUNE, recipient=HUS, patient=PATIENT)
    event["melding"]["emne"] = deep
    assert stored_error(event).path == "$.melding.emne"


def test_two_hundred_thousand_receipt_errors_are_refused_by_the_limit():
    event = {"hendelse": "kvittering", "tidspunkt": "2025-06-02T10:00",
             "kvittering": {"melding_id": "m1", "status": "avvist", "feil": [{"kode": "E21"}] * 200_000}}
    error = stored_error(event)
    assert (error.path, error.message) == ("$.kvittering.feil", "kan ha høyst 100 elementer")


def _with_numbers(msg_id: str, when: dt.datetime, number: str, **kw: object) -> dict:
    event = message_event(at=when, msg_id=msg_id, type="foresporsel", sender=KOMMUNE, recipient=HUS,
                          patient=PATIENT, **kw)
    event["id"] = f"ev-{number}-{msg_id}"
    event["melding"]["emne"] = f"Gjelder {number}"
    event["melding"]["tekst"] = f"Lungesykdommer: pasienten {number[:6]} {number[6:]} ble utskrevet."
    event["melding"]["avsender"]["organisasjon"] += f" {number}"
    return event


@pytest.mark.requires_monitor
def test_patient_numbers_typed_anywhere_in_an_event_are_never_stored(engine, tmp_path: Path):
    store = tmp_path / "monitor.sqlite"
    pack = engine.packs["helse-bergen-d81023"]
    with Monitor([pack], store=str(store), secret=SECRET) as monitor:
        for i, number in enumerate(NUMBERS):
            msg_id = f"MSG-{number}"  # an id that holds the number: answers and receipts name it
            monitor.feed(_with_numbers(msg_id, T0 + dt.timedelta(minutes=i), number, thread=f"T-{number}"))
            monitor.feed({"hendelse": "kvittering", "tidspunkt": (T0 + dt.timedelta(minutes=i, seconds=30)).isoformat(),
                          "kvittering": {"melding_id": msg_id, "status": "ok"}})
        monitor.advance(T0 + dt.timedelta(days=10))
        overdue = monitor.findings(kind="svar_forfalt")
        assert len(overdue) == len(NUMBERS)
        answer = message_event(at=T0 + dt.timedelta(days=11), msg_id="svar-1", type="svar", sender=HUS,
                               recipient=KOMMUNE, patient=PATIENT, reply_to=f"MSG-{NUMBERS[0]}",
                               thread=f"T-{NUMBERS[0]}")
        monitor.feed(answer)
        monitor.advance(T0 + dt.timedelta(days=11, hours=1))  # past the lateness window: the answer is applied
        resolved = [f for f in monitor.findings(kind="svar_forfalt") if f.status == "resolved"]
        assert len(resolved) == 1  # the pseudonymised ids still name each other
        shown = json.dumps([f.to_dict() for f in monitor.findings()], ensure_ascii=False)
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    with sqlite3.connect(store) as conn:
        rows = json.dumps(conn.execute("SELECT event_id, body FROM dv_events").fetchall(), ensure_ascii=False)
        rows += json.dumps(conn.execute("SELECT * FROM dv_messages").fetchall())
        rows += json.dumps(conn.execute("SELECT * FROM dv_threads").fetchall())
    for number in [PATIENT, *NUMBERS]:
        for spelled in (number, f"{number[:6]} {number[6:]}"):
            assert spelled not in rows and spelled not in shown
            assert spelled.encode() not in blobs
    assert "[personnummer:" in rows


@pytest.mark.requires_monitor
def test_a_discharge_before_its_admission_began_is_refused_with_the_field(engine):
    with Monitor([engine.packs["sykehuset-ostfold-plo"]]) as monitor:
        monitor.feed(admission(start="2025-06-02T10:00"))
        with pytest.raises(EventError) as caught:
            monitor.feed({"hendelse": "utskrivning", "tidspunkt": "2025-06-03T10:00", "pasient": {"id": PATIENT},
                          "innleggelse": {"id": "a1", "slutt": "2025-06-01T09:00"}})
        assert caught.value.path == "$.innleggelse.slutt"
        monitor.feed({"hendelse": "utskrivning", "tidspunkt": "2025-06-03T10:00", "pasient": {"id": PATIENT},
                      "innleggelse": {"id": "a1", "slutt": "2025-06-03T09:00"}})
        assert monitor.stats()["events"] == 2
