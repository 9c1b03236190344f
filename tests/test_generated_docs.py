"""docs/traceability.md and features/README.md are generated; they must match the packs and steps (make docs)."""

from __future__ import annotations

from pathlib import Path

from engine.steps import catalogue_markdown
from engine.trace import trace_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_traceability_table_is_in_step_with_the_packs(engine):
    expected = trace_markdown(engine.packs.values()) + "\n"
    actual = (ROOT / "docs" / "traceability.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/traceability.md is out of date; run `make docs`"


def test_step_catalogue_is_in_step_with_the_step_library():
    expected = catalogue_markdown() + "\n"
    actual = (ROOT / "features" / "README.md").read_text(encoding="utf-8")
    assert actual == expected, "features/README.md is out of date; run `make docs`"
