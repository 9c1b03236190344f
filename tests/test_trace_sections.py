"""Traces list a pack's sections in document order when the pack names them; local word lists are shown."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine import PackError
from engine.authoring.trace import trace_markdown, trace_rows
from engine.lang.compiler import compile_pack, section_heading

BASE = {
    "format": "dialogvakt/pack-v1",
    "id": "rekkefolge",
    "title": "Test",
    "issuer": "Test",
    "document": {"id": "T", "title": "T", "citation": "T"},
    "valid_from": "2020-01-01",
    "scope": {"description": "alle", "when": {"fact": "melding.type", "equals": "foresporsel"}},
    "vocabularies": {"ord": {"local_interpretation": True, "description": "Ord valgt lokalt.", "match": "word",
                             "terms": ["haster"]}},
    "rules": [
        {"id": "c", "source": {"section": "Vedlegg 2"}, "effect": "deny",
         "when": {"fact": "melding.tekst", "exists": False}, "message": "c"},
        {"id": "b", "source": {"section": "Felles ansvar 10"}, "effect": "advice",
         "when": {"fact": "melding.tekst", "contains_any": {"vocabulary": "ord"}}, "message": "b"},
        {"id": "a", "source": {"section": "Felles ansvar 4"}, "effect": "deny",
         "when": {"fact": "melding.formal", "equals": "bekreftelse"}, "message": "a"},
    ],
    "not_checkable": [{"source": {"section": "Hensikt og omfang"}, "kind": "informational", "reason": "formål"}],
}


def compile_with(tmp_path: Path, **extra):
    folder = tmp_path / "rekkefolge"
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump({**BASE, **extra}, allow_unicode=True), encoding="utf-8")
    return compile_pack(folder)


def test_section_heading_picks_the_longest_heading():
    headings = ["Dialogmelding", "Dialogmelding skal ikke benyttes ved", "Vedlegg 1"]
    assert section_heading("Dialogmelding skal ikke benyttes ved 2", headings) == 1
    assert section_heading("Dialogmelding", headings) == 0
    assert section_heading("Vedlegg 1", headings) == 2
    assert section_heading("Vedlegg 10", headings) is None


def test_without_sections_the_order_is_by_name_and_number(tmp_path):
    pack = compile_with(tmp_path)
    assert [r["section"] for r in trace_rows(pack)] == ["Felles ansvar 4", "Felles ansvar 10", "Hensikt og omfang",
                                                        "Vedlegg 2"]


def test_sections_give_document_order_and_items_by_number(tmp_path):
    pack = compile_with(tmp_path, sections=["Hensikt og omfang", "Felles ansvar", "Vedlegg 2"])
    assert not pack.warnings
    assert [r["section"] for r in trace_rows(pack)] == ["Hensikt og omfang", "Felles ansvar 4", "Felles ansvar 10",
                                                        "Vedlegg 2"]


def test_a_section_outside_the_list_is_an_error_with_its_place(tmp_path):
    """A rule that cites a section the pack's list does not have cites nothing the guideline says: an error."""
    with pytest.raises(PackError) as caught:
        compile_with(tmp_path, sections=["Hensikt og omfang", "Felles ansvar"])
    messages = [str(p) for p in caught.value.problems]
    assert any("avsnittet 'Vedlegg 2' er ikke ett av pakkens avsnitt" in m and "pack.yaml:" in m
               and "feil [ukjent-avsnitt]" in m for m in messages)


def test_conversation_rules_cite_the_pack_sections_and_show_under_them(tmp_path):
    rule = {"id": "traad", "title": "Ny tråd",
            "source": {"section": "Felles ansvar 7", "quote": "samme problemstilling"}, "effect": "deviation",
            "finding": "annen_problemstilling", "message": "Ny tråd.",
            "events": [{"as": "forste", "event": "melding", "when": {"fact": "samtale.forste", "equals": True}}]}
    pack = compile_with(tmp_path, sections=["Hensikt og omfang", "Felles ansvar", "Vedlegg 2"],
                        conversation_rules=[rule])
    assert not pack.warnings
    (row,) = [r for r in trace_rows(pack) if r["section"] == "Felles ansvar 7"]
    assert row["rules"] == [{"rule": "traad", "effect": "monitor:annen_problemstilling", "title": "Ny tråd"}]
    assert [r["section"] for r in trace_rows(pack)].index("Felles ansvar 7") == 2  # after Felles ansvar 4


def test_a_conversation_rule_outside_the_sections_is_an_error(tmp_path):
    rule = {"id": "traad", "source": {"section": "Utforming 7"}, "effect": "deviation",
            "finding": "annen_problemstilling", "message": "Ny tråd.",
            "events": [{"as": "forste", "event": "melding", "when": {"fact": "samtale.forste", "equals": True}}]}
    with pytest.raises(PackError) as caught:
        compile_with(tmp_path, sections=["Hensikt og omfang", "Felles ansvar", "Vedlegg 2"],
                     conversation_rules=[rule])
    messages = [str(p) for p in caught.value.problems]
    assert any("avsnittet 'Utforming 7' er ikke ett av pakkens avsnitt" in m and "pack.yaml:" in m for m in messages)


def test_markdown_lists_local_word_lists(tmp_path):
    text = trace_markdown([compile_with(tmp_path)])
    assert "Lokale tolkninger (ordlister):" in text
    assert "- `ord`: Ord valgt lokalt." in text
