"""The logic as a zen-engine decision graph: one decision table (hit policy "collect") and one
expression node that reads the hits.

The table has a column per input and rows as a person would fill them in: each rule's condition
in disjunctive normal form (``not`` pushed to the comparisons, ``any`` spread over rows), each
comparison a cell of its input's column. The cells name their input (expression columns): zen's
unary cells, where ``$`` stands for the column's field, do not parse a parenthesised ``and`` or
``or``, which the three-valued tests need. Three-valued logic is the
dual rail of ``rails`` in rows: every conjunction gives a row ``fired`` (each cell: true), and for
a deny rule that can be unknown also a row ``possible`` (each cell: not false). A rule fired when
one of its ``fired`` rows matched; the pack is indeterminate when no deny rule fired and a
``possible`` row of one matched. The expression node turns the hits into
``{decision, validity, fired}``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from .logic import And, Answer, Comparison, Logic, Neg, Node, Or, Quant, may_be_unknown
from .rails import Rails, ZenSyntax, zen_literal
from .zen_expression import validity

Literal_ = tuple[Comparison | Quant, bool]  # a comparison or a quantifier, and whether it is negated


def dnf(node: Node, negated: bool = False) -> list[list[Literal_]]:
    """The condition as a list of conjunctions of (possibly negated) literals.

    Kleene logic keeps De Morgan's laws and double negation, so this is exact in three values too.
    """
    if isinstance(node, Neg):
        return dnf(node.child, not negated)
    if isinstance(node, (And, Or)):
        conjunctive = isinstance(node, And) != negated
        parts = [dnf(c, negated) for c in node.children]
        if conjunctive:
            return [[lit for conj in combo for lit in conj] for combo in itertools.product(*parts)]
        return [conj for part in parts for conj in part]
    return [[(node, negated)]]


def _cell(lit: Literal_, strict: bool) -> tuple[str, str]:
    """(column key, the cell's unary expression) of one literal on one rail."""
    node, negated = lit
    rails = Rails(ZenSyntax())
    if negated:  # fired(not C) = not possible(C), possible(not C) = not fired(C)
        inner = rails.possible(node) if strict else rails.fired(node)
        return node.key, f"not ({inner})"
    return node.key, rails.fired(node) if strict else rails.possible(node)


def graph(logic: Logic) -> dict[str, Any]:
    columns: dict[str, str] = {}  # input key -> column id
    rows: list[dict[str, str]] = []
    for rule, node in zip(logic.rules, logic.conditions, strict=True):
        rails = [("fired", True)]
        if rule.effect == "deny" and may_be_unknown(node):
            rails.append(("possible", False))
        for kind, strict in rails:
            for conj in dnf(node):
                cells: dict[str, list[str]] = {}
                for lit in conj:
                    key, text = _cell(lit, strict)
                    columns.setdefault(key, f"in-{len(columns)}")
                    cells.setdefault(columns[key], []).append(text)
                row = {"_id": f"row-{len(rows)}", "out-rule": zen_literal(rule.id),
                       "out-effect": zen_literal(rule.effect), "out-kind": zen_literal(kind)}
                row.update({col: " and ".join(f"({t})" for t in texts) for col, texts in cells.items()})
                rows.append(row)
    for row in rows:
        for col in columns.values():
            row.setdefault(col, "")
    table = {"hitPolicy": "collect", "passThrough": True, "outputPath": "hits",
             "inputs": [{"id": col, "name": key} for key, col in columns.items()],
             "outputs": [{"id": f"out-{name}", "name": name, "field": name} for name in ("rule", "effect", "kind")],
             "rules": rows}
    ids = ", ".join(zen_literal(r.id) for r in logic.rules)
    deny = "some(hits, #.effect == \"deny\" and #.kind == \"fired\")"
    undecided = "some(hits, #.effect == \"deny\" and #.kind == \"possible\")"
    expressions = [
        ("firedRows", "map(filter(hits, #.kind == \"fired\"), #.rule)"),
        ("decision", f'{deny} ? "deny" : ({undecided} ? "indeterminate" : "allow")'),
        ("validity", validity(logic, "tidspunkt_dato")),
        ("fired", f"filter([{ids}], # in $.firedRows)"),  # each rule once, in the pack's order
    ]
    position = {"x": 0, "y": 0}
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": position},
            {"id": "rules", "type": "decisionTableNode", "name": logic.pack.id, "position": position,
             "content": table},
            {"id": "answer", "type": "expressionNode", "name": "answer", "position": position,
             "content": {"passThrough": False,
                         "expressions": [{"id": f"e-{k}", "key": k, "value": v} for k, v in expressions]}},
            {"id": "response", "type": "outputNode", "name": "response", "position": position},
        ],
        "edges": [{"id": f"edge-{a}-{b}", "type": "edge", "sourceId": a, "targetId": b}
                  for a, b in (("request", "rules"), ("rules", "answer"), ("answer", "response"))],
    }


def build(logic: Logic) -> Any:
    """The decision: ``.evaluate(prepared)["result"]`` is ``{decision, validity, fired, firedRows}``."""
    import zen

    return zen.ZenEngine().create_decision(json.dumps(graph(logic), ensure_ascii=False))


def read(result: Any) -> Answer:
    out = result["result"]
    return Answer(out["decision"], out["validity"], tuple(out["fired"]))
