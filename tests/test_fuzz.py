"""Property tests over every way in: whatever comes, a decision or a clean error, never a crash or a leak.

- the input contract (``Engine.evaluate``): arbitrary JSON values and hostile mutations of the
  examples give a Decision or an InputError whose path starts at ``$``; neither shows a planted
  patient number, and both can be printed and serialised;
- monitor events (``to_stored``): a stored form or an EventError;
- the pack loader (``compile_pack``): random YAML and mutated packs compile or give a PackError
  whose every problem has a file:line:column;
- the HTTP entry, with XML (``POST /v1/decisions``): mutated Dialogmelding XML and arbitrary bytes are
  answered 200 or with a problem (400, 413, 415, 422), never 500.

``make test`` runs a few dozen examples of each (``DIALOGVAKT_FUZZ_EXAMPLES``, default 40: a few
seconds); ``make fuzz`` runs thousands.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import string
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine import Decision, Engine, InputError
from engine.contract.identifiers import example_number
from engine.lang.compiler import compile_pack
from engine.lang.loader import PackError
from engine.monitor.events import EventError, to_stored
from engine.server.app import create_app
from engine.server.config import ServiceConfig

from .conftest import ROOT

EXAMPLES = int(os.environ.get("DIALOGVAKT_FUZZ_EXAMPLES", "40"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

REQUESTS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
XMLS = [(p.read_bytes(), json.loads(p.with_suffix(".kontekst.json").read_text(encoding="utf-8")))
        for p in sorted((ROOT / "examples" / "xml").glob("*.xml"))]
PLANTED = example_number("dnr", seed=42)  # a number planted in values; it must never come out
SECRET = b"fuzz-test-secret-0123456789abcdef"


# --------------------------------------------------------------------------- strategies

text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)  # surrogates and controls too
scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
           | st.sampled_from([10**400, -(10**400), 2**64, -(2**63) - 1])  # 5,000 digits: test_input_limits
           | st.floats(allow_nan=True, allow_infinity=True) | text
           | st.sampled_from(["9999-12-31T23:59-05:00", "0001-01-01T00:30+02:00", "٢٠٢٥-٠٥-٢٨", "2025-13-45",
                              "2025-02-30", "\ud800", "a\x00b", PLANTED, f"{PLANTED[:6]} {PLANTED[6:]}",
                              "x" * 200_001, "sykehus", "kommune", "foresporsel", "2025-06-02T10:00"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8) | st.just(PLANTED), inner, max_size=4),
                           max_leaves=20)


def deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


# built afresh for every example: a mutation may change the value it was given
hostile = (json_values | st.builds(deep, st.sampled_from([40, 5_000]))
           | st.builds(lambda: [{} for _ in range(60)]) | st.builds(lambda: {"a": deep(100)}))


def paths(doc: Any, limit: int = 6) -> list[tuple[Any, ...]]:
    """The places in a document to mutate, at most ``limit`` levels down (found without recursion)."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack:
        node, where = stack.pop()
        out.append(where)
        if len(where) >= limit:
            continue
        if isinstance(node, dict):
            stack.extend((v, (*where, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*where, i)) for i, v in enumerate(node[:60]))
    return sorted(out, key=lambda p: (len(p), [str(x) for x in p]))


@st.composite
def mutated_requests(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(REQUESTS)))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(doc)))
        if not where:
            continue
        parent: Any = doc
        for part in where[:-1]:
            parent = parent[part]
        op = draw(st.sampled_from(["replace", "delete", "add"]))
        if op == "replace":
            parent[where[-1]] = draw(hostile)
        elif op == "delete":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8) | st.just(PLANTED))] = draw(hostile)
        else:
            parent.append(draw(hostile))
    return doc


# --------------------------------------------------------------------------- the input contract

@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(ROOT / "policies")


def _decided_or_refused(engine: Engine, doc: Any) -> None:
    try:
        decision = engine.evaluate(doc)
    except InputError as exc:
        shown = str(exc)
        assert exc.path.startswith("$"), shown
        shown.encode("utf-8")  # printable: no lone surrogate reaches a message
        assert PLANTED not in shown and f"{PLANTED[:6]} {PLANTED[6:]}" not in shown
        return
    assert isinstance(decision, Decision)
    out = json.dumps(decision.to_dict(), ensure_ascii=False)
    out.encode("utf-8")
    assert PLANTED not in out


@fuzz
@given(doc=json_values)
def test_any_json_value_is_decided_or_refused_with_a_path(engine: Engine, doc: Any) -> None:
    _decided_or_refused(engine, doc)


@fuzz
@given(doc=mutated_requests())
def test_mutated_requests_are_decided_or_refused_with_a_path(engine: Engine, doc: Any) -> None:
    _decided_or_refused(engine, doc)


@fuzz
@given(doc=mutated_requests())
def test_mutated_events_are_stored_without_numbers_or_refused(doc: Any) -> None:
    event = {"hendelse": "melding", "tidspunkt": "2025-06-02T10:00", **{k: v for k, v in doc.items()
                                                                         if k in ("melding", "kontekst")}}
    try:
        _, _, _, body = to_stored(event, secret=SECRET)
    except EventError as exc:
        assert exc.path.startswith("$") and PLANTED not in str(exc)
        str(exc).encode("utf-8")
        return
    stored = json.dumps(body, ensure_ascii=False)
    stored.encode("utf-8")
    assert PLANTED not in stored


# --------------------------------------------------------------------------- the pack loader

PACK = """\
format: dialogvakt/pack-v1
id: p
title: Test
issuer: Test
document: {id: T, title: Test, version: "1", citation: T 1}
valid_from: 2025-01-01
scope:
  description: test
  when: {fact: melding.type, equals: foresporsel}
rules:
  - id: r1
    title: R1
    source: {section: "1"}
    effect: deny
    when: {all: [{fact: melding.formal, equals: oyeblikkelig_hjelp}, {fact: melding.tekst, contains: hjelp}]}
    message: Nei, {melding.formal}.
"""
YAML_ALPHABET = string.ascii_letters + string.digits + "[]{}:,-&*!|>'\"#%@`?<= \n\t\\.ÆØÅ"
snippets = st.text(YAML_ALPHABET, max_size=40) | st.sampled_from([
    "&a [*a]", "*a", "<<: *a", "!!python/object:os.system", "[" * 300, "- " * 100, "2025-13-45",
    "9" * 5_000, "valid_to: 2024-01-01", "\ud800", "\x00", "\ufeff", "{fact: melding.type, matches: '('}"])


def _compiled_or_located(folder: Path) -> None:
    try:
        compile_pack(folder)
    except PackError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.location is not None and problem.location.line >= 1, str(problem)
            str(problem).encode("utf-8")


@fuzz
@given(text=st.text(YAML_ALPHABET, max_size=300))
def test_random_yaml_is_a_pack_error_with_places(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("random") / "p"
    folder.mkdir()
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    _compiled_or_located(folder)


@fuzz
@given(edits=st.lists(st.tuples(st.integers(0, len(PACK)), st.integers(0, 20), snippets), min_size=1, max_size=4))
def test_mutated_packs_compile_or_give_located_problems(tmp_path_factory: pytest.TempPathFactory,
                                                        edits: list[tuple[int, int, str]]) -> None:
    text = PACK
    for at, cut, snippet in edits:
        text = text[:at] + snippet + text[at + cut:]
    folder = tmp_path_factory.mktemp("mutated") / "p"
    folder.mkdir()
    (folder / "pack.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    _compiled_or_located(folder)


PACK_FILES = sorted(p for p in (ROOT / "policies").glob("*/*.yaml"))


@settings(fuzz, max_examples=max(4, EXAMPLES // 10))  # a bundled pack takes a tenth of a second to compile
@given(file=st.sampled_from(PACK_FILES), edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), snippets),
                                                        min_size=1, max_size=3))
def test_mutated_bundled_packs_compile_or_give_located_problems(tmp_path_factory: pytest.TempPathFactory, file: Path,
                                                                edits: list[tuple[float, int, str]]) -> None:
    folder = tmp_path_factory.mktemp("bundled") / file.parent.name
    shutil.copytree(file.parent, folder, ignore=shutil.ignore_patterns("tests"))
    text = file.read_text(encoding="utf-8")
    for where, cut, snippet in edits:
        at = int(where * len(text))
        text = text[:at] + snippet + text[at + cut:]
    (folder / file.name).write_text(text, encoding="utf-8", errors="surrogatepass")
    _compiled_or_located(folder)


# --------------------------------------------------------------------------- the HTTP entry, XML included

@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("fuzz-http") / "decisions.sqlite"
    with TestClient(create_app(ServiceConfig(db=str(db), secret=SECRET, reload_interval=0)),
                    raise_server_exceptions=False) as test_client:
        yield test_client


xml_snippets = st.sampled_from([
    b"<", b">", b"&", b"&amp;", b"]]>", b"<![CDATA[x]]>", b"<!-- -->", b"<x>", b"</x>", b"\x00", b"\xff\xfe",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"<?xml version='1.0'?>", b'encoding="x-nope"',
    b'encoding="UTF-7"', b'encoding="UTF-16"', b"<div>" * 2_000, b"</div>" * 3, PLANTED.encode(),
    "ÆØÅ".encode("latin-1"), b"<OtherReceiver/>" * 50]) | st.binary(max_size=30)


@st.composite
def mutated_xml(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    xml, context = draw(st.sampled_from(XMLS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(xml)))
        cut = draw(st.integers(0, 30))
        xml = xml[:at] + draw(xml_snippets) + xml[at + cut:]
    if draw(st.booleans()):
        xml = re.sub(rb'encoding="[^"]*"', b'encoding="' + draw(st.sampled_from(
            [b"x-nope", b"UTF-7", b"utf-16", b"latin-1", b"ascii", b"UTF-8"])) + b'"', xml, count=1)
    return xml, context


def _answered(response: Any) -> None:
    assert response.status_code in (200, 400, 413, 415, 422), (response.status_code, response.text[:300])
    if response.status_code != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].startswith("https://dialogvakt.no/problems/")
    assert PLANTED not in response.text


@fuzz
@given(item=mutated_xml(), wrapped=st.booleans())
def test_mutated_xml_through_http_is_answered_never_a_500(client: TestClient, item: tuple[bytes, dict[str, Any]],
                                                          wrapped: bool) -> None:
    xml, context = item
    if wrapped:
        try:
            text = xml.decode("utf-8")
        except UnicodeDecodeError:
            text = xml.decode("latin-1")
        response = client.post("/v1/decisions", json={"xml": text, **context})
    else:
        response = client.post("/v1/decisions", content=xml, headers={"content-type": "application/xml"})
    _answered(response)


def as_body(doc: Any) -> bytes:
    """A document as JSON bytes; one too deep for json.dumps as the same nesting written out."""
    try:
        return json.dumps(doc, default=str).encode("utf-8", "surrogatepass")
    except (RecursionError, ValueError):
        return b'{"melding": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"


@fuzz
@given(body=st.binary(max_size=200) | mutated_requests().map(as_body),
       media=st.sampled_from(["application/json", "application/xml", "text/plain"]))
def test_arbitrary_bodies_through_http_are_answered_never_a_500(client: TestClient, body: bytes, media: str) -> None:
    for path in ("/v1/decisions", "/v1/decisions:batch", "/v1/events"):
        response = client.post(path, content=body, headers={"content-type": media})
        if path == "/v1/events" and response.status_code == 501:
            continue  # the monitor cannot load on this Python
        _answered(response)
