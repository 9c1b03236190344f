"""The service under requests that would crash, stall or leak it (in process; the real server's
connection limits are in test_service_limits.py).

Decisions run on worker threads, so health answers while one is busy, and a request not done by
its deadline is a 503 with nothing logged. Bad items in a batch get their own problem. The HTTP
details: 405 says which methods are allowed; the OpenAPI document has every status the service
gives (401, 403, 408, 413, 503) and the event schema, which is also served; a batch whose
requests is not a list says so; findings take status=all and refuse a status or parameter that
does not exist; every pack has a version in metrics and /readyz; a hostile pack on hot reload
is refused with file:line and the served version keeps answering.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import threading
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

with warnings.catch_warnings():  # newer Starlette prefers the httpx2 package; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.contract.identifiers import example_number
from engine.contract.times import OSLO
from engine.server.app import create_app
from engine.server.config import ServiceConfig
from engine.server.decisionlog import SqliteLog

from .conftest import ROOT

SECRET = b"hardened-test-secret-0123456789abcdef"
EXAMPLE = json.loads((ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json").read_text(encoding="utf-8"))


@pytest.fixture
def make_client(tmp_path: Path):
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        options.setdefault("reload_interval", 0)
        config = ServiceConfig(db=str(tmp_path / "decisions.sqlite"), secret=SECRET, **options)
        client = TestClient(create_app(config), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def problem(response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    return body


def logged(client: TestClient) -> int:
    return SqliteLog(client.app.state.service.config.db).count()


class HeldEngine:
    """The engine, with evaluate held until the test lets it go (or ``hold`` seconds have passed)."""

    def __init__(self, engine: Any, hold: float = 10.0):
        self.engine, self.hold = engine, hold
        self.entered, self.release = threading.Event(), threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        self.release.wait(self.hold)
        return self.engine.evaluate(*args, **kwargs)


# --------------------------------------------------------------------------- off the event loop

def test_health_readiness_and_metrics_answer_while_a_decision_is_being_made(client):
    service = client.app.state.service
    held = HeldEngine(service.packs.engine)
    service.packs.engine = held
    answers: list[Any] = []
    worker = threading.Thread(target=lambda: answers.append(client.post("/v1/decisions", json=EXAMPLE)))
    worker.start()
    try:
        assert held.entered.wait(10)
        for path in ("/healthz", "/readyz", "/metrics"):
            assert client.get(path).status_code == 200  # the event loop is free: the decision is on a worker
        assert not answers  # and the decision is still being made
    finally:
        held.release.set()
        worker.join(30)
    assert answers[0].status_code == 200 and logged(client) == 1


def test_a_request_not_done_by_its_deadline_is_a_503_and_nothing_is_logged(make_client):
    client = make_client(deadline=0.2)
    service = client.app.state.service
    held = HeldEngine(service.packs.engine, hold=2.0)
    service.packs.engine = held
    response = client.post("/v1/decisions", json=EXAMPLE)
    body = problem(response)
    assert response.status_code == 503 and body["type"].endswith("/deadline-exceeded")
    assert response.headers["retry-after"] == "1"
    held.release.set()
    assert logged(client) == 0
    assert re.search(r'dialogvakt_deadline_exceeded_total\{work="decision"\} 1\.0', client.get("/metrics").text)
    service.packs.engine = held.engine
    assert client.post("/v1/decisions", json=EXAMPLE).status_code == 200  # the pool is not used up


def test_the_worker_pool_is_bounded(make_client):
    client = make_client(workers=2, deadline=30)
    service = client.app.state.service
    held = HeldEngine(service.packs.engine)
    service.packs.engine = held
    threads = [threading.Thread(target=client.post, args=("/v1/decisions",), kwargs={"json": EXAMPLE})
               for _ in range(5)]
    for t in threads:
        t.start()
    try:
        assert held.entered.wait(10)
        assert client.get("/healthz").status_code == 200
        assert service.workers.busy <= 2
    finally:
        held.release.set()
        for t in threads:
            t.join(30)
    assert logged(client) == 5


# --------------------------------------------------------------------------- bodies

def test_a_body_declared_over_the_limit_is_refused_unread_and_the_connection_closed(make_client):
    client = make_client(max_body=1000)
    response = client.post("/v1/decisions", content=b"{" + b" " * 5000 + b"}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["connection"] == "close"
    chunks = iter([b"{", b" " * 600, b" " * 600, b"}"])  # no content-length: counted as it comes
    response = client.post("/v1/decisions", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert problem(response)["type"].endswith("/payload-too-large")


@pytest.mark.parametrize(("body", "status", "slug"), [
    (b"[" * 100_000, 400, "invalid-json"),
    (b'{"melding": {"type": "svar", "id": ' + b"9" * 5_000 + b"}}", 400, "invalid-json"),
    (b'{"melding": {"type": "svar", "id": "\\ud800"}}', 400, "invalid-json"),
    (b'{"melding": {"type": "svar", "id": "a\\u0000b"}}', 422, "invalid-input"),
    (b'{"tidspunkt": "9999-12-31T23:59-05:00", "melding": {"type": "svar"}}', 422, "invalid-input"),
    (b'{"xml": "<MsgHead/>", "melding": ' + b"[" * 900 + b"]" * 900 + b"}", 422, "invalid-input"),
    (b"\xef\xbb\xbf" + json.dumps(EXAMPLE).encode(), 200, ""),
])
def test_hostile_bodies_get_a_problem_never_a_500(client, body, status, slug):
    response = client.post("/v1/decisions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    if slug:
        assert problem(response)["type"].endswith(slug)


def test_two_hundred_thousand_recipients_are_refused_with_the_field(client):
    request = copy.deepcopy(EXAMPLE)
    request["melding"]["mottakere"] = [{}] * 200_000  # 0.6 MB: the campaign's request
    response = client.post("/v1/decisions", json=request)
    assert response.status_code == 422
    assert problem(response)["errors"][0] == {"path": "$.melding.mottakere", "message": "kan ha høyst 50 elementer"}


# --------------------------------------------------------------------------- batches

def test_in_a_batch_each_bad_item_gets_its_own_problem_and_the_others_are_answered(client, monkeypatch):
    overflow = copy.deepcopy(EXAMPLE)
    overflow["tidspunkt"] = "9999-12-31T23:59-05:00"
    control = copy.deepcopy(EXAMPLE)
    control["melding"]["emne"] = "a\u0007b"
    deep = copy.deepcopy(EXAMPLE)
    nested: Any = "x"
    for _ in range(40):
        nested = [nested]
    deep["melding"]["tekst"] = nested
    items = [EXAMPLE, overflow, EXAMPLE, control, deep, EXAMPLE]
    results = client.post("/v1/decisions:batch", json={"requests": items}).json()["results"]
    assert [r["status"] for r in results] == [200, 422, 200, 422, 422, 200]
    assert results[1]["problem"]["errors"][0]["path"] == "$.tidspunkt"
    assert results[3]["problem"]["errors"][0]["path"] == "$.melding.emne"
    assert results[4]["problem"]["errors"][0]["path"] == "$.melding.tekst"

    service = client.app.state.service
    engine = service.packs.engine

    class OneFails:
        def __getattr__(self, name: str) -> Any:
            return getattr(engine, name)

        def evaluate(self, request: Any, **kwargs: Any) -> Any:
            if request.get("melding", {}).get("id") == "boom":
                raise RuntimeError("a fault in the engine")
            return engine.evaluate(request, **kwargs)

    service.packs.engine = OneFails()
    boom = copy.deepcopy(EXAMPLE)
    boom["melding"]["id"] = "boom"
    results = client.post("/v1/decisions:batch", json={"requests": [EXAMPLE, boom, EXAMPLE]}).json()["results"]
    assert [r["status"] for r in results] == [200, 500, 200]


@pytest.mark.parametrize(("doc", "path", "words"), [
    ({"requests": "x"}, "$.requests", "må være en liste"),
    ({"requests": {"a": 1}}, "$.requests", "må være en liste"),
    ({}, "$.requests", "mangler"),
    ({"requests": [], "extra": 1}, "$.extra", "ukjent felt"),
])
def test_a_batch_of_the_wrong_shape_says_what_is_wrong(client, doc, path, words):
    error = problem(client.post("/v1/decisions:batch", json=doc))["errors"][0]
    assert error["path"] == path and words in error["message"]


# --------------------------------------------------------------------------- HTTP details

def test_405_says_which_methods_are_allowed(client):
    for path, allowed in (("/v1/decisions", "POST"), ("/healthz", "GET"), ("/v1/packs:reload", "POST")):
        response = client.delete(path)
        assert response.status_code == 405
        assert allowed in response.headers["allow"]
        assert problem(response)["type"].endswith("/method-not-allowed")


def test_the_openapi_document_has_every_status_the_gate_gives(client):
    doc = client.get("/openapi.json").json()
    for route, operations in doc["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if operation.get("security") == []:
                continue
            assert {"401", "403"} <= codes, (method, route)
            if method == "post":
                assert {"408", "413", "503"} <= codes, (method, route)
    assert "Retry-After" in doc["components"]["responses"]["Busy"]["headers"]


def test_the_event_schema_is_served_and_in_the_openapi_document(client):
    served = client.get("/schemas/event-v1.schema.json")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/schema+json")
    assert served.json() == json.loads((ROOT / "engine" / "schemas" / "event-v1.schema.json").read_text())
    doc = client.get("/openapi.json").json()
    events = doc["paths"]["/v1/events"]["post"]
    assert events["externalDocs"]["url"] == "/schemas/event-v1.schema.json"
    component = doc["components"]["schemas"]["Event"]
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(component))
    assert refs and all(r.startswith("#/components/schemas/Event/") for r in refs)
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012))
    validator = jsonschema.Draft202012Validator({"$ref": "urn:openapi#/components/schemas/Event"}, registry=registry)
    good = {"hendelse": "kvittering", "tidspunkt": "2025-06-02T10:00", "kvittering": {"melding_id": "m1",
                                                                                       "status": "ok"}}
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({**good, "kvittering": {"status": "ok"}}))


def test_every_pack_has_a_version_in_metrics_and_readyz(client):
    ready = client.get("/readyz").json()["packs"]
    assert len(ready) == 5 and all(p["version"] for p in ready.values()), ready
    metrics = client.get("/metrics").text
    infos = re.findall(r'^dialogvakt_pack_info\{pack="([^"]+)",revision="[^"]+",version="([^"]*)"\}', metrics, re.M)
    assert len(infos) == 5 and all(version for _, version in infos), infos


def test_findings_parameters_are_checked_before_the_monitor_is_asked(client):
    for params, name in (({"status": "bogus"}, "status"), ({"statsu": "open"}, "statsu"),
                         ([("status", "open"), ("status", "all")], "status")):
        response = client.get("/v1/findings", params=params)
        assert response.status_code == 400
        assert problem(response)["errors"][0]["parameter"] == name


@pytest.mark.requires_monitor
def test_findings_status_all_gives_every_finding_as_on_the_command_line(client):
    from engine.monitor.traffic import clock_event, hospital, message_event, municipality

    start = dt.datetime(2025, 6, 2, 10, 0, tzinfo=OSLO)
    events = [message_event(at=start, msg_id=f"m{i}", thread=f"t{i}", type="foresporsel", sender=municipality(7),
                            recipient=hospital("Lungesykdommer"), patient=example_number("fnr", seed=i))
              for i in range(2)]
    events.append(clock_event(start + dt.timedelta(days=10)))
    answer = message_event(at=start + dt.timedelta(days=11), msg_id="s0", reply_to="m0", thread="t0", type="svar",
                           sender=hospital("Lungesykdommer"), recipient=municipality(7),
                           patient=example_number("fnr", seed=0))
    timer = clock_event(start + dt.timedelta(days=11, hours=1))  # past the monitor's lateness window
    assert client.post("/v1/events", json={"events": [*events, answer, timer]}).status_code == 200
    every = client.get("/v1/findings", params={"status": "all"}).json()["findings"]
    unfiltered = client.get("/v1/findings").json()["findings"]
    statuses = {f["status"] for f in every}
    assert every == unfiltered and {"open", "resolved"} <= statuses
    assert [f for f in every if f["status"] == "open"] == client.get("/v1/findings?status=open").json()["findings"]


# --------------------------------------------------------------------------- packs

def test_a_hostile_pack_on_hot_reload_is_refused_with_its_place_and_the_served_one_answers(make_client, tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", policies / "helse-bergen-d81023")
    client = make_client(policies=str(policies))
    before = client.post("/v1/decisions", json=EXAMPLE).json()["packs"][0]["revision"]
    pack_yaml = policies / "helse-bergen-d81023" / "pack.yaml"
    original = pack_yaml.read_text(encoding="utf-8")
    laughs = ['l0: &l0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    laughs += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    for hostile in ("\n".join(laughs), "x: &a [*a]", "deep: " + "[" * 5_000 + "]" * 5_000, "big: " + "9" * 5_000):
        pack_yaml.write_text(original + hostile + "\n", encoding="utf-8")
        response = client.post("/v1/packs:reload")
        body = problem(response)
        assert response.status_code == 422
        assert all(re.match(r".*pack\.yaml:\d+:\d+$", e["location"]) for e in body["errors"]), body["errors"]
        assert client.post("/v1/decisions", json=EXAMPLE).json()["packs"][0]["revision"] == before
    for moved in (original.replace("valid_from: 2025-03-20", "valid_from: 2025-13-45"),
                  re.sub(r"\ndocument:\n(  .*\n)+", "\n", original, count=1)):
        pack_yaml.write_text(moved, encoding="utf-8")
        body = problem(client.post("/v1/packs:reload"))
        assert all(re.match(r".*pack\.yaml:\d+:\d+$", e["location"]) for e in body["errors"]), body["errors"]
        assert "None" not in json.dumps(body)


@pytest.mark.parametrize("change", [
    lambda x: x.replace(b'encoding="UTF-8"', b'encoding="x-nope"'),
    lambda x: x.replace(b'encoding="UTF-8"', b'encoding="UTF-7"'),
    lambda x: x.replace(b"<Sporsmal>", b"<Sporsmal>" + b"<div>" * 5_000 + b"x" + b"</div>" * 5_000, 1),
])
def test_xml_the_reader_cannot_take_is_a_problem_not_a_500(client, change):
    xml = change((ROOT / "examples" / "xml" / "d81023-x1-foresporsel-nylig-utskrevet.xml").read_bytes())
    response = client.post("/v1/decisions", content=xml, headers={"content-type": "application/xml"})
    found = problem(response)
    # an encoding the reader cannot take is 400; nesting past the adapter's own limit is its 422, at the element
    assert response.status_code in (400, 422) and found["type"].endswith("/invalid-xml")
    assert found["errors"] and found["errors"][0]["path"].startswith("/")
