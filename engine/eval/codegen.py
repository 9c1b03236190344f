"""A fast path for a pack's rules and scope: one generated Python function each.

The generated source contains only identifiers made here (``v3``, ``C12``,
``t4``) and operators; every value from the pack (fact paths, literals, sets,
regular expressions, the rules themselves) is passed in through the function's
namespace, never written into the source. So no text from a pack can become
code.

Each condition becomes one three-valued Python expression (True, False or None
for unknown), with the closures' Kleene logic written out: a comparison of a
missing fact is None (or, for a declared fact, what its absence means), ``all``
is False at the first false child and else unknown if any child was, ``any`` the
same the other way round, ``each``/``some`` go through the list's elements.
Every text pattern a pack tests on one fact is run in one RE2 set pass per
message (``PatternSet``), and each test reads its answer from that pass.
The closures stay the reference semantics: tests check that both agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..contract.times import shift
from ..lang.patterns import Pattern, PatternSet
from ..lang.tree import All, AnyOf, Compare, Condition, FactRef, Not, Quantified, Rule, element_fact, norm
from .closures import Test, as_comparable, literal_test, quantify


class _Gen:
    def __init__(self, pattern_facts: Mapping[str, PatternSet] | None = None) -> None:
        self.namespace: dict[str, Any] = {"_n": _norm_any, "_list_has": _list_has, "_list_any": _list_any,
                                          "_items": _items, "_q": quantify, "_ac": as_comparable}
        self.vars: dict[str, str] = {}
        self.temps = 0
        self.element: str | None = None  # the loop variable inside each/some
        self.sets = dict(pattern_facts or {})  # fact -> the set of every pattern tested on it
        self.hits: dict[str, str] = {}  # fact -> the variable holding its set pass

    def const(self, value: Any) -> str:
        name = f"C{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def var(self, path: str) -> str:
        if self.element is not None and element_fact(path):
            return f"{self.element}.get({self.const(path)})"
        if path not in self.vars:
            self.vars[path] = f"v{len(self.vars)}"
        return self.vars[path]

    def expr(self, node: Condition) -> str:
        """A three-valued expression for the condition: True, False or None (unknown)."""
        if isinstance(node, (All, AnyOf)):
            decisive = "False" if isinstance(node, All) else "True"
            other = "True" if isinstance(node, All) else "False"
            if not node.children:  # an empty all holds, an empty any does not (as in the closures)
                return other
            names = [self.temp() for _ in node.children]
            undecided = " or ".join(f"{t} is None" for t in names)
            out = f"(None if {undecided} else {other})"
            for t, child in reversed(list(zip(names, node.children, strict=True))):
                out = f"({decisive} if ({t} := {self.expr(child)}) is {decisive} else {out})"
            return out
        if isinstance(node, Not):
            t = self.temp()
            return f"(None if ({t} := {self.expr(node.child)}) is None else not {t})"
        if isinstance(node, Quantified):
            items, t = self.var(node.list_path), self.temp()
            outer, self.element = self.element, f"e{len(self.namespace)}"
            try:
                inner = self.expr(node.condition)
            finally:
                loop, self.element = self.element, outer
            return (f"(None if ({t} := _items({items}, {self.const(node.declared)})) is None else "
                    f"_q({self.const(node.kind)}, ({inner} for {loop} in {t})))")
        return self.compare(node)

    def compare(self, c: Compare) -> str:
        v = self.var(c.fact)
        if c.op == "exists":
            return f"({v} is not None)" if c.operand else f"({v} is None)"
        absent = self.const((c.op in ("not_equals", "not_in")) if c.declared else None)
        if isinstance(c.operand, FactRef):
            o = self.var(c.operand.path)
            ov = o
            if c.operand.shift is not None:  # a calendar offset: the closures' own function, in the namespace
                unit, amount = c.operand.shift
                ov = f"{self.const(shift)}({ov}, {self.const(unit)}, {self.const(amount)})"
            if c.normalise:
                ov = f"_n({ov})"
            if c.fact_type in ("date", "datetime"):
                ov = f"_ac({ov}, {self.const(c.fact_type)}, {v})"
            return f"({absent} if {v} is None else (None if {o} is None else {self.body(c, v, ov)}))"
        if isinstance(c.operand, Pattern) and c.fact in self.sets and not (
                self.element is not None and element_fact(c.fact)):
            if c.fact not in self.hits:
                self.hits[c.fact] = f"h{len(self.hits)}"
            body = f"({self.const(self.sets[c.fact].index(c.operand))} in {self.hits[c.fact]})"
        else:
            body = self.body(c, v, self.const(dict(c.operand) if c.op == "mixes" else c.operand))
        return f"({absent} if {v} is None else {body})"

    def body(self, c: Compare, v: str, o: str) -> str:
        op = c.op
        val = f"_n({v})" if c.normalise else v
        if op == "equals":
            return f"({val} == {o})"
        if op == "not_equals":
            return f"({val} != {o})"
        if op == "in":
            return f"({val} in {o})"
        if op == "not_in":
            return f"({val} not in {o})"
        if op in _NUMBER_ORDER and c.fact_type == "number":
            return f"({v} {_NUMBER_ORDER[op]} {o})"
        if op == "matches":
            return f"({o}.search({v}) is not None)"
        if op == "contains_any":
            if c.fact_type == "list":
                return f"_list_any({v}, {o})"
            return f"({o}.search({v}) is not None)"
        if op == "contains":
            if c.fact_type == "list":
                return f"_list_has({v}, {o})"
            return f"({o} in _n({v}))"
        if op == "starts_with":
            return f"_n({v}).startswith({o})"
        # any other operator (and ordering of dates or text): the same two-valued test the closures use
        return f"{self.const(literal_test(op, c.normalise, c.fact_type))}({v}, {o})"


_NUMBER_ORDER = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _norm_any(value: Any) -> Any:
    return norm(value) if value.__class__ is str else value


def _list_has(values: Sequence[Any], wanted: Any) -> bool:
    return any(_norm_any(x) == wanted for x in values)


def _list_any(values: Sequence[Any], wanted: Any) -> bool:
    return any(_norm_any(x) in wanted for x in values)


def _items(value: Any, declared: bool) -> list[Any] | None:
    """What a quantifier goes through, as the closures see it: an absent declared list is empty, an absent
    other list unknown, a single value a list of one, and an element that is no object one without fields."""
    if value is None:
        return [] if declared else None
    items = value if value.__class__ is list else [value]
    return [e if e.__class__ is dict else {} for e in items]


def pattern_sets(conditions: Iterable[Condition]) -> dict[str, PatternSet]:
    """For each fact tested with two or more patterns (outside each/some): one set over them all."""
    by_fact: dict[str, list[Pattern]] = {}
    for cond in conditions:
        _collect_patterns(cond, by_fact, False)
    return {fact: PatternSet(patterns) for fact, patterns in by_fact.items() if len(set(patterns)) > 1}


def _collect_patterns(node: Condition, out: dict[str, list[Pattern]], inside: bool) -> None:
    if isinstance(node, Compare):
        if isinstance(node.operand, Pattern) and not (inside and element_fact(node.fact)):
            out.setdefault(node.fact, []).append(node.operand)
    elif isinstance(node, Not):
        _collect_patterns(node.child, out, inside)
    elif isinstance(node, Quantified):
        _collect_patterns(node.condition, out, True)
    else:
        for child in node.children:
            _collect_patterns(child, out, inside)


RunRules = Callable[[Mapping[str, Any]], tuple[list[Rule], list[Rule]]]
ScopeTest = Callable[[Mapping[str, Any]], "bool | None"]


def _finish(gen: _Gen, name: str, body: list[str], result: str) -> tuple[str, Any]:
    loads = [f"    {var} = g({gen.const(path)})" for path, var in gen.vars.items()]
    passes = [f"    {h} = {gen.const(gen.sets[path])}.match({gen.vars[path]}) if {gen.vars[path]} is not None "
              "else ()" for path, h in gen.hits.items()]
    source = "\n".join([f"def {name}(f):", "    g = f.get", *loads, *passes, *body, f"    return {result}"])
    namespace = dict(gen.namespace)
    exec(compile(source, "<dialogvakt rules>", "exec"), namespace)
    return source, namespace[name]


def generate(rules: Sequence[Rule], tests: Sequence[Test] = ()) -> tuple[str, RunRules]:
    """The source of the fast function for these rules, and the function itself: (fired, undecided) rules."""
    gen = _Gen(pattern_sets(rule.condition for rule in rules))
    body: list[str] = ["    fired = []", "    undecided = []"]
    for rule in rules:
        r = gen.const(rule)
        body += [f"    x = {gen.expr(rule.condition)}",
                 "    if x is True:",
                 f"        fired.append({r})",
                 "    elif x is None:",
                 f"        undecided.append({r})"]
    return _finish(gen, "run", body, "fired, undecided")


def generate_test(condition: Condition) -> tuple[str, ScopeTest]:
    """A condition (a pack's scope) as one generated three-valued test."""
    gen = _Gen(pattern_sets([condition]))
    return _finish(gen, "test", [], gen.expr(condition))
