"""The logic as one JSONLogic rule, for datalogic-py (Rust).

Only the operators of standard JSONLogic are used (``var``, ``===``, ``!==``, ``in``, ``<`` ...,
``if``, ``min``, ``max``, ``-``, ``map``, ``reduce``, ``filter``), so the rule runs on any
implementation.

Three-valued logic is Kleene's over numbers: 0 false, 1 unknown, 2 true. ``all`` is ``min``,
``any`` is ``max``, ``not`` is ``2 - x``; ``some``/``each`` reduce the elements' values with
``max``/``min`` from 0/2 (an empty list); a comparison is 2 or 0, or, when its input is absent,
the value for an absent fact (0 or 2 for a declared fact and for ``exists``, 1 for any other).
Each rule's value is computed once, into an array bound by mapping over a one-element list (with
the validity, which needs the date); the answer is ``[decision, validity, fired rules]``.
"""

from __future__ import annotations

from typing import Any

from .logic import And, Answer, Comparison, Logic, Neg, Node, Or, Quant, may_be_unknown

FALSE, UNKNOWN, TRUE = 0, 1, 2
OPERATORS = {"equals": "===", "not_equals": "!==", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _absent(value: bool | None) -> int:
    return UNKNOWN if value is None else (TRUE if value else FALSE)


def _test(t: Comparison) -> Any:
    x = {"var": t.key}
    if t.op == "exists":
        return {"if": [{"===": [x, None]}, _absent(not t.value), _absent(t.value)]}
    if t.op == "in":
        holds: Any = {"in": [x, t.value]}
    elif t.op == "not_in":
        holds = {"!": {"in": [x, t.value]}}
    else:
        holds = {OPERATORS[t.op]: [x, t.value]}
    return {"if": [{"===": [x, None]}, _absent(t.absent), {"if": [holds, TRUE, FALSE]}]}


def value(node: Node) -> Any:
    """A condition's Kleene value (0, 1, 2) as a JSONLogic expression."""
    if isinstance(node, And):
        return {"min": [value(c) for c in node.children]} if node.children else TRUE
    if isinstance(node, Or):
        return {"max": [value(c) for c in node.children]} if node.children else FALSE
    if isinstance(node, Neg):
        return {"-": [TRUE, value(node.child)]}
    if isinstance(node, Quant):
        items = {"var": node.key}
        some = node.kind == "some"
        fold = {"reduce": [{"map": [items, value(node.condition)]},
                           {"max" if some else "min": [{"var": "current"}, {"var": "accumulator"}]},
                           FALSE if some else TRUE]}
        empty = (FALSE if some else TRUE) if node.declared else UNKNOWN
        return {"if": [{"===": [items, None]}, empty, fold]}
    return _test(node)


def rule(logic: Logic) -> Any:
    today = {"var": "tidspunkt_dato"}
    validity: Any = {"if": [{"<": [today, logic.valid_from]}, "not_yet_valid",
                            *([{">": [today, logic.valid_to]}, "expired"] if logic.valid_to is not None else []),
                            "valid"]}
    n = len(logic.rules)
    bound = [*(value(c) for c in logic.conditions), validity]  # inside the map: {"var": "i"} is rule i
    deny = [i for i, r in enumerate(logic.rules) if r.effect == "deny"]
    worst = {"max": [{"var": str(i)} for i in deny]} if deny else FALSE
    may = [i for i in deny if may_be_unknown(logic.conditions[i])]
    decision = {"if": [{"===": [worst, TRUE]}, "deny",
                       *([{"===": [{"max": [{"var": str(i)} for i in may]}, UNKNOWN]}, "indeterminate"] if may else []),
                       "allow"]}
    fired = {"filter": [[{"if": [{"===": [{"var": str(i)}, TRUE]}, r.id, None]} for i, r in enumerate(logic.rules)],
                        {"!==": [{"var": ""}, None]}]}
    return {"map": [[bound], [decision, {"var": str(n)}, fired]]}


def build(logic: Logic, engine: Any = None) -> Any:
    """The compiled rule (by ``engine``, a ``datalogic_py.Engine``, or a new one): ``.evaluate(prepared)``
    gives ``[[decision, validity, fired]]``."""
    import datalogic_py

    return (engine or datalogic_py.Engine()).compile(rule(logic))


def read(result: Any) -> Answer:
    decision, validity, fired = result[0]
    return Answer(decision, validity, tuple(fired))
