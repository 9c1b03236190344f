"""The conversation monitor does not depend on the order events arrive in (within its lateness window).

A realistic stream across the bundled packs (threads to Helse Bergen with replies by
``svar_pa``, requests between a GP and Haukeland, messages to Sykehuset Østfold with
their receipts, admissions and discharges with PLO messages, and clock events) is fed
in time order, then as seeded shuffles: each event delayed by less than the window,
and shuffled outright with a window wider than the stream. The findings must be the
same, field for field. Without a window the shuffles give other findings, so the
comparison can fail. Targeted tests: a receipt before its message, a reply before its
parent, an answer sent in time that comes after a later clock event, an event later
than the window, and a restart with events still waiting.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from engine.contract.identifiers import example_number
from engine.contract.times import OSLO
from engine.monitor import Monitor
from engine.monitor.traffic import (
    admission_event,
    clock_event,
    discharge_event,
    hospital,
    iso,
    message_event,
    municipality,
    receipt_event,
)

pytestmark = pytest.mark.requires_monitor

START = dt.datetime(2026, 2, 2, 0, 0, tzinfo=OSLO)  # a Monday
SO = {"kategori": "sykehus", "organisasjon": "Sykehuset Østfold Kalnes", "helseforetak": "Sykehuset Østfold HF"}
SO_LUNGE = {**SO, "tjeneste": "Lungesykdommer"}
PLO_MOTTAK = {**SO, "tjeneste": "Somatikk plo meldingsmottak"}
FREDRIKSTAD = {"kategori": "kommune", "organisasjon": "Fredrikstad kommune", "tjeneste": "Sykepleiertjeneste"}
FASTLEGE = {"kategori": "fastlege", "organisasjon": "Fjellsiden legesenter"}
HUS = {"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus", "helseforetak": "Helse Bergen HF",
       "region": "Helse Vest", "tjeneste": "Lungesykdommer"}
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


class Stream:
    """Events with their time (for a message, when it was sent), each time used once."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.events: list[tuple[dt.datetime, dict]] = []
        self._used: set[dt.datetime] = set()

    def when(self, moment: dt.datetime) -> dt.datetime:
        moment = moment.replace(microsecond=0)
        while moment in self._used:  # no two events at the same instant: ties would keep arrival order
            moment += dt.timedelta(seconds=1)
        self._used.add(moment)
        return moment

    def add(self, moment: dt.datetime, event: dict) -> None:
        self.events.append((moment, event))

    def message(self, moment: dt.datetime, received_after: dt.timedelta = dt.timedelta(0), **kw) -> None:
        """A message sent at ``moment`` (melding.sendt) that reached the site ``received_after`` later."""
        sent = self.when(moment)
        event = message_event(at=sent + received_after, sendt=iso(sent), **kw)
        self.add(sent, event)

    def minutes(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.randrange(low, high), seconds=self.rng.randrange(1, 60))


def realistic_stream(seed: int, days: int = 10) -> list[tuple[dt.datetime, dict]]:
    s = Stream(seed)
    rng = s.rng
    n = 0  # numbers the threads and admissions
    bergen, ostfold = itertools.count(), itertools.count()  # what becomes of each, in turn
    for day in range(days):
        date = START + day * DAY
        weekday = date.weekday() < 5
        # Helse Bergen and a municipality (D81023): answers by svar_pa or in the thread, late or never
        for _ in range(3 if weekday else 1):
            n += 1
            kommune, hus = municipality(n % 4), hospital(("Lungesykdommer", "Nevrologi")[n % 2])
            patient = example_number("fnr", seed=n)
            sent = date + 8 * HOUR + s.minutes(0, 540)
            s.message(sent, msg_id=f"b{n}", type="foresporsel", sender=kommune, recipient=hus, thread=f"tb{n}",
                      patient=patient, fagomrader=["lungesykdommer"], emne="Oksygen hjemme")
            fate = ("in time", "late", "never", "in time", "thanks", "other topic")[next(bergen) % 6]
            if fate == "never":
                continue
            after = {"late": dt.timedelta(days=rng.randrange(9, 12)),
                     "in time": dt.timedelta(hours=rng.randrange(1, 90))}.get(fate, rng.randrange(1, 30) * HOUR)
            link = {"reply_to": f"b{n}"} if rng.random() < 0.5 else {"thread": f"tb{n}"}
            extra = {"thanks": {"tekst": "Takk for meldingen"},
                     "other topic": {"fagomrader": ["kirurgi"], "emne": "Sårstell"}}.get(fate, {})
            s.message(sent + after + s.minutes(0, 50), received_after=s.minutes(0, 20), msg_id=f"b{n}-svar",
                      type="svar", sender=hus, recipient=kommune, patient=patient, retning="mottatt", **link, **extra)
        # a GP and Haukeland (Helse Vest 2017): a sent and a received request, answered or not
        if weekday:
            for direction in ("sendt", "mottatt"):
                n += 1
                a, b = (FASTLEGE, HUS) if direction == "sendt" else (HUS, FASTLEGE)
                sent = date + 9 * HOUR + s.minutes(0, 420)
                s.message(sent, msg_id=f"h{n}", type="foresporsel", sender=a, recipient=b, thread=f"th{n}",
                          patient=example_number("fnr", seed=100 + n), retning=direction)
                if rng.random() < 0.6:
                    s.message(sent + dt.timedelta(hours=rng.randrange(2, 200)), msg_id=f"h{n}-svar", type="svar",
                              sender=b, recipient=a, reply_to=f"h{n}", patient=example_number("fnr", seed=100 + n))
        # Fredrikstad and Sykehuset Østfold: sent messages and their receipts (AppRec), and answers
        for _ in range(2 if weekday else 0):
            n += 1
            sent = date + 8 * HOUR + s.minutes(0, 480)
            patient = example_number("fnr", seed=200 + n)
            s.message(sent, msg_id=f"s{n}", type="foresporsel", sender=FREDRIKSTAD, recipient=SO_LUNGE,
                      thread=f"ts{n}", patient=patient, retning="sendt")
            fate = ("ok", "avvist", "ok", "late", "ok", "delvis", "ok", "none")[next(ostfold) % 8]
            if fate != "none":
                after = s.minutes(30 * 60, 40 * 60) if fate == "late" else s.minutes(0, 30)
                status = {"avvist": "avvist", "delvis": "ok_feil_i_delmelding"}.get(fate, "ok")
                moment = s.when(sent + after)
                s.add(moment, receipt_event(at=moment, msg_id=f"s{n}", status=status,
                                            errors=["E21"] if status == "avvist" else ()))
            if rng.random() < 0.5:
                s.message(sent + dt.timedelta(hours=rng.randrange(1, 150)), received_after=s.minutes(0, 10),
                          msg_id=f"s{n}-svar", type="svar", sender=SO_LUNGE, recipient=FREDRIKSTAD,
                          reply_to=f"s{n}", patient=patient, retning="mottatt")
        # admissions at Sykehuset Østfold with early health information, PLO messages and a discharge
        if day % 2 == 0:
            n += 1
            patient = example_number("fnr", seed=300 + n)
            start = s.when(date + 7 * HOUR + s.minutes(0, 600))
            services = rng.random() < 0.8
            s.add(start, admission_event(at=start, adm_id=f"a{n}", patient=patient, hospital_party=SO,
                                         municipality_party=FREDRIKSTAD, municipal_services=services))
            early = (dt.timedelta(hours=rng.randrange(1, 20)), dt.timedelta(hours=30), None)[day // 2 % 3]
            if early is not None:
                s.message(start + early, msg_id=f"p{n}", type="helseopplysning_tidligmelding", sender=PLO_MOTTAK,
                          recipient=FREDRIKSTAD, patient=patient)
            s.message(start + dt.timedelta(hours=26), msg_id=f"p{n}-endring", type="helseopplysning_endringsmelding",
                      sender=PLO_MOTTAK, recipient=FREDRIKSTAD, patient=patient)
            end = s.when(start + dt.timedelta(hours=rng.randrange(40, 90)))
            s.add(end, discharge_event(at=end, adm_id=f"a{n}"))
            if rng.random() < 0.5:  # two days after the discharge: outside the admission
                s.message(end + dt.timedelta(days=2), msg_id=f"p{n}-etter", type="helseopplysning_endringsmelding",
                          sender=PLO_MOTTAK, recipient=FREDRIKSTAD, patient=patient)
    for k in range(1, (days + 16) * 4):  # a timer's clock event every six hours
        moment = s.when(START + k * 6 * HOUR)
        s.add(moment, clock_event(moment))
    return s.events


def findings(engine, events: list[dict], lateness) -> tuple[list[dict], dict]:
    with Monitor(list(engine.packs.values()), lateness=lateness) as m:
        m.feed_many(events)
        m.flush()
        return [f.to_dict() for f in m.findings()], m.stats()


def in_time_order(stream):
    return [e for _, e in sorted(stream, key=lambda pair: pair[0])]


def delayed(stream, seed: int, window: dt.timedelta) -> list[dict]:
    """Each event arrives less than ``window`` after its time: none is later than the window."""
    rng = random.Random(seed)
    arrivals = [(moment + window * rng.random() * 0.999, k, e) for k, (moment, e) in enumerate(stream)]
    return [e for _, _, e in sorted(arrivals, key=lambda a: (a[0], a[1]))]


def overtaken(stream, order: list[dict]) -> int:
    """How many events arrive after an event that happened later."""
    time_of = {id(e): moment for moment, e in stream}
    latest, count = None, 0
    for e in order:
        if latest is not None and time_of[id(e)] < latest:
            count += 1
        latest = max(latest or time_of[id(e)], time_of[id(e)])
    return count


@pytest.fixture(scope="module")
def stream():
    return realistic_stream(seed=11)


@pytest.fixture(scope="module")
def expected(engine, stream):
    found, stats = findings(engine, in_time_order(stream), dt.timedelta(0))
    assert stats["late_events"] == 0
    return found


def test_the_stream_is_realistic(expected, stream) -> None:
    kinds = {f["kind"] for f in expected}
    assert kinds >= {"svar_forfalt", "kvittering_mangler", "kvittering_avvist", "kvittering_delvis",
                     "bare_bekreftelse", "annen_problemstilling", "tidligmelding_forsinket",
                     "plo_utenfor_innleggelse"}, kinds
    assert {f["pack"] for f in expected} == {"helse-bergen-d81023", "helse-vest-2017", "sykehuset-ostfold",
                                             "sykehuset-ostfold-plo"}
    assert {f["status"] for f in expected} == {"open", "resolved", "recorded"}
    resolved = {f["kind"] for f in expected if f["status"] == "resolved"}
    assert resolved >= {"svar_forfalt", "kvittering_mangler", "tidligmelding_forsinket"}, resolved
    kinds_of_events = {e["hendelse"] for _, e in stream}
    assert kinds_of_events == {"melding", "kvittering", "innleggelse", "utskrivning", "klokke"}
    assert sum(1 for _, e in stream if e["hendelse"] == "melding" and "svar_pa" in e["melding"]
               and "samtale_id" not in e["melding"]) >= 10  # replies linked only by svar_pa
    assert len(stream) > 200


def test_in_time_order_the_window_changes_nothing(engine, stream, expected) -> None:
    found, stats = findings(engine, in_time_order(stream), dt.timedelta(hours=2))
    assert found == expected and stats["waiting"] == 0


@pytest.mark.parametrize("seed", range(5))
def test_events_delayed_within_the_window_give_the_same_findings(engine, stream, expected, seed) -> None:
    window = dt.timedelta(hours=6)
    order = delayed(stream, seed, window)
    assert overtaken(stream, order) > 40  # many events come after a later one
    found, stats = findings(engine, order, window)
    assert stats["late_events"] == 0
    assert found == expected


@pytest.mark.parametrize("seed", range(3))
def test_a_full_shuffle_with_a_window_wider_than_the_stream_gives_the_same_findings(engine, stream, expected,
                                                                                    seed) -> None:
    order = [e for _, e in stream]
    random.Random(seed).shuffle(order)
    found, stats = findings(engine, order, dt.timedelta(days=40))
    assert stats["late_events"] == 0
    assert found == expected


def test_without_a_window_the_order_of_arrival_changes_the_findings(engine, stream, expected) -> None:
    """The comparison above can fail: the same shuffles applied as they arrive find otherwise."""
    found, stats = findings(engine, delayed(stream, 0, dt.timedelta(hours=6)), dt.timedelta(0))
    assert stats["late_events"] > 40 and found != expected
    order = [e for _, e in stream]
    random.Random(0).shuffle(order)
    assert findings(engine, order, dt.timedelta(0))[0] != expected


# --------------------------------------------------------------------------- one case at a time

T0 = dt.datetime(2026, 2, 2, 9, 0, tzinfo=OSLO)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def kinds(m: Monitor) -> list[tuple[str, tuple[str, ...], str]]:
    return sorted((f.kind, f.events, f.status) for f in m.findings())


@pytest.mark.parametrize("shards", [16, 1], ids=["shards-16", "one-shard"])
@pytest.mark.parametrize("lateness, found", [("15m", []), (0, [("kvittering_mangler", ("m1",), "open")])])
def test_a_receipt_that_comes_before_its_message(engine, lateness, found, shards) -> None:
    """Applied before its message (no lateness window), a receipt acknowledges nothing, in whatever shard
    the message falls: with one shard both are in the same durable_rules session."""
    with Monitor([engine.packs["sykehuset-ostfold"]], lateness=lateness, shards=shards) as m:
        m.feed(receipt_event(at=at(0.02), msg_id="m1"))  # the receipt, a minute after the message, comes first
        m.feed(message_event(at=at(0), msg_id="m1", type="foresporsel", sender=FREDRIKSTAD, recipient=SO_LUNGE,
                             thread="t1", patient=example_number("fnr", seed=1), retning="sendt"))
        m.feed(message_event(at=at(1), msg_id="a1", type="svar", sender=SO_LUNGE, recipient=FREDRIKSTAD,
                             thread="t1", patient=example_number("fnr", seed=1)))
        m.advance(at(48))
        assert kinds(m) == found


@pytest.mark.parametrize("lateness", ["2d", 0])
def test_a_reply_linked_only_by_svar_pa_that_comes_before_its_parent(engine, lateness) -> None:
    kommune, hus = municipality(7), hospital("Lungesykdommer")
    with Monitor([engine.packs["helse-bergen-d81023"]], lateness=lateness) as m:
        m.feed(message_event(at=at(24), msg_id="a1", type="svar", sender=hus, recipient=kommune, reply_to="m1"))
        m.feed(message_event(at=at(0), msg_id="m1", type="foresporsel", sender=kommune, recipient=hus,
                             thread="t-m1"))
        m.advance(at(24 * 20))
        if lateness:  # applied after its parent: the reply is in the parent's thread and answers it
            assert m.store.message("a1")["thread"] == "t-m1"
            assert kinds(m) == []
        else:  # applied first, it started a thread of its own, and the request went unanswered
            assert m.store.message("a1")["thread"] == "m1"
            assert kinds(m) == [("svar_forfalt", ("m1",), "open")]


@pytest.mark.parametrize("sendt", [True, False], ids=["received-later", "sent-and-received"])
def test_an_answer_sent_in_time_that_comes_after_a_later_clock_event(engine, sendt) -> None:
    """Sent Friday 18 December 2026, the answer is due by Monday 28 December; it is sent at 23:50 that day."""
    kommune, hus = municipality(7), hospital("Lungesykdommer")
    answered = dt.datetime(2026, 12, 28, 23, 50, tzinfo=OSLO)
    reply = message_event(at=answered + dt.timedelta(minutes=25) if sendt else answered, msg_id="a1", type="svar",
                          sender=hus, recipient=kommune, thread="t1", **({"sendt": iso(answered)} if sendt else {}))
    request = message_event(at=dt.datetime(2026, 12, 18, 10, 0, tzinfo=OSLO), msg_id="m1", type="foresporsel",
                            sender=kommune, recipient=hus, thread="t1")
    midnight = clock_event(dt.datetime(2026, 12, 29, 0, 0, tzinfo=OSLO))
    with Monitor([engine.packs["helse-bergen-d81023"]], lateness="1h") as m:
        for event in (request, midnight, reply):
            m.feed(event)
        assert m.stats()["waiting"] == 2  # the clock event and the answer wait for the window to pass
        m.advance("2027-01-10T00:00")
        assert m.findings() == [] and m.stats()["late_events"] == 0
    with Monitor([engine.packs["helse-bergen-d81023"]], lateness=0) as m:  # as they arrive: made, then resolved
        for event in (request, midnight, reply):
            m.feed(event)
        assert kinds(m) == [("svar_forfalt", ("m1",), "resolved")]


def test_an_event_later_than_the_window_is_applied_and_counted(engine) -> None:
    kommune, hus = municipality(7), hospital("Lungesykdommer")
    with Monitor([engine.packs["helse-bergen-d81023"]], lateness="1h") as m:
        m.feed(message_event(at=at(0), msg_id="m1", type="foresporsel", sender=kommune, recipient=hus, thread="t1"))
        m.feed(clock_event(at(24 * 10)))
        m.feed(clock_event(at(24 * 10 + 2)))  # the watermark passes day 10: the finding is made
        (finding,) = m.findings()
        assert (finding.status, m.stats()["late_events"], m.watermark) == ("open", 0, at(24 * 10 + 1))
        (changed,) = m.feed(message_event(at=at(48), msg_id="a1", type="svar", sender=hus, recipient=kommune,
                                          thread="t1"))  # sent on day 2, nine days later than the window
        assert changed is finding and finding.status == "resolved" and finding.resolved_by == "a1"
        assert finding.resolved_at == at(24 * 10)  # the clock never goes back
        m.advance(at(24 * 3))  # saying that it is an earlier time changes nothing, and is not a late event
        assert m.stats()["late_events"] == 1 and m.clock == at(24 * 10)


def test_a_restart_with_events_waiting_releases_them_at_the_same_points(engine, tmp_path) -> None:
    kommune, hus = municipality(7), hospital("Lungesykdommer")
    packs, store = [engine.packs["helse-bergen-d81023"]], tmp_path / "log.sqlite"
    request = message_event(at=at(0), msg_id="m1", type="foresporsel", sender=kommune, recipient=hus, thread="t1")
    with Monitor(packs, store=store, secret=b"s", lateness="1h") as m:
        m.feed(request)
        m.feed(clock_event(at(24 * 10)))
        assert (m.stats()["waiting"], m.findings()) == (1, [])  # the clock event waits for the window
    with Monitor(packs, store=store, secret=b"s", lateness="1h") as m:  # the log is replayed through the buffer
        assert (m.stats()["waiting"], m.findings()) == (1, [])
        (found,) = m.advance(at(24 * 10))
        m.feed(message_event(at=at(24 * 10 - 0.5), msg_id="a1", type="svar", sender=hus, recipient=kommune,
                             thread="t1"))  # within the window of the latest event, but before the advance
        before = [f.to_dict() for f in m.findings()]
        assert m.stats()["late_events"] == 1 and found.status == "resolved"
    with Monitor(packs, store=store, secret=b"s", lateness="1h") as m:
        assert [f.to_dict() for f in m.findings()] == before
        assert m.stats()["late_events"] == 1 and m.stats()["waiting"] == 0


def test_a_message_gets_the_thread_facts_it_would_have_had_if_it_came_in_order() -> None:
    from engine.monitor.core import with_thread
    from engine.monitor.events import event_facts, to_stored

    _, _, _, body = to_stored(message_event(at=at(0), msg_id="m1", type="svar", sender=FREDRIKSTAD,
                                            recipient=SO_LUNGE, reply_to="m0", patient=example_number("fnr")),
                              secret=b"s")
    derived = {"shard": 3, "samtale": {"id": "t0", "forste": False, "nummer": 2}}
    assert with_thread(event_facts(body), derived) == event_facts({**body, "avledet": derived})
    assert with_thread(event_facts(body), derived)["samtale.nummer"] == 2
