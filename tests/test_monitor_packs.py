"""The conversation rules of helse-vest-2017, sykehuset-ostfold and sykehuset-ostfold-plo on the monitor.

Each pack's conversation.yaml is run on scenarios: missing and rejected application
receipts, late early health information, PLO messages outside an admission, and
follow-up of sent and received requests. The parameters come from the packs; the
expected times are written out here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from engine.contract.identifiers import example_number
from engine.contract.times import OSLO
from engine.monitor import Monitor
from engine.monitor.traffic import admission_event, clock_event, discharge_event, message_event, receipt_event

ROOT = Path(__file__).resolve().parent.parent
PACKS = ("helse-vest-2017", "sykehuset-ostfold", "sykehuset-ostfold-plo")
SO = {"kategori": "sykehus", "organisasjon": "Sykehuset Østfold Kalnes", "helseforetak": "Sykehuset Østfold HF"}
FREDRIKSTAD = {"kategori": "kommune", "organisasjon": "Fredrikstad kommune", "tjeneste": "Sykepleiertjeneste"}
FASTLEGE = {"kategori": "fastlege", "organisasjon": "Fjellsiden legesenter"}
HUS = {"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus", "helseforetak": "Helse Bergen HF",
       "region": "Helse Vest", "tjeneste": "Lungesykdommer"}
PATIENT = example_number("fnr", seed=5)
T0 = dt.datetime(2026, 2, 2, 9, 0, tzinfo=OSLO)  # a Monday


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture(scope="module")
def packs(engine):
    return {p: engine.packs[p] for p in PACKS}


def test_every_pack_has_its_conversation_rules_with_sections_and_quotes(packs) -> None:
    for pack in packs.values():
        assert pack.conversation, pack.id
        assert not pack.warnings, pack.warnings  # every cited section is one of the pack's sections
        for rule in pack.conversation:
            assert rule.source["section"] and rule.source.get("quote")
    assert {r.finding for p in packs.values() for r in p.conversation} >= {
        "svar_forfalt", "kvittering_mangler", "kvittering_avvist", "bare_bekreftelse", "annen_problemstilling",
        "tidligmelding_forsinket", "plo_utenfor_innleggelse"}


def test_every_conversation_rule_quotes_its_guideline(packs, seeds) -> None:
    def flat(text: str) -> str:
        return " ".join(text.split())

    for pack in packs.values():
        seed = flat((seeds / pack.document["file"]).read_text(encoding="utf-8"))
        for rule in pack.conversation:
            assert flat(rule.source["quote"]) in seed, (pack.id, rule.id)


def test_the_packs_share_their_parameters_with_the_monitor(packs) -> None:
    """The monitor uses the packs' own parameters and word lists, not copies under other names."""
    so, plo = packs["sykehuset-ostfold"], packs["sykehuset-ostfold-plo"]
    assert "kvittering_frist_timer" not in so.parameters and "plo_meldingsmottak" not in plo.vocabularies
    written = {p.id: " ".join(str(r) for r in p.conversation_rules) for p in packs.values()}
    assert "kvittering_oppfolging_timer" in written["sykehuset-ostfold"]
    assert "bekreftelse_ord" in written["sykehuset-ostfold"]
    assert "plo_mottak" in written["sykehuset-ostfold-plo"]
    for pack in packs.values():
        for name in re.findall(r"'param': '(\w+)'", written[pack.id]):
            assert name in pack.parameters, (pack.id, name)
    assert plo.parameters["plo_kontroll_etter_timer"].local_interpretation
    assert so.parameters["kvittering_oppfolging_timer"].local_interpretation


# The monitors below have no lateness window (lateness=0): each event is applied as it is fed, so that
# a test sees the findings an event makes at the exact instant; tests/test_monitor_order.py has windows.


def kinds(findings) -> list[tuple[str, str]]:
    return sorted((f.rule, f.status) for f in findings)


# --------------------------------------------------------------------------- 002: receipts

def sent(msg_id: str, hours: float, **kw) -> dict:
    return message_event(at=at(hours), msg_id=msg_id, type="foresporsel", sender=FREDRIKSTAD,
                         recipient={**SO, "tjeneste": "Lungesykdommer"}, thread=f"t-{msg_id}", patient=PATIENT,
                         retning="sendt", **kw)


@pytest.mark.requires_monitor
def test_a_sent_message_without_a_receipt_is_found_after_the_local_limit(packs) -> None:
    assert packs["sykehuset-ostfold"].parameters["kvittering_oppfolging_timer"].value == 24  # the times below
    with Monitor([packs["sykehuset-ostfold"]], lateness=0) as m:
        m.feed(sent("m1", 0))
        m.feed(sent("m2", 0.5))
        m.feed(receipt_event(at=at(0.1), msg_id="m1"))
        assert m.advance(at(24.5)) == []  # sent Monday 09:30, 24 hours is the limit: not yet Tuesday 09:30
        (late,) = m.advance(at(24.6))
        assert (late.rule, late.kind, late.events, late.status) == (
            "so-felles-5-kvittering-mangler", "kvittering_mangler", ("m2",), "open")
        assert late.due == {"kvitteringsfrist": at(24.5).isoformat()}
        assert "24 timer" in late.message and "tirsdag 3. februar 2026 kl. 09:30" in late.message
        (resolved,) = m.feed(receipt_event(at=at(26), msg_id="m2"))
        assert (resolved.status, resolved.resolved_at) == ("resolved", at(26))
        assert m.open_findings() == []


@pytest.mark.requires_monitor
def test_received_messages_do_not_wait_for_our_receipts(packs) -> None:
    with Monitor([packs["sykehuset-ostfold"]], lateness=0) as m:
        event = sent("m1", 0)
        event["retning"] = "mottatt"
        m.feed(event)
        m.advance(at(30))
        assert [f.kind for f in m.findings()] == []


@pytest.mark.requires_monitor
def test_a_rejected_receipt_is_a_finding_at_once(packs) -> None:
    with Monitor([packs["sykehuset-ostfold"]], lateness=0) as m:
        m.feed(sent("m1", 0))
        found = m.feed(receipt_event(at=at(0.1), msg_id="m1", status="avvist", errors=["E21"]))
        assert kinds(found) == [("so-felles-5-kvittering-avvist", "recorded")]
        assert "avvist" in found[0].message
        partial = m.feed_many([sent("m2", 1), receipt_event(at=at(1.1), msg_id="m2", status="ok_feil_i_delmelding")])
        assert [(f.rule, f.effect) for f in partial] == [("so-felles-5-kvittering-delvis", "advice")]


@pytest.mark.requires_monitor
def test_sykehuset_ostfold_thread_rules(packs) -> None:
    reply = {"type": "svar", "sender": {**SO, "tjeneste": "Lungesykdommer"}, "recipient": FREDRIKSTAD,
             "patient": PATIENT}
    with Monitor([packs["sykehuset-ostfold"]], lateness=0) as m:
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


@pytest.mark.requires_monitor
def test_early_health_information_is_due_24_hours_after_admission(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]], lateness=0) as m:
        m.feed(admission(0))
        m.feed(plo("p1", 0.1, "melding_om_innlagt_pasient"))
        assert m.advance(at(24)) == []
        (late,) = m.advance(at(24.01))
        assert (late.rule, late.kind) == ("soplo-tidligmelding-24-timer", "tidligmelding_forsinket")
        assert late.due == {"frist": at(24).isoformat()}
        (resolved,) = m.feed(plo("p2", 26, "helseopplysning_tidligmelding"))
        assert (resolved.status, resolved.resolved_by) == ("resolved", "p2")
        assert m.findings(kind="plo_utenfor_innleggelse") == []


@pytest.mark.requires_monitor
def test_early_health_information_in_time_or_not_needed(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]], lateness=0) as m:
        m.feed(admission(0))
        m.feed(plo("p1", 20, "helseopplysning_tidligmelding"))
        m.feed(admission_event(at=at(1), adm_id="a2", patient=example_number("fnr", seed=9), hospital_party=SO,
                               municipal_services=False))
        m.advance(at(100))
        assert m.findings() == []


@pytest.mark.requires_monitor
def test_plo_messages_outside_an_admission(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]], lateness=0) as m:
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


@pytest.mark.requires_monitor
def test_a_discharge_leaves_no_moment_in_which_the_patient_is_not_admitted(packs) -> None:
    """A discharge replaces the admission's fact with one that has an end; the new one is there before the old
    goes. A PLO message whose check falls in the hour of the discharge would otherwise see «not admitted»."""
    with Monitor([packs["sykehuset-ostfold-plo"]], lateness=0) as m:
        m.feed(admission(0))
        m.feed(plo("during", 5, "helseopplysning_tidligmelding"))  # checked 12 hours later, at hour 17
        m.feed(discharge_event(at=at(17.5), adm_id="a1"))  # in that same hour
        m.feed(discharge_event(at=at(17.7), adm_id="a1") | {"id": "corrected"})  # and corrected: a third version
        m.feed(plo("after", 75, "helseopplysning_endringsmelding"))  # two days after the discharge
        m.advance(at(100))
        assert [(f.rule, f.events, f.status) for f in m.findings()] == [
            ("soplo-utenfor-innleggelse", ("after",), "open")]
        (rs,) = m.rulesets
        sessions = {sid for (_, sid) in m._sessions}
        admissions = [f["id"] for sid in sessions for f in rs.facts(sid) if f["k"] == "innleggelse"]
        assert admissions == ["e1v2"]  # one fact for the admission: its latest version


@pytest.mark.requires_monitor
def test_an_admission_reported_after_the_message_clears_it(packs) -> None:
    with Monitor([packs["sykehuset-ostfold-plo"]], lateness=0) as m:
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


@pytest.mark.requires_monitor
def test_admission_report_before_transfer_needs_an_admission(packs) -> None:
    agreed = {"pasientstatus": "innlagt", "overforing_akuttmottak_avklart": True}
    with Monitor([packs["sykehuset-ostfold-plo"]], lateness=0) as m:
        m.feed(plo("r1", 0, "innleggelsesrapport", context=agreed))
        m.feed(admission(2))
        m.feed(plo("r2", 50, "innleggelsesrapport", context={"overforing_akuttmottak_avklart": True}) |
               {"melding": {**plo("r2", 50, "innleggelsesrapport")["melding"],
                            "pasient": {"id": example_number("fnr", seed=6)}}})
        m.advance(at(100))
        found = m.findings(kind="plo_utenfor_innleggelse")
    assert [(f.rule, f.events) for f in found] == [("soplo-innleggelsesrapport-uten-innleggelse", ("r2",))]


# --------------------------------------------------------------------------- 000: follow-up of sent and received

@pytest.mark.requires_monitor
def test_sent_and_received_requests_must_be_followed_up(packs) -> None:
    common = {"type": "foresporsel", "patient": PATIENT}
    with Monitor([packs["helse-vest-2017"]], lateness=0) as m:
        m.feed(message_event(at=at(0), msg_id="ut", sender=FASTLEGE, recipient=HUS, thread="t1", retning="sendt",
                             **common))
        m.feed(message_event(at=at(1), msg_id="inn", sender=HUS, recipient=FASTLEGE, thread="t2",
                             retning="mottatt", **common))
        m.feed(message_event(at=at(2), msg_id="udeklarert", sender=FASTLEGE, recipient=HUS, thread="t3", **common))
        m.feed(message_event(at=at(3), msg_id="svar", type="svar", sender=HUS, recipient=FASTLEGE, thread="t3",
                             patient=PATIENT))
        # Monday 2 Feb + 5 working days = Monday 9 Feb, the last day for an answer («innen 3–5 arbeidsdager»)
        m.feed(clock_event(dt.datetime(2026, 2, 9, 23, 59, tzinfo=OSLO)))
        assert m.findings() == []
        m.feed(clock_event(dt.datetime(2026, 2, 10, 0, 0, tzinfo=OSLO)))  # overdue from midnight after it
        found = {f.events[0]: f for f in m.findings()}
    assert set(found) == {"ut", "inn"}
    assert found["ut"].rule == "hv2017-oppfolging-sendt" and "purring" not in found["ut"].message
    assert found["inn"].rule == "hv2017-oppfolging-mottatt"
    assert all(f.due == {"svarfrist": "2026-02-09"} for f in found.values())
    assert all("senest mandag 9. februar 2026" in f.message for f in found.values())
