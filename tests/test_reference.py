"""Reference data in one place: the packs take hospitals and municipalities from referansedata.yaml."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from engine import Engine, PackError
from engine.contract.identifiers import example_number
from engine.lang.compiler import compile_pack

from .conftest import ROOT

VOSS = {"kategori": "sykehus", "organisasjon": "Voss sjukehus", "tjeneste": "Lungesykdommer"}
KOMMUNE = {"kategori": "kommune", "organisasjon": "Voss herad", "kommune": "Voss", "tjeneste": "Sykepleiertjeneste"}
FASTLEGE = {"kategori": "fastlege", "organisasjon": "Voss legesenter", "kommune": "Voss"}


def _request(*parties: dict) -> dict:
    return {"tidspunkt": "2025-06-02T10:00", "melding": {
        "type": "foresporsel", "avsender": parties[0], "mottakere": [parties[1]],
        "pasient": {"id": example_number("fnr", seed=5)}}, "kontekst": {"pasientstatus": "poliklinisk"}}


def test_two_packs_agree_that_voss_sjukehus_is_helse_bergen(engine: Engine):
    """Voss sjukehus and Haukeland are both Helse Bergen HF: D81023 and Helse Vest take that from one list."""
    d81023 = engine.evaluate(_request(KOMMUNE, VOSS))
    assert [p.id for p in d81023.packs] == ["helse-bergen-d81023"]
    hv = engine.evaluate(_request(FASTLEGE, VOSS))
    assert [p.id for p in hv.packs] == ["helse-vest-2017"]
    assert engine.packs["helse-bergen-d81023"].vocabularies["helse_bergen"].local_interpretation


def _folder_with_reference(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", root / "helse-bergen-d81023")
    (root / "referansedata.yaml").write_text(text, encoding="utf-8")
    return root / "helse-bergen-d81023"


def test_a_policies_folder_with_its_own_reference_data_uses_it_and_the_revision_follows(tmp_path):
    bundled = (ROOT / "policies" / "referansedata.yaml").read_text(encoding="utf-8")
    pack = compile_pack(_folder_with_reference(tmp_path, bundled))
    assert "voss sjukehus" in pack.vocabularies["helse_bergen"].exact
    narrowed = bundled.replace("Voss sjukehus, Voss sykehus, ", "")
    (tmp_path / "policies" / "referansedata.yaml").write_text(narrowed, encoding="utf-8")
    again = compile_pack(tmp_path / "policies" / "helse-bergen-d81023")
    assert "voss sjukehus" not in again.vocabularies["helse_bergen"].exact
    assert again.revision != pack.revision  # the decision says which reference data decided


def test_an_unknown_reference_names_the_place_and_what_there_is(tmp_path):
    folder = _folder_with_reference(tmp_path, (ROOT / "policies" / "referansedata.yaml").read_text(encoding="utf-8"))
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("reference: helse-bergen-hf", "reference: helse-bergn-hf"),
                                      encoding="utf-8")
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    (problem,) = caught.value.problems
    assert problem.code == "referansedata" and problem.location is not None
    assert problem.location.file.endswith("pack.yaml") and "mente du 'helse-bergen-hf'" in problem.message


def test_mistakes_in_the_reference_file_have_their_place(tmp_path):
    ring = ("format: dialogvakt/reference-v1\nvocabularies:\n"
            "  helse-bergen-hf:\n    include: [a]\n  a:\n    include: [helse-bergen-hf]\n")
    folder = _folder_with_reference(tmp_path, ring)
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    assert any("include går i ring" in str(p) and "referansedata.yaml:" in str(p) for p in caught.value.problems)
    (folder.parent / "referansedata.yaml").write_text("format: dialogvakt/reference-v1\nvocabularies:\n"
                                                      "  helse-bergen-hf:\n    termer: []\n", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    assert any("referansedata.yaml:4:" in str(p) for p in caught.value.problems)


def test_the_bundled_reference_data_serves_a_copied_pack(tmp_path):
    """A pack copied out alone (an author's working copy) takes the reference data bundled with the packs."""
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", tmp_path / "helse-bergen-d81023")
    pack = compile_pack(tmp_path / "helse-bergen-d81023")
    assert "voss sjukehus" in pack.vocabularies["helse_bergen"].exact
    assert copy.copy(pack.revision) == compile_pack(ROOT / "policies" / "helse-bergen-d81023").revision
