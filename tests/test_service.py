"""The HTTP decision service, in process (Starlette's test client)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import sys
import time
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

with warnings.catch_warnings():  # newer Starlette prefers the httpx2 package; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine import Engine
from engine.contract.identifiers import example_number
from engine.server.app import create_app
from engine.server.auth import config_from
from engine.server.config import ServiceConfig
from engine.server.decisionlog import DecisionLog, LogWriter, SqliteLog

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "engine" / "schemas"
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
XML_EXAMPLES = sorted((ROOT / "examples" / "xml").glob("*.xml"))
SECRET = b"service-test-secret-0123456789abcdef"
XML = {"content-type": "application/xml"}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


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


def _log(client: TestClient) -> SqliteLog:
    return SqliteLog(client.app.state.service.config.db)


def context_pairs(context: dict, prefix: str = "") -> Iterator[tuple[str, str]]:
    """A partial request as the query parameters an XML caller would send."""
    for key, value in context.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from context_pairs(value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                yield from context_pairs(item, f"{path}[{i}]")
        elif isinstance(value, list):
            for item in value:
                yield path, str(item)
        else:
            yield path, str(value).lower() if isinstance(value, bool) else str(value)


# --------------------------------------------------------------------------- contract

def test_openapi_components_are_the_published_schemas(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for name, file in (("DecisionRequest", "input-v1.schema.json"), ("Decision", "decision-v1.schema.json")):
        published = _load(SCHEMAS / file)
        component = doc["components"]["schemas"][name]
        assert published["$id"] in component["$comment"]
        # the same schema, but for its local references, which are re-rooted under the component
        assert _unembed(component, name) == {k: v for k, v in published.items() if k not in ("$id", "$schema")}
    decide = doc["paths"]["/v1/decisions"]["post"]
    json_body = decide["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert {"$ref": "#/components/schemas/DecisionRequest"} in json_body
    assert decide["responses"]["200"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/Decision"}
    assert "application/xml" in decide["requestBody"]["content"]
    for path in ("/v1/decisions:batch", "/v1/packs", "/v1/packs/{id}", "/v1/packs:reload", "/v1/events",
                 "/v1/findings", "/healthz", "/readyz", "/metrics"):
        assert path in doc["paths"], path

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str) and v.startswith("#/components/"):
                    yield v
                else:
                    yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    for ref in walk(doc):
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        assert isinstance(target, dict), ref
    assert client.get("/schemas/input-v1.schema.json").json() == _load(SCHEMAS / "input-v1.schema.json")


def _unembed(component: dict, name: str) -> dict:
    prefix = f"#/components/schemas/{name}/"

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: "#/" + v[len(prefix):] if k == "$ref" and isinstance(v, str) and v.startswith(prefix)
                    else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk({k: v for k, v in component.items() if k != "$comment"})


def test_answers_validate_against_the_openapi_document(client: TestClient) -> None:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    doc = client.get("/openapi.json").json()
    registry = Registry().with_resource("urn:dialogvakt:openapi",
                                        Resource.from_contents(doc, default_specification=DRAFT202012))

    def validator(name: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator({"$ref": f"urn:dialogvakt:openapi#/components/schemas/{name}"},
                                               registry=registry)

    request = _load(EXAMPLES[3])
    validator("DecisionRequest").validate(request)
    assert not validator("DecisionRequest").is_valid({"melding": {"type": "brev"}})
    validator("Decision").validate(client.post("/v1/decisions", json=request).json())
    batch = client.post("/v1/decisions:batch", json={"requests": [request, {"melding": {}}]}).json()
    validator("BatchResponse").validate(batch)
    validator("PackDetail").validate(client.get("/v1/packs/helse-bergen-d81023").json())
    validator("Problem").validate(client.post("/v1/decisions", json={"melding": {}}).json())


# --------------------------------------------------------------------------- single decisions

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_json_decisions_equal_the_python_api_and_are_logged(client: TestClient, engine: Engine, path: Path) -> None:
    request = _load(path)
    response = client.post("/v1/decisions", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = engine.evaluate(request).to_dict()
    if "tidspunkt" not in request:  # evaluated "now": the clocks differ by the request's time
        assert abs(dt.datetime.fromisoformat(body.pop("evaluated_at"))
                   - dt.datetime.fromisoformat(expected.pop("evaluated_at"))) < dt.timedelta(minutes=5)
    assert body == expected
    jsonschema.validate(response.json(), _load(SCHEMAS / "decision-v1.schema.json"))
    record = [r for r in _log(client).query() if r.id == response.headers["dialogvakt-decision-id"]]
    assert len(record) == 1 and record[0].decision == body["decision"]
    assert record[0].input_sha256 == response.headers["dialogvakt-input-sha256"]


@pytest.mark.parametrize("xml_path", XML_EXAMPLES, ids=lambda p: p.stem)
def test_xml_examples_decide_as_their_json_twins(client: TestClient, xml_path: Path) -> None:
    xml = xml_path.read_bytes()
    context = _load(xml_path.with_suffix(".kontekst.json"))
    twin = client.post("/v1/decisions", json=_load(xml_path.with_suffix(".json")))
    raw = client.post("/v1/decisions", content=xml, headers=XML, params=list(context_pairs(context)))
    wrapped = client.post("/v1/decisions", json={"xml": xml.decode("utf-8"), **context})
    for response in (twin, raw, wrapped):
        assert response.status_code == 200, response.text
    assert raw.json() == twin.json() == wrapped.json()
    assert raw.headers["dialogvakt-input-sha256"] == twin.headers["dialogvakt-input-sha256"]
    sources = {r.id: r.source for r in _log(client).query()}
    assert sources[raw.headers["dialogvakt-decision-id"]] == "xml"
    assert sources[twin.headers["dialogvakt-decision-id"]] == "json"


def test_text_report_on_request(client: TestClient) -> None:
    response = client.post("/v1/decisions", json=_load(EXAMPLES[1]), headers={"accept": "text/plain"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "øyeblikkelig hjelp" in response.text


def test_pack_and_time_options(client: TestClient, engine: Engine) -> None:
    request = _load(EXAMPLES[0])
    body = client.post("/v1/decisions", json=request, params={"at": "2026-06-01T10:00", "explain": "true",
                                                              "pack": "helse-bergen-d81023"}).json()
    expected = engine.evaluate(request, at="2026-06-01T10:00", explain=True, pack="helse-bergen-d81023").to_dict()
    assert body == expected
    assert body["packs"][0]["expired"] is True and body["trace"]


# --------------------------------------------------------------------------- problems

def _problem(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://dialogvakt.no/problems/")
    return body


def test_invalid_input_names_the_field(client: TestClient) -> None:
    request = _load(EXAMPLES[0])
    request["melding"]["type"] = "brev"
    body = _problem(client.post("/v1/decisions", json=request))
    assert body["errors"][0]["path"] == "$.melding.type"
    del request["melding"]
    assert _problem(client.post("/v1/decisions", json=request))["errors"][0]["path"] == "$.melding"


@pytest.mark.parametrize("kwargs, status, slug", [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid-json"),
    ({"content": b"melding=1", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415,
     "unsupported-media-type"),
    ({"json": [1, 2]}, 422, "invalid-input"),
    ({"json": {"melding": {"type": "svar"}}, "params": {"kontekst.pasientstatus": "innlagt"}}, 400,
     "invalid-parameter"),
    ({"json": {"melding": {"type": "svar"}}, "params": {"pack": "no-such-pack"}}, 422, "unknown-pack"),
    ({"json": {"melding": {"type": "svar"}}, "params": {"at": "i morgen"}}, 400, "invalid-parameter"),
])
def test_bad_requests_get_problem_details(client: TestClient, kwargs: dict, status: int, slug: str) -> None:
    response = client.post("/v1/decisions", **kwargs)
    assert response.status_code == status
    assert _problem(response)["type"].endswith(slug)


def test_unknown_routes_and_methods(client: TestClient) -> None:
    assert _problem(client.get("/v2/anything"))["status"] == 404
    assert _problem(client.get("/v1/decisions"))["status"] == 405


def test_body_limit(make_client) -> None:
    client = make_client(max_body=1000)
    response = client.post("/v1/decisions", json={"melding": {"type": "svar", "tekst": "x" * 2000}})
    assert response.status_code == 413
    _problem(response)


def test_xml_problems_name_the_element(client: TestClient) -> None:
    xml = XML_EXAMPLES[0].read_text(encoding="utf-8")
    context = list(context_pairs(_load(XML_EXAMPLES[0].with_suffix(".kontekst.json"))))
    wrong_type = xml.replace("DIALOG_FORESPORSEL", "APPREC")
    body = _problem(client.post("/v1/decisions", content=wrong_type.encode(), headers=XML, params=context))
    assert body["errors"][0]["path"] == "/MsgHead/MsgInfo/Type/@V"
    xxe = xml.replace('<MsgHead ', '<!DOCTYPE MsgHead [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<MsgHead ', 1)
    response = client.post("/v1/decisions", content=xxe.encode(), headers=XML, params=context)
    assert response.status_code == 400 and "root:" not in response.text
    body = _problem(client.post("/v1/decisions", content=xml.encode(), headers=XML))
    assert body["errors"][0]["path"] == "$.melding.avsender.kategori"
    assert "query-parameter melding.avsender.kategori" in body["errors"][0]["message"]


def test_a_bad_patient_number_in_xml_points_into_the_xml_and_is_never_echoed(client: TestClient) -> None:
    xml = XML_EXAMPLES[0].read_text(encoding="utf-8")
    number = re.search(r"<Id>(\d{11})</Id>", xml).group(1)
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    context = list(context_pairs(_load(XML_EXAMPLES[0].with_suffix(".kontekst.json"))))
    response = client.post("/v1/decisions", content=xml.replace(number, bad).encode(), headers=XML, params=context)
    body = _problem(response)
    assert body["errors"][0]["path"] == "$.melding.pasient.id"
    assert body["errors"][0]["xml_path"] == "/MsgHead/MsgInfo/Patient/Ident/Id"
    assert bad not in response.text and number not in response.text


def test_a_patient_number_in_the_query_is_refused_and_not_echoed(client: TestClient) -> None:
    number = example_number("fnr", seed=21)
    response = client.post("/v1/decisions", content=XML_EXAMPLES[0].read_bytes(), headers=XML,
                           params={"melding.pasient.id": number})
    assert response.status_code == 422
    assert number not in response.text
    response = client.get(f"/v1/packs/{number}")
    assert response.status_code == 404 and number not in response.text


def test_numbers_in_free_text_are_masked_in_the_answer(client: TestClient) -> None:
    request = _load(EXAMPLES[0])
    number = request["melding"]["pasient"]["id"]
    request["melding"]["tekst"] = f"Pasient {number}: akutt, ØH. Hva gjør vi?"
    response = client.post("/v1/decisions", json=request)
    assert response.status_code == 200
    assert number not in response.text
    assert "[personnummer]" in response.text


# --------------------------------------------------------------------------- batch

def test_batch_answers_each_item_and_errors_in_place(client: TestClient, engine: Engine) -> None:
    good = _load(EXAMPLES[1])
    bad_type = copy.deepcopy(good)
    bad_type["melding"]["type"] = "brev"
    number = good["melding"]["pasient"]["id"]
    bad_number = copy.deepcopy(good)
    bad_number["melding"]["pasient"]["id"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    xml_path = XML_EXAMPLES[2]
    wrapped = {"xml": xml_path.read_text(encoding="utf-8"), **_load(xml_path.with_suffix(".kontekst.json"))}
    before = _log(client).count()
    response = client.post("/v1/decisions:batch", json={"requests": [good, bad_type, wrapped, "tekst", bad_number]})
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == [200, 422, 200, 422, 422]
    assert [r["index"] for r in body["results"]] == list(range(5))
    assert body["results"][0]["decision"] == engine.evaluate(good).to_dict()
    assert body["results"][2]["decision"] == engine.evaluate(_load(xml_path.with_suffix(".json"))).to_dict()
    assert body["results"][1]["problem"]["errors"][0]["path"] == "$.melding.type"
    assert body["results"][4]["problem"]["errors"][0]["path"] == "$.melding.pasient.id"
    assert bad_number["melding"]["pasient"]["id"] not in response.text
    assert body["counts"] == {"allow": 0, "deny": 2, "indeterminate": 0, "not_applicable": 0, "error": 3}
    logged = _log(client).query()
    assert _log(client).count() == before + 2
    assert {r.id for r in logged} >= {body["results"][0]["decision_id"], body["results"][2]["decision_id"]}


def test_batch_shape_and_size(make_client) -> None:
    client = make_client(max_batch=3)
    assert _problem(client.post("/v1/decisions:batch", json=[{}]))["errors"][0]["path"] == "$.requests"
    response = client.post("/v1/decisions:batch", json={"requests": [{"melding": {"type": "svar"}}] * 4})
    assert response.status_code == 413


def test_a_large_batch_is_decided_in_order(client: TestClient, engine: Engine) -> None:
    requests = [_load(p) for p in EXAMPLES] * 5
    body = client.post("/v1/decisions:batch", json={"requests": requests}).json()
    assert [r["decision"]["decision"] for r in body["results"]] == [engine.evaluate(r).decision for r in requests]


# --------------------------------------------------------------------------- packs and reload

def test_pack_list_and_detail(client: TestClient, engine: Engine) -> None:
    packs = client.get("/v1/packs").json()["packs"]
    assert [p["id"] for p in packs] == list(engine.packs)
    detail = client.get("/v1/packs/helse-bergen-d81023").json()
    pack = engine.packs["helse-bergen-d81023"]
    assert detail["version"] == pack.version and detail["revision"] == pack.revision
    assert detail["valid_from"] == "2025-03-20" and detail["validity"] in ("valid", "expired", "not_yet_valid")
    assert [r["id"] for r in detail["rules"]] == [r.id for r in pack.rules]
    first = detail["rules"][0]
    assert first["source"]["section"] and first["source"]["quote"]
    assert re.fullmatch(r"helse-bergen-d81023/rules\.yaml:\d+:\d+", first["location"])
    assert detail["parameters"]["nylig_utskrevet_dager"]["local_interpretation"] is True


def _wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_hot_reload_swaps_in_a_new_version_and_refuses_a_broken_one(make_client, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", policies / "helse-bergen-d81023")
    client = make_client(policies=str(policies), reload_interval=0.05)
    request = _load(EXAMPLES[1])
    first = client.post("/v1/decisions", json=request).json()["packs"][0]
    assert first["version"] == "1.01"

    pack_yaml = policies / "helse-bergen-d81023" / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text(encoding="utf-8").replace('version: "1.01"', 'version: "1.02"'),
                         encoding="utf-8")
    assert _wait_for(lambda: client.get("/v1/packs").json()["packs"][0]["version"] == "1.02")
    second = client.post("/v1/decisions", json=request).json()["packs"][0]
    assert second["version"] == "1.02" and second["revision"] != first["revision"]

    rules = policies / "helse-bergen-d81023" / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("\n    effect: deny\n", "\n    effect: forbid\n", 1), encoding="utf-8")
    assert _wait_for(lambda: (client.get("/v1/packs").json().get("last_reload") or {}).get("result") == "refused")
    still = client.post("/v1/decisions", json=request)
    assert still.status_code == 200 and still.json()["packs"][0]["revision"] == second["revision"]

    response = client.post("/v1/packs:reload")
    body = _problem(response)
    assert response.status_code == 422
    assert any(re.search(r"rules\.yaml:\d+:\d+", e["location"]) for e in body["errors"])
    assert "forbid" in json.dumps(body["errors"], ensure_ascii=False)
    metrics = client.get("/metrics").text
    assert re.search(r'dialogvakt_pack_reloads_total\{result="refused"\} [1-9]', metrics)
    assert ('dialogvakt_pack_info{{pack="helse-bergen-d81023",revision="{}",version="1.02"}} 1.0'
            .format(second["revision"]) in metrics)

    rules.write_text(text, encoding="utf-8")
    report = client.post("/v1/packs:reload").json()
    assert report["result"] in ("ok", "unchanged")
    assert client.post("/v1/decisions", json=request).json()["packs"][0]["version"] == "1.02"


def test_hot_reload_sees_a_change_of_the_shared_reference_data(make_client, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", policies / "helse-bergen-d81023")
    reference = policies / "referansedata.yaml"
    shutil.copy(ROOT / "policies" / "referansedata.yaml", reference)
    client = make_client(policies=str(policies), reload_interval=0.05)
    first = client.get("/v1/packs").json()["packs"][0]["revision"]
    reference.write_text(reference.read_text(encoding="utf-8") + "\n# a comment changes the file\n", encoding="utf-8")
    assert _wait_for(lambda: client.get("/v1/packs").json()["packs"][0]["revision"] != first)


def test_a_broken_pack_at_startup_stops_the_service(tmp_path: Path) -> None:
    from engine import PackError

    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", policies / "p")
    (policies / "p" / "rules.yaml").write_text("rules: [", encoding="utf-8")
    with pytest.raises(PackError):
        create_app(ServiceConfig(policies=str(policies), db=str(tmp_path / "d.sqlite"), secret=SECRET))


# --------------------------------------------------------------------------- operations

def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and "helse-bergen-d81023" in ready["packs"]
    for path in EXAMPLES[:3]:
        client.post("/v1/decisions", json=_load(path))
    client.post("/v1/decisions", json={"melding": {"type": "brev"}})
    metrics = client.get("/metrics").text
    decided = sum(float(v) for v in re.findall(r'^dialogvakt_decisions_total\{decision="\w+"\} (\S+)$', metrics, re.M))
    assert decided == 3
    assert re.search(r'dialogvakt_pack_decisions_total\{decision="deny",pack="helse-bergen-d81023",version="1.01"\}',
                     metrics)
    assert 'dialogvakt_decision_errors_total{kind="invalid-input"} 1.0' in metrics
    assert re.search(r'dialogvakt_request_duration_seconds_count\{route="/v1/decisions"\} 4.0', metrics)
    for path in EXAMPLES:
        assert _load(path)["melding"]["pasient"]["id"] not in metrics


class _Broken(DecisionLog):
    url = "broken://"

    def write_many(self, records):
        raise OSError("disk full")

    def ping(self):
        raise OSError("disk full")

    def close(self):
        pass


def test_no_decision_without_the_log(client: TestClient) -> None:
    service = client.app.state.service
    service.writer.close()
    service.writer = LogWriter(_Broken)
    response = client.post("/v1/decisions", json=_load(EXAMPLES[0]))
    body = _problem(response)
    assert response.status_code == 503 and "decision" not in body
    assert client.get("/readyz").status_code == 503
    assert "dialogvakt_decision_log_failures_total 1.0" in client.get("/metrics").text


def test_monitor_endpoints_answer_501_when_the_monitor_is_absent(client: TestClient, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "engine.monitor", None)
    for response in (client.post("/v1/events", json={"events": []}), client.get("/v1/findings")):
        body = _problem(response)
        assert response.status_code == 501 and "engine.monitor" in body["detail"]


def _fake_monitor_module(calls: dict) -> types.ModuleType:
    """A stand-in with the interface of engine.monitor (Monitor, MonitorConfig, EventError)."""

    class EventError(ValueError):
        def __init__(self, path: str, message: str, *, line=None, source=None):
            super().__init__(message)
            self.path, self.message, self.line, self.source = path, message, line, source

        def at(self, source, line):
            return EventError(self.path, self.message, line=line, source=source)

    class Finding:
        def __init__(self, kind: str):
            self.kind = kind

        def to_dict(self) -> dict:
            return {"rule": "svar-forfalt", "kind": self.kind, "status": "open"}

    class MonitorConfig:
        store = None
        secret = None
        shards = 16
        retention_days = 180
        allow_synthetic_ids = False
        lateness = "the configured lateness window"

        @classmethod
        def load(cls, path=None, env=None):
            return cls()

    class Monitor:
        def __init__(self, packs, *, store, secret, shards, retention_days, allow_synthetic_ids, lateness):
            calls["init"] = {"packs": [p.id for p in packs], "store": store, "secret": secret, "lateness": lateness}

        def feed_many(self, events, *, source=None):
            found = []
            for line, event in events:
                if "hendelse" not in event:
                    raise EventError("$.hendelse", "mangler (påkrevd felt)").at(source, line)
                calls.setdefault("events", []).append(event)
                found.append(Finding("svar_forfalt"))
            return found

        def findings(self, *, status=None, pack=None, kind=None):
            calls["filters"] = {"status": status, "pack": pack, "kind": kind}
            return [Finding("svar_forfalt")]

        def stats(self):
            return {"events": len(calls.get("events", []))}

        def close(self):
            calls["closed"] = True

    module = types.ModuleType("engine.monitor")
    module.Monitor, module.MonitorConfig, module.EventError = Monitor, MonitorConfig, EventError
    return module


def test_monitor_endpoints_drive_the_monitor(make_client, monkeypatch, tmp_path: Path, engine: Engine) -> None:
    calls: dict = {}
    monkeypatch.setitem(sys.modules, "engine.monitor", _fake_monitor_module(calls))
    client = make_client()
    body = client.post("/v1/events", json={"events": [{"hendelse": "sendt"}, {"hendelse": "svar"}]}).json()
    assert body["accepted"] == 2 and [f["kind"] for f in body["findings"]] == ["svar_forfalt"] * 2
    assert calls["init"]["store"] == str(tmp_path / "decisions.sqlite.monitor.sqlite")
    assert calls["init"]["secret"] == SECRET
    assert calls["init"]["packs"] == list(engine.packs)
    assert calls["init"]["lateness"] == "the configured lateness window"
    response = client.post("/v1/events", json={"events": [{"hendelse": "sendt"}, {"tidspunkt": "x"}]})
    problem = _problem(response)
    assert response.status_code == 422 and problem["errors"][0]["path"] == "$.events[1].hendelse"
    found = client.get("/v1/findings", params={"status": "open", "pack": "helse-bergen-d81023"}).json()
    assert calls["filters"] == {"status": "open", "pack": "helse-bergen-d81023", "kind": None}
    assert found["findings"][0]["rule"] == "svar-forfalt" and found["stats"]["events"] == 3


def test_a_monitor_that_cannot_start_gives_501_with_its_reason(client: TestClient, monkeypatch) -> None:
    module = _fake_monitor_module({})

    class MonitorUnavailable(RuntimeError):
        pass

    def refuse(*args, **kwargs):
        raise MonitorUnavailable("durable_rules cannot be loaded here")

    module.Monitor = refuse
    monkeypatch.setitem(sys.modules, "engine.monitor", module)
    body = _problem(client.get("/v1/findings"))
    assert body["status"] == 501 and "durable_rules cannot be loaded here" in body["detail"]


def test_authentication_when_turned_on(make_client) -> None:
    client = make_client(auth=config_from(token="a-long-static-token-for-tests"))
    request = _load(EXAMPLES[0])
    refused = client.post("/v1/decisions", json=request)
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    _problem(refused)
    wrong = client.post("/v1/decisions", json=request, headers={"authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401
    ok = client.post("/v1/decisions", json=request, headers={"authorization": "Bearer a-long-static-token-for-tests"})
    assert ok.status_code == 200
    assert client.get("/healthz").status_code == 200 and client.get("/openapi.json").status_code == 200
    assert client.get("/metrics").status_code == 401
    logged = [r for r in _log(client).query() if r.id == ok.headers["dialogvakt-decision-id"]]
    assert logged[0].client == "token"
