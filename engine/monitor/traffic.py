"""Synthetic traffic for the conversation monitor: event builders and generators.

Used by the tests, the benchmark and the Gherkin steps. The generators plan
messages in calendar time only (a request, and after some hours or days an
answer, or none); they know nothing of working days or holidays, so that a test
can compute the expected deadlines on its own and compare.

Patient numbers are fictional (``identifiers.example_number``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..contract.identifiers import example_number
from ..contract.times import OSLO


def _parties() -> dict[str, Any]:
    """The parties of generated traffic, from ``traffic.yaml`` beside this module."""
    text = resources.files("engine.monitor").joinpath("traffic.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


_PARTIES = _parties()
HOSPITAL: dict[str, str] = dict(_PARTIES["hospital"])
SERVICES: tuple[str, ...] = tuple(_PARTIES["hospital_services"])
MUNICIPAL_SERVICES: tuple[str, ...] = tuple(_PARTIES["municipal_services"])


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(OSLO).isoformat()


def municipality(n: int, service: str = "Sykepleiertjeneste") -> dict:
    """A fictional municipal organisation (number n) with one of its services."""
    return {"kategori": "kommune", "organisasjon": f"Kommune {n:05d}", "kommune": f"Kommune {n:05d}",
            "tjeneste": service}


def hospital(service: str | None = None, base: dict | None = None) -> dict:
    return {**(base or HOSPITAL), "tjeneste": service or SERVICES[0]}


def message_event(*, at: dt.datetime, msg_id: str, type: str, sender: dict, recipient: dict,
                  thread: str | None = None, reply_to: str | None = None, patient: str | None = None,
                  retning: str | None = None, context: dict | None = None, event_id: str | None = None,
                  **fields: object) -> dict:
    """A message event in the event format (schemas/event-v1.schema.json)."""
    melding: dict = {"id": msg_id, "type": type, "avsender": sender, "mottakere": [recipient]}
    if thread:
        melding["samtale_id"] = thread
    if reply_to:
        melding["svar_pa"] = reply_to
    if patient:
        melding["pasient"] = {"id": patient}
    melding.update(fields)
    event: dict = {"hendelse": "melding", "tidspunkt": iso(at), "melding": melding,
                   "kontekst": context if context is not None else {"pasientstatus": "poliklinisk"}}
    if retning:
        event["retning"] = retning
    if event_id:
        event["id"] = event_id
    return event


def receipt_event(*, at: dt.datetime, msg_id: str, status: str = "ok", errors: Iterable[str] = ()) -> dict:
    receipt: dict[str, Any] = {"melding_id": msg_id, "status": status}
    if errors:
        receipt["feil"] = [{"kode": e} for e in errors]
    return {"hendelse": "kvittering", "tidspunkt": iso(at), "kvittering": receipt}


def admission_event(*, at: dt.datetime, adm_id: str, patient: str, hospital_party: dict,
                    municipality_party: dict | None = None, municipal_services: bool | None = True) -> dict:
    adm: dict = {"id": adm_id, "start": iso(at), "sykehus": hospital_party}
    if municipality_party:
        adm["kommune"] = municipality_party
    if municipal_services is not None:
        adm["kommunale_tjenester"] = municipal_services
    return {"hendelse": "innleggelse", "tidspunkt": iso(at), "innleggelse": adm, "pasient": {"id": patient}}


def discharge_event(*, at: dt.datetime, adm_id: str) -> dict:
    return {"hendelse": "utskrivning", "tidspunkt": iso(at), "innleggelse": {"id": adm_id, "slutt": iso(at)}}


def clock_event(at: dt.datetime) -> dict:
    return {"hendelse": "klokke", "tidspunkt": iso(at), "id": f"klokke-{iso(at)}"}


def write_jsonl(events: Iterable[dict], path: str | Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for event in events:
            fh.write(json.dumps(event, ensure_ascii=False) + "\n")
            n += 1
    return n


# --------------------------------------------------------------------------- a month of traffic

@dataclass
class PlannedRequest:
    """What the generator planned for one request: when it was sent and when (if ever) it was answered."""

    msg_id: str
    thread: str
    sent: dt.datetime
    answered: dt.datetime | None


@dataclass
class Traffic:
    events: list[dict]
    requests: list[PlannedRequest] = field(default_factory=list)


def month_of_traffic(start: dt.date, days: int = 31, *, per_day: int = 12, seed: int = 0,
                     organisations: int = 40, unanswered: float = 0.2) -> Traffic:
    """Requests between municipalities and the hospital of ``traffic.yaml`` over ``days`` days, answered after
    1 hour to 12 days.

    Some requests are never answered. Every midnight a clock event moves time on, as a site's
    monitor would see it; the traffic ends with a clock event ``days`` + 14 days after ``start``.
    """
    rng = random.Random(seed)
    begin = dt.datetime.combine(start, dt.time(), OSLO)
    events: list[tuple[dt.datetime, int, dict]] = []
    planned: list[PlannedRequest] = []
    order = 0
    for day in range(days):
        date = start + dt.timedelta(days=day)
        count = per_day if date.weekday() < 5 else max(1, per_day // 6)
        for k in range(count):
            sent = dt.datetime.combine(date, dt.time(7 + rng.randrange(10), rng.randrange(60)), OSLO)
            n = rng.randrange(organisations)
            kommune = municipality(n, rng.choice(MUNICIPAL_SERVICES))
            sykehus = hospital(rng.choice(SERVICES))
            from_municipality = rng.random() < 0.6
            sender, recipient = (kommune, sykehus) if from_municipality else (sykehus, kommune)
            msg_id = f"m{date:%Y%m%d}-{k:03d}"
            thread = f"t{date:%Y%m%d}-{k:03d}"
            patient = example_number("fnr", seed=rng.randrange(300))
            events.append((sent, order, message_event(at=sent, msg_id=msg_id, type="foresporsel", sender=sender,
                                                      recipient=recipient, thread=thread, patient=patient,
                                                      tekst="Spørsmål om videre oppfølging.")))
            order += 1
            answered = None
            if rng.random() >= unanswered:
                answered = sent + dt.timedelta(hours=rng.choice([1, 5, 20, 30, 50, 75, 100, 130, 170, 200, 290]))
                events.append((answered, order, message_event(
                    at=answered, msg_id=f"{msg_id}-svar", type="svar", sender=recipient, recipient=sender,
                    thread=thread, reply_to=msg_id, patient=patient, tekst="Svar på spørsmålet.")))
                order += 1
            planned.append(PlannedRequest(msg_id, thread, sent, answered))
    for day in range(1, days + 15):
        events.append((begin + dt.timedelta(days=day), order, clock_event(begin + dt.timedelta(days=day))))
        order += 1
    events.sort(key=lambda e: (e[0], e[1]))
    return Traffic([e for _, _, e in events], planned)


# --------------------------------------------------------------------------- many open threads

def open_threads(threads: int, organisations: int, *, start: dt.datetime | None = None,
                 seed: int = 0) -> Iterator[dict]:
    """``threads`` unanswered requests from ``organisations`` municipalities, one every few seconds."""
    rng = random.Random(seed)
    moment = start or dt.datetime(2026, 3, 2, 7, 0, tzinfo=OSLO)
    for n in range(threads):
        moment += dt.timedelta(seconds=rng.randrange(1, 4))
        org = n % organisations
        yield message_event(at=moment, msg_id=f"m{n}", type="foresporsel",
                            sender=municipality(org, MUNICIPAL_SERVICES[org % len(MUNICIPAL_SERVICES)]),
                            recipient=hospital(SERVICES[n % len(SERVICES)]), thread=f"t{n}",
                            patient=example_number("fnr", seed=n % 5000), tekst="Spørsmål om oppfølging.")
