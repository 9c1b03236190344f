"""The dialogvakt command: exit codes, one-line errors, no tracebacks, no patient numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.cli import main

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


def patient_numbers() -> set[str]:
    numbers = set()
    for path in EXAMPLES:
        pasient = json.loads(path.read_text(encoding="utf-8"))["melding"].get("pasient")
        if pasient:
            numbers.add(pasient["id"])
    return numbers


def test_examples_evaluate_with_citations_and_no_numbers():
    proc = run("evaluate", "--format", "text", *map(str, EXAMPLES))
    assert proc.returncode == 0, proc.stderr
    assert "Avgjørelse: AVVIST" in proc.stdout and "Avgjørelse: TILLATT" in proc.stdout
    assert "[D81023 v1.01 § 5.1]" in proc.stdout
    for number in patient_numbers():
        assert number not in proc.stdout + proc.stderr


EXPECTED = {
    "d81023-01-sporsmal-nylig-utskrevet.json": ("allow", set()),
    "d81023-02-oyeblikkelig-hjelp.json": ("deny", {"d81023-5.1-oyeblikkelig-hjelp"}),
    "d81023-03-innlagt-pasient.json": ("deny", {"d81023-5.6-innlagt-pasient"}),
    "d81023-04-vedlegg-og-kopi.json": ("deny", {"d81023-4.5-vedlegg", "d81023-4.6-en-mottaker"}),
    "d81023-05-laboratorium.json": ("deny", {"d81023-8-lab-rontgen"}),
    "d81023-06-h-nummer.json": ("deny", {"d81023-2-navngitt-pasient"}),
    "d81023-07-mangler-pasientstatus.json": ("indeterminate", set()),
    "d81023-08-sykehus-til-kommune.json": ("allow", set()),
    "d81023-09-utlopt-retningslinje.json": ("allow", set()),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_decisions(name, capsys):
    assert main(["evaluate", str(ROOT / "examples" / name)]) == 0
    decision = json.loads(capsys.readouterr().out)
    want, reasons = EXPECTED[name]
    assert decision["decision"] == want
    assert {r["rule"] for r in decision["reasons"]} == reasons
    for r in decision["reasons"]:
        assert r["source"]["document"] == "D81023 v1.01" and r["source"]["section"]


def test_invalid_json_is_one_line_with_position(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"melding": {"type": "foresporsel",}}', encoding="utf-8")
    proc = run("evaluate", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "bad.json:1:" in proc.stderr and "ugyldig JSON" in proc.stderr


def test_unknown_type_names_the_field(tmp_path):
    req = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    req["melding"]["type"] = "brev"
    proc = run("evaluate", "-", stdin=json.dumps(req))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "$.melding.type: ukjent verdi" in proc.stderr and proc.stderr.count("\n") == 1


def test_bad_check_digit_never_shows_the_number(tmp_path):
    req = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    number = req["melding"]["pasient"]["id"]
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    req["melding"]["pasient"]["id"] = broken
    proc = run("evaluate", "-", stdin=json.dumps(req))
    assert proc.returncode == 2
    assert "$.melding.pasient.id" in proc.stderr and broken not in proc.stderr and "Traceback" not in proc.stderr


def test_yaml_input_and_missing_file(tmp_path, capsys):
    req = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    import yaml
    path = tmp_path / "req.yaml"
    path.write_text(yaml.safe_dump(req, allow_unicode=True), encoding="utf-8")
    assert main(["evaluate", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "allow"
    assert main(["evaluate", str(tmp_path / "nope.json")]) == 2
    assert "finnes ikke" in capsys.readouterr().err


def test_unknown_pack_is_a_usage_error(capsys):
    assert main(["evaluate", "--pack", "finnes-ikke", str(EXAMPLES[0])]) == 2
    assert "ukjent retningslinje 'finnes-ikke'" in capsys.readouterr().err


def test_explain_shows_every_rule(capsys):
    assert main(["evaluate", "--explain", "--format", "text", str(EXAMPLES[1])]) == 0
    out = capsys.readouterr().out
    assert "[SLO TIL] helse-bergen-d81023 / d81023-5.1-oyeblikkelig-hjelp" in out
    assert "[slo ikke til] helse-bergen-d81023 / d81023-4.5-vedlegg" in out


def test_packs_lists_validity(capsys):
    assert main(["packs", "--at", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "helse-bergen-d81023" in out and "UTLØPT" in out
    assert main(["packs", "--at", "2025-06-01", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id": "helse-bergen-d81023", "validity": "valid"}.items() <= next(
        r for r in rows if r["id"] == "helse-bergen-d81023").items()


def test_pack_tests_command(capsys):
    assert main(["test"]) == 0
    out = capsys.readouterr().out
    assert "  PASS " in out and "FAIL" not in out and out.rstrip().endswith("– OK")


def test_trace_and_facts_and_steps(capsys):
    assert main(["trace", "helse-bergen-d81023"]) == 0
    out = capsys.readouterr().out
    assert "§ 5.6" in out and "d81023-5.6-innlagt-pasient (deny)" in out and "§ 9" in out
    assert main(["facts"]) == 0
    assert "kontekst.dager_siden_utskrivning" in capsys.readouterr().out
    assert main(["steg"]) == 0
    assert "Når meldingen vurderes" in capsys.readouterr().out
