"""Rule coverage (engine/coverage.py, ``dialogvakt coverage``): every bundled rule has a test on both sides,
and the computation finds the gaps it should."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from engine import Engine
from engine.cli import main
from engine.coverage import ALLOW, DENY, CoverageReport, compute

from .conftest import ROOT

FEATURES = ROOT / "features"



@pytest.fixture(scope="module")
def bundled(engine: Engine) -> CoverageReport:
    return compute(engine, features=FEATURES)


def test_every_bundled_rule_has_a_test_on_both_sides(bundled: CoverageReport):
    assert not bundled.gaps(), "rules without a test on one side:\n" + "\n".join(bundled.gaps())


def test_bundled_tests_and_scenarios_all_pass_in_process(bundled: CoverageReport, engine: Engine):
    # The in-process runner must agree with pytest-bdd and the pack-test run: nothing fails there.
    assert not bundled.failures, "\n".join(f"{f.location}: {f.name}: {f.problems}" for f in bundled.failures)
    assert bundled.scenarios_run > 100 and bundled.tests_run > 100
    # every rule of every pack is in the table; the conversation scenarios evaluate no single message
    assert {(r.pack, r.rule) for r in bundled.rules} == {(p.id, r.id) for p in engine.packs.values() for r in p.rules}
    assert any("features/samtaler/" in s for s in bundled.scenarios_without_decisions)


def test_a_listed_not_fired_that_a_deny_hides_does_not_count(bundled: CoverageReport):
    # fra-kommunen.yaml lists so-ansvar-5-applikasjonskvittering under not_fired for a denied message with an
    # attachment; the rule fired there (the deny only hides the obligation), so that case covers nothing.
    rule = next(r for r in bundled.rules if r.rule == "so-ansvar-5-applikasjonskvittering")
    assert not any("attachments will not reach" in name for name in rule.tests[ALLOW] + rule.tests[DENY])
    assert rule.tests[DENY]


def test_a_flip_of_no_rule_assembles_the_engine_s_own_decision(engine: Engine):
    # The counterfactual decisions are only as good as their assembly: with nothing flipped it must give
    # exactly what the engine gives, for every pack test's request.
    from engine.coverage import RecordingEngine, flipped
    from engine.packtests import load_cases

    compared = 0
    for pack in engine.packs.values():
        for name, _where, request, expect in load_cases(pack):
            recorder = RecordingEngine(engine)
            selected = expect.get("packs")
            try:
                recorder.evaluate(request, pack=None if selected == "auto" or isinstance(selected, list) else pack.id)
            except Exception:
                continue  # cases that expect an input error
            [base] = recorder.evaluations
            again = flipped(engine, base, ("-", "-")).to_dict()
            assert again == base.decision.to_dict(), f"{pack.id}: {name}"  # the trace included
            compared += 1
    assert compared > 100


# --------------------------------------------------------------------------- seeded gaps in a copy

PACK = "digital-dialog-fastlege"
NEW_RULE = "ddf-prove-purring"


def _copy(tmp_path: Path, effect: str) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / PACK, root / PACK)
    rules = root / PACK / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert text.count("\nrules:\n") == 1
    rules.write_text(text.replace("\nrules:\n", "\nrules:\n" + textwrap.indent(textwrap.dedent(f"""\
      - id: {NEW_RULE}
        title: Prøveregel om purringer
        source:
          section: Innledning, avsnitt 1
          quote: Digital dialog er fire tjenester mellom fastlege og pasient.
        effect: {effect}
        when:
          fact: melding.formal
          equals: purring
        message: Meldingen er en purring.
    """), "  "), 1), encoding="utf-8")
    return root


def _rule(report: CoverageReport, rule_id: str = NEW_RULE):
    return next(r for r in report.rules if r.rule == rule_id)


def test_a_new_rule_that_no_test_fires_is_a_gap_on_the_deny_side(tmp_path):
    root = _copy(tmp_path, "deny")
    report = compute(Engine.from_directory(root))
    assert not report.failures
    rule = _rule(report)
    assert rule.gaps == [DENY]
    # the cases that expect 'decision: allow' would fail had the new deny rule fired: they cover the allow side
    assert rule.tests[ALLOW]
    assert f"{PACK}: {NEW_RULE} (avvisning) mangler test der regelen slår til" in report.gaps()


def test_a_rule_whose_tests_never_see_it_not_firing_is_a_gap_on_the_allow_side(tmp_path):
    root = _copy(tmp_path, "advice")
    # eksempler.yaml pins whole decisions (exact advice sets), so it would notice the advice firing: leave it out
    (root / PACK / "tests" / "eksempler.yaml").unlink()
    (root / PACK / "tests" / "provetekst.yaml").write_text(textwrap.dedent(f"""
        cases:
          - name: a reminder gives advice
            input:
              tidspunkt: "2025-06-02T10:00"
              melding:
                type: kontakt_legekontoret
                avsender: {{kategori: pasient, organisasjon: Helsenorge}}
                mottakere: [{{kategori: legekontor, organisasjon: Fjellsiden legesenter, kommune: Bergen}}]
                pasient: {{id: "example:fnr"}}
                formal: purring
                tekst: Har dere sett på meldingen min fra forrige uke?
              kontekst:
                legekontor:
                  aktiverte_tjenester: [bestill_time, forny_resept, e_konsultasjon, kontakt_legekontoret]
            expect: {{decision: allow, fired: [{NEW_RULE}]}}
    """), encoding="utf-8")
    report = compute(Engine.from_directory(root))
    assert not report.failures
    rule = _rule(report)
    # many cases evaluate the advice rule without it firing, but none would notice it firing
    assert rule.gaps == [ALLOW]
    assert rule.tests[DENY] == [f"{PACK}: a reminder gives advice"]


def test_a_passing_test_that_checks_nothing_about_the_rule_does_not_cover_it(tmp_path):
    root = _copy(tmp_path, "advice")
    # eksempler.yaml pins whole decisions (exact advice sets), so it would notice the advice firing: leave it out
    (root / PACK / "tests" / "eksempler.yaml").unlink()
    (root / PACK / "tests" / "provetekst.yaml").write_text(textwrap.dedent("""
        cases:
          - name: a reminder, but only the decision is checked
            input:
              tidspunkt: "2025-06-02T10:00"
              melding:
                type: kontakt_legekontoret
                avsender: {kategori: pasient, organisasjon: Helsenorge}
                mottakere: [{kategori: legekontor, organisasjon: Fjellsiden legesenter, kommune: Bergen}]
                pasient: {id: "example:fnr"}
                formal: purring
                tekst: Har dere sett på meldingen min fra forrige uke?
              kontekst:
                legekontor:
                  aktiverte_tjenester: [bestill_time, forny_resept, e_konsultasjon, kontakt_legekontoret]
            expect: {decision: allow}
    """), encoding="utf-8")
    report = compute(Engine.from_directory(root))
    assert _rule(report).gaps == [DENY, ALLOW]


FEATURE = '''\
# language: no
Egenskap: Prøveregel om purringer

  Bakgrunn:
    Gitt at tidspunktet er mandag 2. juni 2025 kl. 10:00
    Og disse aktørene:
      | navn      | kategori  | organisasjon          | kommune |
      | pasienten | pasient   | Helsenorge            |         |
      | kontoret  | legekontor | Fjellsiden legesenter | Bergen  |
    Og legekontoret har skrudd på alle tjenestene

{scenarios}'''

PASSING = '''\
  Scenariomal: Purringer
    Gitt at pasienten sender en henvendelse via kontakt legekontoret til kontoret
    Og meldingen har formålet "<formål>"
    Og meldingen har teksten:
      """
      Hei! Har dere sett på meldingen min?
      """
    Når meldingen vurderes
    Så er meldingen <utfall>

    Eksempler:
      | formål    | utfall  |
      | purring   | avvist  |
      | avklaring | tillatt |
'''

FAILING = '''\
  Scenario: Et scenario som feiler teller ikke
    Gitt at pasienten sender en henvendelse via kontakt legekontoret til kontoret
    Og meldingen har formålet "purring"
    Når meldingen vurderes
    Så er meldingen tillatt
'''


def _features(tmp_path: Path, *scenarios: str) -> Path:
    folder = tmp_path / "features"
    folder.mkdir()
    (folder / "prove.feature").write_text(FEATURE.format(scenarios="\n".join(scenarios)), encoding="utf-8")
    return folder


def test_a_scenario_covers_a_side_the_pack_tests_lack(tmp_path):
    root = _copy(tmp_path, "deny")
    report = compute(Engine.from_directory(root), features=_features(tmp_path, PASSING))
    assert not report.failures
    rule = _rule(report)
    assert rule.gaps == []
    [denied] = rule.scenarios[DENY]
    assert denied.startswith("Purringer (") and "prove.feature:" in denied
    # the second example row allows the message, which the rule's firing would have contradicted
    assert len(rule.scenarios[ALLOW]) == 1 and rule.scenarios[ALLOW][0] != denied


def test_a_failing_scenario_is_reported_and_does_not_count(tmp_path):
    root = _copy(tmp_path, "deny")
    report = compute(Engine.from_directory(root), features=_features(tmp_path, FAILING))
    [failure] = report.failures
    assert failure.kind == "scenario" and failure.name == "Et scenario som feiler teller ikke"
    assert "tillatt" in failure.problems[0]
    assert _rule(report).gaps == [DENY]


def test_the_command_exits_1_on_a_gap_and_0_when_covered(tmp_path, capsys):
    root = _copy(tmp_path, "deny")
    (tmp_path / "a").mkdir()
    only_failing = _features(tmp_path / "a", FAILING)
    assert main(["--policies", str(root), "coverage", "--features", str(only_failing)]) == 1
    out = capsys.readouterr().out
    assert f"{NEW_RULE} (avvisning) mangler test der regelen slår til" in out
    assert "FEILET Scenario «Et scenario som feiler teller ikke»" in out

    (tmp_path / "b").mkdir()
    passing = _features(tmp_path / "b", PASSING)
    assert main(["--policies", str(root), "coverage", PACK, "--features", str(passing), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gaps"] == []
    row = next(r for r in doc["rules"] if r["rule"] == NEW_RULE)
    assert row["effect"] == "deny" and len(row["deny"]["scenarios"]) == 1 and row["allow"]["tests"]
    assert {r["pack"] for r in doc["rules"]} == {PACK}


def test_an_unknown_pack_is_a_usage_error(capsys):
    assert main(["coverage", "ingen-slik-pakke", "--features", str(FEATURES)]) == 2
    assert "ingen-slik-pakke" in capsys.readouterr().err


def test_a_step_no_step_matches_fails_its_scenario(tmp_path):
    root = _copy(tmp_path, "deny")
    unknown = FAILING.replace('Og meldingen har formålet "purring"', 'Og meldingen har et formål ingen forstår')
    report = compute(Engine.from_directory(root), features=_features(tmp_path, unknown))
    [failure] = report.failures
    assert "Ingen steg passer" in failure.problems[0] and "ingen forstår" in failure.problems[0]


def test_a_feature_file_that_does_not_parse_names_file_and_line(tmp_path, capsys):
    folder = tmp_path / "features"
    folder.mkdir()
    (folder / "feil.feature").write_text("# language: no\nEgenskap: x\n  Scenario: y\n    Gitt noe\n"
                                         "  Bakgrunn:\n    Gitt noe annet\n", encoding="utf-8")
    assert main(["coverage", "--features", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{folder / 'feil.feature'}:5:3: ugyldig Gherkin" in err and "Traceback" not in err
