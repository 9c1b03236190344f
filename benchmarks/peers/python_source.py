"""The logic as a plain Python function, written out the way a person would write it by hand.

The source is generated from the compiled rules (so it cannot drift from the pack) but reads like
hand-written code: each input read once into a local, each rule an ``if`` on a boolean expression,
sets as module-level constants. Three-valued logic is the dual rail of ``rails``: ``fired`` for
each rule, and for the deny rules, only when none fired, ``possible`` to tell indeterminate from
allow. ``source(logic)`` gives the text (``bench_peers.py --show python`` prints it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .logic import Logic, may_be_unknown
from .rails import PythonSyntax, Rails

Decide = Callable[[dict[str, Any]], tuple[str, str, list[str]]]


def source(logic: Logic) -> tuple[str, dict[str, Any]]:
    """The function's source and the constants it needs (its module's globals)."""
    syntax = PythonSyntax()
    rails = Rails(syntax)
    body: list[str] = []
    deny: list[tuple[str, str]] = []  # (flag, possible) of each deny rule
    for index, (rule, node) in enumerate(zip(logic.rules, logic.conditions, strict=True)):
        flag = f"r{index}"
        body += [f"    # {rule.id} ({rule.effect})",
                 f"    {flag} = {rails.fired(node)}",
                 f"    if {flag}:",
                 f"        fired.append({rule.id!r})"]
        if rule.effect == "deny":
            deny.append((flag, rails.possible(node) if may_be_unknown(node) else ""))
    to = logic.valid_to
    validity = ["    if today < VALID_FROM:",
                "        validity = 'not_yet_valid'",
                *(["    elif today > VALID_TO:", "        validity = 'expired'"] if to is not None else []),
                "    else:",
                "        validity = 'valid'"]
    decision = ["    if " + (" or ".join(f for f, _ in deny) or "False") + ":",
                "        decision = 'deny'"]
    for _, possible in deny:  # only a rule that can be unknown can leave the pack indeterminate
        if possible:
            decision += [f"    elif {possible}:", "        decision = 'indeterminate'"]
    decision += ["    else:", "        decision = 'allow'"]
    loads = [f"    {name} = g({key!r})" for key, name in syntax.locals.items() if key != "tidspunkt_dato"]
    lines = ["def decide(f):",
             f'    """{logic.pack.id}: {len(logic.rules)} rules and the validity window -> '
             '(decision, validity, fired rules)."""',
             "    g = f.get",
             "    today = f['tidspunkt_dato']",
             *loads,
             "    fired = []",
             *body,
             *decision,
             *validity,
             "    return decision, validity, fired"]
    constants: dict[str, Any] = {"VALID_FROM": logic.valid_from, "VALID_TO": logic.valid_to, **syntax.constants}
    header = [f"{name} = {_constant(value)}" for name, value in constants.items()]
    return "\n".join([*header, "", "", *lines]) + "\n", constants


def _constant(value: Any) -> str:
    if isinstance(value, frozenset):
        return "frozenset({" + ", ".join(repr(v) for v in sorted(value)) + "})"
    return repr(value)


def build(logic: Logic) -> Decide:
    text, _ = source(logic)
    namespace: dict[str, Any] = {}
    exec(compile(text, f"<{logic.pack.id} by hand>", "exec"), namespace)  # our own text, from repr()s only
    decide: Decide = namespace["decide"]
    return decide
