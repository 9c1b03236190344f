"""Peers: other rule engines given the same logic as a Dialogvakt pack, to compare answers and speed.

``logic`` picks the rules and says what a peer receives; the translators turn the compiled
condition tree into each peer's language: ``python_source`` (plain Python, as written by hand),
``jsonlogic`` (datalogic-py), ``zen_expression`` (one zen-engine expression) and ``zen_table`` (a
zen-engine decision table). ``peers(logic)`` lists them ready to run; ``tests/test_peers.py``
checks that each gives Dialogvakt's answers, ``benchmarks/bench_peers.py`` times them.

The benchmarks import the engine; the engine never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import jsonlogic, python_source, zen_expression, zen_table
from .logic import Answer, Logic, load


def _same(prepared: dict[str, Any]) -> Any:
    return prepared


@dataclass(frozen=True)
class Peer:
    name: str
    timed: str  # what one timed call does
    run: Callable[[Any], Any]  # one evaluation, on the peer's input
    read: Callable[[Any], Answer]  # its result as an Answer (outside the timed loop)
    adapt: Callable[[dict[str, Any]], Any] = field(default=_same)  # the prepared dict -> the peer's input


def _python_answer(result: tuple[str, str, list[str]]) -> Answer:
    return Answer(result[0], result[1], tuple(result[2]))


def peers(logic: Logic) -> list[Peer]:
    """Every peer, built (compiled) once."""
    import datalogic_py

    decide = python_source.build(logic)
    datalogic = datalogic_py.Engine()
    rule = jsonlogic.build(logic, datalogic)
    session = datalogic.session()  # one thread only, as here
    expression = zen_expression.build(logic)
    table = zen_table.build(logic)
    return [
        Peer("python", "the generated plain-Python function on the prepared dict", decide, _python_answer),
        Peer("datalogic", "datalogic-py: compiled JSONLogic rule, Rule.evaluate(dict)", rule.evaluate, jsonlogic.read),
        Peer("datalogic-handle", "datalogic-py: the same rule on a pre-parsed DataHandle, Session.evaluate_data",
             lambda handle: session.evaluate_data(rule, handle), jsonlogic.read, datalogic_py.DataHandle),
        Peer("zen-expression", "zen-engine: one compiled expression, Expression.evaluate(dict)",
             expression.evaluate, zen_expression.read),
        Peer("zen-table", "zen-engine: decision graph (table, hit policy collect, + expression node), "
             "ZenDecision.evaluate(dict)", table.evaluate, zen_table.read),
    ]


__all__ = ["Answer", "Logic", "Peer", "load", "peers"]
