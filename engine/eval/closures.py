"""The meaning of a condition: three-valued closures over a flat fact mapping.

``to_function`` turns a condition of the rule tree into a closure that answers
True, False, or None when a fact it needs is missing and the result depends on
it. These closures are the reference semantics of the pack language: the
generated fast path (``codegen``), the conversation monitor's durable_rules
rulesets and lint's search all agree with them, and tests check that they do.
``evaluate_traced`` gives the same answer with a trace of every comparison;
``undecided_facts`` names the facts whose absence leaves a condition open.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..contract.times import shift
from ..lang.tree import All, AnyOf, Compare, Condition, FactRef, Not, Quantified, element_fact, norm

Facts = Mapping[str, Any]
Test = Callable[[Facts], "bool | None"]
TwoValued = Callable[[Any, Any], bool]
ORDER_FUNCTIONS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def as_comparable(value: Any, fact_type: str, other: Any) -> Any:
    # a date literal compared with a time: midnight in Oslo
    if isinstance(value, dt.datetime) and isinstance(other, dt.date) and not isinstance(other, dt.datetime):
        return value.date()
    return value


def to_function(node: Condition) -> Callable[[Mapping[str, Any]], bool | None]:
    """A closure that evaluates a condition over a flat fact mapping in three-valued logic.

    Returns True, False, or None when a fact it needs is missing and the result depends on it.
    """
    if isinstance(node, All):
        fns = tuple(to_function(c) for c in node.children)

        def all_(f: Facts) -> bool | None:
            unknown = False
            for fn in fns:
                r = fn(f)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True
        return all_
    if isinstance(node, AnyOf):
        fns = tuple(to_function(c) for c in node.children)

        def any_(f: Facts) -> bool | None:
            unknown = False
            for fn in fns:
                r = fn(f)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False
        return any_
    if isinstance(node, Not):
        inner = to_function(node.child)

        def not_(f: Facts) -> bool | None:
            r = inner(f)
            return None if r is None else not r
        return not_
    if isinstance(node, Quantified):
        return _quantified_function(node)
    return compare_function(node)


class ElementFacts(Mapping[str, Any]):
    """The facts inside a quantifier for one element: a name without a dot is the element's field, a
    dotted path the message's fact."""

    __slots__ = ("element", "outer")

    def __init__(self, element: Any, outer: Facts):
        self.element: dict[str, Any] = element if isinstance(element, dict) else {}
        self.outer = outer

    def get(self, path: str, default: Any = None) -> Any:  # what a closure asks, so no KeyError on the way
        if element_fact(path):
            return self.element.get(path, default)
        return self.outer.get(path, default)

    def __getitem__(self, path: str) -> Any:
        if element_fact(path):
            return self.element[path]
        return self.outer[path]

    def __iter__(self) -> Iterator[str]:
        yield from self.element
        yield from (p for p in self.outer if not element_fact(p))

    def __len__(self) -> int:
        return len(self.element) + sum(1 for p in self.outer if not element_fact(p))


def quantify(kind: str, results: Iterable[bool | None]) -> bool | None:
    """Three-valued ``each`` (all elements) or ``some`` (at least one element) over the elements' results."""
    decisive = kind == "some"  # True decides "some", False decides "each"
    unknown = False
    for r in results:
        if r is decisive:
            return decisive
        if r is None:
            unknown = True
    return None if unknown else not decisive


def _elements(node: Quantified, f: Facts) -> list[Any] | None:
    """The list a quantifier goes through; an absent declared list is empty, an absent other list unknown."""
    items = f.get(node.list_path)
    if items is None:
        return [] if node.declared else None
    return items if isinstance(items, list) else [items]


def _quantified_function(node: Quantified) -> Test:
    inner = to_function(node.condition)
    kind = node.kind

    def quantified(f: Facts) -> bool | None:
        items = _elements(node, f)
        if items is None:
            return None
        return quantify(kind, (inner(ElementFacts(item, f)) for item in items))
    return quantified


NodeTests = Mapping[int, Test]  # id(node) -> its closure, for every node of a pack's conditions


def node_tests(conditions: Iterable[Condition]) -> dict[int, Test]:
    """The closure of every node of these conditions, made once (a ``Program`` keeps them with its pack)."""
    out: dict[int, Test] = {}

    def walk(n: Condition) -> None:
        out[id(n)] = to_function(n)
        if isinstance(n, Not):
            walk(n.child)
        elif isinstance(n, Quantified):
            walk(n.condition)
        elif isinstance(n, (All, AnyOf)):
            for child in n.children:
                walk(child)

    for cond in conditions:
        walk(cond)
    return out


def _test(node: Condition, tests: NodeTests | None) -> Test:
    found = tests.get(id(node)) if tests is not None else None
    return found if found is not None else to_function(node)


def compare_function(c: Compare) -> Callable[[Mapping[str, Any]], bool | None]:
    path, op, operand, normalise = c.fact, c.op, c.operand, c.normalise
    get = dict.get

    if op == "exists":
        want = operand

        def exists(f: Facts) -> bool | None:
            return (f.get(path) is not None) is want
        return exists

    if isinstance(operand, FactRef):
        other_path, offset = operand.path, operand.shift
        base = literal_test(op, normalise, c.fact_type)

        absent = (op in ("not_equals", "not_in")) if c.declared else None

        def with_fact(f: Facts) -> bool | None:
            v = f.get(path)
            o = f.get(other_path)
            if v is None:
                return absent
            if o is None:
                return None
            if offset is not None:
                o = shift(o, *offset)
            if normalise and isinstance(o, str):
                o = norm(o)
            return base(v, as_comparable(o, c.fact_type, v))
        return with_fact

    test = literal_test(op, normalise, c.fact_type)
    absent = (op in ("not_equals", "not_in")) if c.declared else None
    if op == "mixes" and operand is not None:  # None only in a pack that fails to compile
        operand = dict(operand)  # the operand's (normalised term or alias, group) pairs, looked up per value

    def compare(f: Facts) -> bool | None:
        v = get(f, path) if type(f) is dict else f.get(path)
        if v is None:
            return absent
        return test(v, operand)
    return compare


def literal_test(op: str, normalise: bool, fact_type: str) -> Callable[[Any, Any], bool]:
    if op == "equals":
        if normalise:
            return lambda v, o: norm(v) == o if isinstance(v, str) else v == o
        return lambda v, o: v == o
    if op == "not_equals":
        if normalise:
            return lambda v, o: norm(v) != o if isinstance(v, str) else v != o
        return lambda v, o: v != o
    if op == "in":
        if normalise:
            return lambda v, o: (norm(v) if isinstance(v, str) else v) in o
        return lambda v, o: v in o
    if op == "not_in":
        if normalise:
            return lambda v, o: (norm(v) if isinstance(v, str) else v) not in o
        return lambda v, o: v not in o
    if op in ORDER_FUNCTIONS:
        fn = ORDER_FUNCTIONS[op]

        def ordered(v: Any, o: Any) -> bool:
            if isinstance(v, dt.datetime):
                if isinstance(o, dt.datetime):  # two instants: on the time line (the same zone compares wall time)
                    return fn(v.timestamp(), o.timestamp())
                if isinstance(o, dt.date):
                    v = v.date()
            elif isinstance(o, dt.datetime) and isinstance(v, dt.date):
                o = o.date()
            return fn(v, o)
        return ordered
    if op == "matches":
        return lambda v, o: o.search(v) is not None
    if op == "contains_any":
        def contains_any(v: Any, o: Any) -> bool:
            if isinstance(v, list):
                return any((norm(x) if isinstance(x, str) else x) in o for x in v)
            return o.search(v) is not None
        return contains_any
    if op == "contains":
        def contains(v: Any, o: Any) -> bool:
            if isinstance(v, list):
                return any((norm(x) if isinstance(x, str) else x) == o for x in v)
            return o in norm(v)
        return contains
    if op == "starts_with":
        return lambda v, o: norm(v).startswith(o)
    if op == "mixes":
        def mixes(v: Any, o: Any) -> bool:
            # o: normalised term or alias -> its group (see _compare_function); other values are groups of their own
            groups = {o.get(norm(x), "=" + norm(x)) if isinstance(x, str) else x
                      for x in (v if isinstance(v, list) else [v])}
            return len(groups) > 1
        return mixes
    raise ValueError(op)  # pragma: no cover


def evaluate_traced(node: Condition, facts: Mapping[str, Any]) -> tuple[bool | None, list[dict[str, Any]]]:
    """Evaluate a condition and return the result with a trace of every comparison.

    The trace is a nested list of ``{"node": ..., "result": ...}``; used by
    ``dialogvakt evaluate --explain`` and by tests that compare it with the fast path.
    """
    if isinstance(node, Compare):
        r = compare_function(node)(facts)
        return r, [{"fact": node.fact, "op": node.op, "operand": node.written, "result": r}]
    if isinstance(node, Not):
        r, t = evaluate_traced(node.child, facts)
        r = None if r is None else not r
        return r, [{"not": t, "result": r}]
    if isinstance(node, Quantified):
        items = _elements(node, facts)
        elements: list[dict[str, Any]] = []
        held: list[bool | None] = []
        for index, item in enumerate(items or ()):
            r, t = evaluate_traced(node.condition, ElementFacts(item, facts))
            held.append(r)
            elements.append({"index": index, "result": r, "conditions": t})
        r = None if items is None else quantify(node.kind, held)
        return r, [{node.kind: node.list_path, "elements": elements, "result": r}]
    results: list[bool | None] = []
    traces: list[dict[str, Any]] = []
    for child in node.children:
        r, t = evaluate_traced(child, facts)
        results.append(r)
        traces.extend(t)
    r = combine3(node, results)
    return r, [{"all" if isinstance(node, All) else "any": traces, "result": r}]


def combine3(node: All | AnyOf, results: list[bool | None]) -> bool | None:
    """Three-valued ``all`` / ``any`` of the children's results."""
    if isinstance(node, All):
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def undecided_facts(node: Condition, facts: Mapping[str, Any], tests: NodeTests | None = None) -> tuple[str, ...]:
    """The facts whose absence leaves a condition undecided; empty when it is decided.

    Only comparisons that are unknown *and* matter count: in ``any`` a true branch decides,
    in ``all`` a false one does, and a fact tested with ``exists`` is never missing.
    ``tests`` (``node_tests``) saves making the nodes' closures again.
    """

    def walk(n: Condition) -> tuple[bool | None, tuple[str, ...]]:
        if isinstance(n, Compare):
            r = _test(n, tests)(facts)
            if r is not None:
                return r, ()
            paths = (n.fact, n.operand.path) if isinstance(n.operand, FactRef) else (n.fact,)
            return None, tuple(p for p in paths if facts.get(p) is None)
        if isinstance(n, Not):
            r, unknown = walk(n.child)
            return (None if r is None else not r), unknown
        if isinstance(n, Quantified):
            return _undecided_elements(n, facts, tests)
        parts = [walk(c) for c in n.children]
        r = combine3(n, [r for r, _ in parts])
        if r is not None:
            return r, ()
        return None, tuple(f for res, unknown in parts if res is None for f in unknown)

    return tuple(dict.fromkeys(walk(node)[1]))


def _undecided_elements(node: Quantified, facts: Mapping[str, Any], tests: NodeTests | None
                        ) -> tuple[bool | None, tuple[str, ...]]:
    """A quantifier's result, and when unknown the facts that leave it so: ``list[i].field`` for an element."""
    items = _elements(node, facts)
    if items is None:
        return None, (node.list_path,)
    results, unknown = [], []
    for index, item in enumerate(items):
        view = ElementFacts(item, facts)
        r = _test(node.condition, tests)(view)
        results.append(r)
        if r is None:
            unknown += [f"{node.list_path}[{index}].{path}" if element_fact(path) else path
                        for path in undecided_facts(node.condition, view, tests)]
    r = quantify(node.kind, results)
    return r, (() if r is not None else tuple(unknown))


def witnesses(node: Quantified, facts: Mapping[str, Any], tests: NodeTests | None = None) -> list[int]:
    """The elements that decide a quantifier as it came out: for ``some`` those that meet the condition,
    for ``each`` those that do not (all of them when every element meets it)."""
    items = _elements(node, facts) or []
    test = _test(node.condition, tests)
    results = [test(ElementFacts(item, facts)) for item in items]
    wanted = node.kind == "some"
    chosen = [i for i, r in enumerate(results) if r is wanted]
    return chosen or ([i for i, r in enumerate(results) if r is True] if node.kind == "each" else [])
