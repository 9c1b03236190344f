"""Dialogmelding XML (MsgHead + Dialogmelding 1.0/1.1) to the input contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import InputError
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
                             "tjeneste": "Sykepleietjeneste", "her_id": "8199002"}
    assert m["mottakere"] == [{"organisasjon": "VESTFJORD SYKEHUS HF", "orgnr": "921000049",
                               "tjeneste": "Lungesykdommer", "her_id": "8199102"}]
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
