"""The durable_rules backend: rule trees compiled to rulesets, and run.

The compiler's intermediate form (``All``, ``AnyOf``, ``Not``, ``Compare``; for
conversation rules, event patterns with qualified facts and deadlines) becomes
durable_rules ruleset definitions: plain JSON whose values come from the
validated tree as literals. Nothing from a pack is ever executed.

Three-valued logic. A comparison is true, false or undecided (a fact is
missing; "declared" facts count as not declared when absent, see
``compiler.Compare``). Each condition is lowered four ways: T (certainly true),
F (certainly false), P (possibly true: not F) and Q (possibly false: not T).
A single-message rule becomes one durable rule per alternative of T and of F,
so a rule fired, did not fire or stayed undecided exactly as the engine's own
evaluator says (``DurablePackEvaluator``; a property test compares the two).
A conversation rule fires when its present events match certainly (T) and no
event possibly matches (P) an absent one: the monitor raises a finding only
when it is sure.

durable_rules 2.0.28 (unmaintained) has sharp edges; each is handled here:

- a pattern whose only test is ``$nex``, alone or in a branch of ``$or``, hangs
  on the first assert, and ``$or`` mixed with references to other facts or
  used inside a negation gives wrong answers (measured here; upstream issue
  jruizgit/rules#308, still open, reports the same for ``$or``): every condition
  is put in disjunctive normal form by this module, each alternative becomes
  its own durable rule of plain conjunctions that start with a positive test
  (the event kind), and a negated alternative becomes its own ``none``;
- a negation followed by further patterns does not stop a rule once a blocking
  fact arrives later: negations are always the last patterns of a rule;
- an alternative fires the action once per matching branch: records are
  de-duplicated;
- a ruleset of about 530 rule alternatives hangs on the first assert, and a
  rule takes at most 32 patterns: rulesets are split below ``MAX_RULES``;
- an event is consumed by the first rule that matches it: only facts are used,
  and they stay until retracted;
- retracting a fact that blocks a negation fires the rule again even when
  another fact still blocks it (measured here: every retraction of a matching
  fact fires), and a fact cannot be asserted again under its id with other
  values: a fact is changed by asserting its new version under a new id first
  and retracting the old one after, and the firings that retraction causes for
  events the new version blocks (those its assertion resolved) are dropped
  (``ConversationRuleset.replace``);
- a fact that no rule matches raises MessageNotHandledException (and is not
  kept): it is caught and ignored;
- ``$iall`` is false on an empty list and regular expressions are not
  Python's: list tests, text tests and comparisons between a fact and another
  fact of the same event that durable_rules cannot express are evaluated here
  with the engine's own comparison and given to the ruleset as a true/false
  fact (a "predicate field");
- a fact holds at most 255 properties: events are projected to the facts the
  ruleset's rules read, under short field names;
- there is no API that says which rule fired: every durable rule gets its own
  action that records its role and rule;
- the lazily created global host races when threads start at once, and its
  background dispatch thread can run actions after a synchronous assert
  returned None: each monitor creates its own host up front, without the
  dispatch thread, so every action runs inside the assert that triggers it,
  and results are read back from the records, never from return values;
- durable_rules' timers run on wall-clock time: they are not used; time comes
  from the events, and a deadline that falls due is asserted as a fact of its own
  (``$due``) that joins its anchor alone (an equality join, which durable_rules
  indexes);
- the C extension never releases the GIL: one monitor is driven from one
  thread (a lock serialises calls);
- it fails to import on Python 3.13 (``PyEval_CallObject`` was removed):
  ``load_durable`` raises ``MonitorUnavailable`` with the reason. Only the
  monitor modules import durable_rules, so single-message decisions keep
  working there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from ..contract.facts import catalogue
from ..contract.times import OSLO
from ..eval.closures import compare_function, to_function
from ..eval.deadlines import resolve_due
from ..eval.engine import PackResult, pack_decision
from ..lang.conversation import event_catalogue
from ..lang.tree import (
    All,
    AnyOf,
    Compare,
    CompiledPack,
    Condition,
    ConversationRule,
    Due,
    EventPattern,
    FactRef,
    Not,
    Quantified,
    Rule,
    compares,
    element_fact,
    norm,
    split,
)

MAX_RULES = 400  # durable rules (alternatives) per ruleset; about 530 hangs
MAX_PATTERNS = 30  # patterns per durable rule; the C core allows 32
MAX_ALTERNATIVES = 64  # alternatives of one condition before it is evaluated as a predicate
PATTERN_ALTERNATIVES = 16  # the same for an event of a conversation rule (each multiplies the rule)
NATIVE_SET_LIMIT = 8  # values of 'in'/'not_in' compared natively; larger sets become predicates
HOUR = 3600

Atom = str  # one durable_rules test, as canonical JSON
Conj = tuple  # of atoms
DNF = list  # of conjunctions; [] is false, [()] is true


class MonitorUnavailable(RuntimeError):
    """durable_rules cannot be loaded here; the message says why. Single-message decisions are unaffected."""


class TooComplex(ValueError):
    """A condition has more alternatives than durable_rules can take."""


_DURABLE: Any = None


def load_durable() -> Any:
    """The durable_rules engine module, or MonitorUnavailable with the reason."""
    global _DURABLE
    if _DURABLE is None:
        try:
            from durable import engine
        except ImportError as exc:
            version = ".".join(map(str, sys.version_info[:3]))
            reason = " ".join(str(exc).split())  # one line, whatever the loader said
            if exc.path:
                reason = reason.removeprefix(f"{exc.path}: ")  # the extension's long path says nothing here
            raise MonitorUnavailable(
                f"the conversation monitor needs durable_rules 2.0.28, which cannot be loaded on Python {version} "
                f"({reason}): the monitor needs Python 3.11 or 3.12, since Python 3.13 removed PyEval_CallObject, "
                "which its C extension calls. Single-message decisions (dialogvakt evaluate) do not need it."
            ) from None
        _DURABLE = engine
    return _DURABLE


def make_host(definitions: dict) -> Any:
    """A durable_rules host created up front, without the background dispatch and timer threads."""
    engine = load_durable()

    host_class: Any = engine.Host

    class SynchronousHost(host_class):
        def _run(self) -> None:  # no dispatch thread: actions run inside the assert that triggers them
            return None

    return SynchronousHost(definitions)


# --------------------------------------------------------------------------- disjunctive normal form

def _atom(obj: dict) -> Atom:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def d_and(*parts: DNF) -> DNF:
    out: DNF = [()]
    for part in parts:
        out = [_merge(a, b) for a in out for b in part]
        out = [c for c in out if c is not None]
        if len(out) > MAX_ALTERNATIVES * 4:
            raise TooComplex(f"more than {MAX_ALTERNATIVES} alternatives")
    return _dedup(out)


def d_or(*parts: DNF) -> DNF:
    return _dedup([c for part in parts for c in part])


def _merge(a: Conj, b: Conj) -> Conj | None:
    seen = dict.fromkeys(a)
    for atom in b:
        seen.setdefault(atom)
    conj = tuple(seen)
    for atom in conj:  # $ex f and $nex f together can never hold
        obj = json.loads(atom)
        if "$ex" in obj and _atom({"$nex": obj["$ex"]}) in seen:
            return None
    return conj


def _dedup(dnf: DNF) -> DNF:
    return list(dict.fromkeys(dnf))


# --------------------------------------------------------------------------- fields

def to_value(value: Any, rep: str = "v") -> Any:
    """A fact value as durable_rules compares it: times as numbers, text case- and space-insensitive."""

    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().toordinal() if rep == "date" else value.timestamp()
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


@dataclass
class FieldTable:
    """Short field names for the facts a ruleset reads, per event kind, and how to compute them."""

    fields: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (kind, path, rep) -> name
    normalise: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    predicates: dict[str, list[tuple[str, Callable[[Mapping[str, Any]], bool | None]]]] = field(default_factory=dict)
    _count: itertools.count = field(default_factory=itertools.count)
    _by_kind: dict[str, list[tuple[str, str, str, bool]]] | None = None
    _known: int = 0

    def field(self, kind: str, path: str, rep: str, normalise: bool) -> str:
        key = (kind, path, rep)
        if key not in self.fields:
            self.fields[key] = f"f{next(self._count)}"
            self.normalise[key] = normalise
        return self.fields[key]

    def predicate(self, kind: str, test: Callable[[Mapping[str, Any]], bool | None]) -> str:
        name = f"p{next(self._count)}"
        self.predicates.setdefault(kind, []).append((name, test))
        return name

    def project(self, kind: str, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of one event: what the ruleset's rules read of it, under their short names."""
        by_kind = self._by_kind
        if by_kind is None or len(self.fields) != self._known:  # fields are added while rules compile
            by_kind = {}
            for (k, path, rep), name in self.fields.items():
                by_kind.setdefault(k, []).append((path, rep, name, self.normalise[(k, path, rep)]))
            self._by_kind, self._known = by_kind, len(self.fields)
        out: dict[str, Any] = {}
        for path, rep, name, normalise in by_kind.get(kind, ()):
            value = facts.get(path)
            if value is None:
                continue
            if isinstance(value, (dict, list)):  # only ever tested with exists
                out[name] = True
                continue
            if isinstance(value, str):
                out[name] = norm(value) if normalise else value
            elif isinstance(value, (dt.date, dt.datetime)):
                out[name] = to_value(value, rep)
            else:
                out[name] = value
        for name, test in self.predicates.get(kind, ()):
            result = test(facts)
            if result is not None:
                out[name] = bool(result)
        return out


# --------------------------------------------------------------------------- lowering comparisons

NATIVE_OPS = ("equals", "not_equals", "in", "not_in", "lt", "le", "gt", "ge")
_ORDER = {"lt": ("$lt", "$gte"), "le": ("$lte", "$gt"), "gt": ("$gt", "$lte"), "ge": ("$gte", "$lt")}
_FLIP = {"T": "F", "F": "T", "P": "Q", "Q": "P"}


@dataclass
class Scope:
    """Where a condition is lowered: its event kind and name, and the names of earlier events."""

    kind: str
    alias: str | None  # qualified paths start with it (None for single-message rules)
    fields: FieldTable
    refs: dict[str, str] = field(default_factory=dict)  # alias of an earlier event -> its pattern name
    kinds: dict[str, str] = field(default_factory=dict)  # alias -> event kind

    def own(self, path: str) -> str | None:
        if self.alias is None:
            return path
        alias, rest = split(path)
        return rest if alias == self.alias else None


def _unqualified(c: Compare, scope: Scope) -> Compare:
    operand = c.operand
    if isinstance(operand, FactRef) and scope.alias is not None:
        operand = FactRef(split(operand.path)[1], operand.shift)
    return replace(c, fact=scope.own(c.fact) or c.fact, operand=operand)


def _rep(c: Compare, other_type: str | None) -> str:
    if c.fact_type == "datetime" and (other_type == "date" or (
            other_type is None and isinstance(c.operand, dt.date) and not isinstance(c.operand, dt.datetime))):
        return "date"
    return "v"


def lower(c: Compare, scope: Scope) -> dict[str, DNF]:
    """The T, F, P and Q alternatives of one comparison."""
    path = scope.own(c.fact)
    ref_alias = ref_path = None
    if isinstance(c.operand, FactRef):
        if scope.alias is not None:
            ref_alias, ref_path = split(c.operand.path)
            if ref_alias == scope.alias:
                ref_alias = None
        else:
            ref_path = c.operand.path
    native = (c.op == "exists" or (
        c.op in NATIVE_OPS and c.fact_type not in ("list", "object")
        and not (isinstance(c.operand, (set, frozenset)) and len(c.operand) > NATIVE_SET_LIMIT)
        and not (isinstance(c.operand, FactRef) and (c.op in ("in", "not_in") or c.operand.shift is not None))))
    if not native:
        if ref_alias is not None:
            raise TooComplex(f"'{c.op}' between {c.fact} and {c.operand.path} cannot be checked across events")
        test = compare_function(_unqualified(c, scope))
        p = scope.fields.predicate(scope.kind, test)
        yes, no, unknown = [(_atom({p: True}),)], [(_atom({p: False}),)], [(_atom({"$nex": {p: 1}}),)]
        return {"T": yes, "F": no, "P": d_or(yes, unknown), "Q": d_or(no, unknown)}

    other_type = None
    if ref_path is not None:
        other_kind = scope.kinds.get(ref_alias, scope.kind) if ref_alias else scope.kind

        cat = event_catalogue(other_kind) if scope.alias is not None else catalogue()
        info = cat.get(ref_path)
        other_type = info.type if info else None
    rep = _rep(c, other_type)
    if path is None:  # pragma: no cover - a pattern's condition reads only its own event's facts as subjects
        raise TooComplex(f"{c.fact} is not a fact of this event")
    f = scope.fields.field(scope.kind, path, rep, c.normalise or c.fact_type == "string")
    ex, nex = _atom({"$ex": {f: 1}}), _atom({"$nex": {f: 1}})
    if c.op == "exists":
        want = bool(c.operand)
        yes, no = [(ex,)] if want else [(nex,)], [(nex,)] if want else [(ex,)]
        return {"T": yes, "F": no, "P": yes, "Q": no}

    cases: list[tuple[DNF, bool | None]] = []
    absent_value = (c.op in ("not_equals", "not_in")) if c.declared else None
    cases.append(([(nex,)], absent_value))
    present: Conj = (ex,)
    if ref_path is not None:
        rrep = "date" if rep == "date" else "v"
        if ref_alias is None:  # another fact of the same event: it may be missing
            rf = scope.fields.field(scope.kind, ref_path, rrep, c.normalise or other_type == "string")
            operand: Any = {"$m": rf}
            cases.append(([(ex, _atom({"$nex": {rf: 1}}))], None))
            present = (ex, _atom({"$ex": {rf: 1}}))
        else:  # a fact of an earlier event: the compiler made that event require it
            rf = scope.fields.field(scope.kinds[ref_alias], ref_path, rrep, c.normalise or other_type == "string")
            operand = {scope.refs[ref_alias]: rf}
    else:
        operand = c.operand
    cmp, neg = _native(c.op, f, operand, rep)
    cases.append((d_and([present], cmp), True))
    cases.append((d_and([present], neg), False))
    return {
        "T": d_or(*(d for d, v in cases if v is True)),
        "F": d_or(*(d for d, v in cases if v is False)),
        "P": d_or(*(d for d, v in cases if v is not False)),
        "Q": d_or(*(d for d, v in cases if v is not True)),
    }


def _literal(value: Any, rep: str) -> Any:
    if isinstance(value, dict):  # a reference to another fact
        return value
    return to_value(value, rep)


def _native(op: str, f: str, operand: Any, rep: str) -> tuple[DNF, DNF]:
    if op in ("in", "not_in"):
        values = sorted((_literal(v, rep) for v in operand), key=repr)
        any_eq: DNF = [(_atom({f: v}),) for v in values]
        none_eq: DNF = [tuple(_atom({"$neq": {f: v}}) for v in values)]
        return (any_eq, none_eq) if op == "in" else (none_eq, any_eq)
    o = _literal(operand, rep)
    eq, ne = [(_atom({f: o}),)], [(_atom({"$neq": {f: o}}),)]
    if op == "equals":
        return eq, ne
    if op == "not_equals":
        return ne, eq
    yes, no = _ORDER[op]
    return [(_atom({yes: {f: o}}),)], [(_atom({no: {f: o}}),)]


def truth(node: Condition | None, mode: str, scope: Scope) -> DNF:
    """The alternatives under which a condition is T, F, P or Q."""
    if node is None:
        return [()] if mode in ("T", "P") else []
    if isinstance(node, Compare):
        return lower(node, scope)[mode]
    if isinstance(node, Not):
        return truth(node.child, _FLIP[mode], scope)
    if isinstance(node, Quantified):  # each/some: evaluated as one predicate by condition_alternatives
        raise TooComplex("a quantifier over a list is evaluated as a predicate")
    parts = [truth(child, mode, scope) for child in node.children]
    conjunctive = isinstance(node, All) == (mode in ("T", "P"))
    return d_and(*parts) if conjunctive else d_or(*parts)


def condition_alternatives(node: Condition | None, mode: str, scope: Scope, limit: int = MAX_ALTERNATIVES) -> DNF:
    """Like ``truth``, but a condition with more than ``limit`` alternatives is evaluated as one predicate."""
    try:
        dnf = truth(node, mode, scope)
        if len(dnf) <= limit:
            return dnf
    except TooComplex:
        pass
    if any(isinstance(c.operand, FactRef) and scope.alias and split(c.operand.path)[0] != scope.alias
           for c in compares(node)):
        raise TooComplex("a condition that compares with another event has too many alternatives for durable_rules")
    if node is None:  # pragma: no cover - truth() answers every condition without alternatives
        raise TooComplex("no condition")
    test = to_function(_unqualify_tree(node, scope))
    wanted = ((True, None) if mode == "P" else (False, None)) if mode in ("P", "Q") else (mode == "T",)
    p = scope.fields.predicate(scope.kind, test)
    out: DNF = []
    if True in wanted:
        out.append((_atom({p: True}),))
    if False in wanted:
        out.append((_atom({p: False}),))
    if None in wanted:
        out.append((_atom({"$nex": {p: 1}}),))
    return out




def _unqualify_tree(node: Condition, scope: Scope) -> Condition:
    if isinstance(node, Compare):
        return node if element_fact(node.fact) else _unqualified(node, scope)
    if isinstance(node, Not):
        return Not(_unqualify_tree(node.child, scope))
    if isinstance(node, Quantified):
        return replace(node, list_path=scope.own(node.list_path) or node.list_path,
                       condition=_unqualify_tree(node.condition, scope))
    if isinstance(node, All):
        return All(tuple(_unqualify_tree(c, scope) for c in node.children))
    return AnyOf(tuple(_unqualify_tree(c, scope) for c in node.children))


def pattern(kind_atom: Atom, conj: Conj) -> dict:
    """A durable_rules pattern from one conjunction: the kind first, then references, then the rest."""
    refs = [a for a in conj if _has_ref(json.loads(a))]
    rest = [a for a in conj if a not in refs]
    return {"$and": [json.loads(a) for a in (kind_atom, *refs, *rest)]}


def _has_ref(obj: Any) -> bool:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, dict) and len(value) == 1 and not next(iter(value)).startswith("$") \
                    and isinstance(next(iter(value.values())), str) and not key.startswith("$"):
                return True
            if _has_ref(value):
                return True
    return False


# --------------------------------------------------------------------------- running a ruleset

class Ruleset:
    """One durable_rules ruleset on its own host, with the records its actions leave."""

    def __init__(self, name: str, definitions: dict):
        self.name = name
        self.records: list[tuple] = []
        self.host = make_host({name: definitions})
        self._engine = load_durable()
        self._rules = self.host.get_ruleset(name)
        import durable_rules_engine

        self._core: Any = durable_rules_engine
        self.size = len(definitions)

    def _call(self, function: Callable[[Any, str], Any], fact: dict | list[dict]) -> None:
        """What ``Host.assert_fact`` and ``retract_fact`` do, with the fact written by orjson: the C core's
        call, its result checked, then the actions it started (they run here, before this returns)."""
        rules = self._rules
        failed: list[BaseException] = []

        def done(error: BaseException | None, state: Any) -> None:
            if error:
                failed.append(error)

        rules.do_actions(rules._handle_result(function(rules._handle, orjson.dumps(fact).decode()), fact), done)
        if failed:
            raise failed[0]

    def assert_fact(self, sid: str, fact: dict) -> None:
        fact = dict(fact, sid=sid)
        with contextlib.suppress(self._engine.MessageNotHandledException):  # no rule can use it: nothing is kept
            self._call(self._core.assert_fact, fact)

    def retract(self, sid: str, fact_id: str) -> None:
        with contextlib.suppress(self._engine.MessageNotHandledException):
            self._call(self._core.retract_fact, {"sid": sid, "id": fact_id})

    def assert_facts(self, sid: str, facts: list[dict]) -> None:
        """Several facts of one session in one call to the core (their actions run after all are in)."""
        if facts:
            with contextlib.suppress(self._engine.MessageNotHandledException):
                self._call(self._core.assert_facts, [dict(fact, sid=sid) for fact in facts])

    def retract_facts(self, sid: str, fact_ids: list[str]) -> None:
        if fact_ids:
            with contextlib.suppress(self._engine.MessageNotHandledException):
                self._call(self._core.retract_facts, [{"sid": sid, "id": fact_id} for fact_id in fact_ids])

    def drain(self) -> list[tuple]:
        out = list(dict.fromkeys(self.records))  # one record per match, however many branches fired
        self.records.clear()
        return out

    def facts(self, sid: str) -> list[dict]:
        return self.host.get_facts(self.name, sid)

    def close(self) -> None:
        try:
            import durable_rules_engine

            durable_rules_engine.delete_ruleset(self.host.get_ruleset(self.name)._handle)
        except Exception:  # pragma: no cover - best effort when the process ends anyway
            pass


# --------------------------------------------------------------------------- single-message rules

@dataclass
class _Outcome:
    fired: list[Rule]
    undecided: list[Rule]


class DurablePackEvaluator:
    """A pack's single-message rules on durable_rules: the same fired/undecided rules as ``evaluate_pack``."""

    KIND = _atom({"k": "melding"})

    def __init__(self, pack: CompiledPack):
        self.pack = pack
        self.fields = FieldTable()
        scope = Scope("melding", None, self.fields)
        alternatives: list[tuple[int, bool, Conj]] = []
        for i, rule in enumerate(pack.rules):
            alternatives += [(i, True, conj) for conj in condition_alternatives(rule.condition, "T", scope)]
            alternatives += [(i, False, conj) for conj in condition_alternatives(rule.condition, "F", scope)]
        self.rulesets: list[Ruleset] = []
        for chunk_no, start in enumerate(range(0, max(len(alternatives), 1), MAX_RULES)):
            definitions = {}
            records: list[tuple] = []
            for n, (i, outcome, conj) in enumerate(alternatives[start:start + MAX_RULES]):
                definitions[f"r{n}"] = {"all": [{"m": pattern(self.KIND, conj)}],
                                        "run": _record(records, (i, outcome))}
            if not definitions:
                continue
            rs = Ruleset(f"single_{_safe(pack.id)}_{chunk_no}", definitions)
            rs.records = records
            self.rulesets.append(rs)
        self._n = itertools.count()

    def outcomes(self, facts: Mapping[str, Any]) -> dict[str, bool | None]:
        fact = {"k": "melding", **self.fields.project("melding", facts)}
        fact_id = f"m{next(self._n)}"
        fact["id"] = fact_id
        seen: dict[int, set[bool]] = {}
        for rs in self.rulesets:
            rs.assert_fact("0", fact)
            for i, outcome in rs.drain():
                seen.setdefault(i, set()).add(outcome)
            rs.retract("0", fact_id)
        out: dict[str, bool | None] = {}
        for i, rule in enumerate(self.pack.rules):
            got = seen.get(i, set())
            if got == {True, False}:  # pragma: no cover - would mean the lowering is wrong
                raise AssertionError(f"rule {rule.id} is both true and false on durable_rules")
            out[rule.id] = True if got == {True} else False if got == {False} else None
        return out

    def evaluate(self, facts: Mapping[str, Any]) -> PackResult:
        """A PackResult like ``evaluator.evaluate_pack``; the decision follows the same three steps."""

        outcome = self.outcomes(facts)
        fired = [r for r in self.pack.rules if outcome[r.id] is True]
        undecided = [r for r in self.pack.rules if outcome[r.id] is None]
        validity = self.pack.validity(facts["tidspunkt"].date())
        return PackResult(self.pack, pack_decision(fired, undecided), validity, fired, undecided)

    def close(self) -> None:
        for rs in self.rulesets:
            rs.close()


def _record(records: list, value: tuple) -> Callable[[Any], None]:
    def run(c: Any) -> None:
        records.append(value)
    return run


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


# --------------------------------------------------------------------------- conversation rules

@dataclass
class DueSlot:
    """A deadline that anchors carry as a field: the instant it falls due (``overdue_instant``)."""

    index: int
    rule: ConversationRule
    due: Due
    alias: str
    kind: str
    from_path: str  # unqualified

    @property
    def instant_field(self) -> str:
        return f"_d{self.index}"

    def __post_init__(self) -> None:
        # read from the anchor's own fields
        self._due = Due(self.due.name, self.from_path, self.due.unit, self.due.amount)

    def resolve(self, facts: Mapping[str, Any]) -> dt.date | dt.datetime | None:
        return resolve_due(self._due, facts)


def overdue_instant(due: dt.date | dt.datetime, unit: str) -> float:
    """The moment the awaited event is overdue and may be reported missing.

    A deadline in days or working days allows the whole of its last day: «innen 3–5 arbeidsdager»
    from Friday 18 December 2026 is met by an answer on Monday 28 December, and the answer is
    overdue from 00:00 in Oslo on the day after (Tuesday 29 December). A deadline in hours is
    elapsed time and is overdue just after its moment.
    """
    if unit == "hours":
        return due.timestamp() + 1e-6  # type: ignore[union-attr]
    day = due.date() if isinstance(due, dt.datetime) else due
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), OSLO).timestamp()


@dataclass
class ConversationEntry:
    """A conversation rule placed in a ruleset."""

    index: int
    pack: CompiledPack
    rule: ConversationRule
    present: tuple[str, ...]  # aliases of the present events, in order
    slot: DueSlot | None  # the deadline of the absent events, if any


class ConversationRuleset(Ruleset):
    """The conversation rules of one or more packs as one durable_rules ruleset.

    Facts: events (k = melding | kvittering | innleggelse, q = their place in the log) and
    deadlines that have fallen due ($due: x = the slot, q and i = the anchor's place and
    overdue instant, so that a new version of the anchor with another deadline does not
    match). The monitor asserts a $due fact when the clock passes the instant (it keeps
    the deadlines in a heap by instant) and retracts it when the clock leaves the hour
    the deadline fell due in: each deadline touches its own anchor only, whatever else
    a session holds. (A clock fact that every anchor joined made moving the clock cost
    work for every overdue anchor of the session, and retracting it, with the rules'
    negations, grew with the square of their number.) A rule may fire again for the
    same events (an admission asserted again with its discharge); the monitor keeps one
    finding per rule and events, so no marker facts are needed, and they would cost
    about 8 KB of durable_rules memory per finding.
    """

    def __init__(self, name: str, entries: list[tuple[CompiledPack, ConversationRule]]):
        self.fields = FieldTable()
        self.entries: list[ConversationEntry] = []
        self.slots: list[DueSlot] = []
        self.kinds: set[str] = set()
        self.packs: dict[str, CompiledPack] = {}
        records: list[tuple] = []
        definitions: dict[str, dict] = {}
        for index, (pack, rule) in enumerate(entries):
            self.packs[pack.id] = pack
            defs = self._compile(index, pack, rule, records)
            for n, d in enumerate(defs):
                definitions[f"c{index}_{n}"] = d
        if len(definitions) > MAX_RULES:
            raise TooComplex(f"{len(definitions)} alternatives in one ruleset (limit {MAX_RULES})")
        super().__init__(name, definitions)
        self.records = records
        self._slots_by_kind: dict[str, list[DueSlot]] = {}
        for slot in self.slots:
            self._slots_by_kind.setdefault(slot.kind, []).append(slot)

    # ---- compilation

    def _compile(self, index: int, pack: CompiledPack, rule: ConversationRule, records: list) -> list[dict]:
        kinds = {p.alias: p.event for p in rule.patterns}
        names: dict[str, str] = {}
        present = [p for p in rule.patterns if not p.absent]
        absent = [p for p in rule.patterns if p.absent]
        self.kinds.update(kinds.values())
        slot = None
        within = next((p.within for p in absent if p.within), None)
        if within is not None:
            due = rule.deadline(within)
            alias, rest = split(due.from_fact)
            slot = DueSlot(len(self.slots), rule, due, alias, kinds[alias], rest)
            self.slots.append(slot)
        entry = ConversationEntry(index, pack, rule, tuple(p.alias for p in present), slot)
        self.entries.append(entry)

        # present events: T alternatives (and in scope, for messages)
        present_alts: list[list[dict]] = []
        for n, p in enumerate(present):
            names[p.alias] = f"p{n}"
            scope = Scope(p.event, p.alias, self.fields, dict(names), kinds)
            alts = condition_alternatives(p.condition, "T", scope, PATTERN_ALTERNATIVES)
            extra = (_atom({"s": True}),) if p.event == "melding" and p.scope == "in" else ()
            present_alts.append([{names[p.alias]: pattern(_atom({"k": p.event}), extra + conj)} for conj in alts])
        # absent events: every P alternative becomes its own negation
        negations: list[tuple[EventPattern, Conj]] = []
        for p in absent:
            scope = Scope(p.event, p.alias, self.fields, dict(names), kinds)
            negations += [(p, conj) for conj in condition_alternatives(p.condition, "P", scope)]
        aliases = tuple(names[a] for a in entry.present)

        out = []
        for combo in itertools.product(*present_alts):
            patterns = list(combo)
            if slot is not None:
                anchor = names[slot.alias]
                patterns.append({"d": {"$and": [{"k": "$due"}, {"x": slot.index}, {"q": {anchor: "q"}},
                                                {"i": {anchor: slot.instant_field}}]}})
            nots = [{f"n{k}$not": pattern(_atom({"k": p.event}), conj)} for k, (p, conj) in enumerate(negations)]
            rule_patterns = patterns + nots
            if len(rule_patterns) > MAX_PATTERNS:
                raise TooComplex(f"rule {rule.id}: {len(rule_patterns)} patterns (limit {MAX_PATTERNS})")
            out.append({"all": rule_patterns, "run": _conversation_action(records, "fire", index, aliases)})
            # an absent event that comes after all: the monitor resolves the finding if it made one
            for p, conj in negations:
                resolving = [*list(combo), {"b": pattern(_atom({"k": p.event}), conj)}]
                out.append({"all": resolving, "run": _conversation_action(records, "resolve", index, aliases, "b")})
        return out

    # ---- facts

    def replace(self, sid: str, fact: dict, old_id: str) -> None:
        """Put a new version of an event's fact (same ``q``, new ``id``) in place of the fact ``old_id``.

        The new version is asserted first, so no moment passes without the event. Retracting the old one
        then fires every rule whose absent event it matched, even where the new version still matches it:
        those firings, for the events the new version's assertion resolved, are dropped.
        """
        start = len(self.records)
        self.assert_fact(sid, fact)
        still = {(index, seqs) for role, index, seqs, by in self.records[start:]
                 if role == "resolve" and by == fact["q"]}
        start = len(self.records)
        self.retract(sid, old_id)
        self.records[start:] = [r for r in self.records[start:] if r[0] != "fire" or (r[1], r[2]) not in still]

    def project(self, kind: str, facts: Mapping[str, Any], seq: int,
                scope: bool | None) -> tuple[dict, list[tuple[int, float]]]:
        """The fact for an event, and its deadlines: (slot, the instant it is overdue)."""
        fact = {"k": kind, "q": seq, "id": f"e{seq}", **self.fields.project(kind, facts)}
        if kind == "melding" and scope is not None:
            fact["s"] = scope
        dues = []
        for slot in self._slots_by_kind.get(kind, ()):
            due = slot.resolve(facts)
            if due is None:
                continue
            instant = overdue_instant(due, slot.due.unit)
            fact[slot.instant_field] = instant
            dues.append((slot.index, instant))
        return fact, dues

    def assert_dues(self, sid: str, dues: list[tuple[int, int, str, float]]) -> list[str]:
        """Say that deadlines have fallen due, each (slot, event seq, id of the anchor's fact, instant), in one
        call; returns the ids of the $due facts, to retract when the clock leaves the hour."""
        ids = [f"d{slot}_{fact_id}" for slot, _, fact_id, _ in dues]
        facts = [{"k": "$due", "id": due_id, "x": slot, "q": seq, "i": instant}
                 for due_id, (slot, seq, _, instant) in zip(ids, dues, strict=True)]
        if len(facts) == 1:
            self.assert_fact(sid, facts[0])
        else:
            self.assert_facts(sid, facts)
        return ids


def _conversation_action(records: list, role: str, index: int, aliases: tuple[str, ...],
                         resolver: str | None = None) -> Callable[[Any], None]:
    def run(c: Any) -> None:
        seqs = tuple(int(getattr(c, a).q) for a in aliases)
        by = int(getattr(c, resolver).q) if resolver else None
        records.append((role, index, seqs, by))
    return run


def build_conversation_rulesets(packs: Iterable[CompiledPack], prefix: str) -> list[ConversationRuleset]:
    """One ruleset per pack with conversation rules (split when durable_rules could not take it whole)."""
    out = []
    for pack in packs:
        if not pack.conversation:
            continue
        entries = [(pack, r) for r in pack.conversation]
        try:
            out.append(ConversationRuleset(f"{prefix}_{_safe(pack.id)}", entries))
        except TooComplex:
            for n, entry in enumerate(entries):  # one ruleset per rule; each event is kept once per ruleset
                out.append(ConversationRuleset(f"{prefix}_{_safe(pack.id)}_{n}", [entry]))
    return out
