"""The logic as one ZEN expression (zen-engine's expression language), compiled once.

Three-valued logic is the dual rail of ``rails``. The expression first computes ``fired`` of
every rule into an array, bound to ``#`` by mapping over a one-element list (the language has no
``let``), then builds the answer from it: ``{decision, validity, fired}``. ``possible`` of a deny
rule is computed only when no deny rule fired, as the ternary short-circuits.
"""

from __future__ import annotations

from typing import Any

from .logic import Answer, Logic, may_be_unknown
from .rails import Rails, ZenSyntax, zen_literal


def validity(logic: Logic, today: str) -> str:
    text = f'{today} < {logic.valid_from} ? "not_yet_valid" : '
    if logic.valid_to is None:
        return text + '"valid"'
    return text + f'({today} > {logic.valid_to} ? "expired" : "valid")'


def expression(logic: Logic) -> str:
    rails = Rails(ZenSyntax())
    fired = [rails.fired(node) for node in logic.conditions]
    deny = [i for i, r in enumerate(logic.rules) if r.effect == "deny"]
    possible = [rails.possible(logic.conditions[i]) for i in deny if may_be_unknown(logic.conditions[i])]
    denied = " or ".join(f"#[{i}]" for i in deny) or "false"
    decision = f'({denied}) ? "deny" : (({" or ".join(possible) or "false"}) ? "indeterminate" : "allow")'
    listed = ", ".join(f"#[{i}] ? {zen_literal(r.id)} : null" for i, r in enumerate(logic.rules))
    body = (f"{{decision: {decision}, validity: {validity(logic, 'tidspunkt_dato')}, "
            f"fired: filter([{listed}], # != null)}}")
    return f"map([[{', '.join(fired)}]], {body})[0]"


def build(logic: Logic) -> Any:
    """The compiled expression: ``.evaluate(prepared)`` gives ``{decision, validity, fired}``."""
    import zen

    return zen.compile_expression(expression(logic))


def read(result: Any) -> Answer:
    return Answer(result["decision"], result["validity"], tuple(result["fired"]))
