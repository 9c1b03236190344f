"""The peers of benchmarks/bench_peers.py give exactly Dialogvakt's answers on the same logic.

The logic is D81023's 20 value rules and its validity window (``benchmarks/peers/logic.py`` says
which and why). Every peer (plain Python, datalogic-py, zen-engine's expression and decision table)
must give, for each of the 3,000 corpus messages, Dialogvakt's decision, the pack's validity and
the rules that fired; and the same on generated facts where any fact may be missing, which is
where three-valued logic is easiest to get wrong. No timing is asserted here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.peers import Answer, Logic, Peer, load, peers
from benchmarks.peers.logic import CORPUS, And, Comparison, Neg, Node, Or, Quant, left_out
from engine import Engine
from engine.contract.facts import catalogue
from engine.contract.times import OSLO
from engine.eval.engine import evaluate_pack


@pytest.fixture(scope="module")
def logic() -> Logic:
    return load()


@pytest.fixture(scope="module")
def reference(logic: Logic) -> Engine:
    """Dialogvakt with the same logic: the pack's selected rules, every message in scope."""
    return Engine([logic.reference_pack()], allow_synthetic_ids=True)


@pytest.fixture(scope="module")
def all_peers(logic: Logic) -> dict[str, Peer]:
    return {p.name: p for p in peers(logic)}


PEERS = ["python", "datalogic", "datalogic-handle", "zen-expression", "zen-table"]


@pytest.fixture(scope="module")
def corpus(logic: Logic, reference: Engine) -> list[tuple[dict[str, Any], Answer, Answer]]:
    """Each message's prepared input, Dialogvakt's full decision read as an answer, and its rules' result."""
    program = reference.programs[logic.pack.id]
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        request = json.loads(line)
        decision = reference.evaluate(request, pack=logic.pack.id)
        facts = reference.facts(request)
        out.append((logic.prepare(facts.values), logic.from_decision(decision),
                    logic.from_result(evaluate_pack(program, facts.values))))
    return out


def test_the_compared_logic_is_the_packs_twenty_value_rules(logic: Logic) -> None:
    assert len(logic.rules) == 20, [r.id for r in logic.rules]
    assert sum(r.effect == "deny" for r in logic.rules) == 15
    assert dict(logic.excluded) == {
        "d81023-4.1-start-med-mottaker": "searches text (contains on melding.tekst_forste_linje)",
        "d81023-4.4-forkortelser": "searches text (contains_any on melding.tekst)",
        "d81023-5.1-hast-i-tekst": "searches text (contains_any on melding.tekst)",
        "d81023-5.2-bekreftelse-i-tekst": "searches text (contains_any on melding.tekst)",
        "d81023-8-lab-rontgen": "searches text (contains_any on tjeneste)",
    }
    assert all(left_out(r) is None for r in logic.rules)
    assert len(logic.rules) + len(logic.excluded) == len(logic.pack.rules)


def test_the_corpus_exercises_every_decision_and_validity(corpus: list[tuple[dict, Answer, Answer]]) -> None:
    assert len(corpus) == 3000
    decisions = Counter(shown.decision for _, shown, _ in corpus)
    validities = Counter(shown.validity for _, shown, _ in corpus)
    assert set(decisions) == {"allow", "deny", "indeterminate"}, decisions
    assert set(validities) == {"valid", "expired", "not_yet_valid"}, validities


def test_dialogvakts_full_decision_and_its_rules_agree(logic: Logic, corpus: list[tuple[dict, Answer, Answer]]
                                                        ) -> None:
    for _, shown, result in corpus:
        assert logic.shown(result) == shown


@pytest.mark.parametrize("name", PEERS)
def test_each_peer_gives_dialogvakts_answer_for_every_corpus_message(
        name: str, logic: Logic, all_peers: dict[str, Peer], corpus: list[tuple[dict, Answer, Answer]]) -> None:
    peer = all_peers[name]
    wrong = []
    for index, (prepared, shown, result) in enumerate(corpus):
        answer = peer.read(peer.run(peer.adapt(prepared)))
        if answer != result or logic.shown(answer) != shown:
            wrong.append((index, answer, result))
    assert not wrong, f"{len(wrong)} of {len(corpus)} differ, first: {wrong[0]}"


# --------------------------------------------------------------------------- generated facts

def _constants(node: Node, within: str | None = None) -> Iterator[tuple[tuple[str, ...], Any]]:
    """((input key,) or (list key, field key), constant) of every comparison."""
    if isinstance(node, Comparison):
        where = (within, node.key) if within else (node.key,)
        yield where, node.value
    elif isinstance(node, (And, Or)):
        for c in node.children:
            yield from _constants(c, within)
    elif isinstance(node, Neg):
        yield from _constants(node.child, within)
    elif isinstance(node, Quant):
        yield from _constants(node.condition, node.key)


def _values(constants: list[Any], fact_type: str) -> st.SearchStrategy[Any]:
    """A fact's possible raw values: the constants it is compared with, near misses and spellings."""
    choices: list[Any] = []
    for c in constants:
        for value in c if isinstance(c, list) else [c]:
            if isinstance(value, bool):
                choices += [True, False]
            elif isinstance(value, int | float):
                choices += [value - 1, value, value + 1]
            elif isinstance(value, str):
                choices += [value, value.upper(), f"  {value.replace(' ', '  ')} "]
    if fact_type == "object":
        choices.append({"type": "epikrise"})
    elif not choices or any(isinstance(c, str) for c in choices):
        choices.append("annet")
    return st.sampled_from(choices)


@st.composite
def fact_maps(draw: st.DrawFn, logic: Logic, bases: list[dict[str, Any]]) -> dict[str, Any]:
    """Facts as Dialogvakt derives them: a corpus message's, with some facts removed or changed
    (every one of them, in a third of the cases), and the evaluation date anywhere around the
    validity window."""
    constants: dict[tuple[str, ...], list[Any]] = {}
    for node in logic.conditions:
        for where, value in _constants(node):
            constants.setdefault(where, []).append(value)
    info = catalogue()
    values = dict(draw(st.sampled_from(bases)))
    start, end = logic.pack.valid_from, logic.pack.valid_to or logic.pack.valid_from
    if draw(st.booleans()):
        day = draw(st.dates(start - dt.timedelta(days=30), end + dt.timedelta(days=30)))
        values.update(tidspunkt=dt.datetime.combine(day, dt.time(10), OSLO), tidspunkt_dato=day)
    change = draw(st.sampled_from([8, 3, 1]))  # one in 8, one in 3 or every fact
    for spec in logic.inputs:
        if spec.key == "tidspunkt_dato" or draw(st.integers(0, change - 1)) != 0:
            continue
        if draw(st.integers(0, 3)) == 0:
            values.pop(spec.path, None)  # missing
            continue
        if spec.fields:
            fields = {name: [c for (key, name2, _) in spec.fields if name2 == name
                             for c in constants.get((spec.key, key), [])]
                      for _, name, _ in spec.fields}
            values[spec.path] = [{name: draw(_values(cs, "string")) for name, cs in fields.items()
                                  if draw(st.integers(0, 3)) != 0}
                                 for _ in range(draw(st.integers(0, 3)))]
            continue
        keys = [s.key for s in logic.inputs if s.path == spec.path]
        found = [c for k in keys for c in constants.get((k,), [])]
        fact = info.get(spec.path)
        values[spec.path] = draw(_values(found, fact.type if fact else "string"))
    return values


@pytest.fixture(scope="module")
def bases(logic: Logic, reference: Engine) -> list[dict[str, Any]]:
    """The facts the logic reads of every corpus message (and the evaluation time)."""
    read = {"tidspunkt", *(spec.path for spec in logic.inputs)}
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        values = reference.facts(json.loads(line)).values
        out.append({path: values[path] for path in read if path in values})
    return out


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_each_peer_gives_dialogvakts_answer_when_facts_are_missing_or_changed(
        data: st.DataObject, logic: Logic, reference: Engine, all_peers: dict[str, Peer],
        bases: list[dict[str, Any]]) -> None:
    values = data.draw(fact_maps(logic, bases))
    expected = logic.from_result(evaluate_pack(reference.programs[logic.pack.id], values))
    prepared = logic.prepare(values)
    for name in PEERS:
        peer = all_peers[name]
        assert peer.read(peer.run(peer.adapt(prepared))) == expected, (name, values)
