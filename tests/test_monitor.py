"""The conversation monitor with the D81023 pack: threads, answers, time, events and findings."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.contract.decision import Finding
from engine.contract.identifiers import example_number
from engine.contract.times import OSLO
from engine.monitor import Monitor, findings_text
from engine.monitor.events import EventError
from engine.monitor.traffic import clock_event, hospital, message_event, municipality

pytestmark = pytest.mark.requires_monitor


T0 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=OSLO)  # Monday; D81023 is in force
KOMMUNE, HUS = municipality(7), hospital("Lungesykdommer")
PATIENT = example_number("fnr", seed=2)


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=days, hours=hours)


def request(msg_id: str, when: dt.datetime, **kw) -> dict:
    kw.setdefault("thread", f"t-{msg_id}")
    return message_event(at=when, msg_id=msg_id, type="foresporsel", sender=KOMMUNE, recipient=HUS,
                         patient=PATIENT, **kw)


def answer(msg_id: str, when: dt.datetime, **kw) -> dict:
    return message_event(at=when, msg_id=msg_id, type="svar", sender=HUS, recipient=KOMMUNE, patient=PATIENT, **kw)


@pytest.fixture
def monitor(engine):
    # no lateness window: each event is applied as it is fed, so the tests see exact instants
    with Monitor([engine.packs["helse-bergen-d81023"]], lateness=0) as m:
        yield m


def overdue(m: Monitor) -> list[str]:
    return sorted(f.events[0] for f in m.findings(kind="svar_forfalt"))


def test_an_answer_in_the_thread_from_the_other_side_counts(monitor) -> None:
    monitor.feed(request("m1", at()))
    monitor.feed(request("m2", at(0, 1)))
    monitor.feed(request("m3", at(0, 2)))
    monitor.feed(answer("a1", at(1), reply_to="m1"))  # no samtale_id: the thread is found through svar_pa
    monitor.feed(request("p2", at(2), thread="t-m2"))  # a reminder from the same side is not an answer
    monitor.feed(answer("a3", at(3), thread="t-m3"))
    monitor.advance(at(8, 13))  # 5 working days after Monday 2 June is Tuesday 10 June: 9 June is Whit Monday
    assert overdue(monitor) == []  # the whole of Tuesday 10 June is in time («3-5 virkedager», D81023 § 6)
    monitor.advance(at(8, 14))  # midnight after it: the answer is overdue from Wednesday 11 June
    assert overdue(monitor) == ["m2"]
    (finding,) = monitor.findings(kind="svar_forfalt")
    assert finding.due == {"svarfrist": "2025-06-10"}
    assert finding.detected_at == at(8, 14) == dt.datetime(2025, 6, 11, 0, 0, tzinfo=OSLO)
    assert finding.pack_validity == "valid"


def test_a_reply_whose_sender_is_unknown_might_be_the_answer(monitor) -> None:
    monitor.feed(request("m1", at()))
    unknown = answer("a1", at(1), thread="t-m1")
    del unknown["melding"]["avsender"]
    monitor.feed(unknown)
    monitor.advance(at(20))
    assert overdue(monitor) == []  # a finding needs certainty


def test_requests_outside_the_pack_are_not_followed(monitor) -> None:
    other = dict(HUS, helseforetak="Sykehuset Østfold HF", organisasjon="Sykehuset Østfold Kalnes")
    monitor.feed(message_event(at=at(), msg_id="x1", type="foresporsel", sender=KOMMUNE, recipient=other))
    monitor.advance(at(20))
    assert monitor.findings() == []


def test_the_same_event_or_message_twice_counts_once(monitor) -> None:
    event = request("m1", at(), event_id="e-1")
    monitor.feed(event)
    assert monitor.feed(event) == []
    copy = request("m1", at(0, 1))  # the same message seen again, as another event
    monitor.feed(copy)
    monitor.advance(at(20))
    assert overdue(monitor) == ["m1"]
    assert monitor.stats()["events"] == 3  # the copy and the clock are in the log; the first event once
    assert monitor.stats()["threads"] == 1


def test_time_never_goes_back_and_late_reports_resolve(monitor) -> None:
    monitor.feed(request("m1", at()))
    monitor.advance(at(10))
    (finding,) = monitor.findings(kind="svar_forfalt")
    assert finding.status == "open"
    changed = monitor.feed(answer("a1", at(2), thread="t-m1"))  # sent on day 2, reported on day 10
    assert changed == [finding] and finding.status == "resolved" and finding.resolved_by == "a1"
    assert finding.resolved_at == at(10)  # when the monitor learnt of it
    assert monitor.clock == at(10)
    assert monitor.open_findings() == []


def test_thread_rules_and_confirmation_only_messages(monitor) -> None:
    monitor.feed(request("m1", at(), fagomrader=["lungesykdommer"], emne="Oksygen hjemme"))
    found = monitor.feed(answer("a1", at(1), thread="t-m1", fagomrader=["Lungesykdommer"], emne="SV: oksygen hjemme",
                                tekst="Takk for meldingen"))
    assert [(f.rule, f.effect) for f in found] == [("d81023-5.2-bare-bekreftelse-i-tekst", "advice")]
    found = monitor.feed(answer("a2", at(2), thread="t-m1", fagomrader=["kirurgi"], formal="bekreftelse"))
    assert sorted((f.rule, f.status) for f in found) == [("d81023-4.6-samme-fagomrade", "recorded"),
                                                         ("d81023-5.2-bare-bekreftelse", "recorded")]
    topic = next(f for f in found if f.kind == "annen_problemstilling")
    assert "«kirurgi»" in topic.message and "«lungesykdommer»" in topic.message
    assert topic.events == ("m1", "a2") and topic.thread == "t-m1"


def test_findings_are_shaped_like_reasons_and_never_show_the_patient(monitor) -> None:
    monitor.feed(request("m1", at()))
    (finding,) = monitor.advance(at(20))
    reason = finding.reason()
    assert isinstance(reason, Finding)
    assert (reason.rule, reason.pack, reason.effect, reason.kind) == (
        "d81023-6-svar-forfalt", "helse-bergen-d81023", "deviation", "svar_forfalt")
    assert reason.source == {"document": "D81023 v1.01", "section": "6", "quote": "3-5 virkedager"}
    doc = finding.to_dict()
    assert list(doc)[:9] == ["rule", "pack", "effect", "title", "source", "message", "facts", "kind", "due"]
    assert {"status", "thread", "events", "detected_at"} <= set(doc)
    text = json.dumps(doc, ensure_ascii=False) + findings_text(monitor.findings(), clock=monitor.clock)
    assert PATIENT not in text and "pseudonym" not in text
    assert "ÅPENT" in findings_text(monitor.findings())
    assert "tirsdag 10. juni 2025" in finding.message


def test_invalid_events_are_named_by_path_and_never_echo_values(monitor, tmp_path) -> None:
    bad = request("m1", at())
    bad["melding"]["pasient"]["id"] = PATIENT[:-1] + str((int(PATIENT[-1]) + 1) % 10)
    with pytest.raises(EventError) as caught:
        monitor.feed(bad)
    assert caught.value.path == "$.melding.pasient.id" and bad["melding"]["pasient"]["id"] not in str(caught.value)
    lines = [json.dumps(clock_event(at())), "", json.dumps({"hendelse": "kvittering", "tidspunkt": "2025-06-02"}),
             json.dumps(request("m2", at()))]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(EventError) as caught:
        monitor.feed_file(path)
    assert str(caught.value) == f"{path}:3: $.kvittering: mangler (påkrevd felt)"
    assert monitor.stats()["events"] == 1  # the valid event before the bad one is kept
    for event, where in (({"hendelse": "melding", "tidspunkt": "2025-13-01", "melding": {"type": "svar"}},
                          "$.tidspunkt"),
                         ({"hendelse": "ukjent", "tidspunkt": "2025-06-01"}, "$.hendelse"),
                         (dict(clock_event(at()), retning="sendt"), "$.retning"),
                         ({"hendelse": "innleggelse", "tidspunkt": "2025-06-01", "innleggelse": {"id": "a"}},
                          "$.pasient")):
        with pytest.raises(EventError) as caught:
            monitor.feed(event)
        assert caught.value.path == where, (event, caught.value)


def test_old_events_leave_the_rules_after_the_retention_time(engine) -> None:
    with Monitor([engine.packs["helse-bergen-d81023"]], retention_days=30, lateness=0) as m:
        m.feed(request("m1", at(), fagomrader=["lunge"]))
        m.feed(answer("a1", at(1), thread="t-m1"))
        (rs,) = m.rulesets

        def kept() -> int:
            return sum(1 for sid in {s for (_, s) in m._sessions} for f in rs.facts(sid) if f["k"] == "melding")

        assert kept() == 2
        m.advance(at(31))
        assert kept() == 0
        m.feed(answer("a2", at(32), thread="t-m1", fagomrader=["hjerte"]))  # the thread's start is forgotten
        assert m.findings(kind="annen_problemstilling") == []
    with pytest.raises(Exception, match="longer than the retention"):
        Monitor([engine.packs["helse-bergen-d81023"]], retention_days=5)


def test_a_month_of_requests_uses_few_sessions(engine) -> None:
    from engine.monitor.traffic import open_threads

    with Monitor([engine.packs["helse-bergen-d81023"]], shards=8, lateness=0) as m:
        m.feed_many(open_threads(3000, 300))
        stats = m.stats()
        assert stats["threads"] == 3000 and stats["sessions"] <= 8
        found = m.advance(dt.datetime(2026, 3, 31, tzinfo=OSLO))
    assert len(found) == 3000 and {f.kind for f in found} == {"svar_forfalt"}
