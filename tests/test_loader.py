"""Broken packs fail validation with file:line:column and a message a policy author understands."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.lang.compiler import compile_pack
from engine.lang.loader import PackError

from .conftest import ROOT

PACK = ROOT / "policies" / "helse-bergen-d81023"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    target = tmp_path / "helse-bergen-d81023"
    shutil.copytree(PACK, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text and return the 1-based line where the replacement starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def problems(folder: Path) -> list[str]:
    with pytest.raises(PackError) as exc:
        compile_pack(folder)
    return [str(p) for p in exc.value.problems]


def test_bundled_pack_is_valid():
    pack = compile_pack(PACK)
    assert pack.id == "helse-bergen-d81023" and len(pack.rules) > 20
    assert not pack.warnings


def test_misspelt_key_names_file_line_and_allowed_keys(pack):
    line = edit(pack / "rules.yaml", "    effect: advice\n    when:\n      fact: melding.tekst_lengde",
                "    efect: advice\n    when:\n      fact: melding.tekst_lengde")
    found = problems(pack)
    assert any(re.search(rf"rules.yaml:{line}:\d+: feil \[ukjent-nokkel\] \(regel [^)]+\): "
                         r".*ukjent nøkkel 'efect'.*tillatt her: .*effect", p)
               for p in found), found


def test_bad_effect_lists_allowed_effects(pack):
    line = edit(pack / "rules.yaml", "    effect: advice\n    when:\n      fact: melding.tekst_lengde",
                "    effect: allow\n    when:\n      fact: melding.tekst_lengde")
    found = problems(pack)
    assert any(f"rules.yaml:{line}:" in p and "'allow' er ikke tillatt" in p and "deny, advice, obligation" in p
               for p in found), found


def test_unknown_vocabulary(pack):
    line = edit(pack / "rules.yaml", "in: {vocabulary: kommunale_tjenester}", "in: {vocabulary: kommunale_tjenster}")
    found = problems(pack)
    assert any(f"rules.yaml:{line}:" in p
               and "ukjent ordliste 'kommunale_tjenster' (mente du 'kommunale_tjenester'?)" in p
               for p in found), found


def test_duplicate_rule_id_points_at_both(pack):
    line = edit(pack / "rules.yaml", "  - id: d81023-4.5-vedlegg", "  - id: d81023-4.5-ren-tekst")
    found = problems(pack)
    assert any(f"rules.yaml:{line}:" in p and "regel-id 'd81023-4.5-ren-tekst' er brukt før" in p
               and "første gang i" in p for p in found), found


def test_unknown_fact_suggests_close_names(pack):
    line = edit(pack / "rules.yaml", "      fact: melding.har_vedlegg", "      fact: melding.vedleg")
    found = problems(pack)
    assert any(f"rules.yaml:{line}:" in p and "ukjent faktum 'melding.vedleg'" in p for p in found), found


def test_value_outside_a_facts_enum(pack):
    line = edit(pack / "rules.yaml", "      not_in: [foresporsel, svar]", "      not_in: [foresporsl, svar]")
    found = problems(pack)
    assert any(f"rules.yaml:{line}:" in p
               and "'foresporsl' er ikke en mulig verdi for melding.type (mente du 'foresporsel'?)" in p
               for p in found), found


def test_deny_on_free_text_is_refused(pack):
    condition = "    when:\n      fact: melding.tekst\n      contains_any: {vocabulary: forkortelser}"
    edit(pack / "rules.yaml", "    effect: advice\n" + condition, "    effect: deny\n" + condition)
    found = problems(pack)
    assert any("bygger på ord i fritekst" in p and "effect: advice" in p for p in found), found


def test_template_may_not_show_patient_number(pack):
    edit(pack / "rules.yaml", "Pasienten har {melding.pasient.id_type}.", "Pasienten har {melding.pasient.id}.")
    found = problems(pack)
    assert any("kan ikke vise pasientens nummer" in p for p in found), found


def test_invalid_regular_expression(pack):
    line = edit(pack / "pack.yaml", "      - '(?:^|\\W)oppgaven?( er)? (utført|gjort|ordnet)(?:\\W|$)'",
                "      - '(?:^|\\W)oppgaven?( er (utført'")
    found = problems(pack)
    assert any(f"pack.yaml:{line}:9:" in p and "mønsteret kan ikke kjøres" in p for p in found), found


def test_duplicate_yaml_key(pack):
    line = edit(pack / "pack.yaml", "valid_to: 2026-03-20", "valid_to: 2026-03-20\nvalid_to: 2027-03-20")
    found = problems(pack)
    assert any(f"pack.yaml:{line + 1}:1: feil [duplikat-nokkel]: nøkkelen 'valid_to' står to ganger" in p
               for p in found), found


def test_yaml_syntax_error_has_position(pack):
    edit(pack / "pack.yaml", "id: helse-bergen-d81023", "id: [helse-bergen-d81023")
    found = problems(pack)
    assert any(re.search(r"pack.yaml:\d+:\d+: feil \[yaml-syntaks\]: YAML-syntaksfeil", p) for p in found), found


def test_python_tags_are_refused_not_executed(pack, tmp_path):
    marker = tmp_path / "executed"
    line = edit(pack / "pack.yaml", "issuer: Helse Bergen HF, Haukeland universitetssjukehus",
                f"issuer: !!python/object/apply:os.system ['touch {marker}']")
    found = problems(pack)
    assert any(f"pack.yaml:{line}:9: feil [yaml-merke]: YAML-merket" in p for p in found), found
    assert not marker.exists()


def test_pack_id_must_match_folder(pack, tmp_path):
    moved = tmp_path / "annet-navn"
    pack.rename(moved)
    found = problems(moved)
    assert any("må være lik mappenavnet 'annet-navn'" in p for p in found), found


def test_validate_command_exit_codes(pack, capsys):
    assert main(["validate", str(pack)]) == 0
    assert "helse-bergen-d81023: i orden (0 feil" in capsys.readouterr().out
    edit(pack / "rules.yaml", "    effect: deny\n    when:\n      fact: melding.antall_mottakere",
         "    effect: forbid\n    when:\n      fact: melding.antall_mottakere")
    assert main(["validate", str(pack)]) == 1
    out = capsys.readouterr().out
    assert "UGYLDIG" in out and "'forbid' er ikke tillatt" in out


def test_unused_vocabulary_is_a_warning(pack, capsys):
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    (pack / "pack.yaml").write_text(text + "\n  ubrukt:\n    terms: [a]\n", encoding="utf-8")
    compiled = compile_pack(pack)
    assert any("ordlisten 'ubrukt' brukes ikke av noen regel" in str(w) for w in compiled.warnings)
