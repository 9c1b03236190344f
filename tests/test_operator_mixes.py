"""The 'mixes' comparison: a list whose values fall under two or more terms of an exact vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine import Engine
from engine.lang.compiler import compile_pack
from engine.lang.loader import PackError

PACK = {
    "format": "dialogvakt/pack-v1",
    "id": "blanding",
    "title": "Test",
    "issuer": "Test",
    "document": {"id": "T", "title": "T", "citation": "T"},
    "valid_from": "2020-01-01",
    "scope": {"description": "alle", "when": {"fact": "melding.type", "equals": "foresporsel"}},
    "vocabularies": {
        "grupper": {"terms": [
            {"term": "kirurgi", "aliases": ["Ortopedisk kirurgi", "Karkirurgi"]},
            {"term": "medisin", "aliases": ["Lungesykdommer", "Hjertesykdommer"]},
        ]},
        "ord": {"match": "word", "terms": ["kirurgi"]},
    },
    "rules": [{
        "id": "blandet", "source": {"section": "1"}, "effect": "deny",
        "when": {"fact": "melding.fagomrader", "mixes": {"vocabulary": "grupper"}},
        "message": "Blandet.",
    }],
}


def write(tmp_path: Path, pack: dict) -> Path:
    folder = tmp_path / pack["id"]
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    return folder


def decide(engine: Engine, fagomrader: list[str] | None) -> str:
    melding = {"type": "foresporsel"}
    if fagomrader is not None:
        melding["fagomrader"] = fagomrader
    return engine.evaluate({"tidspunkt": "2025-06-02T10:00", "melding": melding}).decision


@pytest.fixture
def engine(tmp_path) -> Engine:
    return Engine([compile_pack(write(tmp_path, PACK))])


@pytest.mark.parametrize("fagomrader, decision", [
    (["kirurgi", "medisin"], "deny"),
    (["Ortopedisk kirurgi", "Lungesykdommer"], "deny"),
    (["ortopedisk  KIRURGI", "Karkirurgi", "kirurgi"], "allow"),   # one group, spelled loosely
    (["Lungesykdommer", "Hjertesykdommer"], "allow"),
    (["Lungesykdommer"], "allow"),
    ([], "allow"),
    (["Øyesykdommer", "Nevrologi"], "deny"),                          # two values outside the vocabulary
    (["Øyesykdommer", "Karkirurgi"], "deny"),
    (["Øyesykdommer", "øyesykdommer"], "allow"),
    (None, "allow"),                                                  # not declared: the rule does not fire
])
def test_mixes(engine, fagomrader, decision):
    assert decide(engine, fagomrader) == decision


def compile_problems(tmp_path: Path, when: dict) -> str:
    pack = {**PACK, "rules": [{**PACK["rules"][0], "when": when}]}
    with pytest.raises(PackError) as exc:
        compile_pack(write(tmp_path, pack))
    return str(exc.value)


def test_mixes_needs_a_list(tmp_path):
    assert "'mixes' krever en liste" in compile_problems(tmp_path, {"fact": "melding.tekst",
                                                                     "mixes": {"vocabulary": "grupper"}})


def test_mixes_needs_a_vocabulary(tmp_path):
    assert "'mixes' tar en ordliste" in compile_problems(tmp_path, {"fact": "melding.fagomrader", "mixes": ["kirurgi"]})


def test_mixes_needs_an_exact_vocabulary(tmp_path):
    text = compile_problems(tmp_path, {"fact": "melding.fagomrader", "mixes": {"vocabulary": "ord"}})
    assert "match: exact" in text and "pack.yaml:" in text
