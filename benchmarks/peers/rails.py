"""Three-valued logic in a two-valued language: each condition as two boolean expressions ("dual rail").

Dialogvakt's conditions are Kleene-three-valued (``engine.eval.closures``): true, false, or unknown
when a fact they need is missing. A language with only true and false gets each condition ``C``
twice:

- ``fired(C)``: C is true;
- ``possible(C)``: C is not false (true, or unknown).

C is unknown exactly when ``possible(C)`` holds and ``fired(C)`` does not. Both rails follow from
the leaves up: ``all`` is ``and`` on each rail, ``any`` is ``or`` on each rail, and ``not`` swaps
them (``fired(not C) = not possible(C)``, ``possible(not C) = not fired(C)``). A comparison is true
when its input is present and the test holds; it is not false when the test holds or, for a fact
that is not declared, when the input is absent. ``some``/``each`` work the same way on the
elements, with an absent list empty when declared and unknown when not.

A rule fires when its condition is ``fired``; a deny rule that has not fired but is ``possible``
leaves the pack indeterminate.
"""

from __future__ import annotations

from typing import Any

from .logic import And, Comparison, Neg, Node, Or, Quant


class Syntax:
    """How one language writes the pieces the rails need."""

    def var(self, key: str, element: bool) -> str:
        raise NotImplementedError

    def is_null(self, x: str) -> str:
        raise NotImplementedError

    def not_null(self, x: str) -> str:
        raise NotImplementedError

    def test(self, x: str, op: str, value: Any) -> str:
        raise NotImplementedError

    def quantified(self, kind: str, items: str, condition: str) -> str:
        raise NotImplementedError

    def negate(self, x: str) -> str:
        return f"(not ({x}))"

    def join(self, word: str, parts: list[str], empty: str) -> str:
        if not parts:
            return empty
        return parts[0] if len(parts) == 1 else "(" + f" {word} ".join(parts) + ")"

    true, false = "True", "False"


class Rails:
    def __init__(self, syntax: Syntax):
        self.s = syntax

    def fired(self, node: Node, element: bool = False) -> str:
        return self._rail(node, True, element)

    def possible(self, node: Node, element: bool = False) -> str:
        return self._rail(node, False, element)

    def _rail(self, node: Node, strict: bool, element: bool) -> str:
        s = self.s
        if isinstance(node, And):
            return s.join("and", [self._rail(c, strict, element) for c in node.children], s.true)
        if isinstance(node, Or):
            return s.join("or", [self._rail(c, strict, element) for c in node.children], s.false)
        if isinstance(node, Neg):
            return s.negate(self._rail(node.child, not strict, element))
        if isinstance(node, Quant):
            items = s.var(node.key, element)
            inner = s.quantified(node.kind, items, self._rail(node.condition, strict, True))
            # an absent list: declared means empty (some: false, each: true); otherwise unknown
            empty_holds = node.kind == "each" if node.declared else not strict
            return s.join("or" if empty_holds else "and",
                          [s.is_null(items) if empty_holds else s.not_null(items), inner], s.true)
        return self._compare(node, strict, element)

    def _compare(self, t: Comparison, strict: bool, element: bool) -> str:
        s = self.s
        x = s.var(t.key, element)
        if t.op == "exists":
            return s.not_null(x) if t.value else s.is_null(x)
        holds_when_absent = t.absent is True or (t.absent is None and not strict)
        if holds_when_absent:
            return s.join("or", [s.is_null(x), s.test(x, t.op, t.value)], s.true)
        return s.join("and", [s.not_null(x), s.test(x, t.op, t.value)], s.true)


# --------------------------------------------------------------------------- Python

PYTHON_OPERATORS = {"equals": "==", "not_equals": "!=", "in": "in", "not_in": "not in",
                    "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class PythonSyntax(Syntax):
    """Plain Python; sets become module-level frozensets (``constants``), inputs local variables."""

    def __init__(self) -> None:
        self.constants: dict[str, frozenset[Any]] = {}
        self.locals: dict[str, str] = {}

    def var(self, key: str, element: bool) -> str:
        if element:
            return f"e.get({key!r})"
        self.locals.setdefault(key, key)
        return key

    def literal(self, value: Any) -> str:
        if isinstance(value, list):
            frozen = frozenset(value)
            for name, known in self.constants.items():
                if known == frozen:
                    return name
            name = f"S{len(self.constants)}"
            self.constants[name] = frozen
            return name
        return repr(value)

    def is_null(self, x: str) -> str:
        return f"{x} is None"

    def not_null(self, x: str) -> str:
        return f"{x} is not None"

    def test(self, x: str, op: str, value: Any) -> str:
        return f"{x} {PYTHON_OPERATORS[op]} {self.literal(value)}"

    def quantified(self, kind: str, items: str, condition: str) -> str:
        return f"{'any' if kind == 'some' else 'all'}({condition} for e in {items})"


# --------------------------------------------------------------------------- ZEN expression language

ZEN_OPERATORS = {"equals": "==", "not_equals": "!=", "in": "in", "not_in": "not in",
                 "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def zen_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if '"' in value or "\\" in value:
            raise ValueError(f"a text the translator does not quote for ZEN: {value!r}")
        return f'"{value}"'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(zen_literal(v) for v in value) + "]"
    raise TypeError(type(value).__name__)


class ZenSyntax(Syntax):
    """The ZEN expression language (zen-engine): ``key`` names an input, ``#.key`` an element's field."""

    true, false = "true", "false"

    def var(self, key: str, element: bool) -> str:
        return f"#.{key}" if element else key

    def is_null(self, x: str) -> str:
        return f"{x} == null"

    def not_null(self, x: str) -> str:
        return f"{x} != null"

    def test(self, x: str, op: str, value: Any) -> str:
        return f"{x} {ZEN_OPERATORS[op]} {zen_literal(value)}"

    def quantified(self, kind: str, items: str, condition: str) -> str:
        return f"{'some' if kind == 'some' else 'all'}({items}, {condition})"
