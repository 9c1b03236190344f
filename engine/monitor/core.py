"""The conversation monitor: findings over threads of messages, receipts, admissions and time.

    from engine.monitor import Monitor

    with Monitor(store="monitor.sqlite", secret=b"...") as monitor:   # replays the log it finds
        new = monitor.feed(event)              # an event dict (schemas/event-v1.schema.json)
        monitor.feed_file("events.jsonl")      # or a whole JSONL file
        monitor.advance("2026-12-29T08:00")    # time passes (stored as a clock event)
        monitor.open_findings()                # overdue answers, missing receipts, ... still open

Events are checked, made anonymous (the patient's number becomes a keyed
pseudonym) and appended to the event log (``monitor_store``); then the packs'
conversation rules, compiled to durable_rules (``monitor_rules``), see them as
facts. Time comes only from the events: each event moves the monitor's clock
to its ``tidspunkt`` (never backwards), and deadlines that have fallen due give
findings then: a deadline in days or working days at the start of its due day
(the answer due on Monday 28 December is reported missing from 00:00 that day,
and the finding names that day), a deadline in hours just after its time. On
start the monitor replays its log, so a restart gives the same findings as a
run that never stopped.

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

from ..eval.closures import Test, to_function
from ..eval.deadlines import resolve_due
from ..eval.engine import Engine
from ..eval.render import fact_snapshot
from ..lang.tree import CompiledPack, Due
from .config import MonitorError
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
from .store import EventStore, open_store

MAX_SESSIONS = 1000  # durable_rules fails at its 1,024th live session of a ruleset
_instances = itertools.count(1)


# --------------------------------------------------------------------------- the monitor

class Monitor:
    """Feeds events to the packs' conversation rules and keeps the findings. Drive it from one thread."""

    def __init__(self, packs: Iterable[CompiledPack] | Any | None = None, *,
                 store: str | Path | EventStore | None = None, secret: bytes | str | None = None,
                 shards: int = 16, retention_days: int | None = 180, allow_synthetic_ids: bool = False):
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
        self._sessions: dict[tuple[int, str], dict] = {}  # (ruleset, sid) -> {"n": clock ts, "h": tick hour}
        self._pending_hours: dict[tuple[int, str], list[int]] = {}
        self._deadlines: list[tuple[float, int, str]] = []  # (overdue instant, ruleset, sid)
        self._expiry: list[tuple[float, int, int, str]] = []  # (time, seq, ruleset, sid)
        self._findings: dict[tuple[str, str, tuple[int, ...]], MonitorFinding] = {}
        self._open_anchors: dict[int, int] = {}
        self._gone: set[int] = set()  # events retracted after the retention time
        self._facts_cache: OrderedDict[int, dict] = OrderedDict()
        self.events_seen = 0
        with self._lock:
            for event in self.store.events():
                self._apply(event)

    # ---- set-up

    def _now(self) -> dt.datetime:
        """The monitor's clock, which every event sets before anything reads it."""
        if self.clock is None:  # pragma: no cover - an event always sets the clock first
            raise RuntimeError("the monitor's clock is read before any event set it")
        return self.clock

    def _tick(self) -> int:
        """The hour the clock is in (hours since the epoch): hour deadlines fall due by the hour."""
        if self._hour is None:  # pragma: no cover - set together with the clock
            raise RuntimeError("the monitor's clock is read before any event set it")
        return self._hour

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
        """Check, store and apply one event; returns the findings it made or resolved. Raises EventError."""
        with self._lock, self.store.transaction():
            return self._ingest(event)

    def feed_many(self, events: Iterable[Mapping[str, Any] | tuple[int, Any]], *, source: str | None = None,
                  batch: int = 500, until: dt.datetime | None = None) -> list[MonitorFinding]:
        """Feed events (or (line, event) pairs) in transactions of ``batch`` events.

        An invalid event stops the feed with an EventError that names its line; the events
        before it are kept. With ``until``, events after that time are skipped.
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
        """Let time pass to ``to``; stored as a clock event so that a replay sees the same."""
        moment = parse_time(to, "$.tidspunkt")
        return self.feed({"hendelse": "klokke", "tidspunkt": moment.isoformat(),
                          "id": f"klokke-{moment.isoformat()}"})

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
        with self._lock:
            return {"events": self.store.count(), "threads": self.store.threads(),
                    "sessions": len(self._sessions), "rulesets": len(self.rulesets),
                    "findings": len(self._findings),
                    "open": sum(1 for f in self._findings.values() if f.status == "open"),
                    "clock": self.clock.isoformat() if self.clock else None}

    # ---- ingestion

    def _ingest(self, raw: Mapping[str, Any]) -> list[MonitorFinding]:
        event_id, kind, time, body = to_stored(raw, secret=self.secret, allow_synthetic_ids=self.allow_synthetic_ids)
        derived = self._derive(event_id, kind, body)
        body["avledet"] = derived
        facts = checked_facts(body) if kind != "klokke" else None
        seq = self.store.append(event_id, kind, time, body)
        if seq is None:
            return []  # this event is already in the log
        if kind == "melding" and not derived.get("duplikat"):
            samtale = derived["samtale"]
            self.store.touch_thread(samtale["id"], derived["shard"], seq, time)
            if body["melding"].get("id"):
                self.store.add_message(body["melding"]["id"], seq, samtale["id"], derived["shard"])
        elif kind == "innleggelse" and not derived.get("duplikat"):
            self.store.add_admission(body["innleggelse"]["id"], seq, derived["shard"])
        return self._apply(StoredEvent(seq, event_id, kind, time, body), facts)

    def _shard(self, key: str) -> int:
        return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % self.shards

    def _derive(self, event_id: str, kind: str, body: dict) -> dict:
        """Thread, session and links that the monitor works out when an event comes in."""
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
            shard = known["shard"] if known else self._shard(patient or f"samtale:{thread}")
            number = known["messages"] + 1 if known else 1
            return {"shard": shard, "samtale": {"id": thread, "forste": known is None, "nummer": number}}
        if kind == "kvittering":
            original = self.store.message(body["kvittering"]["melding_id"])
            return {"shard": original["shard"] if original else self._shard(body["kvittering"]["melding_id"])}
        if kind == "innleggelse":
            if self.store.admission(body["innleggelse"]["id"]) is not None:
                return {"duplikat": True}
            return {"shard": self._shard(patient or f"innleggelse:{body['innleggelse']['id']}")}
        if kind == "utskrivning":
            admission = self.store.admission(body["innleggelse"]["id"])
            if admission is None:
                return {"ukjent_innleggelse": True}
            check_discharge(self.store.get(admission["seq"]).body, body)  # not before the admission began
            return {"shard": admission["shard"], "innleggelse_seq": admission["seq"]}
        return {}

    # ---- applying events to the rulesets

    def _apply(self, event: StoredEvent, facts: dict | None = None) -> list[MonitorFinding]:
        self.events_seen += 1
        out = self._advance(event.time)
        derived = event.derived
        if event.kind == "klokke" or derived.get("duplikat") or derived.get("ukjent_innleggelse"):
            return out
        sid = str(derived.get("shard", 0))
        kind, seq, body = event.kind, event.seq, event.body
        if event.kind == "utskrivning":
            seq = derived["innleggelse_seq"]
            if seq in self._gone:
                return out  # the admission has left the rules (retention): nothing to update
            body = with_discharge(self.store.get(seq).body, event.body)
            kind = "innleggelse"
            facts = event_facts(body)
        elif facts is None:
            facts = event_facts(body)
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
            state = self._session(i, sid)
            fact, hours = rs.project(kind, facts, seq, scope, self._hour)
            if (state["h"] != self._hour and self._hour in hours) or any(
                    fact[s.instant_field] <= now and (state["n"] is None or state["n"] < fact[s.instant_field])
                    for s in rs.slots if s.instant_field in fact):
                out.extend(self._sync(i, sid))  # a deadline in this hour or already passed: the clock must be there
            if event.kind == "utskrivning":
                rs.retract(sid, f"e{seq}")
            rs.assert_fact(sid, fact)
            for hour in hours:
                heapq.heappush(self._pending_hours.setdefault((i, sid), []), hour)
            for slot in rs.slots:
                if slot.instant_field in fact:
                    heapq.heappush(self._deadlines, (fact[slot.instant_field], i, sid))
            if self.retention is not None and event.kind != "utskrivning":
                heapq.heappush(self._expiry, ((event.time + self.retention).timestamp(), seq, i, sid))
            out.extend(self._drain(i, sid))
        return out

    def _session(self, i: int, sid: str) -> dict:
        key = (i, sid)
        if key not in self._sessions:
            if len({s for (r, s) in self._sessions if r == i}) >= MAX_SESSIONS:  # pragma: no cover - shards cap it
                raise MonitorError("too many durable_rules sessions")
            self._sessions[key] = {"n": None, "h": None}
        return self._sessions[key]

    def _sync(self, i: int, sid: str) -> list[MonitorFinding]:
        """Bring a session's clock and tick facts up to the monitor's clock (this fires passed deadlines)."""
        state = self._session(i, sid)
        if self.clock is None:
            return []
        rs = self.rulesets[i]
        out: list[MonitorFinding] = []
        now = self._now().timestamp()
        tick = self._tick()
        if state["n"] != now:
            if state["n"] is not None:
                rs.retract(sid, "$c")
            rs.assert_fact(sid, {"k": "$c", "id": "$c", "n": now})
            state["n"] = now
            out.extend(self._drain(i, sid))
        pending = self._pending_hours.get((i, sid), [])
        hours: list[int] = []
        while pending and pending[0] <= tick:
            hour = heapq.heappop(pending)
            if (not hours or hours[-1] != hour) and (state["h"] is None or hour > state["h"]):
                hours.append(hour)
        if state["h"] != tick and (not hours or hours[-1] != tick):
            hours.append(tick)
        for hour in hours:
            if state["h"] is not None:
                rs.retract(sid, "$t")
            rs.assert_fact(sid, {"k": "$t", "id": "$t", "h": hour})
            state["h"] = hour
            out.extend(self._drain(i, sid))
        return out

    def _advance(self, time: dt.datetime) -> list[MonitorFinding]:
        if self.clock is not None and time <= self.clock:
            return []
        self.clock = time
        self._hour = int(time.timestamp() // HOUR)
        now = time.timestamp()
        out: list[MonitorFinding] = []
        due_sessions = []
        while self._deadlines and self._deadlines[0][0] <= now:
            _, i, sid = heapq.heappop(self._deadlines)
            due_sessions.append((i, sid))
        for i, sid in dict.fromkeys(due_sessions):
            out.extend(self._sync(i, sid))
        while self._expiry and self._expiry[0][0] <= now:
            _, seq, i, sid = heapq.heappop(self._expiry)
            if self._open_anchors.get(seq):
                heapq.heappush(self._expiry, ((time + self._retention()).timestamp(), seq, i, sid))
                continue
            self.rulesets[i].retract(sid, f"e{seq}")
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
