"""Quotes against the guideline's own words (validate --texts), and sections against the pack's list."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.authoring.lint import lint_pack
from engine.authoring.quotes import normalised, quoted_in
from engine.cli import main

from .conftest import ROOT

TEXT = normalised("""## 4 Utforming og innhold

1. Start meldingen med navn på fagområde og/eller mottaker.
5. Kun ren tekst kan benyttes i meldingene. Informasjon sendt i vedlegg vil ikke nå mottakeren.
Avklaringer og informasjons-
utveksling med helsestasjon. Forutsetter at «mor» har en aktiv forbindelse.
Forventet svartid er innen 3–5 arbeidsdager. Dialogmeldinger (*Forespørsel* og *Svar på forespørsel*)
""")


@pytest.mark.parametrize("quote", [
    "Start meldingen med navn på fagområde og/eller mottaker.",
    "kun ren tekst kan benyttes i meldingene",                      # case
    "Kun ren  tekst\n  kan benyttes",                                # white space and line breaks
    "Avklaringer og informasjonsutveksling med helsestasjon",       # a word hyphenated across a line
    'Forutsetter at "mor" har en aktiv forbindelse.',               # typographic quotes
    "forventet svartid er innen 3-5 arbeidsdager",                  # the kind of dash
    "Dialogmeldinger (Forespørsel og Svar på forespørsel)",         # the published text's markup
    "Start meldingen med ... og/eller mottaker",                    # words left out
    "Kun ren tekst kan benyttes i meldingene. / Forventet svartid", # passages joined
])
def test_a_quote_is_found_whatever_its_layout(quote):
    assert quoted_in(quote, TEXT)


@pytest.mark.parametrize("quote", [
    "Start meldingen med navn på mottaker.",                        # a word left out without saying so
    "Kun ren tekst skal benyttes i meldingene.",                     # a word changed
    "Forventet svartid ... Start meldingen",                        # parts in the wrong order
    "Informasjon sendt i vedlegg vil nå mottakeren",
])
def test_a_quote_the_text_does_not_say_is_not_found(quote):
    assert not quoted_in(quote, TEXT)


def test_every_quote_of_the_bundled_packs_is_in_its_guideline(seeds):
    """Runs in CI (the texts are beside the repository there), never skips there."""
    for folder in sorted((ROOT / "policies").glob("*/pack.yaml")):
        report = lint_pack(folder.parent, seeds)
        assert [str(p) for p in report.problems if p.code == "sitat-finnes-ikke"] == [], folder.parent.name


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "helse-bergen-d81023"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", folder)
    return folder


def test_validate_reports_a_quote_that_is_not_in_the_text_with_its_place(tmp_path, seeds, capsys):
    folder = _copy(tmp_path)
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    old = "quote: Kun ren tekst kan benyttes i meldingene."
    assert old in text
    rules.write_text(text.replace(old, "quote: Kun ren tekst skal benyttes i meldingene."), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    code = main(["validate", str(folder), "--texts", str(seeds), "--format", "json"])
    found = [p for p in json.loads(capsys.readouterr().out) if p["code"] == "sitat-finnes-ikke"]
    assert code == 1 and len(found) == 1
    assert found[0]["line"] == line and found[0]["rule"] == "d81023-4.5-ren-tekst"
    assert found[0]["severity"] == "error" and "står ikke i retningslinjens tekst" in found[0]["message"]
    assert main(["validate", str(folder)]) == 0  # without the texts nothing is said about quotes
    capsys.readouterr()


def test_a_section_that_is_not_in_the_packs_list_is_an_error(tmp_path, capsys):
    folder = _copy(tmp_path)
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace('section: "4.5"', 'section: "10"', 1), encoding="utf-8")
    code = main(["validate", str(folder), "--format", "json"])
    found = [p for p in json.loads(capsys.readouterr().out) if p["code"] == "ukjent-avsnitt"]
    assert code == 1 and found and all(p["severity"] == "error" for p in found)
    assert "'10' er ikke ett av pakkens avsnitt" in found[0]["message"]


def test_a_missing_texts_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", str(_copy(tmp_path)), "--texts", str(tmp_path / "finnes-ikke")]) == 2
    assert "--texts" in capsys.readouterr().err
