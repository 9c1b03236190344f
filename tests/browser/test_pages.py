"""The pages as a person uses them, in Chromium: what they see, what they can click and type, what never shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ..test_service_process import ROOT, Server
from .conftest import AXE, TOKEN, Visit, axe_page, patient_numbers

pytestmark = pytest.mark.slow  # starts service processes and a browser

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CI) with the reason
    expect = None

XML = ROOT / "examples" / "xml"


def _no_numbers(visit: Visit) -> None:
    assert patient_numbers(visit.text()) == []
    assert patient_numbers(visit.page.inner_text("body")) == []


def test_the_front_page_lists_every_pack_and_flags_the_expired_guideline(visit: Visit, tmp_path: Path) -> None:
    visit.go("/")
    page = visit.page
    expect(page).to_have_title(re.compile("Retningslinjer"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Retningslinjer for dialogmeldinger")
    cards = page.locator(".cards > li")
    expect(cards).to_have_count(5)
    bergen = cards.filter(has_text="D81023 v1.01")
    expect(bergen.locator(".flag-expired")).to_contain_text("Utløpt")
    expect(bergen).to_contain_text("Gjelder for")
    expect(cards.filter(has_text="Helse Vest").first.locator(".flag-valid")).to_contain_text("Gjelder")
    for name in ("Prøv en melding", "Beslutningslogg", "Samtalefunn"):
        expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name=name)).to_be_visible()
    visit.shot("forside", tmp_path)
    bergen.get_by_role("link", name="Les D81023 v1.01 avsnitt for avsnitt").click()
    expect(page).to_have_url(re.compile("/pakker/helse-bergen-d81023$"))
    assert visit.refused == []


def test_a_bundled_example_is_stopped_with_the_guidelines_own_words(visit: Visit, tmp_path: Path) -> None:
    visit.go("/")
    page = visit.page
    page.get_by_role("link", name="Prøv en melding").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prøv en melding")
    page.get_by_label("Eksempel").select_option("d81023-02-oyeblikkelig-hjelp")
    page.get_by_role("button", name="Vurder meldingen").click()
    result = page.locator("section.result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Resultat: Meldingen er stoppet")
    reasons = result.locator("article.reason")
    expect(reasons.first).to_be_visible()
    expect(result).to_contain_text("Hvorfor meldingen er stoppet")
    expect(result.locator("blockquote").first).to_contain_text("øyeblikkelig hjelp")
    expect(result.locator("figcaption").first).to_contain_text("D81023 v1.01 § 5.1")
    expect(result).to_contain_text("Gjør heller slik")
    # the explanation and the document are folded away until asked for
    tree = result.locator("details.explain")
    expect(tree.locator("ol.rules")).to_be_hidden()
    tree.locator("summary").click()
    expect(tree.locator("ol.rules").first).to_be_visible()
    expect(tree).to_contain_text("SLO TIL")
    result.locator("details.document summary").click()
    document = json.loads(result.locator("details.document pre").inner_text())
    assert document["decision"] == "deny"
    assert "d81023-5.1-oyeblikkelig-hjelp" in {r["rule"] for r in document["reasons"]}
    # the example is in the form now, its patient number hidden, and it decides the same when sent again
    field = page.get_by_label("Meldingen", exact=True)
    expect(field).to_have_value(re.compile(r"\[personnummer-1\]"))
    _no_numbers(visit)
    visit.shot("prov-avvist", tmp_path)
    page.get_by_role("button", name="Vurder meldingen").click()
    expect(page.locator("section.result h2")).to_have_text("Resultat: Meldingen er stoppet")
    # the reason's link opens the guideline at its section
    page.locator("section.result figcaption a").first.click()
    expect(page).to_have_url(re.compile(r"/pakker/helse-bergen-d81023#avsnitt-5-1$"))
    expect(page.locator("#avsnitt-5-1")).to_be_in_viewport()
    assert visit.refused == []


def test_a_pasted_xml_message_is_read_and_stopped(visit: Visit, tmp_path: Path) -> None:
    name = "d81023-x3-vedlegg-og-kopimottaker"
    visit.go("/prov")
    page = visit.page
    page.get_by_label("Meldingen", exact=True).fill((XML / f"{name}.xml").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Vurder meldingen").click()
    # without the context the XML does not carry, the page says which field and where to write it
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Noe må rettes")
    expect(page.locator("#kontekst-feil")).to_contain_text("melding.avsender.kategori")
    expect(page.get_by_label("Opplysninger XML-meldingen ikke har (valgfritt)")).to_have_attribute(
        "aria-invalid", "true")
    _no_numbers(visit)
    page.get_by_label("Opplysninger XML-meldingen ikke har (valgfritt)").fill(
        (XML / f"{name}.kontekst.json").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Vurder meldingen").click()
    result = page.locator("section.result")
    expect(result.locator("h2")).to_have_text("Resultat: Meldingen er stoppet")
    expect(result).to_contain_text("vedlegg")
    expect(result.locator("figcaption").filter(has_text="§ 4.5")).to_be_visible()
    _no_numbers(visit)
    visit.shot("prov-xml", tmp_path)


def test_invalid_json_gives_a_readable_error_next_to_the_field(visit: Visit) -> None:
    visit.go("/prov")
    page = visit.page
    page.get_by_label("Meldingen", exact=True).fill('{"melding": {"type": "foresporsel",}}')
    response = None
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Vurder meldingen").click()
    response = answer.value
    assert response.status == 422
    expect(page.locator("#melding-feil")).to_contain_text("Meldingen er ikke gyldig JSON")
    expect(page.locator("#melding-feil")).to_contain_text("linje 1")
    field = page.get_by_label("Meldingen", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value('{"melding": {"type": "foresporsel",}}')
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(field).to_be_focused()


def test_the_guideline_reads_section_by_section_with_rules_and_their_tests(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    visit.go("/pakker/helse-bergen-d81023")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dialogmeldinger mellom sykehus og kommuner")
    expect(page.locator(".flag-expired")).to_contain_text("Utløpt")
    status = page.get_by_role("status")
    for _ in range(60):  # coverage is computed in the background once; the page says so until it is ready
        if "Testdekning:" in status.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(status).to_contain_text("Testdekning:")
    headings = page.locator("section.passage h3").all_inner_texts()
    numbers = [h.removeprefix("§ ") for h in headings]
    assert numbers[:3] == ["1", "2", "3"] and len(numbers) == len(set(numbers))  # one heading a section
    assert [n.split(".")[0] for n in numbers] == sorted((n.split(".")[0] for n in numbers), key=int)
    section = page.locator("#avsnitt-5-1")
    expect(section.locator("blockquote").first).to_contain_text("øyeblikkelig hjelp")
    rule = section.locator("article.rule").first
    expect(rule.locator("dt").first).to_have_text("Regel")
    expect(rule).to_contain_text("Slår til når")
    expect(rule).to_contain_text("melding.formal er øyeblikkelig hjelp")
    expect(rule).to_contain_text("stopper meldingen")
    expect(rule.locator("dd").filter(has_text="tester").first).to_be_visible()
    expect(page.locator("section.passage").filter(has_text="ikke maskinelt kontrollerbar").first).to_be_visible()
    params = page.locator("#parametre + p + .table-wrap table")
    expect(params.locator("tr").filter(has_text="nylig_utskrevet_dager")).to_contain_text("Lokal tolkning")
    vocabulary = page.locator("details.vocabulary").first
    vocabulary.locator("summary").click()
    expect(vocabulary.locator("ul.terms li").first).to_be_visible()
    visit.shot("retningslinje", tmp_path)
    # the contents list is a way in by keyboard
    page.get_by_role("navigation", name="Innhold").get_by_role("link", name="§ 4.5").first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#avsnitt-4-5$"))


def test_the_log_of_a_used_service_filters_and_charts_with_pseudonyms_only(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    visit.go("/logg")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beslutningslogg")
    total = int(page.locator("#oversikt").inner_text().split()[0])
    assert total >= len(list((ROOT / "examples").glob("*.json")))
    expect(page.get_by_role("img", name="Regler som oftest stopper meldinger")).to_be_visible()
    expect(page.get_by_role("img", name="Avgjørelser over tid")).to_be_visible()
    _no_numbers(visit)
    visit.shot("logg", tmp_path)
    page.get_by_label("Avgjørelse", exact=True).select_option("deny")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile("avgjorelse=deny"))
    cells = page.locator("table.records tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and set(cells) == {"avvist"}
    page.get_by_label("Regel", exact=True).select_option("d81023-5.1-oyeblikkelig-hjelp")
    page.get_by_role("button", name="Vis").click()
    rows = page.locator("table.records tbody tr")
    expect(rows.first).to_contain_text("d81023-5.1-oyeblikkelig-hjelp")
    for text in rows.all_inner_texts():
        assert "d81023-5.1-oyeblikkelig-hjelp" in text
    pseudonyms = page.locator("table.records tbody td:nth-child(6) code").all_inner_texts()
    assert pseudonyms and all(re.fullmatch(r"[0-9a-f]{12}…", p) for p in pseudonyms)
    page.get_by_label("Fra og med", exact=True).fill("i går")
    page.get_by_role("button", name="Vis").click()
    expect(page.locator("#fra-feil")).to_contain_text("Skriv et tidspunkt")


def test_the_findings_of_the_conversation_monitor_with_each_threads_deadlines(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    visit.go("/funn")
    expect(page.get_by_role("heading", level=1)).to_have_text("Samtalefunn")
    open_thread = page.locator("section.thread").filter(has_text="web-trad-1")
    expect(open_thread.get_by_role("heading", level=2)).to_contain_text("1 åpent funn")
    timeline = open_thread.locator("ol.timeline li")
    expect(timeline.first).to_contain_text("mandag 28. desember 2026")
    expect(timeline.first).to_contain_text("Frist")
    expect(open_thread.locator("article")).to_contain_text("skulle ha kommet senest mandag 28. desember 2026")
    late = page.locator("section.thread").filter(has_text="web-trad-3")
    expect(late.locator(".badge-status-resolved")).to_have_text("løst")
    expect(late.locator("ol.timeline")).to_contain_text("Løst")
    expect(page.locator("section.thread").filter(has_text="web-trad-2")).to_have_count(0)
    _no_numbers(visit)
    visit.shot("funn", tmp_path)
    page.get_by_label("Status", exact=True).select_option("open")
    page.get_by_role("button", name="Vis").click()
    expect(page.locator("section.thread")).to_have_count(1)


def test_keyboard_alone_reaches_the_content_and_the_form_with_visible_focus(visit: Visit) -> None:
    page = visit.page
    visit.go("/prov")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til innholdet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "eksempel":
            break
    expect(page.get_by_label("Eksempel")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Meldingen", exact=True)).to_be_focused()


def test_trying_an_example_works_without_javascript(browser: Any, service: Server) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        visit = Visit(context.new_page(), service)
        visit.go("/prov")
        visit.page.get_by_label("Eksempel").select_option("d81023-01-sporsmal-nylig-utskrevet")
        visit.page.get_by_role("button", name="Vurder meldingen").click()
        expect(visit.page.locator("section.result h2")).to_have_text("Resultat: Meldingen kan sendes")
        expect(visit.page.locator("section.result")).to_contain_text("Plikter")
        expect(visit.page.locator("section.result dl.due")).to_contain_text("tirsdag 10. juni 2025")
    finally:
        context.close()


PAGES = ["/", "/prov", "/prov?eksempel=d81023-04-vedlegg-og-kopi", "/pakker/helse-bergen-d81023",
         "/pakker/digital-dialog-fastlege", "/logg", "/funn", "/logg-inn", "/pakker/finnes-ikke"]


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(browser: Any, service: Server, path: str) -> None:
    with axe_page(browser, service) as visit:
        visit.go(path)
        if path.startswith("/prov?"):
            visit.page.get_by_role("button", name="Vurder meldingen").click()
            expect(visit.page.locator("section.result")).to_be_visible()
            visit.page.locator("section.result details summary").first.click()
        visit.page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        found = visit.page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    serious = [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
               for v in found if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_every_page_keeps_its_content_security_policy(visit: Visit) -> None:
    for path in PAGES:
        response = visit.go(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert visit.page.locator("script:not([src])").count() == 0
    assert visit.refused == []


def test_with_authentication_on_the_pages_ask_for_the_token_once(browser: Any, secured: Server) -> None:
    context = browser.new_context()
    try:
        visit = Visit(context.new_page(), secured)
        visit.go("/logg")
        page = visit.page
        expect(page).to_have_url(re.compile(r"/logg-inn\?neste=%2Flogg$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
        page.get_by_label("Tilgangsnøkkel").fill("feil-nokkel-som-er-lang-nok")
        page.get_by_role("button", name="Logg inn").click()
        expect(page.get_by_role("alert")).to_contain_text("Nøkkelen ble ikke godtatt")
        page.get_by_label("Tilgangsnøkkel").fill(TOKEN)
        page.get_by_role("button", name="Logg inn").click()
        expect(page).to_have_url(re.compile("/logg$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Beslutningslogg")
        session = next(c for c in context.cookies() if c["name"] == "dialogvakt_sesjon")
        assert session["httpOnly"] and session["sameSite"] == "Strict"
        assert TOKEN not in json.dumps(context.cookies())
        # the session opens the pages, not the API: that still wants the bearer token
        assert page.request.get(visit.url("/v1/packs")).status == 401
        page.get_by_role("button", name="Logg ut").click()
        expect(page).to_have_url(re.compile("/logg-inn$"))
        visit.go("/prov")
        expect(page).to_have_url(re.compile("/logg-inn"))
    finally:
        context.close()
