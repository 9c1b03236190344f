"""Generated documents stay in step with the packs and the step library (regenerate with `make docs`)."""

from __future__ import annotations

from engine import Engine
from engine.authoring.trace import trace_markdown
from engine.steps.catalogue import catalogue_markdown

from .conftest import ROOT


def test_traceability_document_is_current(engine: Engine):
    current = (ROOT / "docs" / "traceability.md").read_text(encoding="utf-8")
    assert current.strip() == trace_markdown(engine.packs.values()).strip(), \
        "docs/traceability.md is out of date: run `make docs`"


def test_step_catalogue_is_current():
    current = (ROOT / "features" / "README.md").read_text(encoding="utf-8")
    assert current.strip() == catalogue_markdown().strip(), "features/README.md is out of date: run `make docs`"


def test_every_rule_and_unchecked_sentence_is_in_the_table(engine: Engine):
    text = (ROOT / "docs" / "traceability.md").read_text(encoding="utf-8")
    for pack in engine.packs.values():
        for rule in (*pack.rules, *pack.conversation):
            assert f"`{rule.id}`" in text
        for entry in pack.not_checkable:
            assert " ".join(entry["reason"].split())[:60] in text


def test_every_d81023_section_is_accounted_for(engine: Engine):
    pack = engine.packs["helse-bergen-d81023"]
    seed = (ROOT.parent / "shared" / "seeds" / pack.document["file"])
    covered = {r.source["section"] for r in pack.rules} | {e["source"]["section"] for e in pack.not_checkable}
    expected = {"1", "2", "3", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6",
                "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "6", "7", "8", "9"}
    assert expected <= covered, sorted(expected - covered)
    if seed.exists():  # the seed folder sits beside the repository on the development machine
        for heading in ("## 1 ", "## 5 ", "## 9 "):
            assert heading in seed.read_text(encoding="utf-8")
