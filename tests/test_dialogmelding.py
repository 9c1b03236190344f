"""Dialogmelding XML (MsgHead + Dialogmelding 1.0/1.1) to the input contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import Engine, InputError
from engine.contract import dialogmelding
from engine.contract.dialogmelding import XmlError, context_from_pairs, parse, to_request
from engine.contract.identifiers import example_number

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "xml").glob("*.xml"))
REFERENCE = ROOT / "tests" / "data" / "dialogmelding-1.1-foresporsel-example.xml"  # the shared reference example


def _msg(body: str, *, msg_type: str = "DIALOG_FORESPORSEL", patient: str | None = None,
         dialog_ns: str = "http://www.kith.no/xmlstds/dialog/2013-01-23", extra_info: str = "",
         extra_docs: str = "", doctype: str = "") -> str:
    patient = patient or example_number("fnr", seed=3)
    return f"""<?xml version="1.0" encoding="UTF-8"?>{doctype}
<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">
  <MsgInfo>
    <Type V="{msg_type}" DN="x"/>
    <MIGversion>v1.2 2006-05-24</MIGversion>
    <GenDate>2025-06-02T09:00:00+02:00</GenDate>
    <MsgId>id-1</MsgId>
    <Sender><Organisation><OrganisationName>ØYKOMMUNE KOMMUNE</OrganisationName>
      <Organisation><OrganisationName>Sykepleiertjeneste</OrganisationName>
        <Ident><Id>111</Id><TypeId V="HER"/></Ident></Organisation></Organisation></Sender>
    <Receiver><Organisation><OrganisationName>HELSE BERGEN HF</OrganisationName>
      <Ident><Id>222</Id><TypeId V="HER"/></Ident></Organisation></Receiver>
    {extra_info}
    <Patient><Ident><Id>{patient}</Id><TypeId V="FNR"/></Ident></Patient>
  </MsgInfo>
  <Document><RefDoc><MsgType V="XML"/><Content>
    <Dialogmelding xmlns="{dialog_ns}">{body}</Dialogmelding>
  </Content></RefDoc></Document>
  {extra_docs}
</MsgHead>"""


QUESTION = "<Foresporsel><TypeForesp V='99'/><Sporsmal>Lungesykdommer: Et spørsmål.</Sporsmal></Foresporsel>"


# --------------------------------------------------------------------------- mapping

def test_reference_example_maps_every_field_the_issue_names() -> None:
    parsed = parse(REFERENCE.read_bytes())
    m = parsed.melding
    assert parsed.version == "1.1"
    assert m["type"] == "foresporsel"
    assert m["id"] == "c2354777-b39a-4834-992f-7747125948c1"
    assert m["svar_pa"] == "f85b0f73-70e1-4607-9026-fc058c7c0b64"
    assert m["samtale_id"] == "65d96651-71e7-466c-ae1b-b986896bf5d1"
    assert m["sendt"] == "2026-02-10T09:42:00+01:00"
    assert m["avsender"] == {"organisasjon": "FJORDVIK KOMMUNE", "orgnr": "921000014",
                             "organisasjon_her_id": "8199001", "tjeneste": "Sykepleietjeneste",
                             "tjeneste_her_id": "8199002", "her_id": "8199002",
                             "helsepersonell": {"navn": "Sigrid Eksempel", "yrkesgruppe": "SP", "hpr": "8877665"}}
    assert m["mottakere"] == [{"organisasjon": "VESTFJORD SYKEHUS HF", "orgnr": "921000049",
                               "organisasjon_her_id": "8199101", "tjeneste": "Lungesykdommer",
                               "tjeneste_her_id": "8199102", "her_id": "8199102"}]
    assert m["pasient"] == {"id": "14854840054"}
    assert m["emne"] == "Oksygenbehandling etter utskrivning"
    assert m["tekst"].startswith("Til Lungesykdommer.") and "2 liter/min" in m["tekst"]
    assert m["format"] == "text/plain"
    assert m["forfatter"] == {"navn": "Sigrid Eksempel", "yrkesgruppe": "SP", "hpr": "8877665"}
    assert "vedlegg" not in m  # the attachment in the file is inside a comment


@pytest.mark.parametrize("xml_path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_map_to_their_json_twins(xml_path: Path) -> None:
    context = json.loads(xml_path.with_suffix(".kontekst.json").read_text(encoding="utf-8"))
    twin = json.loads(xml_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert to_request(parse(xml_path.read_bytes()), context) == twin


def test_examples_use_numbers_from_example_number() -> None:
    made = {example_number(kind, seed=seed) for kind in ("fnr", "dnr", "hnr") for seed in range(400)}
    for path in EXAMPLES:
        number = parse(path.read_bytes()).melding["pasient"]["id"]
        assert number in made, f"{path.name}: the patient number is not one of example_number's"


def test_message_functions_map_to_types() -> None:
    expected = {"DIALOG_FORESPORSEL": "foresporsel", "DIALOG_SVAR": "svar", "DIALOG_AVVIK": "avvik",
                "DIALOG_NOTAT": "notat", "DIALOG_HELSEFAGLIG": "helsefaglig_dialog"}
    note = "<Notat><TemaKodet V='5'/><TekstNotatInnhold>Svar.</TekstNotatInnhold></Notat>"
    for code, kind in expected.items():
        assert parse(_msg(note, msg_type=code)).melding["type"] == kind


def test_dialogmelding_1_0_namespace_and_prefixes_are_read() -> None:
    xml = _msg(QUESTION, dialog_ns="http://www.kith.no/xmlstds/dialog/2006-10-11")
    parsed = parse(xml)
    assert parsed.version == "1.0"
    assert parsed.melding["tekst"] == "Lungesykdommer: Et spørsmål."


def test_xhtml_in_the_question_gives_text_html_and_readable_text() -> None:
    body = ("<Foresporsel><TypeForesp V='99'/><Sporsmal><p xmlns='http://www.w3.org/1999/xhtml'>Første "
            "<b>linje</b></p><p xmlns='http://www.w3.org/1999/xhtml'>Andre linje</p></Sporsmal></Foresporsel>")
    m = parse(_msg(body)).melding
    assert m["format"] == "text/html"
    assert m["tekst"] == "Første linje\nAndre linje"


def test_copies_and_attachments() -> None:
    other = ("<OtherReceiver><Organisation><OrganisationName>HELSE BERGEN HF</OrganisationName>"
             "<Organisation><OrganisationName>Hjertesykdommer</OrganisationName>"
             "<Ident><Id>333</Id><TypeId V='HER'/></Ident></Organisation></Organisation></OtherReceiver>")
    docs = ("<Document><RefDoc><MsgType V='A'/><MimeType>application/pdf</MimeType>"
            "<FileReference>https://example.invalid/docs/plan.pdf</FileReference></RefDoc></Document>"
            "<Document><RefDoc><MsgType V='REF'/></RefDoc></Document>")
    m = parse(_msg(QUESTION, extra_info=other, extra_docs=docs)).melding
    assert [r.get("tjeneste") for r in m["mottakere"]] == [None, "Hjertesykdommer"]
    assert m["mottakere"][0]["her_id"] == "222"  # level 1 HER when there is no service level
    assert m["vedlegg"] == [{"filnavn": "plan.pdf", "mimetype": "application/pdf"}]


def test_hastegrad_and_avvik_reason_codes() -> None:
    body = "<Foresporsel><TypeForesp V='99'/><Sporsmal>x</Sporsmal><Hastegrad V='3'/></Foresporsel>"
    assert parse(_msg(body)).melding["hastegrad"] == "innen_24_timer"
    avvik = ("<Notat><TemaKodet V='1' S='2.16.578.1.12.4.1.1.8117'/><TekstNotatInnhold>Feil mottaker"
             "</TekstNotatInnhold></Notat>")
    assert parse(_msg(avvik, msg_type="DIALOG_AVVIK")).melding["avvik_arsak"] == "feilsending"


def test_patient_name_is_never_read() -> None:
    xml = _msg(QUESTION).replace("<Patient>", "<Patient><FamilyName>Hemmeligsen</FamilyName>")
    assert "Hemmeligsen" not in json.dumps(parse(xml).melding, ensure_ascii=False)


# --------------------------------------------------------------------------- what it refuses

def test_an_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("INNHOLD-SOM-ALDRI-SKAL-LESES", encoding="utf-8")
    doctype = f'<!DOCTYPE MsgHead [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    xml = _msg("<Foresporsel><TypeForesp V='99'/><Sporsmal>&xxe;</Sporsmal></Foresporsel>", doctype=doctype)
    with pytest.raises(XmlError) as info:
        parse(xml)
    assert info.value.kind == "forbidden"
    assert "DTD" in info.value.message
    assert "INNHOLD" not in str(info.value)


def test_entity_expansion_is_refused() -> None:
    doctype = ('<!DOCTYPE MsgHead [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    with pytest.raises(XmlError) as info:
        parse(_msg("<Foresporsel><TypeForesp V='99'/><Sporsmal>&c;</Sporsmal></Foresporsel>", doctype=doctype))
    assert info.value.kind == "forbidden"


@pytest.mark.parametrize("xml, path", [
    ("<MsgHead><MsgInfo>", "linje 1, kolonne 19"),
    ("<Melding xmlns='http://www.kith.no/xmlstds/msghead/2006-05-24'/>", "/Melding"),
    ("<MsgHead xmlns='urn:annet'/>", "/MsgHead"),
    ("<MsgHead xmlns='http://www.kith.no/xmlstds/msghead/2006-05-24'/>", "/MsgHead/MsgInfo"),
])
def test_unreadable_messages_name_the_place(xml: str, path: str) -> None:
    with pytest.raises(XmlError) as info:
        parse(xml)
    assert info.value.path == path


def test_other_message_functions_are_refused_by_path() -> None:
    with pytest.raises(XmlError) as info:
        parse(_msg(QUESTION, msg_type="APPREC"))
    assert info.value.path == "/MsgHead/MsgInfo/Type/@V"
    assert "DIALOG_FORESPORSEL" in info.value.message


def test_unknown_dialog_namespace_and_missing_body() -> None:
    with pytest.raises(XmlError) as info:
        parse(_msg(QUESTION, dialog_ns="urn:ukjent"))
    assert info.value.path.endswith("/Content/Dialogmelding")
    with pytest.raises(XmlError) as info:
        parse(_msg("<Sakstype>x</Sakstype>"))
    assert "Foresporsel eller Notat" in info.value.message


def test_unknown_hastegrad_code_names_the_attribute() -> None:
    body = "<Foresporsel><TypeForesp V='99'/><Sporsmal>x</Sporsmal><Hastegrad V='7'/></Foresporsel>"
    with pytest.raises(XmlError) as info:
        parse(_msg(body))
    assert info.value.path == "/MsgHead/Document[1]/RefDoc/Content/Dialogmelding/Foresporsel[1]/Hastegrad/@V"


def test_errors_never_repeat_the_patient_number() -> None:
    number = example_number("fnr", seed=9)
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    xml = _msg(QUESTION + "<Bad>", patient=bad)
    with pytest.raises(XmlError) as info:
        parse(xml)
    assert bad not in str(info.value)


# --------------------------------------------------------------------------- context

def test_context_adds_but_never_contradicts() -> None:
    parsed = parse(_msg(QUESTION))
    request = to_request(parsed, {"melding": {"avsender": {"kategori": "kommune"},
                                              "mottakere": [{"kategori": "sykehus"}], "formal": "avklaring"},
                                  "kontekst": {"pasientstatus": "poliklinisk"}})
    assert request["melding"]["avsender"]["kategori"] == "kommune"
    assert request["melding"]["mottakere"][0]["helseforetak"] == "HELSE BERGEN HF"
    assert request["kontekst"] == {"pasientstatus": "poliklinisk"}
    with pytest.raises(InputError) as info:
        to_request(parsed, {"melding": {"mottakere": [{"organisasjon": "Annet HF"}]}})
    assert info.value.path == "$.melding.mottakere[0].organisasjon"
    same = to_request(parsed, {"melding": {"type": "foresporsel"}})  # agreeing is fine
    assert same["melding"]["type"] == "foresporsel"


def test_context_from_query_pairs_is_typed_by_the_schema() -> None:
    ctx = context_from_pairs([("melding.avsender.kategori", "kommune"), ("melding.mottakere[0].kategori", "sykehus"),
                              ("kontekst.kjent_for_sykehuset", "true"), ("kontekst.kommunale_vedtak", "sykepleie"),
                              ("kontekst.kommunale_vedtak", "ergoterapi"), ("tidspunkt", "2025-06-02T10:00")])
    assert ctx == {"melding": {"avsender": {"kategori": "kommune"}, "mottakere": [{"kategori": "sykehus"}]},
                   "kontekst": {"kjent_for_sykehuset": True, "kommunale_vedtak": ["sykepleie", "ergoterapi"]},
                   "tidspunkt": "2025-06-02T10:00"}


@pytest.mark.parametrize("name, value, path", [
    ("kontekst.ukjent", "x", "$.kontekst.ukjent"),
    ("kontekst.kjent_for_sykehuset", "kanskje", "$.kontekst.kjent_for_sykehuset"),
    ("melding.mottakere[1].kategori", "sykehus", "$.melding.mottakere[1].kategori"),
    ("melding.pasient.id", "x", "$.melding.pasient.id"),
])
def test_bad_context_pairs_name_the_field(name: str, value: str, path: str) -> None:
    with pytest.raises(InputError) as info:
        context_from_pairs([(name, value)])
    assert info.value.path == path


def test_a_patient_number_in_the_url_is_refused_without_repeating_it() -> None:
    number = example_number("fnr", seed=4)
    with pytest.raises(InputError) as info:
        context_from_pairs([("melding.pasient.id", number)])
    assert number not in str(info.value)


def test_module_exports() -> None:
    assert dialogmelding.MESSAGE_TYPES["DIALOG_SVAR"] == "svar"


# --------------------------------------------------------------------------- MsgHead 1.2 and Dialogmelding, faithfully

GP_OFFICE = ("<Organisation><OrganisationName>Fjellsiden legesenter</OrganisationName>"
             "<Ident><Id>8140020</Id><TypeId V='HER'/></Ident><Ident><Id>999888777</Id><TypeId V='ENH'/></Ident>"
             "<HealthcareProfessional><TypeHealthcareProfessional V='LE'/><FamilyName>Lege</FamilyName>"
             "<GivenName>Liv</GivenName><Ident><Id>{fnr}</Id><TypeId V='FNR'/></Ident>"
             "<Ident><Id>123456789</Id><TypeId V='HPR'/></Ident><Ident><Id>8140099</Id><TypeId V='HER'/></Ident>"
             "</HealthcareProfessional></Organisation>")


def _with_sender(xml: str, organisation: str) -> str:
    start, end = xml.index("<Sender>") + len("<Sender>"), xml.index("</Sender>")
    return xml[:start] + organisation + xml[end:]


def test_the_gps_own_her_id_and_hpr_are_facts_of_the_sender_and_the_author() -> None:
    gp_fnr = example_number("fnr", seed=21)
    m = parse(_with_sender(_msg(QUESTION), GP_OFFICE.format(fnr=gp_fnr))).melding
    gp = {"navn": "Liv Lege", "yrkesgruppe": "LE", "hpr": "123456789", "her_id": "8140099"}
    assert m["avsender"] == {"organisasjon": "Fjellsiden legesenter", "orgnr": "999888777",
                             "organisasjon_her_id": "8140020", "her_id": "8140020", "helsepersonell": gp}
    assert m["forfatter"] == gp
    assert gp_fnr not in json.dumps(m)  # a professional's personal number is never read


def test_levels_of_the_receiver_each_keep_their_her_id() -> None:
    m = parse(_msg(QUESTION)).melding
    assert m["avsender"]["tjeneste_her_id"] == "111" and "organisasjon_her_id" not in m["avsender"]
    assert m["mottakere"][0] == {"organisasjon": "HELSE BERGEN HF", "organisasjon_her_id": "222", "her_id": "222"}


def test_a_reference_to_itself_is_not_an_answer() -> None:
    conv = "<ConversationRef><RefToParent>id-1</RefToParent><RefToConversation>id-1</RefToConversation>" \
           "</ConversationRef>"
    xml = _msg("<Notat><TemaKodet V='1'/><TekstNotatInnhold>Til info.</TekstNotatInnhold></Notat>",
               msg_type="DIALOG_NOTAT").replace("<Sender>", conv + "<Sender>")
    m = parse(xml).melding
    assert "svar_pa" not in m
    assert m["samtale_id"] == "id-1"


def test_an_answer_links_to_the_question_it_repeats_when_refToParent_is_absent() -> None:
    body = ("<Notat><TemaKodet V='5'/><TekstNotatInnhold>Svar.</TekstNotatInnhold><DokIdNotat>svar-9</DokIdNotat>"
            "<Foresporsel><TypeForesp V='99'/><Sporsmal>Spørsmålet.</Sporsmal><DokIdForesp>sporsmal-7"
            "</DokIdForesp></Foresporsel></Notat>")
    parsed = parse(_msg(body, msg_type="DIALOG_SVAR"))
    assert parsed.melding["svar_pa"] == "sporsmal-7"
    assert parsed.origins["$.melding.svar_pa"].endswith("/Notat[1]/Foresporsel/DokIdForesp")
    assert parsed.melding["tekst"] == "Svar."  # the repeated question is not the answer's text


def test_own_document_ids_never_become_the_message_answered() -> None:
    body = ("<Notat><TemaKodet V='5'/><TekstNotatInnhold>Svar.</TekstNotatInnhold><DokIdNotat>eget</DokIdNotat>"
            "<Foresporsel><TypeForesp V='99'/><DokIdForesp>eget</DokIdForesp></Foresporsel></Notat>")
    conv = "<ConversationRef><RefToParent>eget</RefToParent><RefToConversation>t</RefToConversation>" \
           "</ConversationRef>"
    m = parse(_msg(body, msg_type="DIALOG_SVAR").replace("<Sender>", conv + "<Sender>")).melding
    assert "svar_pa" not in m


def test_text_loses_the_xmls_indentation_but_keeps_line_breaks() -> None:
    body = ("<Notat><TemaKodet V='1'/><Tema>  Emne\n      over   to linjer </Tema><TekstNotatInnhold>\n"
            "        Første linje.\n            Andre   linje.\n\n\n\n        Etter et avsnitt.   \n"
            "      </TekstNotatInnhold></Notat>")
    m = parse(_msg(body, msg_type="DIALOG_NOTAT")).melding
    assert m["emne"] == "Emne over to linjer"
    assert m["tekst"] == "Første linje.\nAndre linje.\n\nEtter et avsnitt."


def test_attachment_names_come_from_the_title_else_the_file_reference() -> None:
    docs = ("<Document><RefDoc><MsgType V='A'/><MimeType>Application/PDF</MimeType><Description>Epikrise mai"
            "</Description><FileReference>https://example.invalid/blob/77?sig=abc</FileReference></RefDoc>"
            "</Document><Document><RefDoc><MsgType V='A'/><MimeType>image/png</MimeType>"
            "<FileReference>https://example.invalid/docs/saar.png?sig=abc</FileReference></RefDoc></Document>")
    m = parse(_msg(QUESTION, extra_docs=docs)).melding
    assert m["vedlegg"] == [{"filnavn": "Epikrise mai", "mimetype": "application/pdf"},
                            {"filnavn": "saar.png", "mimetype": "image/png"}]


def test_a_copy_to_a_person_and_to_the_patient() -> None:
    other = ("<OtherReceiver><RoleReceiver V='1'/><HealthcareProfessional><FamilyName>Fastlege</FamilyName>"
             "<Ident><Id>7654321</Id><TypeId V='HPR'/></Ident></HealthcareProfessional></OtherReceiver>"
             "<OtherReceiver><RoleReceiver V='2'/><Patient><FamilyName>Hemmelig</FamilyName></Patient>"
             "</OtherReceiver>")
    m = parse(_msg(QUESTION, extra_info=other)).melding
    assert m["mottakere"][1:] == [{"helsepersonell": {"navn": "Fastlege", "hpr": "7654321"}},
                                  {"kategori": "pasient"}]
    assert "Hemmelig" not in json.dumps(m, ensure_ascii=False)


# --------------------------------------------------------------------------- NAV's EI_fellesformat

def _fellesformat(inner: str, sender_fnr: str) -> str:
    msghead = inner.split("?>", 1)[1]
    return (f"<?xml version='1.0' encoding='UTF-8'?><EI_fellesformat xmlns='http://www.nav.no/xml/eiff/2/'>"
            f"{msghead}<MottakenhetBlokk ediLoggId='x1' avsenderFnrFraDigSignatur='{sender_fnr}' "
            "ebRole='Sykmelder' ebService='DialogmeldingTilNAV' ebAction='Henvendelse'/></EI_fellesformat>")


def test_nav_fellesformat_is_unwrapped_and_the_senders_number_never_carried() -> None:
    sender_fnr = example_number("fnr", seed=31)
    parsed = parse(_fellesformat(_msg(QUESTION), sender_fnr))
    assert parsed.envelope == "EI_fellesformat"
    assert parsed.melding == parse(_msg(QUESTION)).melding
    assert sender_fnr not in json.dumps(parsed.melding) + json.dumps(parsed.origins)
    assert parsed.origins["$.melding.type"] == "/EI_fellesformat/MsgHead/MsgInfo/Type/@V"


def test_a_fellesformat_without_msghead_names_what_is_missing() -> None:
    with pytest.raises(XmlError) as info:
        parse("<EI_fellesformat xmlns='http://www.nav.no/xml/eiff/2/'><MottakenhetBlokk/></EI_fellesformat>")
    assert info.value.path == "/EI_fellesformat/MsgHead"


# --------------------------------------------------------------------------- helsenorge's citizen dialog

PORTAL = ("<Organisation><OrganisationName>Norsk helsenett SF</OrganisationName>"
          "<Ident><Id>93580</Id><TypeId V='HER'/></Ident><Organisation><OrganisationName>Helsenorge"
          "</OrganisationName><Ident><Id>93238</Id><TypeId V='HER'/></Ident></Organisation></Organisation>")
OFFICE = ("<Organisation><OrganisationName>Fjellsiden legesenter</OrganisationName>"
          "<Ident><Id>8140020</Id><TypeId V='HER'/></Ident></Organisation>")


def _citizen(function: str, sender: str, receiver: str) -> str:
    xml = _msg("<Foresporsel><TypeForesp V='DI' S='2.16.578.1.12.4.1.1.7601'/><EmneSporsmal>Time</EmneSporsmal>"
               "<Sporsmal>Kan jeg få time?</Sporsmal><RollerRelatertNotat><RolleNotat V='1'/><Person>"
               "<GivenName>Innbygger</GivenName><FamilyName>Navnesen</FamilyName></Person></RollerRelatertNotat>"
               "</Foresporsel>", msg_type=function)
    xml = _with_sender(xml, sender)
    start, end = xml.index("<Receiver>") + len("<Receiver>"), xml.index("</Receiver>")
    return xml[:start] + receiver + xml[end:]


@pytest.mark.parametrize("function, kind, extra", [
    ("DIALOG_INNBYGGER_EKONTAKT", "kontakt_legekontoret", {}),
    ("DIALOG_INNBYGGER_RESEPTFORNYELSE", "forny_resept", {}),
    ("DIALOG_INNBYGGER_EKONSULTASJON", "e_konsultasjon", {}),
    ("DIALOG_INNBYGGER_TIMEBESTILLING", "bestill_time", {}),
    ("DIALOG_INNBYGGER_TIMERESERVASJON", "bestill_time", {"valgt_time": True}),
    ("DIALOG_INNBYGGER_TIMEONSKE", "bestill_time", {"valgt_time": False}),
])
def test_citizen_dialog_types_map_to_the_digital_dialog_types_with_the_citizen_as_sender(
        function: str, kind: str, extra: dict) -> None:
    m = parse(_citizen(function, PORTAL, OFFICE)).melding
    assert m["type"] == kind
    assert {k: m[k] for k in extra} == extra
    assert m["avsender"]["kategori"] == "pasient"
    assert m["avsender"]["tjeneste"] == "Helsenorge"
    assert "kategori" not in m["mottakere"][0]  # the office's category is context
    assert "forfatter" not in m  # the citizen's own name is never read
    assert "Navnesen" not in json.dumps(m, ensure_ascii=False)


def test_an_answer_from_the_office_to_the_citizen_has_the_citizen_as_recipient() -> None:
    m = parse(_citizen("DIALOG_INNBYGGER_EKONTAKT", OFFICE, PORTAL)).melding
    assert m["mottakere"][0]["kategori"] == "pasient"
    assert "kategori" not in m["avsender"]


def test_a_citizen_message_reaches_the_digital_dialog_pack(engine: Engine) -> None:
    parsed = parse(_citizen("DIALOG_INNBYGGER_TIMEONSKE", PORTAL, OFFICE))
    request = to_request(parsed, {"melding": {"mottakere": [{"kategori": "legekontor"}]},
                                  "kontekst": {"legekontor": {"aktiverte_tjenester": ["bestill_time"],
                                                              "timebestilling": "kalender"}}})
    decision = engine.evaluate(request, at="2025-06-02T10:00")
    assert [p["id"] for p in decision.to_dict()["packs"]] == ["digital-dialog-fastlege"]


# --------------------------------------------------------------------------- limits and encodings

def test_deep_xhtml_is_refused_with_the_path_not_a_recursion_error() -> None:
    deep = "<div xmlns='http://www.w3.org/1999/xhtml'>" * 5000 + "x" + "</div>" * 5000
    with pytest.raises(XmlError) as info:
        parse(_msg(f"<Foresporsel><TypeForesp V='99'/><Sporsmal>{deep}</Sporsmal></Foresporsel>"))
    assert info.value.kind == "limit"
    assert info.value.path.startswith("/MsgHead/Document/RefDoc/Content/Dialogmelding/Foresporsel/Sporsmal/")
    assert "dypere enn 64" in info.value.message


def test_xhtml_as_deep_as_the_limit_allows_is_read() -> None:
    nested = "<div xmlns='http://www.w3.org/1999/xhtml'>" * 50 + "dypt" + "</div>" * 50
    m = parse(_msg(f"<Foresporsel><TypeForesp V='99'/><Sporsmal>{nested}</Sporsmal></Foresporsel>")).melding
    assert m["tekst"] == "dypt" and m["format"] == "text/html"


def test_thousands_of_copy_recipients_are_refused_at_the_first_one_too_many() -> None:
    one = ("<OtherReceiver><RoleReceiver V='1'/><Organisation><OrganisationName>Kopi</OrganisationName>"
           "<Ident><Id>1</Id><TypeId V='HER'/></Ident></Organisation></OtherReceiver>")
    with pytest.raises(XmlError) as info:
        parse(_msg(QUESTION, extra_info=one * 25_000))
    assert info.value.kind == "limit"
    assert info.value.path == "/MsgHead/MsgInfo/OtherReceiver"
    assert "mer enn 100 kopimottakere" in info.value.message


def test_smaller_limits_can_be_given() -> None:
    with pytest.raises(XmlError) as info:
        parse(_msg(QUESTION), dialogmelding.XmlLimits(max_elements=10))
    assert "mer enn 10 elementer" in info.value.message
    with pytest.raises(XmlError) as info:
        parse(_msg(QUESTION), dialogmelding.XmlLimits(max_bytes=100))
    assert info.value.kind == "limit"


@pytest.mark.parametrize("encoding", ["x-nope", "UTF-7", "shift_jis", "cp037"])
def test_an_unsupported_encoding_is_a_clean_error(encoding: str) -> None:
    xml = _msg(QUESTION).replace('encoding="UTF-8"', f'encoding="{encoding}"').encode("utf-8")
    with pytest.raises(XmlError) as info:
        parse(xml)
    assert info.value.path == "/?xml/@encoding"
    assert "støttes ikke" in info.value.message


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "UTF-16"])
def test_the_encodings_senders_use_are_read(encoding: str) -> None:
    xml = _msg(QUESTION).replace('encoding="UTF-8"', f'encoding="{encoding}"')
    data = xml.encode("utf-16") if encoding == "UTF-16" else xml.encode(encoding)
    assert parse(data).melding["tekst"] == "Lungesykdommer: Et spørsmål."
