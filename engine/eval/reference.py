"""The reference evaluation: what a decision means, computed the plain way.

Every fact derived eagerly (``contract.facts.prepare``), every scope and rule decided by its
three-valued closure (``closures``), the document assembled with no compiled renderer, cache or
generated function. It is slow and simple on purpose: the engine's fast path must give the same
decision documents byte for byte, and ``tests/test_differential.py`` checks that it does on the
whole corpus and on generated messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ..contract.decision import Decision
from ..contract.facts import Facts, prepare
from .engine import Engine, PackResult, UnknownPackError, assemble, pack_decision


def reference_evaluate(engine: Engine, request: Mapping[str, Any], *, pack: str | Iterable[str] | None = None,
                       at: dt.datetime | str | None = None, now: dt.datetime | None = None) -> Decision:
    """``Engine.evaluate`` the reference way. Raises InputError on invalid input, as the engine does."""
    facts = prepare(request, at=at, now=now, allow_synthetic_ids=engine.allow_synthetic_ids)
    return reference_decide(engine, facts, pack=pack)


def reference_decide(engine: Engine, facts: Facts, *, pack: str | Iterable[str] | None = None) -> Decision:
    values = facts.values
    if pack is not None:
        names = [pack] if isinstance(pack, str) else list(pack)
        for name in names:
            if name not in engine.packs:
                raise UnknownPackError(name, engine.packs)
        chosen = [engine.packs[n] for n in names]
    else:
        chosen = [p for p in engine.packs.values() if _closure(engine, p.id)(values) is True]
    results = []
    today = values["tidspunkt"].date()
    for p in chosen:
        held = True if pack is None else _closure(engine, p.id)(values)
        if held is False:
            results.append(PackResult(p, "not_applicable", p.validity(today), [], [], None, scope=False))
            continue
        program = engine.programs[p.id]
        outcomes = [(rule, test(values)) for rule, test in zip(p.rules, program.tests, strict=True)]
        fired = [rule for rule, r in outcomes if r is True]
        undecided = [rule for rule, r in outcomes if r is None]
        result = PackResult(p, pack_decision(fired, undecided), p.validity(today), fired, undecided)
        if held is None:
            result.scope = None
            if result.decision == "allow":
                result.decision = "indeterminate"
        results.append(result)
    return assemble(results, facts)


def _closure(engine: Engine, pack_id: str) -> Any:
    program = engine.programs[pack_id]
    assert program.scope_closure is not None
    return program.scope_closure
