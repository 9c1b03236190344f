"""Every local reading is said to be local: in the clinician's message, in the dates, in the traceability document.

A text that gives no number, list or date leaves it to a local setting (local_interpretation: true); the
person who reads an answer built on one must be told.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.authoring.lint import local_settings
from engine.authoring.trace import trace_markdown
from engine.contract.identifiers import example_number
from engine.eval.engine import Engine
from engine.lang.compiler import compile_pack
from engine.lang.loader import bundled_policies_dir

BUNDLED = bundled_policies_dir()


def test_every_bundled_rule_on_a_local_setting_says_so(engine: Engine) -> None:
    seen = 0
    for pack in engine.packs.values():
        assert pack.source is not None
        for key in ("rules", "conversation_rules"):
            for raw in pack.source.data.get(key) or ():
                if local_settings(pack, raw):
                    seen += 1
                    assert "lokal" in raw["message"].casefold(), (pack.id, raw["id"])
    assert seen >= 10  # the bundled packs rest on local word lists, hours and municipality lists


def test_a_fired_rule_on_a_local_hour_count_says_it_is_local(engine: Engine) -> None:
    decision = engine.evaluate({
        "tidspunkt": "2025-06-02T10:00:00+02:00",
        "melding": {"type": "foresporsel",
                    "avsender": {"kategori": "kommune", "organisasjon": "Fredrikstad kommune", "kommune": "Fredrikstad",
                                 "tjeneste": "Sykepleietjeneste"},
                    "mottakere": [{"kategori": "sykehus", "organisasjon": "Sykehuset Østfold Kalnes",
                                   "tjeneste": "Lungesykdommer"}],
                    "pasient": {"id": example_number("fnr")}, "formal": "avklaring",
                    "tekst": "Lungesykdommer: Skal pasienten fortsatt bruke oksygen om natten?"},
        "kontekst": {"pasientstatus": "poliklinisk"}}, pack="sykehuset-ostfold")
    (duty,) = [o for o in decision.obligations if o.rule == "so-ansvar-5-applikasjonskvittering"]
    assert "24 timer er en lokal innstilling" in duty.message


def test_dates_read_from_another_document_are_said_to_be_local(engine: Engine) -> None:
    local = {p.id for p in engine.packs.values() if p.validity_local}
    assert {"sykehuset-ostfold", "sykehuset-ostfold-plo", "digital-dialog-fastlege"} <= local
    assert "helse-vest-2017" not in local  # its text names the day it was taken into use
    decision = engine.evaluate({
        "tidspunkt": "2012-05-02T10:00:00+02:00",
        "melding": {"type": "foresporsel",
                    "avsender": {"kategori": "kommune", "organisasjon": "Fredrikstad kommune", "kommune": "Fredrikstad",
                                 "tjeneste": "Sykepleietjeneste"},
                    "mottakere": [{"kategori": "sykehus", "organisasjon": "Sykehuset Østfold Kalnes",
                                   "tjeneste": "Lungesykdommer"}],
                    "pasient": {"id": example_number("fnr")}, "formal": "avklaring",
                    "tekst": "Lungesykdommer: Et spørsmål."},
        "kontekst": {"pasientstatus": "poliklinisk"}}, pack="sykehuset-ostfold")
    (validity,) = [a for a in decision.advice if a.rule == "sykehuset-ostfold.gyldighet"]
    assert "Datoen er en lokal innstilling" in validity.message
    assert "Digital samhandling" in validity.message


def test_a_pack_without_the_validity_note_gives_the_plain_advice(tmp_path: Path) -> None:
    folder = tmp_path / "sykehuset-ostfold"
    shutil.copytree(BUNDLED / "sykehuset-ostfold", folder)
    shutil.copy(BUNDLED / "referansedata.yaml", tmp_path / "referansedata.yaml")
    pack_yaml = folder / "pack.yaml"
    text = pack_yaml.read_text(encoding="utf-8")
    start = text.index("validity:\n")
    end = text.index("\n\n", start)
    pack_yaml.write_text(text[:start] + text[end + 2:], encoding="utf-8")
    assert compile_pack(folder).validity_local is None


def test_the_traceability_document_names_the_local_readings(engine: Engine) -> None:
    text = trace_markdown(engine.packs.values())
    assert "Datoene er en lokal tolkning" in text
    assert "Lokale tolkninger" in text
