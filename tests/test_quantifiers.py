"""each / some over a list of objects: a rule about the recipient holds for every recipient, copies included."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest

from engine import Engine, PackError
from engine.contract.identifiers import example_number
from engine.eval.explain import explain, explain_text

KOMMUNE = {"kategori": "kommune", "organisasjon": "Bergen kommune", "tjeneste": "Sykepleiertjeneste"}
SYKEHUS = {"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus",
           "helseforetak": "Helse Bergen HF", "tjeneste": "Lungesykdommer"}
BASE = {"tidspunkt": "2025-06-02T10:00:00+02:00",
        "melding": {"type": "foresporsel", "avsender": SYKEHUS, "mottakere": [KOMMUNE],
                    "pasient": {"id": example_number("fnr", seed=3)}},
        "kontekst": {"pasientstatus": "poliklinisk"}}

RULES = """
- id: hver-mottaker-en-kjent-tjeneste
  source: {section: "1"}
  effect: deny
  when:
    not:
      each: melding.mottakere
      when: {fact: tjeneste, in: [Sykepleiertjeneste, Saksbehandling]}
  message: «{melding.mottakere.tjeneste}» er ikke en av tjenesteadressene.
- id: noen-mottaker-er-sykehus
  source: {section: "2"}
  effect: advice
  when:
    some: melding.mottakere
    when:
      all:
        - {fact: kategori, equals: sykehus}
        - {fact: kontekst.pasientstatus, equals: innlagt}
  message: En mottaker er et sykehus ({melding.mottakere.organisasjon}) og pasienten er innlagt.
"""


def _engine(tmp_path: Path, rules: str = RULES) -> Engine:
    folder = tmp_path / "kvantor"
    folder.mkdir()
    (folder / "pack.yaml").write_text(textwrap.dedent("""\
        format: dialogvakt/pack-v1
        id: kvantor
        title: Kvantorer
        issuer: Test
        document: {id: K, title: Kvantorer, citation: K}
        valid_from: 2020-01-01
        scope: {description: alt, when: {fact: melding.type, exists: true}}
        """), encoding="utf-8")
    (folder / "rules.yaml").write_text("rules:\n" + textwrap.indent(textwrap.dedent(rules), "  "), encoding="utf-8")
    return Engine.from_directory(tmp_path)


def _request(*recipients: dict, status: str | None = "poliklinisk") -> dict:
    req = copy.deepcopy(BASE)
    req["melding"]["mottakere"] = [dict(r) for r in recipients]
    if status is None:
        del req["kontekst"]
    else:
        req["kontekst"]["pasientstatus"] = status
    return req


def test_each_holds_for_every_recipient_copies_included(tmp_path):
    engine = _engine(tmp_path)
    assert engine.evaluate(_request(KOMMUNE)).decision == "allow"
    assert engine.evaluate(_request(KOMMUNE, {**KOMMUNE, "tjeneste": "Saksbehandling"})).decision == "allow"
    copy_to_other = _request(KOMMUNE, {**KOMMUNE, "tjeneste": "Barnevern"})  # the first recipient is fine
    decision = engine.evaluate(copy_to_other)
    assert decision.decision == "deny"
    (reason,) = decision.reasons
    assert reason.message == "«Barnevern» er ikke en av tjenesteadressene."  # names the recipient that failed
    assert reason.facts["melding.mottakere.tjeneste"] == ["Barnevern"]


def test_each_is_three_valued_an_unknown_element_leaves_it_open_unless_another_decides(tmp_path):
    engine = _engine(tmp_path)
    unknown = engine.evaluate(_request(KOMMUNE, {"kategori": "kommune", "organisasjon": "Askøy kommune"}))
    assert unknown.decision == "indeterminate"
    assert [m.fact for m in unknown.missing if m.decisive] == ["melding.mottakere[1].tjeneste"]
    decided = engine.evaluate(_request({"kategori": "kommune"}, {**KOMMUNE, "tjeneste": "Barnevern"}))
    assert decided.decision == "deny"  # one element fails: each is false whatever the unknown one is


def test_some_finds_an_element_and_reads_facts_of_the_message_inside(tmp_path):
    engine = _engine(tmp_path)
    assert not engine.evaluate(_request(KOMMUNE, SYKEHUS)).advice
    advice = engine.evaluate(_request(KOMMUNE, SYKEHUS, status="innlagt")).advice
    assert [a.message for a in advice] == [
        "En mottaker er et sykehus (Haukeland universitetssjukehus) og pasienten er innlagt."]


def test_the_trace_and_explain_show_each_element(tmp_path):
    engine = _engine(tmp_path)
    req = _request(KOMMUNE, {**KOMMUNE, "tjeneste": "Barnevern"})
    doc = explain(engine, req)
    (rule,) = [r for r in doc["packs"][0]["rules"] if r["rule"] == "hver-mottaker-en-kjent-tjeneste"]
    node = rule["conditions"][0]["not"][0]
    assert node["each"] == "melding.mottakere" and node["result"] == "false"
    assert [e["result"] for e in node["elements"]] == ["true", "false"]
    assert node["elements"][1]["conditions"][0]["fact"] == "melding.mottakere[1].tjeneste"
    text = explain_text(doc)
    assert "for hver i melding.mottakere" in text and "nr. 2" in text and "Barnevern" in text


def test_the_generated_function_leaves_quantified_rules_to_their_closure(tmp_path):
    engine = _engine(tmp_path)
    program = engine.programs["kvantor"]
    for req in (_request(KOMMUNE), _request(KOMMUNE, {**KOMMUNE, "tjeneste": "X"}), _request({"kategori": "kommune"})):
        values = engine.facts(req).values
        fired, undecided = program.run(values)
        expected = [t(values) for t in program.tests]
        assert [r.id for r in fired] == [r.id for r, x in zip(program.pack.rules, expected, strict=True) if x is True]
        assert [r.id for r in undecided] == [r.id for r, x in zip(program.pack.rules, expected, strict=True)
                                             if x is None]


@pytest.mark.parametrize(("rules", "said"), [
    ("""
     - id: ikke-en-liste
       source: {section: "1"}
       effect: deny
       when: {each: melding.tekst, when: {fact: tjeneste, exists: true}}
       message: x
     """, "'each' går gjennom en liste av oppslag"),
    ("""
     - id: ukjent-felt
       source: {section: "1"}
       effect: deny
       when: {some: melding.mottakere, when: {fact: tjenste, exists: true}}
       message: x
     """, "ukjent faktum 'tjenste'; mente du tjeneste?"),
])
def test_mistakes_in_a_quantifier_name_the_place(tmp_path, rules, said):
    with pytest.raises(PackError) as caught:
        _engine(tmp_path, rules)
    assert said in str(caught.value) and "rules.yaml:" in str(caught.value)
