"""The engine's fast path against the reference evaluation, byte for byte after serialisation.

The reference (``engine.eval.reference``) derives every fact eagerly and decides every scope and rule
by its closure, with no generated function, compiled renderer or cache; the fast path must give the
same decision document for every message of the corpus, with and without a pack named, and for
generated messages with facts missing, recipients added and texts changed.
"""

from __future__ import annotations

import copy
import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.contract.errors import InputError
from engine.eval.engine import Engine
from engine.eval.reference import reference_evaluate

from .conftest import ROOT

CORPUS = [json.loads(line) for line in (ROOT / "corpus" / "meldinger.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def test_engine() -> Engine:
    return Engine.from_directory(ROOT / "policies", allow_synthetic_ids=True)


def _both(engine: Engine, request: dict, pack: str | None = None) -> tuple[bytes, bytes]:
    try:
        fast = orjson.dumps(engine.evaluate(request, pack=pack).to_dict())
    except InputError as exc:
        fast = f"InputError {exc}".encode()
    try:
        slow = orjson.dumps(reference_evaluate(engine, request, pack=pack).to_dict())
    except InputError as exc:
        slow = f"InputError {exc}".encode()
    return fast, slow


def test_every_corpus_message_gives_the_reference_document(test_engine: Engine) -> None:
    differ = []
    for i, request in enumerate(CORPUS):
        fast, slow = _both(test_engine, request)
        if fast != slow:
            differ.append(i)
    assert not differ, f"{len(differ)} corpus messages differ, first at line {differ[0] + 1}"


@pytest.mark.parametrize("pack", ["helse-bergen-d81023", "helse-vest-2017", "sykehuset-ostfold",
                                  "sykehuset-ostfold-plo", "digital-dialog-fastlege"])
def test_every_corpus_message_with_a_pack_named_gives_the_reference_document(test_engine: Engine, pack: str) -> None:
    differ = [i for i, request in enumerate(CORPUS[::3]) if len(set(_both(test_engine, request, pack))) > 1]
    assert not differ, f"{len(differ)} corpus messages differ with {pack} named, first: {differ[0]}"


def _drop(request: dict, path: tuple[str, ...]) -> dict:
    out = copy.deepcopy(request)
    node = out
    for key in path[:-1]:
        node = node.get(key)
        if not isinstance(node, dict):
            return out
    node.pop(path[-1], None)
    return out


PATHS = [("kontekst",), ("kontekst", "pasientstatus"), ("melding", "tekst"), ("melding", "formal"),
         ("melding", "avsender", "tjeneste"), ("melding", "sendt"), ("kontekst", "utskrevet_dato"),
         ("melding", "hastegrad"), ("melding", "vedlegg"), ("melding", "pasient"), ("kontekst", "innleggelse")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(CORPUS) - 1), st.lists(st.sampled_from(PATHS), max_size=3),
       st.sampled_from(["", "Takk for meldingen.", "Pas. har evt. ØH-behov, ring!", "Melding mottatt"]),
       st.booleans())
def test_generated_messages_give_the_reference_document(test_engine: Engine, index: int, drops: list,
                                                        text: str, copy_recipient: bool) -> None:
    request = copy.deepcopy(CORPUS[index])
    for path in drops:
        request = _drop(request, path)
    if text and isinstance(request.get("melding"), dict):
        request["melding"]["tekst"] = text
    recipients = request.get("melding", {}).get("mottakere")
    if copy_recipient and isinstance(recipients, list) and recipients:
        recipients.append({**recipients[0], "tjeneste": "Tannhelsetjenesten"})
    fast, slow = _both(test_engine, request)
    assert fast == slow


@pytest.mark.parametrize("pack", ["helse-bergen-d81023", "digital-dialog-fastlege"])
def test_an_engine_of_one_pack_derives_less_and_decides_the_same(pack: str) -> None:
    from engine.lang.compiler import compile_pack

    engine = Engine([compile_pack(ROOT / "policies" / pack)], allow_synthetic_ids=True)
    assert len(engine.fact_plan.derivers) < len(Engine.from_directory(ROOT / "policies").fact_plan.derivers)
    differ = [i for i, request in enumerate(CORPUS) if len(set(_both(engine, request))) > 1]
    assert not differ, f"{len(differ)} corpus messages differ, first: {differ[0]}"
