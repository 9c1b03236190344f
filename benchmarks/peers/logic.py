"""The logic the peers are compared on, derived from the compiled pack (never copied by hand).

**Which rules.** A rule is taken when every comparison in its condition, inside ``each``/``some``
too, tests one fact's *value* against a constant: ``equals``, ``not_equals``, ``in``, ``not_in``,
``lt``/``le``/``gt``/``ge`` or ``exists``. A rule that searches text (``contains``,
``contains_any``, ``matches``, ``starts_with``, ``mixes``: a pattern or a vocabulary over free
text or a name) or compares one fact with another is left out. For D81023 that gives 20 of its
25 rules (15 of its 16 deny rules); the five left out are 4.1 (the first line of the text against
the recipient's names), 4.4, 5.1-hast-i-tekst and 5.2-bekreftelse-i-tekst (word lists and regular
expressions over the text) and 8-lab-rontgen (prefixes of the service's name).

The facts those 20 rules read are plain values: given in the message (``melding.type``,
``kontekst.pasientstatus``, ``melding.formal``, the recipients' ``kategori`` and ``tjeneste``) or
derived by Dialogvakt before any rule runs (``melding.pasient.id_type``,
``kontekst.dager_siden_utskrivning``, ``melding.har_vedlegg``, ``parter.sykehus.tjeneste``, ...).
Some are *declared* in the fact catalogue (``FactInfo.declared``: fields that describe the message
itself, such as ``formal``, ``hastegrad``, ``referanse``): absent, they are "not declared" and
only a negative comparison holds. The others are unknown when absent, and a rule that needs one is
undecided. The catalogue's flag alone does not pick the rules (11 of the 25 read only declared
facts); it says how a missing fact counts, and every peer keeps that distinction.

**The validity window.** The pack's ``valid_from`` and ``valid_to`` against the evaluation date
(``tidspunkt_dato``): ``valid``, ``expired`` or ``not_yet_valid``, as the decision's pack outcome.

**Not the scope.** Which messages the pack is for (Helse Bergen and a municipality) is not part of
the compared logic: every message is decided on the 20 rules. The Dialogvakt side is therefore the
same pack with only those rules and a scope that holds for every message (``reference_pack``).

**What a peer receives.** ``Logic.prepare`` turns Dialogvakt's flat facts (``Engine.facts``)
into a flat dict with one key per input the logic reads (``melding.type`` -> ``melding_type``):
dates as day numbers (``date.toordinal``), an object whose presence alone is tested as ``true``,
a text compared case- and space-insensitively already normalised as Dialogvakt normalises it
(``engine.lang.tree.norm``; none of the peers has Unicode case folding), a list of recipients as a
list of dicts with the fields read. An absent fact is an absent key. This is done once per message,
outside the timed loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.lang.compiler import compile_pack
from engine.lang.tree import (
    All,
    AnyOf,
    Compare,
    CompiledPack,
    Condition,
    FactRef,
    Not,
    Quantified,
    Rule,
    compares,
    element_fact,
    norm,
)

ROOT = Path(__file__).resolve().parents[2]
PACK_ID = "helse-bergen-d81023"
PACK_FOLDER = ROOT / "policies" / PACK_ID
CORPUS = ROOT / "corpus" / "meldinger.jsonl"

VALUE_OPERATORS = frozenset({"equals", "not_equals", "in", "not_in", "lt", "le", "gt", "ge", "exists"})
ORDER_OPERATORS = frozenset({"lt", "le", "gt", "ge"})
TODAY = "tidspunkt_dato"  # the input the validity window reads


@dataclass(frozen=True)
class Answer:
    """What every side answers for one message: the pack's decision, its validity, the rules that fired."""

    decision: str
    validity: str
    fired: tuple[str, ...]  # every fired rule (deny, advice, obligation), in the pack's order


# --------------------------------------------------------------------------- selection

def left_out(rule: Rule) -> str | None:
    """Why a rule is not in the compared logic, or None when it is."""
    for c in compares(rule.condition):
        if c.op not in VALUE_OPERATORS:
            return f"searches text ({c.op} on {c.fact})"
        if isinstance(c.operand, FactRef):
            return f"compares {c.fact} with another fact ({c.operand.path})"
    for q in _quantifiers_in(rule.condition):
        if any(_quantifiers_in(q.condition)):
            return "nested each/some"
        if any(not element_fact(c.fact) for c in compares(q.condition)):
            return "a fact of the message inside each/some"
    return None


def _quantifiers_in(node: Condition) -> list[Quantified]:
    if isinstance(node, Quantified):
        return [node]
    if isinstance(node, Not):
        return _quantifiers_in(node.child)
    if isinstance(node, (All, AnyOf)):
        return [q for c in node.children for q in _quantifiers_in(c)]
    return []


def select(pack: CompiledPack) -> tuple[Rule, ...]:
    return tuple(r for r in pack.rules if left_out(r) is None)


# --------------------------------------------------------------------------- the peers' view of a condition

@dataclass(frozen=True)
class Comparison:
    """One comparison as a peer sees it: an input, an operator, an encoded constant.

    ``absent`` is the comparison's result when the input is absent: True or False for a declared
    fact (and for ``exists``), None (unknown) for any other.
    """

    key: str  # the input's key (an element's field inside each/some)
    op: str
    value: Any
    absent: bool | None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Neg:
    child: Node


@dataclass(frozen=True)
class Quant:
    """``each``/``some`` element of a list input; ``declared``: an absent list is empty (else unknown)."""

    kind: Literal["each", "some"]
    key: str
    condition: Node
    declared: bool


Node = Comparison | And | Or | Neg | Quant


def may_be_unknown(node: Node) -> bool:
    """Whether a condition can come out unknown: it reads a fact that is not declared (or a list that is not)."""
    if isinstance(node, Comparison):
        return node.absent is None
    if isinstance(node, (And, Or)):
        return any(may_be_unknown(c) for c in node.children)
    if isinstance(node, Neg):
        return may_be_unknown(node.child)
    return not node.declared or may_be_unknown(node.condition)


def key_of(path: str, normalise: bool) -> str:
    """The peers' name for an input: dots become underscores; a normalised text gets ``_norm``."""
    return path.replace(".", "_") + ("_norm" if normalise else "")


def encode(value: Any) -> Any:
    """A fact's value or a constant as the peers get it (JSON-shaped, comparable the same way)."""
    if isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, frozenset | set | tuple | list):
        return sorted(encode(v) for v in value)
    if isinstance(value, dict):
        return True  # an object: only whether it is there is ever compared
    raise TypeError(f"no encoding for {type(value).__name__}")


def _normalised(c: Compare) -> bool:
    """Whether the peers get the fact normalised for this comparison (presence needs no normalising)."""
    return c.normalise and c.op != "exists"


def _test(c: Compare) -> Comparison:
    if c.op == "exists":
        return Comparison(key_of(c.fact, False), "exists", bool(c.operand), not c.operand)
    if c.op in ORDER_OPERATORS and c.fact_type not in ("number", "date"):
        raise NotImplementedError(f"order on a {c.fact_type} ({c.fact})")  # times need Dialogvakt's own test
    absent = (c.op in ("not_equals", "not_in")) if c.declared else None
    return Comparison(key_of(c.fact, _normalised(c)), c.op, encode(c.operand), absent)


def lower(node: Condition) -> Node:
    """The peers' view of a compiled condition (same structure, inputs named, constants encoded)."""
    if isinstance(node, All):
        return And(tuple(lower(c) for c in node.children))
    if isinstance(node, AnyOf):
        return Or(tuple(lower(c) for c in node.children))
    if isinstance(node, Not):
        return Neg(lower(node.child))
    if isinstance(node, Quantified):
        return Quant(node.kind, key_of(node.list_path, False), lower(node.condition), node.declared)
    return _test(node)


# --------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Input:
    """One key of a peer's input: which fact it comes from, normalised or not; for a list, its elements' fields."""

    key: str
    path: str
    normalise: bool = False
    fields: tuple[tuple[str, str, bool], ...] = ()  # (key, field, normalise) of each element field read


def _inputs(rules: Iterable[Rule]) -> tuple[Input, ...]:
    out: dict[str, Input] = {TODAY: Input(TODAY, TODAY)}

    def walk(node: Condition) -> None:
        if isinstance(node, (All, AnyOf)):
            for c in node.children:
                walk(c)
        elif isinstance(node, Not):
            walk(node.child)
        elif isinstance(node, Quantified):
            fields = {(key_of(c.fact, _normalised(c)), c.fact, _normalised(c)) for c in compares(node.condition)}
            key = key_of(node.list_path, False)
            old = out.get(key)
            merged = set(old.fields if old else ()) | fields
            out[key] = Input(key, node.list_path, False, tuple(sorted(merged)))
        else:
            key = key_of(node.fact, _normalised(node))
            if out.setdefault(key, Input(key, node.fact, _normalised(node))).path != node.fact:
                raise ValueError(f"two facts would share the input name {key}")

    for rule in rules:
        walk(rule.condition)
    return tuple(out.values())


def _value(value: Any, normalise: bool) -> Any:
    if normalise and isinstance(value, str):
        return norm(value)
    return encode(value)


def _element(item: Any, fields: tuple[tuple[str, str, bool], ...]) -> dict[str, Any]:
    item = item if isinstance(item, dict) else {}
    return {key: _value(item[name], normalise) for key, name, normalise in fields if item.get(name) is not None}


# --------------------------------------------------------------------------- the logic

@dataclass(frozen=True)
class Logic:
    pack: CompiledPack  # the pack as bundled
    rules: tuple[Rule, ...]  # the compared rules, in the pack's order
    conditions: tuple[Node, ...]  # each rule's condition as the peers see it
    inputs: tuple[Input, ...]

    @property
    def valid_from(self) -> int:
        return int(encode(self.pack.valid_from))

    @property
    def valid_to(self) -> int | None:
        return None if self.pack.valid_to is None else int(encode(self.pack.valid_to))

    @property
    def excluded(self) -> tuple[tuple[str, str], ...]:
        """(rule id, why) of every rule of the pack that is not compared."""
        return tuple((r.id, why) for r in self.pack.rules if (why := left_out(r)) is not None)

    def prepare(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """A peer's input for one message, from Dialogvakt's flat facts (``Engine.facts(request).values``)."""
        out: dict[str, Any] = {}
        for spec in self.inputs:
            value = facts.get(spec.path)
            if value is None:
                continue
            if spec.fields:
                items = value if isinstance(value, list) else [value]
                out[spec.key] = [_element(item, spec.fields) for item in items]
            else:
                out[spec.key] = _value(value, spec.normalise)
        return out

    def from_decision(self, decision: Any) -> Answer:
        """Dialogvakt's answer read from its full decision (``Engine.evaluate``): the pack's decision and
        validity, and the rules behind its reasons, advice and obligations, in the pack's order."""
        outcome = next(p for p in decision.packs if p.id == self.pack.id)
        found = {f.rule for f in (*decision.reasons, *decision.advice, *decision.obligations)}
        return Answer(outcome.decision, outcome.validity, tuple(r.id for r in self.rules if r.id in found))

    def from_result(self, result: Any) -> Answer:
        """Dialogvakt's answer from one pack's result (``engine.eval.engine.evaluate_pack``)."""
        return Answer(result.decision, result.validity, tuple(r.id for r in result.fired))

    def shown(self, answer: Answer) -> Answer:
        """An answer as the decision document shows it: a message that must not be sent carries no
        obligation (no answer deadline), so the obligation rules drop out of a deny."""
        if answer.decision != "deny":
            return answer
        obligations = {r.id for r in self.rules if r.effect == "obligation"}
        return dataclasses.replace(answer, fired=tuple(r for r in answer.fired if r not in obligations))

    def reference_pack(self) -> CompiledPack:
        """The pack Dialogvakt is measured with: the compared rules only, and a scope that always holds."""
        return dataclasses.replace(self.pack, rules=self.rules, scope=All(()))


def load(folder: Path = PACK_FOLDER) -> Logic:
    pack = compile_pack(folder)
    rules = select(pack)
    return Logic(pack, rules, tuple(lower(r.condition) for r in rules), _inputs(rules))
