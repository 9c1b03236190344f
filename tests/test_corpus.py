"""The generated corpus: deterministic, shipped as generated, valid, and spread over every pack and decision."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine import Engine
from engine.authoring.corpus import CORPUS_FILE, corpus_data, generate, spread, write, write_folder
from engine.cli import main
from engine.contract.identifiers import classify

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"


def recorded_command() -> tuple[int, int]:
    """The n and seed that corpus/README.md says the shipped corpus was made with."""
    text = (SHIPPED / "README.md").read_text(encoding="utf-8")
    m = re.search(r"dialogvakt corpus --n (\d+) --seed (\d+) --out corpus", text)
    assert m, "corpus/README.md must record the command that made the corpus"
    return int(m.group(1)), int(m.group(2))


@pytest.fixture(scope="module")
def shipped_requests() -> list[dict]:
    lines = (SHIPPED / CORPUS_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def shipped_spread(shipped_requests):
    return spread(Engine.from_directory(ROOT / "policies", allow_synthetic_ids=True), shipped_requests)


def test_regenerating_with_the_recorded_seed_gives_the_shipped_files(tmp_path):
    n, seed = recorded_command()
    write_folder(tmp_path, n, seed)
    for name in (CORPUS_FILE, "README.md"):
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another():
    assert write(50, 11) == write(50, 11)
    assert write(50, 11) != write(50, 12)
    assert write(20, 11).splitlines() == write(50, 11).splitlines()[:20]  # n only cuts the sequence


def test_a_few_thousand_messages_with_unique_ids(shipped_requests):
    ids = [r["melding"]["id"] for r in shipped_requests]
    assert len(ids) >= 2000
    assert len(set(ids)) == len(ids)


def test_every_message_follows_the_input_contract(shipped_spread):
    assert shipped_spread.invalid == 0
    assert shipped_spread.messages == len((SHIPPED / CORPUS_FILE).read_text(encoding="utf-8").splitlines())


def test_patient_numbers_are_synthetic_or_help_numbers(shipped_requests):
    for request in shipped_requests:
        number = request["melding"]["pasient"]["id"]
        kind = classify(number, allow_synthetic=True)
        assert kind.synthetic or number[0] in "89", "a real-looking patient number is in the corpus"


def test_the_corpus_is_not_accepted_outside_a_test_environment(shipped_requests):
    from engine import InputError

    synthetic = next(r for r in shipped_requests if r["melding"]["pasient"]["id"][0] not in "89")
    with pytest.raises(InputError):
        Engine.from_directory(ROOT / "policies").evaluate(synthetic)


def test_every_pack_is_chosen_for_a_good_share_of_messages(shipped_spread):
    packs = {p.name for p in (ROOT / "policies").iterdir() if (p / "pack.yaml").is_file()}
    assert set(shipped_spread.packs) == packs
    for pack in packs:
        assert shipped_spread.packs[pack] >= 0.05 * shipped_spread.messages, pack


def test_every_decision_kind_occurs(shipped_spread):
    for kind in ("allow", "deny", "indeterminate", "not_applicable"):
        assert shipped_spread.decisions[kind] >= 0.02 * shipped_spread.messages, kind


def test_the_validity_window_of_d81023_matters(shipped_spread):
    for state in ("valid", "expired", "not_yet_valid"):
        assert shipped_spread.validity[("helse-bergen-d81023", state)] > 0, state


def test_most_rules_fire_somewhere(shipped_spread):
    rules = [r for ids in shipped_spread.all_rules.values() for r in ids]
    silent = shipped_spread.silent_rules()
    assert len(silent) <= 0.1 * len(rules), silent


def test_messages_draw_their_organisations_from_the_data_file(shipped_requests):
    data = corpus_data()
    known = {org["organisasjon"] for pool in data["organisations"].values() for org in pool}
    for request in shipped_requests[:500]:
        for party in [request["melding"]["avsender"], *request["melding"]["mottakere"]]:
            assert party["organisasjon"] in known


def test_generate_rejects_a_negative_count():
    with pytest.raises(ValueError):
        list(generate(-1, 1))


def test_cli_writes_jsonl_to_standard_output(capsys):
    assert main(["corpus", "--n", "4", "--seed", "3"]) == 0
    assert capsys.readouterr().out == write(4, 3)


def test_cli_writes_a_folder_and_prints_the_spread(tmp_path, capsys):
    assert main(["corpus", "--n", "40", "--seed", "3", "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "c" / CORPUS_FILE).read_text(encoding="utf-8") == write(40, 3)
    assert out.startswith("40 meldinger (0 ugyldige)")
    assert "Regler som aldri slo til:" in out
    assert re.search(r"^  d81023-6-svartid +\d+$", out, re.M)


def test_cli_refuses_a_negative_count(capsys):
    assert main(["corpus", "--n", "-3", "--seed", "1"]) == 2
    assert "--n" in capsys.readouterr().err
