"""Pack format additions: obligations without a deadline, headings for unnumbered documents, and
pack-test expectations about which packs a message selects."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine
from engine.authoring.packtests import check_case
from engine.authoring.trace import trace_rows
from engine.contract.identifiers import example_number
from engine.lang.compiler import compile_pack
from engine.lang.loader import PackError

PACK = """\
format: dialogvakt/pack-v1
id: {id}
title: Test
issuer: Test
document:
  id: T
  title: Test
  citation: T
sections: [Innledning, Bestill time, Kontakt legekontoret]
valid_from: 2020-01-01
scope:
  description: Test
  when: {{fact: melding.type, in: [kontakt_legekontoret, bestill_time]}}
rules:
  - id: plikt-uten-frist
    source: {{section: "Kontakt legekontoret, avsnitt 1"}}
    effect: obligation
    when: {{fact: melding.formal, equals: medisinsk}}
    obligation: {{kind: beskjed_til_pasient}}
    message: Gi pasienten beskjed.
    suggestions:
      - {{kind: kanal, value: e_konsultasjon, message: Send e-konsultasjon.}}
  - id: nei-til-valgt-time
    source: {{section: "Bestill time, avsnitt 2"}}
    effect: deny
    when: {{fact: melding.valgt_time, equals: true}}
    message: Nei.
not_checkable:
  - source: {{section: "Innledning, avsnitt 1", quote: Bakgrunn}}
    kind: informational
    reason: Bakgrunn.
  - source: {{section: "Bestill time, avsnitt 1", quote: Kalender}}
    kind: informational
    reason: Kalender.
"""


def _pack(tmp_path: Path, pack_id: str = "testpakke") -> Path:
    folder = tmp_path / pack_id
    folder.mkdir()
    (folder / "pack.yaml").write_text(PACK.format(id=pack_id), encoding="utf-8")
    return folder


def _request(**melding) -> dict:
    return {"tidspunkt": "2025-06-02T10:00",
            "melding": {"type": "kontakt_legekontoret", "pasient": {"id": example_number()}, **melding}}


def test_obligation_without_deadline_is_reported_without_due_and_with_its_suggestions(tmp_path: Path) -> None:
    engine = Engine.from_directory(_pack(tmp_path).parent)
    d = engine.evaluate(_request(formal="medisinsk")).to_dict()
    assert d["decision"] == "allow"
    [obligation] = d["obligations"]
    assert obligation["rule"] == "plikt-uten-frist" and obligation["kind"] == "beskjed_til_pasient"
    assert "due" not in obligation
    assert [(s["rule"], s["value"]) for s in d["suggestions"]] == [("plikt-uten-frist", "e_konsultasjon")]


def test_denied_message_carries_no_obligation_and_no_suggestion_from_it(tmp_path: Path) -> None:
    engine = Engine.from_directory(_pack(tmp_path).parent)
    d = engine.evaluate(_request(formal="medisinsk", valgt_time=True))
    assert d.decision == "deny"
    assert not d.obligations
    assert all(s.rule != "plikt-uten-frist" for s in d.suggestions)


def test_a_deadline_template_without_a_deadline_is_a_pack_error(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("Gi pasienten beskjed.", "Innen {due.senest}."), encoding="utf-8")
    with pytest.raises(PackError, match="ingen slik frist"):
        compile_pack(folder)


def test_trace_lists_unnumbered_sections_in_the_order_of_the_headings(tmp_path: Path) -> None:
    rows = trace_rows(compile_pack(_pack(tmp_path)))
    assert [r["section"] for r in rows] == [
        "Innledning, avsnitt 1", "Bestill time, avsnitt 1", "Bestill time, avsnitt 2",
        "Kontakt legekontoret, avsnitt 1"]


def test_numbered_sections_keep_number_order(engine: Engine) -> None:
    sections = [r["section"] for r in trace_rows(engine.packs["helse-bergen-d81023"])]
    numbers = [tuple(int(p) for p in s.split(".")) for s in sections]
    assert numbers == sorted(numbers)


def test_expected_packs_select_by_scope(tmp_path: Path, engine: Engine) -> None:
    pack = engine.packs["helse-vest-2017"]
    request = {"tidspunkt": "2025-06-02T10:00",
               "melding": {"type": "foresporsel", "pasient": {"id": example_number()},
                           "avsender": {"kategori": "sykehus", "helseforetak": "Helse Bergen HF"},
                           "mottakere": [{"kategori": "kommune", "organisasjon": "Bergen kommune"}]}}
    # selected by scope (D81023), not forced to the pack whose tests these are
    assert check_case(engine, pack, request, {"packs": ["helse-bergen-d81023"]}) == []
    assert check_case(engine, pack, request, {"packs": ["helse-vest-2017"]}) == [
        "pakkene som ble brukt er ['helse-bergen-d81023'], forventet ['helse-vest-2017']"]


def test_unknown_rule_ids_in_expectations_are_reported(engine: Engine) -> None:
    pack = engine.packs["helse-vest-2017"]
    request = {"melding": {"type": "foresporsel"}}
    problems = check_case(engine, pack, request, {"not_fired": ["hv2017-finnes-ikke"]})
    assert problems == ["ukjent regel-id hv2017-finnes-ikke i forventningen"]


def test_sections_must_be_a_list_of_headings(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("sections: [Innledning, Bestill time, Kontakt legekontoret]",
                                                   "sections: Innledning"), encoding="utf-8")
    with pytest.raises(PackError, match="sections"):
        compile_pack(folder)


def test_every_example_is_valid_input_and_governed_by_a_pack(engine: Engine) -> None:
    import json

    root = Path(__file__).resolve().parent.parent / "examples"
    for path in sorted(root.glob("*.json")):
        decision = engine.evaluate(json.loads(path.read_text(encoding="utf-8")))  # raises on bad input
        assert decision.packs, f"{path.name} selects no pack"

