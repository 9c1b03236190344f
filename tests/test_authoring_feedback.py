"""What a policy author sees after an edit: failing scenarios fail the commands, and explain says how text matches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.eval.describe import comparison_text

from .conftest import ROOT

FAILING = """# language: no
Egenskap: En endring som brøt et scenario
  Scenario: Et scenario som ikke lenger stemmer
    Gitt at tidspunktet er 2025-06-02 10:00
    Og at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og at pasienten er utskrevet
    Når meldingen vurderes
    Så er meldingen avvist
"""


@pytest.fixture
def features(tmp_path: Path) -> Path:
    folder = tmp_path / "features"
    (folder / "helse-bergen-d81023").mkdir(parents=True)
    shutil.copy(ROOT / "features" / "aktorer.yaml", folder / "aktorer.yaml")
    (folder / "helse-bergen-d81023" / "brutt.feature").write_text(FAILING, encoding="utf-8")
    return folder


def test_test_runs_the_scenarios_of_the_pack_and_fails_with_what_was_expected(
        features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", "helse-bergen-d81023", "-q", "--features", str(features)])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL Et scenario som ikke lenger stemmer" in out
    assert "Ventet avvist, men fikk avgjørelse ubestemt" in out
    assert "Traceback" not in out
    assert main(["test", "helse-bergen-d81023", "-q", "--no-features"]) == 0
    capsys.readouterr()


def test_test_leaves_out_scenarios_of_other_packs(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "helse-vest-2017", "-q", "--features", str(features), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scenarios"] == []


def test_coverage_exits_non_zero_when_a_scenario_fails(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["coverage", "helse-bergen-d81023", "--features", str(features)])
    out = capsys.readouterr().out
    assert "FEILET Scenario «Et scenario som ikke lenger stemmer»" in out
    assert code == 1


def test_explain_says_how_each_text_test_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)

    def steps(nodes: list) -> list:
        out = []
        for n in nodes:
            if "fact" in n:
                out.append(n)
            for key in ("all", "any", "not"):
                out += steps(n.get(key, []))
            for e in n.get("elements", []):
                out += steps(e["conditions"])
        return out

    text_tests = [s for p in doc["packs"] for r in p["rules"] for s in steps(r["conditions"])
                  if s["op"] in ("contains_any", "contains", "starts_with", "matches")]
    assert text_tests and all(s.get("match") for s in text_tests)
    assert {"word", "regex"} <= {s["match"] for s in text_tests}
    word = next(s for s in text_tests if s["match"] == "word")
    assert "som hele ord; «epikrise» treffer ikke «epikrisen»" in comparison_text(word)


def test_a_prefix_word_list_says_it_matches_the_start_of_words() -> None:
    step = {"fact": "melding.tekst", "op": "contains_any", "operand": {"vocabulary": "ord"}, "operand_value": ["a"],
            "match": "prefix", "value": "x", "result": "false"}
    assert "som begynnelsen av et ord" in comparison_text(step)
