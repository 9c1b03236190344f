"""Decision semantics: three-valued rules, combining packs, scope, validity, traces, threads."""

from __future__ import annotations

import copy
import datetime as dt
import json
import textwrap
import threading
from pathlib import Path

import jsonschema
import pytest

from engine import Engine, InputError
from engine.contract.facts import prepare
from engine.contract.identifiers import example_number
from engine.eval.closures import evaluate_traced
from engine.eval.engine import evaluate_pack

from .conftest import ROOT

FNR = example_number("fnr", seed=7)
BASE = {
    "tidspunkt": "2025-06-02T10:00:00+02:00",
    "melding": {
        "type": "foresporsel",
        "avsender": {"kategori": "kommune", "organisasjon": "Bergen kommune", "tjeneste": "Sykepleiertjeneste"},
        "mottakere": [{"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus",
                       "helseforetak": "Helse Bergen HF", "tjeneste": "Lungesykdommer"}],
        "pasient": {"id": FNR},
        "tekst": "Lungesykdommer: Skal oksygenet brukes om natten?",
    },
    "kontekst": {"pasientstatus": "poliklinisk"},
}


def request(**changes) -> dict:
    req = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = req
        for p in parents:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return req


def write_pack(root: Path, pack_id: str, scope: str, rules: str, valid: str = "valid_from: 2020-01-01") -> None:
    folder = root / pack_id
    folder.mkdir(parents=True)
    lines = ["format: dialogvakt/pack-v1", f"id: {pack_id}", f"title: Test {pack_id}", "issuer: Test",
             f"document: {{id: T-{pack_id}, title: Test, citation: T-{pack_id}}}", *valid.splitlines(),
             "scope:", "  description: test", f"  when: {scope}"]
    (folder / "pack.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "rules.yaml").write_text("rules:\n" + textwrap.indent(textwrap.dedent(rules), "  "), encoding="utf-8")


DENY_HNR = """\
- id: no-hnr
  source: {section: "1"}
  effect: deny
  when: {fact: melding.pasient.id_type, equals: hnr}
  message: nei
"""
DENY_ATTACH = """\
- id: no-attachments
  source: {section: "2"}
  effect: deny
  when: {fact: melding.har_vedlegg, equals: true}
  message: nei
"""
NEEDS_STATUS = """\
- id: needs-status
  source: {section: "3"}
  effect: deny
  when: {fact: kontekst.pasientstatus, equals: ingen_kontakt}
  message: nei
"""
ALL_MESSAGES = "{fact: melding.type, exists: true}"


def test_deny_overrides_indeterminate_and_allow(tmp_path):
    write_pack(tmp_path, "a", ALL_MESSAGES, DENY_ATTACH)
    write_pack(tmp_path, "b", ALL_MESSAGES, NEEDS_STATUS)
    engine = Engine.from_directory(tmp_path)
    assert engine.evaluate(request()).decision == "allow"
    undecided = engine.evaluate(request(kontekst=None))
    assert undecided.decision == "indeterminate"
    assert [(m.fact, m.pack, m.decisive) for m in undecided.missing] == [("kontekst.pasientstatus", "b", True)]
    both = engine.evaluate(request(kontekst=None, melding__vedlegg=[{"filnavn": "a.pdf"}]))
    assert both.decision == "deny"
    assert {p.id: p.decision for p in both.packs} == {"a": "deny", "b": "indeterminate"}


def test_declared_message_facts_are_not_unknown_when_absent(tmp_path):
    write_pack(tmp_path, "a", ALL_MESSAGES, """\
        - id: no-emergency
          source: {section: "1"}
          effect: deny
          when: {fact: melding.formal, equals: oyeblikkelig_hjelp}
          message: nei
        """)
    engine = Engine.from_directory(tmp_path)
    decision = engine.evaluate(request())  # no formal given: not declared, so the rule does not fire
    assert decision.decision == "allow" and not decision.missing
    assert engine.evaluate(request(melding__formal="oyeblikkelig_hjelp")).decision == "deny"


def test_scope_selects_packs_and_none_means_not_applicable(tmp_path):
    write_pack(tmp_path, "kommune", "{fact: parter.kommune.kategori, equals: kommune}", DENY_HNR)
    write_pack(tmp_path, "fastlege", "{fact: parter.fastlege.kategori, equals: fastlege}", DENY_HNR)
    engine = Engine.from_directory(tmp_path)
    assert [p.id for p in engine.evaluate(request()).packs] == ["kommune"]
    gp = request(melding__avsender={"kategori": "fastlege", "organisasjon": "Legesenteret"})
    assert [p.id for p in engine.evaluate(gp).packs] == ["fastlege"]
    nobody = request(melding__avsender={"kategori": "pasient"})
    decision = engine.evaluate(nobody)
    assert decision.decision == "not_applicable" and decision.packs == ()
    # naming a pack evaluates it whatever its scope
    assert [p.id for p in engine.evaluate(nobody, pack="fastlege").packs] == ["fastlege"]


def test_validity_window(tmp_path):
    write_pack(tmp_path, "a", ALL_MESSAGES, DENY_HNR, valid="valid_from: 2025-03-20\nvalid_to: 2026-03-20")
    engine = Engine.from_directory(tmp_path)
    inside = engine.evaluate(request(tidspunkt="2026-03-20T23:00:00+01:00"))
    assert inside.packs[0].validity == "valid" and not inside.advice
    after = engine.evaluate(request(tidspunkt="2026-03-21T08:00:00+01:00"))
    assert after.packs[0].expired and after.decision == "allow"
    assert after.advice[0].rule == "a.gyldighet" and "utløpt" in after.advice[0].message
    before = engine.evaluate(request(tidspunkt="2025-03-19T08:00:00+01:00"))
    assert before.packs[0].validity == "not_yet_valid"
    assert "ikke har trådt i kraft" in before.advice[0].message


def test_default_time_is_now_in_oslo(engine):
    decision = engine.evaluate(request(tidspunkt=None))
    now = dt.datetime.now(dt.UTC)
    assert abs((decision.evaluated_at - now).total_seconds()) < 60
    assert decision.evaluated_at.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))


def test_at_overrides_tidspunkt(engine):
    decision = engine.evaluate(request(), at="2026-11-23T10:00")
    assert decision.evaluated_at.date() == dt.date(2026, 11, 23)
    assert decision.packs[0].expired


@pytest.mark.parametrize("change,path", [
    ({"melding__type": "brev"}, "$.melding.type"),
    ({"melding__formål": "avklaring"}, "$.melding.formål"),
    ({"kontekst__utskrevet_dato": "28.05.2025"}, "$.kontekst.utskrevet_dato"),
    ({"kontekst__utskrevet_dato": "2025-02-30"}, "$.kontekst.utskrevet_dato"),
    ({"melding__mottakere": []}, "$.melding.mottakere"),
    ({"melding__pasient": {"id": "12345"}}, "$.melding.pasient.id"),
    ({"melding__type": None}, "$.melding.type"),
])
def test_bad_input_names_the_field(engine, change, path):
    with pytest.raises(InputError) as exc:
        engine.evaluate(request(**change))
    assert exc.value.path == path
    assert FNR not in str(exc.value)


def test_input_must_be_an_object(engine):
    with pytest.raises(InputError) as exc:
        engine.evaluate([1, 2])  # type: ignore[arg-type]
    assert exc.value.path == "$"


def test_patient_number_never_in_decision(engine):
    for req in (request(), request(kontekst=None), request(melding__formal="bekreftelse")):
        text = engine.evaluate(req, explain=True).to_json()
        assert FNR not in text


def test_decisions_match_the_published_schema(engine):
    schema = json.loads((ROOT / "engine" / "schemas" / "decision-v1.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "examples").glob("*.json")):
        decision = engine.evaluate(json.loads(path.read_text(encoding="utf-8")), explain=True)
        validator.validate(json.loads(decision.to_json()))


REQUEST_VARIANTS = [
    {}, {"kontekst": None}, {"kontekst__pasientstatus": "innlagt"}, {"kontekst__pasientstatus": "utskrevet"},
    {"melding__vedlegg": [{"filnavn": "x.pdf"}]}, {"melding__formal": "bekreftelse"},
    {"melding__tekst": "Takk for meldingen"}, {"melding__tekst": None}, {"melding__type": "avvik"},
    {"melding__mottakere": [{"kategori": "sykehus", "helseforetak": "Helse Bergen HF", "tjeneste": "Røntgen"}]},
    {"melding__pasient": {"id": example_number("hnr")}}, {"melding__pasient": None},
]


@pytest.mark.parametrize("change", REQUEST_VARIANTS)
def test_explained_evaluation_agrees_with_fast_path(engine, change):
    facts = prepare(request(**change))
    for program in engine.programs.values():
        fast = evaluate_pack(program, facts.values)
        slow = evaluate_pack(program, facts.values, explain=True)
        assert [r.id for r in fast.fired] == [r.id for r in slow.fired]
        assert [r.id for r in fast.undecided] == [r.id for r in slow.undecided]
        for rule, test in zip(program.pack.rules, program.tests, strict=True):
            assert evaluate_traced(rule.condition, facts.values)[0] == test(facts.values)


def test_engine_is_safe_to_share_between_threads(engine):
    requests = [request(**c) for c in REQUEST_VARIANTS]
    expected = [engine.evaluate(r).to_json() for r in requests]
    results: list[list[str]] = [[] for _ in range(8)]

    def work(i: int) -> None:
        for _ in range(25):
            results[i].extend(engine.evaluate(r).to_json() for r in requests)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for out in results:
        assert out == expected * 25


def test_derived_facts():
    values = prepare(request(
        tidspunkt="2025-06-02T10:00:00+02:00",
        kontekst={"pasientstatus": "utskrevet", "utskrevet_dato": "2025-05-28", "siste_kontakt_dato": "2024-06-03",
                  "innleggelse": {"start": "2025-05-20T08:00", "slutt": "2025-05-28T12:00"}},
        melding__sendt="2025-05-21T09:30:00+02:00",
    )).values
    assert values["kontekst.dager_siden_utskrivning"] == 5
    assert values["kontekst.maneder_siden_siste_kontakt"] == 11
    assert values["melding.sendt_under_innleggelse"] is True
    assert values["kontekst.innleggelse.aktiv"] is False
    assert values["melding.timer_etter_innleggelse"] == 25.5
    assert values["melding.retning"] == "kommune_til_sykehus"
    assert values["parter.sykehus.tjeneste"] == "Lungesykdommer"
    assert values["parter.kommune.tjeneste"] == "Sykepleiertjeneste"
    assert values["melding.pasient.id_type"] == "fnr"
    assert values["kontekst.kjent_for_sykehuset"] is True


def test_admission_end_before_start_is_an_input_error():
    with pytest.raises(InputError) as exc:
        prepare(request(kontekst={"innleggelse": {"start": "2025-05-20T08:00", "slutt": "2025-05-19T08:00"}}))
    assert exc.value.path == "$.kontekst.innleggelse.slutt"


def test_a_patient_number_typed_into_the_text_is_masked_in_the_decision(engine):
    other = example_number("dnr", seed=9)
    req = request(melding__tekst=f"Lungesykdommer: Gjelder pasient {other[:6]} {other[6:]}, pas. har evt. feber.",
                  melding__formal="bekreftelse")
    decision = engine.evaluate(req, explain=True)
    text = decision.to_json()
    assert other[:6] not in text and other not in text
    assert "[personnummer]" in text  # the text is still quoted, with the number masked
    # an 11-digit number that is not a valid patient number is left alone
    plain = engine.evaluate(request(melding__tekst="Lungesykdommer: Ordrenummer 12345678901, pas. har evt. feber."))
    assert "12345678901" in plain.to_json()


# ---------------------------------------------------------------- a named pack still has its scope

def test_a_named_pack_out_of_its_scope_is_not_applicable_and_says_which_condition_failed(engine):
    """Issue 11.5: --pack ID for a message between parties the pack does not cover is never allow."""
    req = request(melding__mottakere=[{"kategori": "sykehus", "organisasjon": "Sykehuset Østfold",
                                       "helseforetak": "Sykehuset Østfold HF", "tjeneste": "Lungesykdommer"}])
    named = engine.evaluate(req, pack="helse-bergen-d81023")
    assert named.decision == "not_applicable"
    assert [(p.id, p.decision) for p in named.packs] == [("helse-bergen-d81023", "not_applicable")]
    assert not named.reasons and not named.obligations and not named.advice
    (note,) = [n for n in named.notes if "gjelder ikke" in n]
    assert "Sykehuset Østfold HF" in note and "parter.sykehus.helseforetak" in note
    # the same pack in scope decides as before; and out of scope it is not chosen without a name either
    assert engine.evaluate(request(), pack="helse-bergen-d81023").decision == "allow"
    assert "helse-bergen-d81023" not in [p.id for p in engine.evaluate(req).packs]


def test_a_named_pack_whose_scope_is_unknown_is_indeterminate_with_the_missing_fact(engine):
    req = request(melding__mottakere=[{"kategori": "sykehus", "tjeneste": "Lungesykdommer"}])
    decision = engine.evaluate(req, pack="helse-bergen-d81023")
    assert decision.decision == "indeterminate"
    scope_missing = {m.fact for m in decision.missing if "helse-bergen-d81023.virkeomrade" in m.rules}
    assert scope_missing == {"parter.sykehus.helseforetak", "parter.sykehus.organisasjon"}
    assert all(m.decisive for m in decision.missing if "helse-bergen-d81023.virkeomrade" in m.rules)
    assert any("ikke avklart" in n for n in decision.notes)


# ---------------------------------------------------------------- calendar offsets between dates

def _months_pack(tmp_path: Path) -> Engine:
    write_pack(tmp_path, "kalender", "{fact: melding.type, exists: true}", """
        - id: innen-tolv-maneder
          source: {section: "1"}
          effect: deny
          when: {fact: tidspunkt_dato, gt: {fact: kontekst.siste_kontakt_dato, plus: {months: 12}}}
          message: Mer enn tolv måneder etter siste kontakt.
    """)
    return Engine.from_directory(tmp_path)


@pytest.mark.parametrize(("today", "denied"), [
    ("2026-03-14", False), ("2026-03-15", False),  # «inntil 12 mnd.»: the same calendar day is still inside
    ("2026-03-16", True), ("2026-04-10", True),     # a truncated month count would still say 12 here
])
def test_inntil_tolv_maneder_closes_on_the_same_calendar_day(tmp_path, today, denied):
    engine = _months_pack(tmp_path)
    decision = engine.evaluate(request(tidspunkt=f"{today}T10:00:00+01:00",
                                       kontekst__siste_kontakt_dato="2025-03-15"))
    assert (decision.decision == "deny") is denied


def test_a_month_after_the_31st_is_the_last_day_of_the_shorter_month(tmp_path):
    engine = _months_pack(tmp_path)
    at = {"kontekst__siste_kontakt_dato": "2025-02-28"}
    assert engine.evaluate(request(tidspunkt="2026-02-28T10:00:00+01:00", **at)).decision == "allow"
    assert engine.evaluate(request(tidspunkt="2026-03-01T10:00:00+01:00", **at)).decision == "deny"
    from engine.contract.times import add_months
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)


def test_a_calendar_offset_needs_dates_and_a_whole_number(tmp_path):
    from engine import PackError
    write_pack(tmp_path, "feil", "{fact: melding.type, exists: true}", """
        - id: tekst-pluss
          source: {section: "1"}
          effect: deny
          when: {fact: melding.tekst, equals: {fact: melding.emne, plus: {days: 2}}}
          message: x
    """)
    with pytest.raises(PackError) as caught:
        Engine.from_directory(tmp_path)
    assert "'plus' flytter en dato eller et tidspunkt" in str(caught.value)
    assert "rules.yaml:" in str(caught.value)
