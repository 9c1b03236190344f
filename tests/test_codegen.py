"""The generated fast path agrees with the three-valued closures on generated inputs."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.contract.errors import InputError
from engine.contract.facts import prepare
from engine.contract.identifiers import example_number
from engine.eval.codegen import generate

HOSPITAL = {"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus", "helseforetak": "Helse Bergen HF"}
KOMMUNE = {"kategori": "kommune", "organisasjon": "Bergen kommune"}
SERVICES = [None, "Lungesykdommer", "Sykepleiertjeneste", "Røntgen", "PLO Innleggelse Somatikk", "tannhelse",
            "saksbehandling", "Ergoterapi, pleie og omsorg"]
TEXTS = [None, "", "Takk for meldingen", "Lungesykdommer: Pas. har evt. pustebesvær", "Hei!\nBergen kommune her",
         "Sykepleiertjeneste: alt vel", "x" * 2000]


def optional(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def requests(draw):
    sender, receiver = (copy.deepcopy(KOMMUNE), copy.deepcopy(HOSPITAL))
    if draw(st.booleans()):
        sender, receiver = receiver, sender
    for party in (sender, receiver):
        service = draw(st.sampled_from(SERVICES))
        if service:
            party["tjeneste"] = service
    melding = {"type": draw(st.sampled_from(["foresporsel", "svar", "avvik", "notat", "innleggelsesrapport"])),
               "avsender": sender, "mottakere": [receiver] * draw(st.integers(1, 2))}
    for key, strategy in {
        "formal": st.sampled_from(["avklaring", "bekreftelse", "oyeblikkelig_hjelp", "administrativ",
                                   "generell_veiledning", "avviksmelding", "arbeidsdeling"]),
        "hastegrad": st.sampled_from(["oyeblikkelig_hjelp", "ubestemt"]),
        "tekst": st.sampled_from([t for t in TEXTS if t is not None]),
        "format": st.sampled_from(["text/plain", "text/html"]),
        "vedlegg": st.just([{"filnavn": "a.pdf"}]),
        "referanse": st.just({"type": "epikrise"}),
        "forfatter": st.just({"navn": "Ola"}),
        "fagomrader": st.lists(st.sampled_from(["kirurgi", "medisin"]), unique=True),
        "pasient": st.sampled_from([{"id": example_number(k)} for k in ("fnr", "dnr", "hnr")]),
    }.items():
        value = draw(optional(strategy))
        if value is not None:
            melding[key] = value
    kontekst = {}
    status = draw(optional(st.sampled_from(["innlagt", "poliklinisk", "utskrevet", "henvist", "ingen_kontakt"])))
    if status:
        kontekst["pasientstatus"] = status
    if draw(st.booleans()):
        kontekst["utskrevet_dato"] = draw(st.sampled_from(["2025-05-31", "2025-04-01", "2024-01-01"]))
    if draw(st.booleans()):
        kontekst["kjent_for_sykehuset"] = draw(st.booleans())
    return {"tidspunkt": "2025-06-02T10:00:00+02:00", "melding": melding, "kontekst": kontekst}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests())
def test_fast_path_equals_closures(engine, request_):
    try:
        values = prepare(request_).values
    except InputError:
        return
    for program in engine.programs.values():
        fired, undecided = program.run(values)
        reference = {rule.id: test(values) for rule, test in zip(program.pack.rules, program.tests, strict=True)}
        assert [r.id for r in fired] == [i for i, v in reference.items() if v is True]
        assert [r.id for r in undecided] == [i for i, v in reference.items() if v is None]
        assert program.scope(values) is program.scope_closure(values)


def test_generated_source_holds_no_pack_text(engine):
    for program in engine.programs.values():
        pack = program.pack
        source, _ = generate(pack.rules, program.tests)
        for rule in pack.rules:
            assert rule.id not in source
            for path in rule.facts:
                assert path not in source
        assert "'" not in source and '"' not in source  # no literals at all: values live in the namespace


def test_each_and_some_and_text_patterns_run_in_the_generated_function(engine):
    d81023 = engine.programs["helse-bergen-d81023"]
    assert "_q(" in d81023.source  # every recipient, through the elements in the generated function
    assert ".match(" in d81023.source  # the text's patterns in one set pass
    # no rule is left to its closure: the generated function holds no reference to a rule's test
    tests = {id(t) for t in d81023.tests}
    namespace = d81023.run.__globals__
    assert not [name for name, value in namespace.items() if id(value) in tests]


def test_the_generated_scope_agrees_with_its_closure_on_the_corpus(engine):
    import json

    from .conftest import ROOT

    for line in (ROOT / "corpus" / "meldinger.jsonl").read_text(encoding="utf-8").splitlines()[:600]:
        try:
            values = prepare(json.loads(line), allow_synthetic_ids=True).values
        except InputError:
            continue
        for program in engine.programs.values():
            assert program.scope(values) is program.scope_closure(values), program.pack.id


def test_empty_all_and_any_mean_what_the_closures_say():
    from engine.eval.closures import to_function
    from engine.eval.codegen import generate_test
    from engine.lang.tree import All, AnyOf, Not

    for node in (All(()), AnyOf(()), Not(All(())), All((AnyOf(()),))):
        _, test = generate_test(node)
        assert test({}) is to_function(node)({})
