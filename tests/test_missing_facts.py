"""missing[] names only the facts whose absence left a rule undecided."""

from __future__ import annotations

from engine.eval.closures import undecided_facts
from engine.lang.tree import All, AnyOf, Compare, FactRef, Not


def eq(fact, value):
    return Compare("equals", fact, value, value)


def absent(fact):
    return Compare("exists", fact, False, False)


def test_a_decided_condition_names_nothing():
    assert undecided_facts(eq("a", 1), {"a": 1}) == ()
    assert undecided_facts(AnyOf((eq("a", 1), eq("b", 2))), {"a": 1}) == ()      # true branch decides
    assert undecided_facts(All((eq("a", 1), eq("b", 2))), {"a": 0}) == ()        # false branch decides


def test_an_undecided_condition_names_the_unknown_facts_that_matter():
    cond = All((eq("a", 1), AnyOf((eq("b", 2), eq("c", 3))), Not(eq("d", 4))))
    assert undecided_facts(cond, {"a": 1, "b": 0}) == ("c", "d")
    assert undecided_facts(cond, {"b": 0}) == ("a", "c", "d")
    assert undecided_facts(cond, {"b": 0, "c": 0}) == ()                          # the any is false: decided


def test_facts_tested_with_exists_are_never_missing():
    cond = All((eq("status", "x"), AnyOf((absent("ref"), eq("ref", "y")))))
    assert undecided_facts(cond, {}) == ("status",)


def test_a_comparison_with_another_fact_names_whichever_is_absent():
    cmp = Compare("le", "a", FactRef("b"), {"fact": "b"})
    assert undecided_facts(cmp, {"a": 1}) == ("b",)
    assert undecided_facts(cmp, {"b": 1}) == ("a",)


def test_decision_lists_only_what_matters(engine):
    # an outpatient message from a municipality in SØ's area, with no patient status: the status
    # and the admission are named; facts tested only for presence are not
    request = {
        "tidspunkt": "2025-06-02T10:00",
        "melding": {"type": "foresporsel",
                    "avsender": {"kategori": "kommune", "organisasjon": "Fredrikstad kommune",
                                 "tjeneste": "Sykepleietjeneste"},
                    "mottakere": [{"kategori": "sykehus", "organisasjon": "Sykehuset Østfold",
                                   "tjeneste": "Lungesykdommer"}],
                    "pasient": {"id": "01017010170"}},
    }
    decision = engine.evaluate(request)
    named = {m.fact for m in decision.missing if m.decisive}
    assert decision.decision == "indeterminate"
    assert {"kontekst.pasientstatus", "kontekst.innleggelse"} <= named
    assert "kontekst.henvisning_sendt_dato" not in named
    assert "kontekst.siste_kontakt_dato" not in named
