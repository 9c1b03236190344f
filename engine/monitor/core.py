"""The conversation monitor: findings over threads of messages, receipts, admissions and time.

    from engine.monitor import Monitor

    with Monitor(store="monitor.sqlite", secret=b"...") as monitor:   # replays the log it finds
        new = monitor.feed(event)              # an event dict (schemas/event-v1.schema.json)
        monitor.feed_file("events.jsonl")      # or a whole JSONL file
        monitor.advance("2026-12-29T08:00")    # it is now this time, and everything before it has come
        monitor.open_findings()                # overdue answers, missing receipts, ... still open

Events are checked, made anonymous (the patient's number becomes a keyed
pseudonym) and appended to the event log (``store``) as they arrive; the log
is the truth. The packs' conversation rules, compiled to durable_rules
(``durable``), see them as facts in time order, not in the order they arrived:

- An event's time is its ``tidspunkt``; for a message it is ``melding.sendt``
  (the moment the rules' deadlines count from, and what a reply is compared
  with), or ``tidspunkt`` when that is earlier or the message has no ``sendt``.
  Events at the same time keep the order they arrived in.
- Events wait in a reorder buffer ordered by (time, arrival). The watermark is
  the latest event time seen less the lateness window (``lateness``, 15 minutes
  by default; ``config``); events at or before it are released in order. A
  receipt that comes before its message, a reply linked only by ``svar_pa``
  that comes before its parent, or an answer sent in time that comes after a
  later clock event are therefore applied as if they had come in order, as
  long as they are no later than the window.
- ``advance(to)`` says that it is now ``to`` and everything before it has come:
  it releases everything up to ``to``. It is stored (as a clock event marked
  ``advance``), so that a replay releases at the same point. A clock event in
  a stream (``hendelse: klokke``) is ordered like any other event.
- An event older than the watermark when it arrives is later than the window:
  it is applied at once, as well as can be (the clock never goes back, so a
  finding it would have prevented is made and then resolved by it), and
  counted in ``stats()["late_events"]``.
- What the monitor works out about an event (its thread, through ``svar_pa``
  to the parent's; whether it repeats a message; the admission a discharge
  ends; its session) is worked out when it is released, and stored beside the
  raw event.

The monitor's clock follows the released events, never their arrival, and
deadlines that have fallen due give findings then: a deadline in days or
working days allows its whole last day (an answer due by Monday 28 December
is reported missing from 00:00 on Tuesday 29 December, and the finding names
Monday as the last day), a deadline in hours (elapsed time) just after its
moment. The deadlines wait in a heap by the instant they fall due; moving the
clock pops those that have, and each becomes a fact of its own that joins its
anchor alone (``durable``), so the work is for those deadlines only, however
many threads are open. On start the monitor replays its log through the same
buffer, so a restart gives the same findings as a run that never stopped.

A discharge gives its admission a new version, asserted before the old one is
retracted, so that no rule sees a moment when the patient is not admitted.

Findings are shaped like a decision's reasons (rule, pack, effect, title,
source, message, facts, kind, due) and add the thread, the events, when the
finding was made and its status: ``open`` (an expected event is still
missing), ``resolved`` (it came later) or ``recorded`` (a deviation that
happened; nothing more to wait for).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import hmac
import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..contract.times import OSLO
from ..eval.closures import Test, to_function
from ..eval.deadlines import resolve_due
from ..eval.engine import Engine
from ..eval.render import fact_snapshot
from ..lang.tree import CompiledPack, Due
from .config import DEFAULT_LATENESS, MonitorError, parse_lateness
from .durable import (
    HOUR,
    ConversationEntry,
    ConversationRuleset,
    DueSlot,
    build_conversation_rulesets,
    load_durable,
)
from .events import (
    EventError,
    StoredEvent,
    check_discharge,
    checked_facts,
    event_facts,
    parse_time,
    read_event_file,
    to_stored,
    with_discharge,
)
from .findings import MonitorFinding, fill_conversation
from .store import DERIVED, EventStore, open_store

MAX_SESSIONS = 1000  # durable_rules fails at its 1,024th live session of a ruleset
# deadlines asserted in one call: durable_rules keeps every match of a call until its actions have run, and
# the memory it took stays with the process (6,250 in one call: a gigabyte more after 100,000 findings)
DUE_BATCH = 64
_instances = itertools.count(1)


# --------------------------------------------------------------------------- the monitor

class Monitor:
    """Feeds events to the packs' conversation rules and keeps the findings. Drive it from one thread."""

    def __init__(self, packs: Iterable[CompiledPack] | Any | None = None, *,
                 store: str | Path | EventStore | None = None, secret: bytes | str | None = None,
                 shards: int = 16, retention_days: int | None = 180, allow_synthetic_ids: bool = False,
                 lateness: dt.timedelta | str | int = DEFAULT_LATENESS):
        load_durable()  # MonitorUnavailable with the reason, before anything else
        if packs is None:
            packs = Engine.from_directory().packs.values()
        elif hasattr(packs, "packs") and isinstance(packs.packs, dict):
            packs = packs.packs.values()
        self.packs: dict[str, CompiledPack] = {p.id: p for p in packs}
        self._scopes: dict[str, Test] = {p.id: to_function(p.scope) for p in self.packs.values()}
        if not 1 <= shards <= MAX_SESSIONS:
            raise MonitorError(f"shards must be between 1 and {MAX_SESSIONS} (durable_rules takes at most 1,024 "
                               f"sessions per ruleset); got {shards}")
        self.shards = shards
        self.retention = dt.timedelta(days=retention_days) if retention_days else None
        self.allow_synthetic_ids = allow_synthetic_ids
        self.lateness = parse_lateness(lateness)
        self.rulesets: list[ConversationRuleset] = build_conversation_rulesets(
            self.packs.values(), prefix=f"dialogvakt{next(_instances)}")
        if self.retention is not None:
            for rs in self.rulesets:
                for slot in rs.slots:
                    longest = _longest(slot)
                    if longest >= self.retention:
                        raise MonitorError(f"rule {slot.rule.id}: its deadline ({slot.due.amount} {slot.due.unit}) "
                                           f"is longer than the retention of {retention_days} days")
        self.store = open_store(store)
        self.persistent = self.store.location != ":memory:"
        self.secret = self._secret(secret)
        self._lock = threading.RLock()
        self.clock: dt.datetime | None = None
        self._hour: int | None = None
        self._sessions: set[tuple[int, str]] = set()  # (ruleset, sid) in use
        # deadlines not yet due, by instant: (overdue instant, ruleset, sid, slot, seq, version of the fact)
        self._deadlines: list[tuple[float, int, str, int, int, int]] = []
        self._sids: dict[int, str] = {}  # one string per session id, shared by every entry that names it
        self._due_now: list[tuple[int, str, str]] = []  # $due facts of the clock's hour: (ruleset, sid, id)
        self.deadlines_due = 0  # deadlines that have fallen due (a count of the work the clock does)
        self._expiry: list[tuple[float, int, int, str]] = []  # (time, seq, ruleset, sid)
        self._findings: dict[tuple[str, str, tuple[int, ...]], MonitorFinding] = {}
        self._open_anchors: dict[int, int] = {}
        self._gone: set[int] = set()  # events retracted after the retention time
        self._facts_cache: OrderedDict[int, dict] = OrderedDict()
        self._versions: dict[int, int] = {}  # admission seq -> how often a discharge gave it a new version
        # the reorder buffer: (time, seq, time as datetime, event, facts), released up to the watermark
        self._waiting: list[tuple[float, int, dt.datetime, StoredEvent, dict | None]] = []
        self._latest: dt.datetime | None = None  # the latest event time seen
        self._watermark: float | None = None  # events at or before it are released; it never goes back
        self._thread_read: tuple[str, dict | None] | None = None  # the thread _derive read last
        self.late_events = 0  # events that came later than the window
        self.events_seen = 0
        with self._lock:
            ordered_from = int(self.store.meta("ordered_from_seq") or 0)  # earlier: applied as they arrived
            for event in self.store.events():
                self._take(event, in_arrival_order=event.seq < ordered_from)

    # ---- set-up

    def _now(self) -> dt.datetime:
        """The monitor's clock, which every event sets before anything reads it."""
        if self.clock is None:  # pragma: no cover - an event always sets the clock first
            raise RuntimeError("the monitor's clock is read before any event set it")
        return self.clock

    def _retention(self) -> dt.timedelta:
        if self.retention is None:  # pragma: no cover - expiry is only scheduled with a retention
            raise RuntimeError("no retention time is set")
        return self.retention

    def _secret(self, secret: bytes | str | None) -> bytes:
        if isinstance(secret, str):
            secret = secret.encode()
        if secret is None:
            if self.persistent:
                raise MonitorError("a stored event log needs the site's secret for patient pseudonyms: set "
                                   "DIALOGVAKT_MONITOR_SECRET or DIALOGVAKT_MONITOR_SECRET_FILE (or secret_file "
                                   "in the configuration)")
            secret = os.urandom(32)  # nothing is kept: pseudonyms need only agree within this run
        check = hmac.new(secret, b"dialogvakt-monitor-secret", hashlib.sha256).hexdigest()[:16]
        with self.store.transaction():
            known = self.store.meta("secret_check")
            if known is None:
                self.store.set_meta("secret_check", check)
            elif known != check:
                raise MonitorError(f"{self.store.location}: the event log was written with another secret; "
                                   "patient pseudonyms would not match. Use the site's original secret.")
        return secret

    def close(self) -> None:
        for rs in self.rulesets:
            rs.close()
        self.store.close()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- feeding

    def feed(self, event: Mapping[str, Any]) -> list[MonitorFinding]:
        """Check and store one event, and apply the events it releases from the reorder buffer (itself too,
        unless it must wait for the window); returns the findings they made or resolved. Raises EventError."""
        with self._lock, self.store.transaction():
            return self._ingest(event)

    def feed_many(self, events: Iterable[Mapping[str, Any] | tuple[int, Any]], *, source: str | None = None,
                  batch: int = 500, until: dt.datetime | None = None) -> list[MonitorFinding]:
        """Feed events (or (line, event) pairs) in transactions of ``batch`` events.

        An invalid event stops the feed with an EventError that names its line; the events
        before it are kept. With ``until``, events whose ``tidspunkt`` is after it are skipped
        (they had not come by then). The last window's events wait, as after ``feed``.
        """
        out: list[MonitorFinding] = []
        iterator = iter(events)
        with self._lock:
            while True:
                chunk = list(itertools.islice(iterator, batch))
                if not chunk:
                    return out
                error = None
                with self.store.transaction():  # the events before a bad one are kept
                    for item in chunk:
                        line, event = item if isinstance(item, tuple) else (None, item)
                        try:
                            if until is not None and _event_time(event) > until:
                                continue
                            out.extend(self._ingest(event))
                        except EventError as exc:
                            error = exc.at(source, line)
                            break
                if error is not None:
                    raise error

    def feed_file(self, path: str | Path, *, until: dt.datetime | str | None = None,
                  batch: int = 500) -> list[MonitorFinding]:
        """Feed a JSONL file of events; errors name file:line and the JSON path."""
        limit = parse_time(until) if until is not None else None
        return self.feed_many(read_event_file(path), source=str(path), batch=batch, until=limit)

    def advance(self, to: dt.datetime | str) -> list[MonitorFinding]:
        """It is now ``to`` and every event before it has come: apply everything up to ``to`` and let time
        pass to it. Stored (as a clock event marked ``advance``) so that a replay releases at the same point."""
        moment = parse_time(to, "$.tidspunkt")
        body = {"hendelse": "klokke", "tidspunkt": moment.isoformat()}
        event_id = f"advance-{moment.isoformat()}"
        with self._lock, self.store.transaction():
            seq = self.store.append(event_id, "klokke", moment, body, {"advance": True})
            if seq is None:
                return []  # said before
            return self._take(StoredEvent(seq, event_id, "klokke", moment, {**body, DERIVED: {"advance": True}}))

    def flush(self) -> list[MonitorFinding]:
        """``advance`` to the latest event time seen: for the end of a file that holds every event there is."""
        with self._lock:
            latest = self._latest
        return [] if latest is None else self.advance(latest)

    # ---- asking

    def findings(self, *, status: str | None = None, pack: str | None = None,
                 kind: str | None = None) -> list[MonitorFinding]:
        with self._lock:
            found = [f for f in self._findings.values()
                     if (status is None or f.status == status) and (pack is None or f.pack == pack)
                     and (kind is None or f.kind == kind)]
        return sorted(found, key=lambda f: (f.detected_at, f.pack, f.rule, f.events))

    def open_findings(self, **filters: Any) -> list[MonitorFinding]:
        return self.findings(status="open", **filters)

    def stats(self) -> dict:
        """Counts for operators: events in the log, waiting in the buffer and late, findings, the clock."""
        with self._lock:
            return {"events": self.store.count(), "threads": self.store.threads(),
                    "sessions": len(self._sessions), "rulesets": len(self.rulesets),
                    "findings": len(self._findings),
                    "open": sum(1 for f in self._findings.values() if f.status == "open"),
                    "clock": self.clock.isoformat() if self.clock else None,
                    "waiting": len(self._waiting), "late_events": self.late_events,
                    "lateness_seconds": int(self.lateness.total_seconds()),
                    "watermark": self.watermark.isoformat() if self.watermark else None}

    @property
    def watermark(self) -> dt.datetime | None:
        """Events at or before this time have been applied; later ones wait in the buffer."""
        if self._watermark is None:
            return None
        return dt.datetime.fromtimestamp(self._watermark, OSLO)

    # ---- ingestion

    def _ingest(self, raw: Mapping[str, Any]) -> list[MonitorFinding]:
        """Check an event, store it as it came, and take it into the reorder buffer."""
        event_id, kind, time, body = to_stored(raw, secret=self.secret, allow_synthetic_ids=self.allow_synthetic_ids)
        facts = checked_facts(body) if kind != "klokke" else None  # an EventError before anything is stored
        if kind == "utskrivning":
            admission = self._admission_seen(body["innleggelse"]["id"])
            if admission is not None:
                check_discharge(admission, body)  # not before the admission began, when that is known already
        seq = self.store.append(event_id, kind, time, body)
        if seq is None:
            return []  # this event is already in the log
        return self._take(StoredEvent(seq, event_id, kind, time, body), facts)

    def _admission_seen(self, admission_id: str) -> dict | None:
        """The stored body of an admission that has come, applied or still waiting in the buffer."""
        known = self.store.admission(admission_id)
        if known is not None:
            return self.store.get(known["seq"]).body
        for _, _, _, waiting, _ in self._waiting:
            if waiting.kind == "innleggelse" and waiting.body["innleggelse"]["id"] == admission_id:
                return waiting.body
        return None

    # ---- the reorder buffer

    def _take(self, event: StoredEvent, facts: dict | None = None, *,
              in_arrival_order: bool = False) -> list[MonitorFinding]:
        """Put an event in the buffer, move the watermark, and apply what it releases (in time order).

        ``in_arrival_order``: an event of a log written before events were ordered, replayed as it was applied.
        """
        self.events_seen += 1
        when = order_time(event)
        moment = when.timestamp()
        advance = bool(event.derived.get("advance"))
        if self._watermark is not None and moment < self._watermark and not advance:
            self.late_events += 1  # later than the window: applied below, before anything still waiting
        heapq.heappush(self._waiting, (moment, event.seq, when, event, facts))
        if self._latest is None or when > self._latest:
            self._latest = when
        mark = self._latest.timestamp() - (0 if in_arrival_order else self.lateness.total_seconds())
        if advance:
            mark = max(mark, moment)
        self._watermark = mark if self._watermark is None else max(self._watermark, mark)
        out: list[MonitorFinding] = []
        while self._waiting and self._waiting[0][0] <= self._watermark:
            _, _, when, waiting, known = heapq.heappop(self._waiting)
            out.extend(self._apply(self._derived(waiting), when, known))
        return out

    def _derived(self, event: StoredEvent) -> StoredEvent:
        """The event with its derived part: as stored when it was applied before, or worked out now."""
        if DERIVED in event.body:
            return event
        derived = self._derive(event)
        with self.store.transaction():  # the derived part and the indexes together (joins a feed's transaction)
            self._index(event, derived)
            self.store.set_derived(event.seq, derived)
        return StoredEvent(event.seq, event.id, event.kind, event.time, {**event.body, DERIVED: derived})

    def _index(self, event: StoredEvent, derived: dict) -> None:
        body, seq = event.body, event.seq
        if event.kind == "melding" and not derived.get("duplikat"):
            samtale = derived["samtale"]
            read, self._thread_read = self._thread_read, None
            known = read[1] if read is not None and read[0] == samtale["id"] else False
            self.store.touch_thread(samtale["id"], derived["shard"], seq, event.time, known)
            if body["melding"].get("id"):
                self.store.add_message(body["melding"]["id"], seq, samtale["id"], derived["shard"])
        elif event.kind == "innleggelse" and not derived.get("duplikat"):
            self.store.add_admission(body["innleggelse"]["id"], seq, derived["shard"])

    def _shard(self, key: str) -> int:
        return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % self.shards

    def _derive(self, event: StoredEvent) -> dict:
        """Thread, session and links, worked out when the event is applied (from the events applied before it)."""
        event_id, kind, body = event.id, event.kind, event.body
        patient = (body.get("pasient") or {}).get("pseudonym")
        if kind == "melding":
            m = body["melding"]
            if m.get("id") and self.store.message(m["id"]) is not None:
                return {"duplikat": True}
            if m.get("samtale_id"):
                thread = m["samtale_id"]
            elif m.get("svar_pa"):
                parent = self.store.message(m["svar_pa"])
                thread = parent["thread"] if parent else m["svar_pa"]
            else:
                thread = m.get("id") or event_id
            known = self.store.thread(thread)
            self._thread_read = (thread, known)  # for _index, in the same transaction
            shard = known["shard"] if known else self._shard(patient or f"samtale:{thread}")
            number = known["messages"] + 1 if known else 1
            return {"shard": shard, "samtale": {"id": thread, "forste": known is None, "nummer": number}}
        if kind == "kvittering":
            original = self.store.message(body["kvittering"]["melding_id"])
            if original is None:  # applied before its message: it acknowledges nothing the rules know of
                return {"ukjent_melding": True}
            return {"shard": original["shard"]}
        if kind == "innleggelse":
            if self.store.admission(body["innleggelse"]["id"]) is not None:
                return {"duplikat": True}
            return {"shard": self._shard(patient or f"innleggelse:{body['innleggelse']['id']}")}
        if kind == "utskrivning":
            admission = self.store.admission(body["innleggelse"]["id"])
            if admission is None:
                return {"ukjent_innleggelse": True}
            try:  # an admission that came later than its discharge, and began after it: the discharge is void
                check_discharge(self.store.get(admission["seq"]).body, body)
            except EventError:
                return {"ukjent_innleggelse": True}
            return {"shard": admission["shard"], "innleggelse_seq": admission["seq"]}
        return {}

    # ---- applying events to the rulesets

    def _apply(self, event: StoredEvent, when: dt.datetime, facts: dict | None = None) -> list[MonitorFinding]:
        """Apply one released event at its time ``when``: the clock moves there (never back), then the rules see it."""
        out = self._advance(when)
        derived = event.derived
        if event.kind == "klokke" or derived.get("duplikat") or derived.get("ukjent_innleggelse") \
                or derived.get("ukjent_melding"):
            return out
        sid = self._sid(derived.get("shard", 0))
        kind, seq, body = event.kind, event.seq, event.body
        new_id: str | None = None  # a discharge: the admission's fact gets a new version
        old_id = ""
        if event.kind == "utskrivning":
            seq = derived["innleggelse_seq"]
            if seq in self._gone:
                return out  # the admission has left the rules (retention): nothing to update
            body = with_discharge(self.store.get(seq).body, event.body)
            kind = "innleggelse"
            facts = event_facts(body)
            old_id = self._fact_id(seq)
            self._versions[seq] = self._versions.get(seq, 0) + 1
            new_id = self._fact_id(seq)
        elif facts is None:
            facts = event_facts(body)
        elif kind == "melding":
            facts = with_thread(facts, derived)  # known when it came, but its thread only now
        self._remember(seq, facts)
        now = self._now().timestamp()  # set by _advance above; nothing below moves it
        for i, rs in enumerate(self.rulesets):
            if kind not in rs.kinds:
                continue
            scope = None
            if kind == "melding":
                (pack,) = rs.packs.values()
                scope = self._scopes[pack.id](facts)
                if scope is False:
                    continue
            self._session(i, sid)
            fact, dues = rs.project(kind, facts, seq, scope)
            if new_id is not None:  # the admission's new version is there before the old one goes
                fact["id"] = new_id
                rs.replace(sid, fact, old_id)
            else:
                rs.assert_fact(sid, fact)
            for slot, instant in dues:
                if instant <= now:  # already overdue: due at once, for the rest of this hour
                    out.extend(self._due(i, sid, [(slot, seq, fact["id"], instant)], [True]))
                else:
                    heapq.heappush(self._deadlines, (instant, i, sid, slot, seq, self._versions.get(seq, 0)))
            if self.retention is not None and event.kind != "utskrivning":
                heapq.heappush(self._expiry, ((when + self.retention).timestamp(), seq, i, sid))
            out.extend(self._drain(i, sid))
        return out

    def _sid(self, shard: int) -> str:
        sid = self._sids.get(shard)
        if sid is None:
            sid = self._sids[shard] = str(shard)
        return sid

    def _fact_id(self, seq: int) -> str:
        """The id of an event's fact in the rules: ``e{seq}``, ``e{seq}v{n}`` after its n-th discharge."""
        version = self._versions.get(seq, 0)
        return f"e{seq}v{version}" if version else f"e{seq}"

    def _session(self, i: int, sid: str) -> None:
        key = (i, sid)
        if key not in self._sessions:
            if sum(1 for (r, _) in self._sessions if r == i) >= MAX_SESSIONS:  # pragma: no cover - shards cap it
                raise MonitorError("too many durable_rules sessions")
            self._sessions.add(key)

    def _due(self, i: int, sid: str, dues: list[tuple[int, int, str, float]], keep: list[bool]) -> list[MonitorFinding]:
        """Deadlines of one session fall due, each (slot, seq, id of the anchor's fact, instant): each $due fact
        joins its anchor (the rules fire now unless the awaited event came). One stays while the clock is in
        its hour (``keep``), as the deadline's hour tick did, or goes at once when the clock has already left
        the hour of its instant."""
        rs = self.rulesets[i]
        ids = rs.assert_dues(sid, dues)
        self.deadlines_due += len(dues)
        out = self._drain(i, sid)
        self._due_now.extend((i, sid, due_id) for due_id, k in zip(ids, keep, strict=True) if k)
        rs.retract_facts(sid, [due_id for due_id, k in zip(ids, keep, strict=True) if not k])
        return out

    def _advance(self, time: dt.datetime) -> list[MonitorFinding]:
        """Move the clock to ``time``: the deadlines that fall due by then, in order of their instants (a heap:
        the work is for those deadlines alone), then the events whose retention ends."""
        if self.clock is not None and time <= self.clock:
            return []
        self.clock = time
        hour = int(time.timestamp() // HOUR)
        if hour != self._hour:  # the clock leaves the hour: the $due facts of that hour go
            leaving: dict[tuple[int, str], list[str]] = {}
            for i, sid, due_id in self._due_now:
                leaving.setdefault((i, sid), []).append(due_id)
            for (i, sid), ids in leaving.items():
                self.rulesets[i].retract_facts(sid, ids)
            self._due_now.clear()
        self._hour = hour
        now = time.timestamp()
        out: list[MonitorFinding] = []
        due: dict[tuple[int, str], tuple[list, list[bool]]] = {}  # by session, in the order they fall due
        while self._deadlines and self._deadlines[0][0] <= now:
            instant, i, sid, slot, seq, version = heapq.heappop(self._deadlines)
            if seq in self._gone or version != self._versions.get(seq, 0):
                continue  # the anchor has left the rules, or a newer version with its own deadline replaced it
            dues, keep = due.setdefault((i, sid), ([], []))
            dues.append((slot, seq, self._fact_id(seq), instant))
            keep.append(int(instant // HOUR) == hour)
        for (i, sid), (dues, keep) in due.items():  # a session's deadlines in few calls to durable_rules
            for start in range(0, len(dues), DUE_BATCH):
                out.extend(self._due(i, sid, dues[start:start + DUE_BATCH], keep[start:start + DUE_BATCH]))
        while self._expiry and self._expiry[0][0] <= now:
            _, seq, i, sid = heapq.heappop(self._expiry)
            if self._open_anchors.get(seq):
                heapq.heappush(self._expiry, ((time + self._retention()).timestamp(), seq, i, sid))
                continue
            self.rulesets[i].retract(sid, self._fact_id(seq))
            self._gone.add(seq)
        return out

    # ---- records -> findings

    def _drain(self, i: int, sid: str) -> list[MonitorFinding]:
        rs = self.rulesets[i]
        out: list[MonitorFinding] = []
        while True:
            records = rs.drain()
            if not records:
                return out
            for role, index, seqs, by in records:
                entry = rs.entries[index]
                key = (entry.pack.id, entry.rule.id, seqs)
                finding = self._findings.get(key)
                if role == "fire":
                    if finding is None:  # one finding per rule and events, however often the rule fires
                        finding = self._finding(entry, seqs)
                        self._findings[key] = finding
                        if finding.status == "open":
                            for s in seqs:
                                self._open_anchors[s] = self._open_anchors.get(s, 0) + 1
                        out.append(finding)
                elif finding is not None and finding.status == "open":
                    finding.status = "resolved"
                    finding.resolved_at = self.clock
                    finding.resolved_by = self._event_name(by)
                    for s in seqs:
                        self._open_anchors[s] -= 1
                    out.append(finding)

    def _remember(self, seq: int, facts: dict) -> None:
        self._facts_cache[seq] = facts
        self._facts_cache.move_to_end(seq)
        while len(self._facts_cache) > 4096:
            self._facts_cache.popitem(last=False)

    def _facts(self, seq: int) -> dict:
        facts = self._facts_cache.get(seq)
        if facts is None:
            facts = event_facts(self.store.get(seq).body)
            self._remember(seq, facts)
        return facts

    def _event_name(self, seq: int | None) -> str | None:
        if seq is None:
            return None
        facts = self._facts(seq)
        return facts.get("melding.id") or facts.get("innleggelse.id") or self.store.get(seq).id

    def _finding(self, entry: ConversationEntry, seqs: tuple[int, ...]) -> MonitorFinding:
        rule, pack = entry.rule, entry.pack
        by_alias = {alias: self._facts(seq) for alias, seq in zip(entry.present, seqs, strict=False)}
        due: dict[str, Any] = {}
        for d in rule.due:
            alias, rest = d.from_fact.split(".", 1)
            due[d.name] = resolve_due(Due(d.name, rest, d.unit, d.amount), by_alias[alias])
        snapshot: dict[str, Any] = {}
        for path in rule.facts:
            alias, rest = path.split(".", 1)
            if alias in by_alias and not rest.startswith("pasient."):
                snapshot[path] = fact_snapshot((rest,), by_alias[alias]).get(rest)
        first = by_alias[entry.present[0]]
        anchor_day = (first.get("hendelse.tidspunkt") or self._now()).date()
        return MonitorFinding(
            rule=rule.id, pack=pack.id, effect=rule.effect, title=rule.title, source=rule.source,
            message=fill_conversation(rule.message, by_alias, pack, due), facts=snapshot, kind=rule.finding,
            due={k: v.isoformat() if v else None for k, v in due.items()} or None,
            thread=first.get("samtale.id"),
            events=tuple(self._event_name(s) or str(s) for s in seqs),
            detected_at=self._now(), status="open" if rule.absent else "recorded",
            pack_validity=pack.validity(anchor_day))


def with_thread(facts: dict, derived: dict) -> dict:
    """A message's facts from before it was applied, with its thread: what ``event_facts`` gives once the
    derived part is there (a test holds the two together)."""
    samtale = derived.get("samtale") or {}
    return {**facts, **{f"samtale.{key}": samtale[key] for key in ("id", "forste", "nummer") if key in samtale}}


def order_time(event: StoredEvent) -> dt.datetime:
    """When an event happened, for ordering: ``tidspunkt``; for a message its ``melding.sendt``, unless
    ``tidspunkt`` is earlier (a sender's clock ahead of ours must not push the watermark into the future)."""
    if event.kind == "melding":
        sent = event.body["melding"].get("sendt")
        if sent:
            return min(event.time, parse_time(sent, "$.melding.sendt"))
    return event.time


def _event_time(event: Any) -> dt.datetime:
    try:
        return parse_time(event["tidspunkt"], "$.tidspunkt")
    except (KeyError, TypeError):
        raise EventError("$.tidspunkt", "mangler (påkrevd felt)") from None


def _longest(slot: DueSlot) -> dt.timedelta:
    unit, amount = slot.due.unit, slot.due.amount
    if unit == "hours":
        return dt.timedelta(hours=amount)
    if unit == "days":
        return dt.timedelta(days=amount)
    return dt.timedelta(days=amount * 7 / 5 + 14)  # working days, with room for holidays
