"""The rule tree: what a pack compiles to, as plain data.

Conditions (``All``, ``AnyOf``, ``Not``, ``Compare``) have their parameters
substituted, vocabularies compiled and literals typed by the fact they are
compared with. A ``CompiledPack`` holds them with the pack's rules, parameters,
vocabularies and conversation rules. Nothing here evaluates anything: the
engine (``engine.eval``) and the conversation monitor (``engine.monitor``)
give the tree its meaning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..contract.decision import Validity
from .loader import Location, PackProblem, PackSource

Effect = Literal["deny", "advice", "obligation"]
ConversationEffect = Literal["deviation", "advice"]
DueUnit = Literal["working_days", "days", "hours"]
TemplatePart = str | tuple[str, str]  # literal text, or ("fact" | "due", name)
Template = tuple[TemplatePart, ...]


# --------------------------------------------------------------------------- conditions

@dataclass(frozen=True)
class FactRef:
    """Another fact as the operand, optionally moved by a calendar offset: ("months" | "days" |
    "working_days", count)."""

    path: str
    shift: tuple[str, int] | None = None


@dataclass(frozen=True)
class Compare:
    op: str
    fact: str
    operand: Any  # typed literal, frozenset, compiled regex, FactRef, or bool for exists
    written: Any  # the operand as the author wrote it (for traces and tables)
    normalise: bool = False  # compare strings case- and whitespace-insensitively
    fact_type: str = "string"
    declared: bool = False  # an absent fact means "not declared": only not_equals/not_in hold


@dataclass(frozen=True)
class All:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    child: Condition


@dataclass(frozen=True)
class Quantified:
    """``each`` / ``some`` element of a list of objects (``melding.mottakere``) meets a condition.

    Inside ``condition`` a fact without a dot is a field of the element (``tjeneste``); a fact with a
    dot is a fact of the message as anywhere else. Three-valued like the rest: an unknown element
    leaves ``each`` unknown unless another element decides it.
    """

    kind: Literal["each", "some"]
    list_path: str
    condition: Condition
    declared: bool = False  # an absent list is "not declared": an empty list


Condition = Compare | All | AnyOf | Not | Quantified


def element_fact(path: str) -> bool:
    """Whether a fact path inside a quantifier names a field of the element (no dot) or a fact of the message."""
    return "." not in path


def compares(node: Condition | None) -> Iterator[Compare]:
    """Every comparison in a condition, in order."""
    if node is None:
        return
    if isinstance(node, Compare):
        yield node
    elif isinstance(node, Not):
        yield from compares(node.child)
    elif isinstance(node, Quantified):
        yield from compares(node.condition)
    else:
        for child in node.children:
            yield from compares(child)


def quantifiers(node: Condition | None) -> Iterator[Quantified]:
    """Every quantifier in a condition, outermost first."""
    if isinstance(node, Quantified):
        yield node
    elif isinstance(node, Not):
        yield from quantifiers(node.child)
    elif isinstance(node, (All, AnyOf)):
        for child in node.children:
            yield from quantifiers(child)


def facts_of(node: Condition | None) -> tuple[str, ...]:
    """Fact paths a condition reads, in order of first use; an element's field as ``list.field``
    (``melding.mottakere.tjeneste``)."""
    seen: dict[str, None] = {}

    def walk(n: Condition | None, within: str | None) -> None:
        if n is None:
            return
        if isinstance(n, Compare):
            for path in (n.fact, n.operand.path) if isinstance(n.operand, FactRef) else (n.fact,):
                seen.setdefault(f"{within}.{path}" if within and element_fact(path) else path)
        elif isinstance(n, Not):
            walk(n.child, within)
        elif isinstance(n, Quantified):
            seen.setdefault(n.list_path)
            walk(n.condition, n.list_path)
        else:
            for child in n.children:
                walk(child, within)

    walk(node, None)
    return tuple(seen)


def top_conjuncts(node: Condition | None) -> tuple[Condition, ...]:
    """The parts of a condition that must all hold: nested ``all`` flattened, anything else whole."""
    if isinstance(node, All):
        out: tuple[Condition, ...] = ()
        for child in node.children:
            out += top_conjuncts(child)
        return out
    return (node,) if node is not None else ()


def norm(value: str) -> str:
    """Text as rules compare it: case folded, runs of white space as one space."""
    return " ".join(value.casefold().split())


# --------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class Suggestion:
    kind: str
    message: str
    value: str | None = None
    template: Template = ()


@dataclass(frozen=True)
class Due:
    name: str
    from_fact: str
    unit: DueUnit
    amount: int


@dataclass
class Rule:
    id: str
    title: str
    effect: Effect
    source: dict[str, Any]
    condition: Condition
    message: str
    suggestions: tuple[Suggestion, ...]
    obligation_kind: str | None
    due: tuple[Due, ...]
    facts: tuple[str, ...]
    location: Location | None
    template: Template = ()


@dataclass(frozen=True)
class EventPattern:
    """One event of a conversation rule. Every fact path in ``condition`` is qualified (``alias.path``)."""

    alias: str
    event: str
    condition: Condition | None
    absent: bool = False
    within: str | None = None
    location: Location | None = None
    # "in": a message must be in the pack's scope; "in_or_unknown": also one whose scope the message
    # alone cannot settle (for example whether the patient is admitted), which the rule's other events do
    scope: str = "in"


@dataclass
class ConversationRule:
    id: str
    title: str
    effect: ConversationEffect
    finding: str  # the kind of finding, e.g. svar_forfalt
    source: dict[str, Any]
    patterns: tuple[EventPattern, ...]
    due: tuple[Due, ...]
    message: str
    suggestions: tuple[Suggestion, ...]
    facts: tuple[str, ...]  # qualified fact paths the rule reads (conditions and deadlines)
    location: Location | None

    @property
    def present(self) -> tuple[EventPattern, ...]:
        return tuple(p for p in self.patterns if not p.absent)

    @property
    def absent(self) -> tuple[EventPattern, ...]:
        return tuple(p for p in self.patterns if p.absent)

    def pattern(self, alias: str) -> EventPattern:
        for p in self.patterns:
            if p.alias == alias:
                return p
        raise KeyError(alias)

    def deadline(self, name: str) -> Due:
        for d in self.due:
            if d.name == name:
                return d
        raise KeyError(name)


def split(path: str) -> tuple[str, str]:
    """'foresporsel.melding.sendt' -> ('foresporsel', 'melding.sendt')."""
    alias, _, rest = path.partition(".")
    return alias, rest


# --------------------------------------------------------------------------- the compiled pack

@dataclass
class Vocabulary:
    name: str
    match: str
    terms: tuple[str, ...]  # canonical terms as written
    exact: frozenset[str]  # normalised terms and aliases
    pattern: Any  # the compiled pattern over terms and aliases
    description: str = ""
    local_interpretation: bool = False
    groups: Mapping[str, int] = field(default_factory=dict)  # normalised term or alias -> index of its term


@dataclass
class Parameter:
    name: str
    type: str
    value: Any
    description: str
    local_interpretation: bool
    source: dict[str, Any] | None


@dataclass(eq=False)  # a compiled pack is itself: compared and hashed by identity
class CompiledPack:
    id: str
    title: str
    issuer: str
    document: dict[str, Any]
    valid_from: dt.date
    valid_to: dt.date | None
    scope_description: str
    scope: Condition
    rules: tuple[Rule, ...]
    parameters: dict[str, Parameter]
    vocabularies: dict[str, Vocabulary]
    not_checkable: tuple[dict[str, Any], ...]
    conversation_rules: tuple[dict[str, Any], ...]  # as written, for traces
    folder: Path
    revision: str
    warnings: tuple[PackProblem, ...] = ()
    source: PackSource | None = field(default=None, repr=False)
    sections: tuple[str, ...] = ()  # section headings in document order (optional)
    conversation: tuple[ConversationRule, ...] = ()  # compiled conversation rules
    validity_local: str | None = None  # how the dates were read, when the document does not give them

    @property
    def citation(self) -> str:
        return str(self.document.get("citation") or self.document.get("id") or self.id)

    @property
    def version(self) -> str:
        return str(self.document.get("version") or "")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def validity(self, on: dt.date) -> Validity:
        """'valid', 'expired' or 'not_yet_valid' on a given date (valid_to is the last valid day)."""
        if on < self.valid_from:
            return "not_yet_valid"
        if self.valid_to is not None and on > self.valid_to:
            return "expired"
        return "valid"
