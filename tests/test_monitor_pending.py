"""The conversation rules waiting in docs/conversation-rules-pending/ for the packs of other branches.

Each is put together here with a stub of its pack (tests/packs/stub-<pack>/pack.yaml)
and the parameters it needs, compiled as a pack folder, and run on scenarios: missing
and rejected application receipts, late early health information, PLO messages
outside an admission, and follow-up of sent and received requests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.compiler import compile_pack
from engine.facts import OSLO
from engine.identifiers import example_number
from engine.monitor import Monitor
from engine.monitor_traffic import (admission_event, clock_event, discharge_event, message_event,
                                    receipt_event)

ROOT = Path(__file__).resolve().parent.parent
PENDING = ROOT / "docs" / "conversation-rules-pending"
SO = {"kategori": "sykehus", "organisasjon": "Sykehuset Østfold Kalnes", "helseforetak": "Sykehuset Østfold HF"}
FREDRIKSTAD = {"kategori": "kommune", "organisasjon": "Fredrikstad kommune", "tjeneste": "Sykepleiertjeneste"}
FASTLEGE = {"kategori": "fastlege", "organisasjon": "Fjellsiden legesenter"}
HUS = {"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus", "helseforetak": "Helse Bergen HF",
       "region": "Helse Vest", "tjeneste": "Lungesykdommer"}
PATIENT = example_number("fnr", seed=5)
T0 = dt.datetime(2026, 2, 2, 9, 0, tzinfo=OSLO)  # a Monday


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def pending_pack(pack_id: str, folder: Path):
    target = folder / f"stub-{pack_id}"
    target.mkdir()
    shutil.copy(ROOT / "tests" / "packs" / f"stub-{pack_id}" / "pack.yaml", target / "pack.yaml")
    shutil.copy(PENDING / f"{pack_id}.conversation.yaml", target / "conversation.yaml")
    shutil.copy(PENDING / f"{pack_id}.parameters.yaml", target / "parameters.yaml")
    return compile_pack(target)


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pending")
    return {p: pending_pack(p, folder) for p in ("helse-vest-2017", "sykehuset-ostfold", "sykehuset-ostfold-plo")}


def test_every_pending_file_compiles_and_names_its_sections(packs) -> None:
    for pack in packs.values():
        assert pack.conversation, pack.id
        for rule in pack.conversation:
            assert rule.source["section"] and rule.source.get("quote")
    assert {r.finding for p in packs.values() for r in p.conversation} >= {
        "svar_forfalt", "kvittering_mangler", "kvittering_avvist", "bare_bekreftelse", "annen_problemstilling",
        "tidligmelding_forsinket", "plo_utenfor_innleggelse"}


def kinds(findings) -> list[tuple[str, str]]:
    return sorted((f.rule, f.status) for f in findings)


# --------------------------------------------------------------------------- 002: receipts

def sent(msg_id: str, hours: float, **kw) -> dict:
    return message_event(at=at(hours), msg_id=msg_id, type="foresporsel", sender=FREDRIKSTAD,
                         recipient={**SO, "tjeneste": "Lungesykdommer"}, thread=f"t-{msg_id}", patient=PATIENT,
                         retning="sendt", **kw)


def test_a_sent_message_without_a_receipt_is_found_after_the_local_limit(packs) -> None:
    with Monitor([packs["sykehuset-ostfold"]]) as m:
        m.feed(sent("m1", 0))
        m.feed(sent("m2", 0.5))
        m.feed(receipt_event(at=at(0.1), msg_id="m1"))
        assert m.advance(at(4.5)) == []  # sent 09:30, 4 hours is the limit: not yet at 13:30
        (late,) = m.advance(at(4.6))
        assert (late.rule, late.kind, late.events, late.status) == (
            "so-felles-5-kvittering-mangler", "kvittering_mangler", ("m2",), "open")
        assert late.due == {"kvitteringsfrist": at(4.5).isoformat()}
        assert "4 timer" in late.message and "kl. 13:30" in late.message
        (resolved,) = m.feed(receipt_event(at=at(6), msg_id="m2"))
        assert (resolved.status, resolved.resolved_at) == ("resolved", at(6))
        assert m.open_findings() == []


def test_received_messages_do_not_wait_for_our_receipts(packs) -> None:
    with Monitor([packs["sykehuset-ostfold"]]) as m:
        event = sent("m1", 0)
        event["retning"] = "mottatt"
        m.feed(event)
        m.advance(at(30))
        assert [f.kind for f in m.findings()] == []


def test_a_rejected_receipt_is_a_finding_at_once(packs) -> None:
    with Monitor([packs["sykehuset-ostfold"]]) as m:
        m.feed(sent("m1", 0))
        found = m.feed(receipt_event(at=at(0.1), msg_id="m1", status="avvist", errors=["E21"]))
        assert kinds(found) == [("so-felles-5-kvittering-avvist", "recorded")]
        assert "avvist" in found[0].message
        partial = m.feed_many([sent("m2", 1), receipt_event(at=at(1.1), msg_id="m2", status="ok_feil_i_delmelding")])
        assert [(f.rule, f.effect) for f in partial] == [("so-felles-5-kvittering-delvis", "advice")]


def test_sykehuset_ostfold_thread_rules(packs) -> None:
    reply = dict(type="svar", sender={**SO, "tjeneste": "Lungesykdommer"}, recipient=FREDRIKSTAD, patient=PATIENT)
    with Monitor([packs["sykehuset-ostfold"]]) as m:
        m.feed(sent("m1", 0, fagomrader=["lungesykdommer"], emne="Oksygen hjemme"))
        found = m.feed(message_event(at=at(2), msg_id="m2", reply_to="m1", fagomrader=["kirurgi"],
                                     emne="Sv: Sårstell", formal="bekreftelse", **reply))
    assert kinds(found) == [("so-felles-4-bare-bekreftelse", "recorded"),
                            ("so-utforming-7-samme-emne", "recorded"),
                            ("so-utforming-7-samme-fagomrade", "recorded")]


# --------------------------------------------------------------------------- 004: admissions and PLO messages

PLO_MOTTAK = {**SO, "tjeneste": "Somatikk plo meldingsmottak"}


def plo(msg_id: str, hours: float, type: str, **kw) -> dict:
    """A PLO message: from the hospital, or (an admission report) from the municipality."""
    sender, recipient = (FREDRIKSTAD, PLO_MOTTAK) if type == "innleggelsesrapport" else (PLO_MOTTAK, FREDRIKSTAD)
    return message_event(at=at(hours), msg_id=msg_id, type=type, sender=sender, recipient=recipient,
                         patient=PATIENT, **kw)


def admission(hours: float, **kw) -> dict:
    return admission_event(at=at(hours), adm_id="a1", patient=PATIENT, hospital_party=SO,
                           municipality_party=FREDRIKSTAD, **kw)


def test_early_health_information_is_due_24_hours_after_admission(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]]) as m:
        m.feed(admission(0))
        m.feed(plo("p1", 0.1, "melding_om_innlagt_pasient"))
        assert m.advance(at(24)) == []
        (late,) = m.advance(at(24.01))
        assert (late.rule, late.kind) == ("soplo-tidligmelding-24-timer", "tidligmelding_forsinket")
        assert late.due == {"frist": at(24).isoformat()}
        (resolved,) = m.feed(plo("p2", 26, "helseopplysning_tidligmelding"))
        assert (resolved.status, resolved.resolved_by) == ("resolved", "p2")
        assert m.findings(kind="plo_utenfor_innleggelse") == []


def test_early_health_information_in_time_or_not_needed(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]]) as m:
        m.feed(admission(0))
        m.feed(plo("p1", 20, "helseopplysning_tidligmelding"))
        m.feed(admission_event(at=at(1), adm_id="a2", patient=example_number("fnr", seed=9), hospital_party=SO,
                               municipal_services=False))
        m.advance(at(100))
        assert m.findings() == []


def test_plo_messages_outside_an_admission(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]]) as m:
        m.feed(plo("before", -30, "helseopplysning_endringsmelding"))  # no admission yet
        m.feed(admission(0))
        m.feed(plo("during", 5, "helseopplysning_tidligmelding"))
        m.feed(discharge_event(at=at(48), adm_id="a1"))
        m.feed(plo("same-day", 49, "melding_om_utskrevet_pasient"))  # the day of discharge still counts
        m.feed(plo("after", 75, "helseopplysning_endringsmelding"))  # two days after the discharge
        m.advance(at(100))
        outside = m.findings(kind="plo_utenfor_innleggelse")
    assert sorted(f.events[0] for f in outside) == ["after", "before"]
    assert all(f.status == "open" and f.due for f in outside)


def test_an_admission_reported_after_the_message_clears_it(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]]) as m:
        m.feed(plo("p1", 1, "melding_om_innlagt_pasient"))
        m.feed(admission(0))  # registered late, but it began before the message
        m.advance(at(100))
        assert m.findings(kind="plo_utenfor_innleggelse") == []
        m.feed(discharge_event(at=at(150), adm_id="a1"))
        m.feed(plo("p2", 200, "helseopplysning_endringsmelding", context={}))
        (found,) = m.advance(at(213))  # 12 hours to report an admission, then it is a finding
        (resolved,) = m.feed(admission_event(at=at(214), adm_id="a9", patient=PATIENT, hospital_party=SO)
                             | {"innleggelse": {"id": "a9", "start": at(199).isoformat(), "sykehus": SO}})
        assert found is resolved and resolved.status == "resolved"


def test_admission_report_before_transfer_needs_an_admission(packs) -> None:
    agreed = {"pasientstatus": "innlagt", "overforing_akuttmottak_avklart": True}
    with Monitor([packs["sykehuset-ostfold-plo"]]) as m:
        m.feed(plo("r1", 0, "innleggelsesrapport", context=agreed))
        m.feed(admission(2))
        m.feed(plo("r2", 50, "innleggelsesrapport", context={"overforing_akuttmottak_avklart": True}) |
               {"melding": {**plo("r2", 50, "innleggelsesrapport")["melding"],
                            "pasient": {"id": example_number("fnr", seed=6)}}})
        m.advance(at(100))
        found = m.findings(kind="plo_utenfor_innleggelse")
    assert [(f.rule, f.events) for f in found] == [("soplo-innleggelsesrapport-uten-innleggelse", ("r2",))]


# --------------------------------------------------------------------------- 000: follow-up of sent and received

def test_sent_and_received_requests_must_be_followed_up(packs) -> None:
    common = dict(type="foresporsel", patient=PATIENT)
    with Monitor([packs["helse-vest-2017"]]) as m:
        m.feed(message_event(at=at(0), msg_id="ut", sender=FASTLEGE, recipient=HUS, thread="t1", retning="sendt",
                             **common))
        m.feed(message_event(at=at(1), msg_id="inn", sender=HUS, recipient=FASTLEGE, thread="t2",
                             retning="mottatt", **common))
        m.feed(message_event(at=at(2), msg_id="udeklarert", sender=FASTLEGE, recipient=HUS, thread="t3", **common))
        m.feed(message_event(at=at(3), msg_id="svar", type="svar", sender=HUS, recipient=FASTLEGE, thread="t3",
                             patient=PATIENT))
        m.feed(clock_event(dt.datetime(2026, 2, 10, 0, 0, tzinfo=OSLO)))  # Monday 2 Feb + 5 working days = 9 Feb
        found = {f.events[0]: f for f in m.findings()}
    assert set(found) == {"ut", "inn"}
    assert found["ut"].rule == "hv2017-oppfolging-sendt" and "purring" not in found["ut"].message
    assert found["inn"].rule == "hv2017-oppfolging-mottatt"
    assert all(f.due == {"svarfrist": "2026-02-09"} for f in found.values())
