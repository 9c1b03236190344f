"""Checking conversation rules: every mistake is reported with file:line:column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.lang.compiler import compile_pack
from engine.lang.loader import PackError
from engine.lang.tree import All, Compare, FactRef

PACK = """\
format: dialogvakt/pack-v1
id: proeve
title: Prøvepakke
issuer: Test
document: {id: P, title: Prøve, citation: P 1}
valid_from: 2025-01-01
scope:
  description: Alle.
  when: {fact: melding.type, exists: true}
parameters:
  dager: {type: integer, value: 5, description: Virkedager.}
vocabularies:
  takk: {match: word, terms: [takk]}
rules: []
"""

GOOD = """\
conversation_rules:
  - id: svar
    source: {section: "1", quote: Svar innen fem dager.}
    effect: deviation
    finding: svar_forfalt
    events:
      - as: sporsmal
        event: melding
        when: {fact: melding.type, equals: foresporsel}
      - as: svar
        event: melding
        absent: true
        within: frist
        when:
          all:
            - {fact: samtale.id, equals: {fact: sporsmal.samtale.id}}
            - {fact: melding.sendt, ge: {fact: sporsmal.melding.sendt}}
    due:
      frist: {from: sporsmal.melding.sendt, working_days: {param: dager}}
    message: Ikke besvart innen {due.frist} ({sporsmal.melding.mottaker.organisasjon}).
"""


def pack(tmp_path: Path, conversation: str):
    folder = tmp_path / "proeve"
    folder.mkdir(exist_ok=True)
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    (folder / "conversation.yaml").write_text(textwrap.dedent(conversation), encoding="utf-8")
    return compile_pack(folder)


def problems(tmp_path: Path, conversation: str) -> list[str]:
    with pytest.raises(PackError) as caught:
        pack(tmp_path, conversation)
    return [str(p) for p in caught.value.problems]


def test_a_good_rule_compiles_to_qualified_patterns(tmp_path) -> None:
    (rule,) = pack(tmp_path, GOOD).conversation
    first, answer = rule.patterns
    assert (first.alias, first.absent, answer.alias, answer.absent, answer.within) == (
        "sporsmal", False, "svar", True, "frist")
    join = answer.condition.children[0]
    assert join == Compare("equals", "svar.samtale.id", FactRef("sporsmal.samtale.id"),
                           {"fact": "sporsmal.samtale.id"}, True, "string")
    # the facts the answer is compared with must be known on the request
    assert isinstance(first.condition, All)
    assert {c.fact for c in first.condition.children if c.op == "exists"} == {
        "sporsmal.samtale.id", "sporsmal.melding.sendt"}
    assert rule.due[0].from_fact == "sporsmal.melding.sendt" and rule.due[0].amount == 5
    assert "sporsmal.melding.type" in rule.facts


@pytest.mark.parametrize("change, expected", [
    (("equals: foresporsel", "equals: forespørsel"), "'forespørsel' er ikke en mulig verdi for sporsmal.melding.type"),
    (("fact: samtale.id, equals", "fact: samtale.idd, equals"), "ukjent faktum 'svar.samtale.idd'"),
    (("- as: svar", "- as: melding"), "'melding' er navnet på et faktum"),
    (("within: frist", "within: fristen"), "'within' viser til 'fristen', men regelen har ingen slik frist"),
    (("{fact: samtale.id, equals: {fact: sporsmal.samtale.id}}",
      "{fact: samtale.id, contains: {fact: sporsmal.samtale.id}}"),
     "'contains' kan ikke sammenligne fakta fra to hendelser"),
    (("- {fact: samtale.id, equals: {fact: sporsmal.samtale.id}}\n",
      "- {fact: melding.type, equals: svar}\n"), "må knyttes til en tidligere hendelse med 'equals'"),
    (("from: sporsmal.melding.sendt", "from: svar.melding.sendt"), "en frist regnes fra tidspunktet for en hendelse"),
    (("({sporsmal.melding.mottaker.organisasjon})", "({sporsmal.pasient.pseudonym})"),
     "kan ikke vise pasientens nummer eller pseudonym"),
    (("({sporsmal.melding.mottaker.organisasjon})", "({svar.melding.sendt})"), "teksten viser 'svar.melding.sendt'"),
    (("effect: deviation", "effect: deny"), "'deny' er ikke tillatt; tillatte verdier: deviation, advice"),
])
def test_mistakes_are_reported_where_they_are(tmp_path, change, expected) -> None:
    old, new = change
    assert old in GOOD
    found = problems(tmp_path, GOOD.replace(old, new))
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(Path("proeve"))) or "conversation.yaml:" in p for p in found), found
    assert any("conversation.yaml:" in p for p in found)


def test_more_mistakes(tmp_path) -> None:
    absent_first = GOOD.replace("      - as: sporsmal\n        event: melding\n",
                                "      - as: sporsmal\n        event: melding\n        absent: true\n")
    assert any("kan ikke være fraværende" in p for p in problems(tmp_path, absent_first))
    subject = GOOD.replace("{fact: melding.sendt, ge: {fact: sporsmal.melding.sendt}}",
                           "{fact: sporsmal.melding.sendt, le: {fact: melding.sendt}}")
    assert any("sammenlign denne hendelsens eget faktum" in p for p in problems(tmp_path, subject))
    free_text = GOOD.replace("when: {fact: melding.type, equals: foresporsel}",
                             "when: {fact: melding.tekst, contains_any: {vocabulary: takk}}")
    assert any("bygger på ord i fritekst" in p for p in problems(tmp_path, free_text))
    patient = GOOD.replace("when: {fact: melding.type, equals: foresporsel}",
                           "when: {fact: melding.pasient.id, exists: true}")
    assert any("har aldri pasientens nummer" in p for p in problems(tmp_path, patient))
    twice = GOOD + GOOD.replace("conversation_rules:\n", "")
    assert any("regel-id 'svar' er brukt før" in p for p in problems(tmp_path, twice))


def test_the_pack_schema_names_the_conversation_rule_keys(tmp_path) -> None:
    found = problems(tmp_path, GOOD.replace("    finding: svar_forfalt\n", "    finding: svar_forfalt\n    fired: x\n"))
    assert any("ukjent nøkkel 'fired'" in p and "conversation.yaml:" in p for p in found), found


def test_scope_belongs_to_a_message_that_must_have_come(tmp_path) -> None:
    widened = GOOD.replace("      - as: sporsmal\n        event: melding\n",
                           "      - as: sporsmal\n        event: melding\n        scope: in_or_unknown\n")
    (rule,) = pack(tmp_path, widened).conversation
    assert [p.scope for p in rule.patterns] == ["in_or_unknown", "in"]
    on_absent = GOOD.replace("        absent: true\n", "        absent: true\n        scope: in_or_unknown\n")
    found = problems(tmp_path, on_absent)
    assert any("'scope' gjelder en melding som må ha kommet" in p and "conversation.yaml:" in p for p in found), found
    wrong = GOOD.replace("        event: melding\n        when: {fact: melding.type",
                         "        event: melding\n        scope: everywhere\n        when: {fact: melding.type")
    assert any("scope" in p and "everywhere" in p for p in problems(tmp_path, wrong))
