"""Rule coverage (engine/coverage.py, ``dialogvakt coverage``): every bundled rule has a test on both sides,
and the computation finds the gaps it should."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from engine import Engine
from engine.authoring.coverage import ALLOW, DENY, CoverageReport, compute
from engine.cli import main

from .conftest import ROOT

FEATURES = ROOT / "features"



@pytest.fixture(scope="module")
def bundled(engine: Engine) -> CoverageReport:
    return compute(engine, features=FEATURES)


@pytest.mark.requires_monitor
def test_every_bundled_rule_has_a_test_on_both_sides(bundled: CoverageReport):
    assert not bundled.gaps(), "rules without a test on one side:\n" + "\n".join(bundled.gaps())


@pytest.mark.requires_monitor
def test_bundled_tests_and_scenarios_all_pass_in_process(bundled: CoverageReport, engine: Engine):
    # The in-process runner must agree with pytest-bdd and the pack-test run: nothing fails there.
    assert not bundled.failures, "\n".join(f"{f.location}: {f.name}: {f.problems}" for f in bundled.failures)
    assert bundled.scenarios_run > 100 and bundled.tests_run > 100
    # every rule and every conversation rule of every pack is in the table, the latter marked as such
    assert {(r.pack, r.rule, r.conversation) for r in bundled.rules} == (
        {(p.id, r.id, False) for p in engine.packs.values() for r in p.rules}
        | {(p.id, r.id, True) for p in engine.packs.values() for r in p.conversation})
    # the conversation scenarios evaluate no single message, but they count: for the conversation rules
    assert not any("features/samtaler/" in s for s in bundled.scenarios_without_decisions)


@pytest.mark.requires_monitor
def test_conversation_rules_are_covered_by_conversation_scenarios_only(bundled: CoverageReport, engine: Engine):
    talks = [r for r in bundled.rules if r.conversation]
    assert len(talks) == sum(len(p.conversation) for p in engine.packs.values()) >= 18
    for r in talks:
        assert r.tests == {DENY: [], ALLOW: []}, r.rule  # pack tests evaluate single messages only
        assert r.scenarios[DENY] and r.scenarios[ALLOW], r.rule
        assert all("features/samtaler/" in s for s in r.scenarios[DENY] + r.scenarios[ALLOW]), r.rule
    # «Så er svaret ikke forfalt ennå» on the last day, then «Så er svaret forfalt» the day after: both sides
    overdue = _rule(bundled, "d81023-6-svar-forfalt")
    both = [s for s in overdue.scenarios[DENY] if s in overdue.scenarios[ALLOW]]
    assert any(s.startswith("En forespørsel rett før jul har hele mandag 28. desember som siste dag for svar (")
               for s in both)
    # «finner ikke "meldingen gjelder en annen problemstilling"» notices the topic rules, not the overdue rule
    def confirm(s: str) -> bool:
        return s.startswith("Et svar som bare bekrefter mottak (") and "/svartid-og-traader-d81023.feature:" in s

    assert any(confirm(s) for s in _rule(bundled, "d81023-4.6-samme-fagomrade").scenarios[ALLOW])
    assert not any(confirm(s) for s in overdue.scenarios[ALLOW])


@pytest.mark.requires_monitor
def test_the_conversation_steps_pass_again_on_the_findings_they_saw(engine: Engine):
    # The stand-in monitor is only sound if the Så-steps, run again on the unchanged findings, still pass.
    from engine.authoring.coverage import ConversationRun, _runs_pass, parse_features, run_scenario
    from engine.steps.core import load_actors

    actors = load_actors(FEATURES / "aktorer.yaml")
    checked = 0
    for case in parse_features(FEATURES / "samtaler"):
        runs: list[ConversationRun] = []
        problems, _recorder, _thens = run_scenario(engine, actors, case, runs)
        assert not problems and runs, case.location
        assert _runs_pass(runs, [r.findings for r in runs]), case.location
        # and they are not blind: with every finding gone, a scenario that expects one fails
        if any(r.findings for r in runs):
            assert not _runs_pass(runs, [[] for _ in runs]), case.location
        checked += 1
    assert checked >= 30


def test_a_listed_not_fired_that_a_deny_hides_does_not_count(bundled: CoverageReport):
    # fra-kommunen.yaml lists so-ansvar-5-applikasjonskvittering under not_fired for a denied message with an
    # attachment; the rule fired there (the deny only hides the obligation), so that case covers nothing.
    rule = next(r for r in bundled.rules if r.rule == "so-ansvar-5-applikasjonskvittering")
    assert not any("attachments will not reach" in name for name in rule.tests[ALLOW] + rule.tests[DENY])
    assert rule.tests[DENY]


def test_a_flip_of_no_rule_assembles_the_engine_s_own_decision(engine: Engine):
    # The counterfactual decisions are only as good as their assembly: with nothing flipped it must give
    # exactly what the engine gives, for every pack test's request.
    from engine.authoring.coverage import RecordingEngine, flipped
    from engine.authoring.packtests import load_cases

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


# --------------------------------------------------------------------------- a new conversation rule in a copy

TALK_PACK = "helse-vest-2017"
NEW_TALK = "hv2017-prove-bare-bekreftelse"

TALK_FEATURE = """\
# language: no
Egenskap: Prøveregel om svar som bare bekrefter mottak

  Bakgrunn:
    Gitt at retningslinjen "helse-vest-2017" brukes
    Og at samtalene går mellom fastlegen i Bergen og tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus

{scenarios}"""

# The rule finds something here, but nothing checks it; and «ikke forfalt» says nothing about confirmations.
UNCHECKED = """\
  Scenario: Et svar som bare bekrefter mottak, uten at noen ser etter det
    Gitt at fastlegen sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og vi sendte meldingen
    Og Haukeland universitetssjukehus svarte tirsdag 3. februar 2026
    Og meldingen har formålet "bekreftelse på mottak"
    Når det er fredag 6. februar 2026
    Så er svaret ikke forfalt
"""

FOUND = """\
  Scenario: Et svar som bare bekrefter mottak gir et funn
    Gitt at fastlegen sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og Haukeland universitetssjukehus svarte tirsdag 3. februar 2026
    Og meldingen har formålet "bekreftelse på mottak"
    Når overvåkingen har sett meldingene
    Så finner overvåkingen "meldingen bare bekrefter mottak"
"""

NOT_FOUND = """\
  Scenario: Et vanlig svar gir ikke det funnet
    Gitt at fastlegen sendte en forespørsel mandag 2. februar 2026 kl. 09:00
    Og Haukeland universitetssjukehus svarte tirsdag 3. februar 2026
    Når overvåkingen har sett meldingene
    Så finner overvåkingen ikke "meldingen bare bekrefter mottak"
"""


def _talk_copy(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / TALK_PACK, root / TALK_PACK)
    # a pack test of helse-vest-2017 checks that a message from Helse Bergen to a municipality selects D81023
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", root / "helse-bergen-d81023")
    talk = root / TALK_PACK / "conversation.yaml"
    text = talk.read_text(encoding="utf-8")
    assert text.count("\nconversation_rules:\n") == 1
    talk.write_text(text.replace("\nconversation_rules:\n", "\nconversation_rules:\n" + textwrap.indent(
        textwrap.dedent(f"""\
      - id: {NEW_TALK}
        title: Prøveregel om svar som bare bekrefter mottak
        source:
          section: Retningsline for bruk av dialogmelding, punkt 3
          quote: Sendte og mottatte dialogmeldinger må følges opp
        effect: deviation
        finding: bare_bekreftelse
        events:
          - as: svar
            event: melding
            when:
              fact: melding.formal
              equals: bekreftelse
        message: Svaret bekrefter bare mottak.
    """), "  "), 1), encoding="utf-8")
    return root


def _talk_features(tmp_path: Path, *scenarios: str) -> Path:
    folder = tmp_path / "features"
    folder.mkdir()
    shutil.copy(FEATURES / "aktorer.yaml", folder / "aktorer.yaml")
    shutil.copy(FEATURES / "samtaler" / f"{TALK_PACK}.feature", folder / "samtaler.feature")
    (folder / "prove.feature").write_text(TALK_FEATURE.format(scenarios="\n".join(scenarios)), encoding="utf-8")
    return folder


@pytest.mark.requires_monitor
def test_a_new_conversation_rule_no_scenario_checks_is_a_gap_on_both_sides(tmp_path, capsys):
    root = _talk_copy(tmp_path)
    features = _talk_features(tmp_path, UNCHECKED)
    report = compute(Engine.from_directory(root), features=features)
    assert not report.failures
    rule = _rule(report, NEW_TALK)
    assert rule.conversation and rule.gaps == [DENY, ALLOW]
    assert rule.tests == {DENY: [], ALLOW: []} and rule.scenarios == {DENY: [], ALLOW: []}
    assert (f"{TALK_PACK}: {NEW_TALK} (samtaleregel, avvik) mangler scenario der regelen slår til (gir funn)"
            in report.gaps())
    assert (f"{TALK_PACK}: {NEW_TALK} (samtaleregel, avvik) mangler scenario der regelen slår ikke til "
            "(gir ikke funn)" in report.gaps())
    # the pack's own conversation rules keep their cover from the copied scenarios
    assert not _rule(report, "hv2017-oppfolging-sendt").gaps
    # and make test's check, the command, stops on it
    assert main(["--policies", str(root), "coverage", "--features", str(features)]) == 1
    out = capsys.readouterr().out
    assert "samtaleregler (overvåkingen" in out and f"{NEW_TALK}" in out and "MANGLER" in out


@pytest.mark.requires_monitor
def test_a_scenario_that_checks_the_finding_covers_the_finding_side(tmp_path):
    report = compute(Engine.from_directory(_talk_copy(tmp_path)), features=_talk_features(tmp_path, UNCHECKED, FOUND))
    rule = _rule(report, NEW_TALK)
    assert rule.gaps == [ALLOW]
    [found] = rule.scenarios[DENY]
    assert found.startswith("Et svar som bare bekrefter mottak gir et funn (") and "prove.feature:" in found


@pytest.mark.requires_monitor
def test_a_scenario_that_checks_the_absence_covers_the_no_finding_side(tmp_path, capsys):
    root = _talk_copy(tmp_path)
    features = _talk_features(tmp_path, UNCHECKED, NOT_FOUND)
    report = compute(Engine.from_directory(root), features=features)
    rule = _rule(report, NEW_TALK)
    assert rule.gaps == [DENY]
    [absent] = rule.scenarios[ALLOW]
    assert absent.startswith("Et vanlig svar gir ikke det funnet (")

    (tmp_path / "b").mkdir()
    both = _talk_features(tmp_path / "b", FOUND, NOT_FOUND)
    assert main(["--policies", str(root), "coverage", TALK_PACK, "--features", str(both), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gaps"] == []
    row = next(r for r in doc["rules"] if r["rule"] == NEW_TALK)
    assert row["conversation"] is True and row["effect"] == "deviation"
    assert len(row["deny"]["scenarios"]) == 1 and len(row["allow"]["scenarios"]) == 1
    assert row["deny"]["tests"] == [] == row["allow"]["tests"]
    assert next(r for r in doc["rules"] if r["rule"] == "hv2017-navngitt-pasient")["conversation"] is False
