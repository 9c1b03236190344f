"""A fast path for a pack's rules: one generated Python function per pack.

The generated source contains only identifiers made here (``v3``, ``C12``,
``R4``) and operators; every value from the pack (fact paths, literals, sets,
regular expressions, the rules themselves) is passed in through the function's
namespace, never written into the source. So no text from a pack can become
code.

For each rule the function first checks that every fact the rule may need to
be *known* is present. Then the rule is an ordinary two-valued Python
expression. Otherwise it falls back to the rule's three-valued closure
(``closures.to_function``), which decides whether the rule is undecided. Facts marked
"declared" are never unknown: their absence is handled inside the expression.
The closures stay the reference: tests check that both paths agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..contract.times import shift
from ..lang.tree import All, AnyOf, Compare, Condition, FactRef, Not, Quantified, Rule, compares, norm, quantifiers
from .closures import Test, literal_test


class _Gen:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_n": _norm_any, "_list_has": _list_has, "_list_any": _list_any}
        self.vars: dict[str, str] = {}

    def const(self, value: Any) -> str:
        name = f"C{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def var(self, path: str) -> str:
        if path not in self.vars:
            self.vars[path] = f"v{len(self.vars)}"
        return self.vars[path]

    def expr(self, node: Condition) -> str:
        if isinstance(node, All):
            return "(" + " and ".join(self.expr(c) for c in node.children) + ")"
        if isinstance(node, AnyOf):
            return "(" + " or ".join(self.expr(c) for c in node.children) + ")"
        if isinstance(node, Not):
            return f"(not {self.expr(node.child)})"
        if isinstance(node, Quantified):  # pragma: no cover - generate() leaves such rules to their closure
            raise ValueError("a quantifier has no two-valued expression")
        return self.compare(node)

    def compare(self, c: Compare) -> str:
        v = self.var(c.fact)
        if c.op == "exists":
            return f"({v} is not None)" if c.operand else f"({v} is None)"
        if isinstance(c.operand, FactRef):
            o = self.var(c.operand.path)
            if c.operand.shift is not None:  # a calendar offset: the closures' own function, in the namespace
                unit, amount = c.operand.shift
                o = f"{self.const(shift)}({o}, {self.const(unit)}, {self.const(amount)})"
            if c.normalise:
                o = f"_n({o})"
            body = self.body(c, v, o)
        else:
            body = self.body(c, v, self.const(dict(c.operand) if c.op == "mixes" else c.operand))
        if c.declared:  # absent means "not declared": only the negative comparisons hold
            return f"({v} is None or {body})" if c.op in ("not_equals", "not_in") else f"({v} is not None and {body})"
        return body

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


def _must_know(node: Condition) -> list[str]:
    """Facts whose absence would make the rule's result unknown (not the declared ones)."""
    out: list[str] = []
    for c in compares(node):
        if c.op != "exists" and not c.declared:
            out.append(c.fact)
        if isinstance(c.operand, FactRef):
            out += [c.fact, c.operand.path]
    return list(dict.fromkeys(out))


RunRules = Callable[[Mapping[str, Any]], tuple[list[Rule], list[Rule]]]


def generate(rules: Sequence[Rule], tests: Sequence[Test]) -> tuple[str, RunRules]:
    """The source of the fast function for these rules (with their closures), and the function itself."""
    gen = _Gen()
    body: list[str] = []
    for rule, test in zip(rules, tests, strict=True):
        r = gen.const(rule)
        t = gen.const(test)
        if any(quantifiers(rule.condition)):  # each/some: the rule's own closure decides it
            body += [f"    x = {t}(f)",
                     "    if x is True:",
                     f"        fired.append({r})",
                     "    elif x is None:",
                     f"        undecided.append({r})"]
            continue
        expr = gen.expr(rule.condition)
        need = [gen.var(p) for p in _must_know(rule.condition)]
        check = " and ".join(f"{v} is not None" for v in need) or "True"
        body += [f"    if {check}:",
                 f"        if {expr}:",
                 f"            fired.append({r})",
                 "    else:",
                 f"        x = {t}(f)",
                 "        if x is True:",
                 f"            fired.append({r})",
                 "        elif x is None:",
                 f"            undecided.append({r})"]
    loads = [f"    {name} = g({gen.const(path)})" for path, name in gen.vars.items()]
    source = "\n".join(["def run(f):", "    g = f.get", "    fired = []", "    undecided = []",
                        *loads, *body, "    return fired, undecided"])
    namespace = dict(gen.namespace)
    exec(compile(source, "<dialogvakt rules>", "exec"), namespace)
    return source, namespace["run"]
