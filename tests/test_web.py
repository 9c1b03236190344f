"""The pages over HTTP (Starlette's test client): security headers, CSRF, sessions, patient numbers, errors."""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine import Engine
from engine.contract.identifiers import example_number, mask_in_text
from engine.eval.describe import condition_outline
from engine.server.app import create_app
from engine.server.auth import config_from
from engine.server.config import ServiceConfig

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"web-test-secret-0123456789abcdef"
TOKEN = "web-test-token-0123456789abcdef"
EXAMPLE = ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json"
XML = ROOT / "examples" / "xml"
NUMBER = re.compile(r"(?<!\d)\d{6}[\s.-]?\d{5}(?!\d)")


def numbers_in(text: str) -> list[str]:
    return [m.group(0) for m in NUMBER.finditer(text) if mask_in_text(m.group(0)) != m.group(0)]


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


def csrf(client: TestClient, path: str = "/prov") -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def prov(client: TestClient, **fields: str) -> Any:
    return client.post("/prov", data={"csrf_token": csrf(client), **fields})


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-feil"><span class="visually-hidden">Feil: </span>(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def heading(html: str) -> str:
    found = re.search(r'<h2 id="resultat">(.*?)</h2>', html)
    return found.group(1) if found else ""


PAGES = ("/", "/prov", "/pakker/helse-bergen-d81023", "/logg", "/funn", "/logg-inn")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_bokmal_html_with_a_strict_policy_and_no_inline_script(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="nb">' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text and " style=" not in response.text and "<style" not in response.text


def test_a_form_without_its_token_or_from_another_site_is_refused(client: TestClient) -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    assert client.post("/prov", data={"melding": example}).status_code == 403
    token = csrf(client)
    assert client.post("/prov", data={"csrf_token": "0" * 64, "melding": example}).status_code == 403
    refused = client.post("/prov", data={"csrf_token": token, "melding": example},
                          headers={"origin": "https://elsewhere.example"})
    assert refused.status_code == 403 and "Skjemaet ble ikke godtatt" in refused.text
    stranger = TestClient(client.app)  # another browser: no cookie of this one
    assert stranger.post("/prov", data={"csrf_token": token, "melding": example}).status_code == 403
    accepted = client.post("/prov", data={"csrf_token": token, "melding": example},
                           headers={"origin": "http://testserver"})
    assert accepted.status_code == 200 and heading(accepted.text) == "Resultat: Meldingen er stoppet"


def test_a_pasted_message_never_shows_its_patient_number_and_can_be_sent_again(client: TestClient) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    number, other = example_number("fnr", seed=3), example_number("dnr", seed=5)
    request["melding"]["pasient"]["id"] = number
    request["melding"]["tekst"] += f" Gjelder også {other}."
    answer = prov(client, melding=json.dumps(request, ensure_ascii=False, indent=2))
    assert answer.status_code == 200 and heading(answer.text) == "Resultat: Meldingen er stoppet"
    assert numbers_in(answer.text) == []
    assert "[personnummer-1]" in answer.text and "[personnummer-2]" in answer.text
    echoed = re.search(r'<textarea id="melding"[^>]*>(.*?)</textarea>', answer.text, re.S)
    hidden = re.search(r'name="skjult" value="([^"]*)"', answer.text)
    assert echoed and hidden and hidden.group(1)
    import html

    again = prov(client, melding=html.unescape(echoed.group(1)), skjult=hidden.group(1))
    assert heading(again.text) == "Resultat: Meldingen er stoppet" and numbers_in(again.text) == []
    # an altered or missing hidden field cannot bring the number back: the page says so by the field
    lost = prov(client, melding=html.unescape(echoed.group(1)), skjult="x" + hidden.group(1)[1:])
    assert lost.status_code == 422 and "skjult pasientnummer" in field_error(lost.text, "melding")


@pytest.mark.parametrize("text", [
    '{"melding": {"pasient": {"id": "%s"}, ',  # invalid JSON after the number
    'melding:\n  pasient: {id: "%s"}\n  type: [\n',  # invalid YAML
    '{"tidspunkt": "2025-06-02T10:00", "melding": {"pasient": {"id": "%s"}}}',  # invalid input
    '<MsgHead><MsgInfo><Patient><Ident><Id>%s</Id></Ident></Patient></MsgInfo>',  # broken XML
])
def test_an_error_about_a_message_never_repeats_its_number(client: TestClient, text: str) -> None:
    number = example_number("fnr", seed=11)
    answer = prov(client, melding=text % number)
    assert answer.status_code == 422
    assert field_error(answer.text, "melding") or field_error(answer.text, "kontekst")
    assert numbers_in(answer.text) == [] and number not in answer.text


def test_invalid_json_is_explained_in_bokmal_next_to_the_field(client: TestClient) -> None:
    answer = prov(client, melding='{"melding": {"type": "foresporsel",}}')
    assert answer.status_code == 422
    assert field_error(answer.text, "melding") == ("Meldingen er ikke gyldig JSON: komma rett før slutten av en liste "
                                                   "eller et objekt på linje 1, kolonne 35.")
    assert 'aria-invalid="true"' in answer.text and '<a href="#melding">' in answer.text
    empty = prov(client, melding="  ")
    assert "Lim inn en melding" in field_error(empty.text, "melding")


def test_yaml_with_dates_is_read_and_aliases_are_refused(client: TestClient) -> None:
    import yaml

    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = yaml.safe_dump(request, allow_unicode=True).replace("'2025-05-28'", "2025-05-28")
    assert "utskrevet_dato: 2025-05-28" in text
    assert heading(prov(client, melding=text).text) == "Resultat: Meldingen er stoppet"
    bomb = prov(client, melding="a: &x [1, 2]\nb: [*x, *x]\n")
    assert bomb.status_code == 422 and "alias" in field_error(bomb.text, "melding")


def test_an_xml_message_without_its_context_says_which_field_to_fill(client: TestClient) -> None:
    xml = (XML / "d81023-x4-xhtml-hjelpenummer-hast.xml").read_text(encoding="utf-8")
    missing = prov(client, melding=xml)
    assert "Opplysninger XML-meldingen ikke har" in field_error(missing.text, "kontekst")
    context = (XML / "d81023-x4-xhtml-hjelpenummer-hast.kontekst.json").read_text(encoding="utf-8")
    decided = prov(client, melding=xml, kontekst=context, tidspunkt="2025-06-02T10:00")
    assert heading(decided.text) == "Resultat: Meldingen er stoppet"
    assert "§ 5.1" in decided.text and numbers_in(decided.text) == []


def test_the_choices_of_the_form_are_checked(client: TestClient) -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    assert "Velg en retningslinje" in field_error(prov(client, melding=example, pakke="ukjent").text, "pakke")
    assert "Skriv et tidspunkt" in field_error(prov(client, melding=example, tidspunkt="i morgen").text, "tidspunkt")
    assert "eksempel" in field_error(prov(client, eksempel="finnes-ikke").text, "eksempel")
    named = prov(client, melding=example, pakke="helse-vest-2017")
    assert heading(named.text) == "Resultat: Ingen retningslinje gjelder"


def test_every_bundled_example_decides_from_the_page_as_it_does_through_the_api(client: TestClient) -> None:
    from engine.server.web.examples import bundled_examples

    examples = bundled_examples()
    assert {e.kind for e in examples} == {"json", "xml"}
    assert len([e for e in examples if e.kind == "json"]) == len(list((ROOT / "examples").glob("*.json")))
    for example in examples:
        answer = prov(client, eksempel=example.name)
        assert answer.status_code == 200, (example.name, answer.text[-2000:])
        assert numbers_in(answer.text) == []
        shown = re.search(r'<pre tabindex="0"><code>(.*?)</code></pre>', answer.text, re.S)
        assert shown
        import html

        decision = json.loads(html.unescape(shown.group(1)))
        if example.kind == "json":
            api = client.post("/v1/decisions", content=example.text, headers={"content-type": "application/json"})
        else:
            api = client.post("/v1/decisions", json={"xml": example.text, **json.loads(example.context)})
        assert decision["decision"] == api.json()["decision"], example.name


def test_decisions_tried_on_the_page_are_in_the_log_page_with_pseudonyms_only(client: TestClient) -> None:
    prov(client, eksempel="d81023-02-oyeblikkelig-hjelp")
    prov(client, eksempel="d81023-01-sporsmal-nylig-utskrevet")
    page = client.get("/logg")
    assert '<h2 id="oversikt">2 avgjørelser</h2>' in page.text
    assert 'role="img"' in page.text and "Regler som oftest stopper meldinger" in page.text
    assert "JSON (web)" in page.text and numbers_in(page.text) == []
    denied = client.get("/logg", params={"avgjorelse": "deny"})
    assert '<h2 id="oversikt">1 avgjørelse</h2>' in denied.text
    by_rule = client.get("/logg", params={"regel": "d81023-6-svartid"})
    assert '<h2 id="oversikt">1 avgjørelse</h2>' in by_rule.text
    later = client.get("/logg", params={"fra": "2199-01-01"})
    assert '<h2 id="oversikt">0 avgjørelser</h2>' in later.text
    wrong = client.get("/logg", params={"til": "snart", "avgjorelse": "kanskje"})
    assert wrong.status_code == 200 and "Skriv et tidspunkt" in field_error(wrong.text, "til")
    assert "Velg en avgjørelse" in field_error(wrong.text, "avgjorelse")


def test_the_findings_page_says_plainly_when_the_monitor_is_unavailable(client: TestClient, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "engine.monitor", None)
    page = client.get("/funn")
    assert page.status_code == 200
    assert "Samtaleovervåkingen er ikke tilgjengelig" in page.text and "engine.monitor" in page.text


def test_an_unknown_pack_has_a_page_in_bokmal(client: TestClient) -> None:
    page = client.get("/pakker/finnes-ikke")
    assert page.status_code == 404 and "Fant ikke retningslinjen" in page.text


def test_with_authentication_on_a_session_opens_the_pages_and_only_the_pages(make_client) -> None:
    client = make_client(auth=config_from(token=TOKEN))
    first = client.get("/logg", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/logg-inn?neste=%2Flogg"
    assert client.get("/", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.post("/prov", data={}).status_code == 401
    token = csrf(client, "/logg-inn")
    wrong = client.post("/logg-inn", data={"csrf_token": token, "nokkel": "x" * 20, "neste": "/logg"})
    assert wrong.status_code == 401 and "Nøkkelen ble ikke godtatt" in wrong.text
    assert client.post("/logg-inn", data={"nokkel": TOKEN}).status_code == 403  # a login form needs its token too
    done = client.post("/logg-inn", data={"csrf_token": token, "nokkel": TOKEN, "neste": "//elsewhere.example/"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("dialogvakt_sesjon="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert client.get("/logg").status_code == 200
    assert heading(prov(client, eksempel="d81023-02-oyeblikkelig-hjelp").text) == "Resultat: Meldingen er stoppet"
    assert client.get("/v1/packs").status_code == 401  # the session is not a key to the API
    out = client.post("/logg-ut", data={"csrf_token": csrf(client, "/")}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/logg", follow_redirects=False).status_code == 303


def test_a_rules_condition_reads_as_bokmal_without_a_message(engine: Engine) -> None:
    pack = engine.packs["helse-bergen-d81023"]
    outline = condition_outline(pack.rule("d81023-2-nylig-utskrevet").condition, pack.parameters, pack.vocabularies)
    assert outline == [{"text": "alle disse", "children": [
        {"text": "kontekst.pasientstatus er utskrevet", "children": []},
        {"text": "kontekst.dager_siden_utskrivning er større enn parameteren nylig_utskrevet_dager = 30",
         "children": []}]}]
