"""The decision document (output contract v1) and how pack results combine.

Semantics:
- a pack in scope is ``deny`` when any of its deny rules fired, else
  ``indeterminate`` when a deny rule could not be decided because facts were
  missing, else ``allow``;
- packs combine with deny overriding indeterminate overriding allow;
- ``not_applicable`` means no pack's scope matched the message.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import orjson

DecisionValue = Literal["allow", "deny", "indeterminate", "not_applicable"]
PackDecision = Literal["allow", "deny", "indeterminate", "not_applicable"]  # not_applicable: a named pack out of scope
FindingEffect = Literal["deny", "advice", "obligation", "deviation"]  # deviation: a finding of the monitor
Validity = Literal["valid", "expired", "not_yet_valid"]

DECISIONS: tuple[DecisionValue, ...] = ("allow", "deny", "not_applicable", "indeterminate")
VALIDITIES: tuple[Validity, ...] = get_args(Validity)
CONTRACT_VERSION = "1"


@dataclass(slots=True)
class Finding:
    """One rule's contribution: a reason (deny), an advice or an obligation."""

    rule: str
    pack: str
    effect: FindingEffect
    title: str
    source: dict[str, Any]
    message: str
    facts: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    due: dict[str, str | None] | None = None  # deadline name -> ISO date-time

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"rule": self.rule, "pack": self.pack, "effect": self.effect, "title": self.title,
             "source": dict(self.source), "message": self.message, "facts": dict(self.facts)}
        if self.kind is not None:
            d["kind"] = self.kind
        if self.due is not None:
            d["due"] = dict(self.due)
        return d


@dataclass(slots=True)
class SuggestionOut:
    rule: str
    pack: str
    kind: str
    message: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"rule": self.rule, "pack": self.pack, "kind": self.kind, "message": self.message}
        if self.value is not None:
            d["value"] = self.value
        return d


@dataclass(slots=True)
class Missing:
    fact: str
    pack: str
    rules: tuple[str, ...]
    decisive: bool  # True when the missing fact keeps a deny rule undecided

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "pack": self.pack, "rules": list(self.rules), "decisive": self.decisive}


@dataclass(frozen=True)
class PackOutcome:
    id: str
    title: str
    document: str
    version: str
    revision: str
    valid_from: dt.date
    valid_to: dt.date | None
    validity: Validity
    decision: PackDecision

    @property
    def expired(self) -> bool:
        return self.validity == "expired"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "document": self.document, "version": self.version,
            "revision": self.revision, "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "expired": self.expired, "in_force": self.validity == "valid", "decision": self.decision,
        }


@dataclass(frozen=True)
class Decision:
    decision: DecisionValue
    packs: tuple[PackOutcome, ...]
    reasons: tuple[Finding, ...]
    advice: tuple[Finding, ...]
    obligations: tuple[Finding, ...]
    suggestions: tuple[SuggestionOut, ...]
    missing: tuple[Missing, ...]
    evaluated_at: dt.datetime
    message_id: str | None = None
    notes: tuple[str, ...] = ()
    trace: tuple[dict[str, Any], ...] | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"

    def fired(self) -> set[str]:
        """Ids of every rule that contributed a reason, advice or obligation."""
        return {f.rule for f in (*self.reasons, *self.advice, *self.obligations)}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "contract": CONTRACT_VERSION,
            "decision": self.decision,
            "packs": [p.to_dict() for p in self.packs],
            "reasons": [r.to_dict() for r in self.reasons],
            "advice": [a.to_dict() for a in self.advice],
            "obligations": [o.to_dict() for o in self.obligations],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "missing": [m.to_dict() for m in self.missing],
            "notes": list(self.notes),
            "evaluated_at": self.evaluated_at.isoformat(),
        }
        if self.message_id is not None:
            out["message_id"] = self.message_id
        if self.trace is not None:
            out["trace"] = list(self.trace)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The decision document as JSON text (compact UTF-8 by orjson; json.dumps when options are given)."""
        if kwargs:
            return json.dumps(self.to_dict(), default=_json_default, ensure_ascii=False, **kwargs)
        return orjson.dumps(self.to_dict(), default=_json_default).decode()


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")


def combine(pack_decisions: list[PackDecision]) -> DecisionValue:
    """Deny overrides indeterminate overrides allow; no pack (or none that applies) means not_applicable."""
    pack_decisions = [d for d in pack_decisions if d != "not_applicable"]
    if not pack_decisions:
        return "not_applicable"
    if "deny" in pack_decisions:
        return "deny"
    if "indeterminate" in pack_decisions:
        return "indeterminate"
    return "allow"
