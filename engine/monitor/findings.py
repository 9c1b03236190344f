"""Findings of the conversation monitor: their shape, their text in bokmål and the report of them.

A finding is shaped like a decision's reason (rule, pack, effect, title, source,
message, facts, kind, due) and adds the thread, the events, when it was made and
its status: ``open`` (an expected event is still missing), ``resolved`` (it came
later) or ``recorded`` (a deviation that happened; nothing more to wait for).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..contract.bokmal import norsk_dato, show
from ..contract.decision import Finding
from ..contract.schemas import data_file
from ..lang.templates import PLACEHOLDER
from ..lang.tree import CompiledPack, ConversationEffect


@dataclass(slots=True)
class MonitorFinding:
    """One finding: what a conversation rule found about some events, and its status."""

    rule: str
    pack: str
    effect: ConversationEffect
    title: str
    source: dict
    message: str
    facts: dict
    kind: str  # the kind of finding, e.g. svar_forfalt
    due: dict | None
    thread: str | None
    events: tuple[str, ...]  # ids of the events the finding is about (message ids where they have one)
    detected_at: dt.datetime
    status: str  # open | resolved | recorded
    pack_validity: str = "valid"  # the pack's validity on the day of the first event
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None

    def reason(self) -> Finding:
        """The finding as a decision's reason (output contract v1)."""
        return Finding(self.rule, self.pack, self.effect, self.title, self.source, self.message, self.facts,
                       self.kind, self.due)

    def to_dict(self) -> dict:
        out = self.reason().to_dict()
        out.update({"status": self.status, "thread": self.thread, "events": list(self.events),
                    "detected_at": self.detected_at.isoformat(), "pack_validity": self.pack_validity})
        if self.resolved_at is not None:
            out["resolved_at"] = self.resolved_at.isoformat()
            out["resolved_by"] = self.resolved_by
        return out


def finding_labels() -> dict[str, str]:
    """Bokmål names of the kinds of findings (schemas/monitor-labels.yaml)."""
    return _monitor_labels()["funn"]


def _monitor_labels() -> dict[str, Any]:
    labels: dict[str, Any] = data_file("monitor-labels.yaml")
    return labels


@lru_cache(maxsize=8192)
def _show_text(value: str, path: str) -> str:
    """``show`` for a text: names of parties and services recur in finding after finding."""
    return show(value, path)


def fill_conversation(template: str, by_alias: Mapping[str, Mapping[str, Any]], pack: CompiledPack,
                      due: Mapping[str, Any]) -> str:
    """Fill a conversation rule's message: {EVENT.fact}, {param.x}, {vocabulary.x}, {due.x}."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        head, _, rest = name.partition(".")
        if head == "param":
            return show(pack.parameters[rest].value)
        if head == "vocabulary":
            return ", ".join(pack.vocabularies[rest].terms)
        if head == "due":
            value = due.get(rest)
            if isinstance(value, dt.datetime):
                return f"{norsk_dato(value.date(), weekday=True)} kl. {value:%H:%M}"
            return norsk_dato(value, weekday=True) if value is not None else "(ukjent)"
        if rest.startswith(("melding.pasient", "pasient.")):
            return "(skjult)"
        value = (by_alias.get(head) or {}).get(rest)
        if value is None:
            return "(ukjent)"
        return _show_text(value, rest) if value.__class__ is str else show(value, rest)

    return " ".join(PLACEHOLDER.sub(one, template).split())


def findings_text(findings: list[MonitorFinding], *, clock: dt.datetime | None = None) -> str:
    """A plain bokmål report of findings."""
    status_words = {"open": "ÅPENT", "resolved": "løst", "recorded": "registrert"}
    kinds = finding_labels()
    lines = []
    if clock is not None:
        lines.append(f"Status per {norsk_dato(clock.date(), weekday=True)} kl. {clock:%H:%M}: "
                     f"{len(findings)} funn, {sum(f.status == 'open' for f in findings)} åpne.")
    if not findings:
        lines.append("Ingen funn.")
    for f in findings:
        head = f"[{status_words.get(f.status, f.status)}] {kinds.get(f.kind, f.kind)} – {f.title}"
        lines.append(head)
        lines.append(f"  {f.message} [{f.source['document']} § {f.source['section']}]")
        extra = [f"funnet {norsk_dato(f.detected_at.date(), weekday=True)} kl. {f.detected_at:%H:%M}"]
        if f.thread:
            extra.append(f"tråd {f.thread}")
        if f.due:
            extra.append("frist " + ", ".join(f"{k} {v}" for k, v in f.due.items()))
        if f.resolved_at is not None:
            extra.append(f"løst {norsk_dato(f.resolved_at.date(), weekday=True)} av {f.resolved_by}")
        if f.pack_validity != "valid":
            extra.append("retningslinjen var utløpt" if f.pack_validity == "expired"
                         else "retningslinjen gjaldt ikke ennå")
        lines.append("  (" + "; ".join(extra) + ")")
    return "\n".join(lines)
