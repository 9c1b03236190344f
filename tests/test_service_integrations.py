"""What a record system plugs into: AppRec answers, CDS Hooks cards, strict XML and ?at=message over HTTP."""

from __future__ import annotations

import json
import uuid
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from defusedxml import ElementTree as SafeET

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.contract.apprec import ApprecConfigError, ApprecMapping
from engine.contract.xmlschema import XmlSchemas
from engine.server.app import create_app
from engine.server.config import ServiceConfig
from engine.server.decisionlog import SqliteLog

from .reference import XSD, need
from .test_service import SECRET, XML, context_pairs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
X1 = EXAMPLES / "xml" / "d81023-x1-foresporsel-nylig-utskrevet.xml"  # allowed
X3 = EXAMPLES / "xml" / "d81023-x3-vedlegg-og-kopimottaker.xml"  # denied: attachment and a copy
CDS = json.loads((ROOT / "tests" / "data" / "cds-hooks-2.0.schema.json").read_text(encoding="utf-8"))
NS = {"ar": "http://www.kith.no/xmlstds/apprec/2012-02-15"}


def _shape(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**CDS, "$ref": f"#/$defs/{name}"},
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _context(xml: Path) -> dict[str, Any]:
    return json.loads(xml.with_suffix(".kontekst.json").read_text(encoding="utf-8"))


@pytest.fixture
def make_client(tmp_path: Path):
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        config = ServiceConfig(db=str(tmp_path / "decisions.sqlite"), secret=SECRET, reload_interval=0, **options)
        client = TestClient(create_app(config), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _apprec(client: TestClient, xml: Path, **params: str) -> Any:
    query = [*context_pairs(_context(xml)), ("at", "message"), *params.items()]
    return client.post("/v1/apprec", params=query, content=xml.read_bytes(), headers=XML)


# --------------------------------------------------------------------------- AppRec

def test_a_denied_message_is_answered_with_a_rejection_that_follows_apprec_1_1(make_client) -> None:
    response = _apprec(make_client(), X3)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert response.headers["dialogvakt-decision"] == "deny" and response.headers["dialogvakt-decision-id"]
    XmlSchemas(need(XSD)).check_apprec(response.content)
    root = SafeET.fromstring(response.content)
    assert root.find("ar:Status", NS).get("V") == "2"
    errors = root.findall("ar:Error", NS)
    assert {e.get("V") for e in errors} == {"X99"}
    texts = [e.get("OT") for e in errors]
    assert any("vedlegg" in t and "D81023 v1.01 § 4.5" in t for t in texts)
    assert any("mottakere" in t and "§ 4.6" in t for t in texts)
    original = root.find("ar:OriginalMsgId", NS)
    assert original.find("ar:Id", NS).text == "5e8a2c61-0d94-4f3b-a7c2-9b1e6d4f8a33"
    assert original.find("ar:MsgType", NS).get("V") == "DIALOG_FORESPORSEL"
    # from the receiver to the sender
    assert root.find("ar:Sender/ar:HCP/ar:Inst/ar:Dept/ar:Name", NS).text == "Ortopedisk kirurgi"
    assert root.find("ar:Receiver/ar:HCP/ar:Inst/ar:Dept/ar:Id", NS).text == "8100612"
    assert "12087034915" not in response.text  # the patient's number


def test_an_allowed_message_is_answered_ok(make_client) -> None:
    response = _apprec(make_client(), X1)
    assert response.status_code == 200, response.text
    XmlSchemas(need(XSD)).check_apprec(response.content)
    root = SafeET.fromstring(response.content)
    assert root.find("ar:Status", NS).get("V") == "1"
    assert root.findall("ar:Error", NS) == []


def test_the_status_of_each_decision_is_configuration(make_client, tmp_path: Path) -> None:
    mapping = tmp_path / "apprec.yaml"
    mapping.write_text("status: {allow: ok, deny: avvist, indeterminate: avvist, not_applicable: ok}\n"
                       "feilkode: X99\nregler: {d81023-4.6-en-mottaker: E21}\n", encoding="utf-8")
    response = _apprec(make_client(apprec=str(mapping)), X3)
    codes = {e.get("OT")[:20]: e.get("V") for e in SafeET.fromstring(response.content).findall("ar:Error", NS)}
    assert sorted(codes.values()) == ["E21", "X99"]


@pytest.mark.parametrize("text, key", [
    ("status: {allow: ok}\n", "status"),
    ("status: {allow: ok, deny: nei, indeterminate: ok, not_applicable: ok}\n", "status.deny"),
    ("status: {allow: ok, deny: avvist, indeterminate: ok, not_applicable: ok}\nfeilkode: Z1\n", "feilkode"),
    ("status: {allow: ok, deny: avvist, indeterminate: ok, not_applicable: ok}\nukjent: 1\n", "ukjent"),
])
def test_a_wrong_mapping_file_is_named_by_its_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ApprecConfigError) as info:
        ApprecMapping.load(path)
    assert f"{path}: {key}" in str(info.value)


def test_the_bundled_mapping_rejects_only_denials() -> None:
    assert dict(ApprecMapping.load().status) == {"allow": "ok", "deny": "avvist", "indeterminate": "ok",
                                                 "not_applicable": "ok"}


def test_apprec_from_the_json_wrapper_and_the_decision_is_logged(make_client) -> None:
    client = make_client()
    body = {"xml": X3.read_text(encoding="utf-8"), **_context(X3)}
    response = client.post("/v1/apprec?at=message", json=body)
    assert response.status_code == 200, response.text
    store = SqliteLog(client.app.state.service.config.db)
    assert response.headers["dialogvakt-decision-id"] in [r.id for r in store.query()]  # committed first
    store.close()
    assert client.post("/v1/apprec", json={"melding": {}}).status_code == 422


# --------------------------------------------------------------------------- strict XML and ?at=message

def test_strict_mode_refuses_a_schema_invalid_message_with_the_line(make_client) -> None:
    client = make_client(xsd=str(need(XSD)))
    query = list(context_pairs(_context(X1)))
    assert client.post("/v1/decisions", params=query, content=X1.read_bytes(), headers=XML).status_code == 200
    text = X1.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "<MsgId>" in row)
    bad = text.replace("<MsgId>", "<Ukjent/><MsgId>", 1).encode("utf-8")
    response = client.post("/v1/decisions", params=query, content=bad, headers=XML)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["path"] == f"linje {line}, /MsgHead/MsgInfo/Ukjent"
    assert "følger ikke XML-skjemaet" in problem["detail"]
    lenient = make_client()
    assert lenient.post("/v1/decisions", params=query, content=bad, headers=XML).status_code == 200


def test_a_folder_without_schemas_stops_the_service_at_start(tmp_path: Path) -> None:
    from engine.contract.xmlschema import SchemaFolderError

    with pytest.raises(SchemaFolderError):
        create_app(ServiceConfig(db=str(tmp_path / "d.sqlite"), secret=SECRET, reload_interval=0, xsd=str(tmp_path)))


def test_at_message_judges_xml_at_its_gendate(make_client) -> None:
    client = make_client()
    query = list(context_pairs(_context(X1)))
    judged = client.post("/v1/decisions", params=[*query, ("at", "message")], content=X1.read_bytes(), headers=XML)
    assert judged.status_code == 200, judged.text
    doc = judged.json()
    assert doc["evaluated_at"].startswith("2025-06-02T09:55")
    assert doc["packs"][0]["expired"] is False
    twin = json.loads(X1.with_suffix(".json").read_text(encoding="utf-8"))
    twin.pop("tidspunkt", None)
    twin["melding"].pop("sendt")
    response = client.post("/v1/decisions?at=message", json=twin)
    assert response.status_code == 400 and "at=message" in response.json()["detail"]


# --------------------------------------------------------------------------- CDS Hooks

def _hook(context: dict[str, Any]) -> dict[str, Any]:
    return {"hook": "dialogmelding-send", "hookInstance": str(uuid.uuid4()), "context": context}


def test_discovery_lists_a_service_per_pack_in_the_cds_hooks_shape(make_client) -> None:
    client = make_client()
    response = client.get("/cds-services")
    assert response.status_code == 200
    doc = response.json()
    _shape("discovery").validate(doc)
    ids = [s["id"] for s in doc["services"]]
    assert ids[0] == "dialogvakt" and "helse-bergen-d81023" in ids and len(ids) == 6


def test_a_denial_gives_critical_cards_with_source_suggestions_and_a_link(make_client) -> None:
    client = make_client()
    request = json.loads((EXAMPLES / "d81023-02-oyeblikkelig-hjelp.json").read_text(encoding="utf-8"))
    body = _hook({"userId": "PractitionerRole/1", "patientId": "p-1", **request})
    _shape("request").validate(body)
    response = client.post("/cds-services/helse-bergen-d81023", json=body)
    assert response.status_code == 200, response.text
    doc = response.json()
    _shape("response").validate(doc)
    critical = [c for c in doc["cards"] if c["indicator"] == "critical"]
    assert critical
    card = next(c for c in critical if c["source"]["topic"]["code"] == "d81023-5.1-oyeblikkelig-hjelp")
    assert card["source"]["label"] == "D81023 v1.01 § 5.1"
    assert card["source"]["url"].endswith("/v1/packs/helse-bergen-d81023#5.1")
    assert card["links"][0]["url"] == card["source"]["url"]
    assert card["suggestions"] and card["selectionBehavior"] == "at-most-one"
    assert "øyeblikkelig hjelp" in card["detail"].lower()
    number = request["melding"]["pasient"]["id"]
    assert number not in response.text


def test_advice_and_missing_facts_are_warnings_and_obligations_info(make_client) -> None:
    client = make_client()
    allowed = json.loads((EXAMPLES / "d81023-01-sporsmal-nylig-utskrevet.json").read_text(encoding="utf-8"))
    doc = client.post("/cds-services/dialogvakt", json=_hook(allowed)).json()
    _shape("response").validate(doc)
    info = [c for c in doc["cards"] if c["indicator"] == "info"]
    assert info and all(c["source"]["label"].startswith("D81023") for c in info)
    assert any("Frist:" in c["detail"] for c in info)
    missing = json.loads((EXAMPLES / "d81023-07-mangler-pasientstatus.json").read_text(encoding="utf-8"))
    doc = client.post("/cds-services/dialogvakt", json=_hook(missing)).json()
    _shape("response").validate(doc)
    warnings_ = [c for c in doc["cards"] if c["indicator"] == "warning"]
    assert any("opplysninger mangler" in c["summary"] for c in warnings_)
    assert any("kontekst.pasientstatus" in c["detail"] for c in warnings_)


def test_a_draft_as_xml_in_the_context(make_client) -> None:
    client = make_client()
    doc = client.post("/cds-services/dialogvakt?at=message",
                      json=_hook({"xml": X3.read_text(encoding="utf-8"), **_context(X3)})).json()
    _shape("response").validate(doc)
    assert {c["source"]["topic"]["code"] for c in doc["cards"] if c["indicator"] == "critical"} >= {
        "d81023-4.5-vedlegg"}


@pytest.mark.parametrize("body, status, path", [
    ({"hook": "order-sign", "hookInstance": "x", "context": {}}, 422, "$.hook"),
    ({"hook": "dialogmelding-send", "context": {}}, 422, "$.hookInstance"),
    ({"hook": "dialogmelding-send", "hookInstance": "x"}, 422, "$.context"),
    ({"hook": "dialogmelding-send", "hookInstance": "x", "context": {"rar": 1}}, 422, "$.context.rar"),
    ({"hook": "dialogmelding-send", "hookInstance": "x", "context": {}}, 422, "$.context.melding"),
])
def test_a_wrong_hook_request_names_the_field(make_client, body: dict, status: int, path: str) -> None:
    response = make_client().post("/cds-services/dialogvakt", json=body)
    assert response.status_code == status
    assert response.json()["errors"][0]["path"] == path


def test_an_unknown_service_is_404(make_client) -> None:
    response = make_client().post("/cds-services/finnes-ikke", json=_hook({}))
    assert response.status_code == 404 and "GET /cds-services" in response.json()["detail"]
