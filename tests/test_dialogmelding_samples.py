"""Public test messages nobody on this project wrote (NHN's conformance messages, ../shared/reference/samples):
each is read with every field that decides mapped where the input contract expects it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract.dialogmelding import XmlError, parse, to_request

from .reference import SAMPLES, need

NHN_SENDER = {"organisasjon": "NORSK HELSENETT SF", "organisasjon_her_id": "112374",
              "tjeneste": "Meldingsvalidering", "tjeneste_her_id": "8094866", "her_id": "8094866"}
KS_CASEWORK = {"organisasjon": "KS-DIGITALE FELLESTJENESTER AS", "organisasjon_her_id": "8142987",
               "tjeneste": "Saksbehandling pasientopplysninger", "tjeneste_her_id": "8143060", "her_id": "8143060"}
KS_SVARUT = {**KS_CASEWORK, "tjeneste": "SvarUt meldingsformidler"}
WEBMED_GP = {"navn": "Grønn Vits", "yrkesgruppe": "LE", "hpr": "565501872", "her_id": "8143025"}
WEBMED = {"organisasjon": "WebMed Feature PPS", "orgnr": "999988939", "organisasjon_her_id": "8142952",
          "her_id": "8142952", "helsepersonell": WEBMED_GP}


def _read(name: str) -> dict:
    path = need(SAMPLES / name)
    return parse(path.read_bytes()).melding


def test_foresporsel_1_0_from_nhn_conformance() -> None:
    m = _read("fiks-nhn__1.0_foresporsel-og-svar_dialog-foresporsel-samsvar-test.xml")
    assert m == {
        "type": "foresporsel",
        "id": "6ddb98ed-9e34-4efa-9163-62e4ea0cbf43",
        "sendt": "2025-05-13T11:51:01",
        "avsender": NHN_SENDER,
        "mottakere": [KS_CASEWORK],
        "pasient": {"id": "15720255178"},
        "tekst": "Pas går snart tom for cetirizin 10mg tabl og amlodipin 5mg tbl. Ber om fornyelse av resept.",
        "format": "text/plain",
        # the nurse named in RollerRelatertNotat (Primærkontakt) wrote it: the sender names no person
        "forfatter": {"navn": "Sannsynlig Sykepleier", "yrkesgruppe": "SP", "hpr": "9876543"},
        # the PDF's title is in Description; its content is inline (Base64Container)
        "vedlegg": [{"filnavn": "small2.pdf", "mimetype": "application/pdf"}],
    }
    assert "svar_pa" not in m and "samtale_id" not in m  # an opening message without ConversationRef


def test_notat_1_0_from_a_gp_system_keeps_the_gps_own_her_id_and_hpr() -> None:
    m = _read("fiks-nhn__1.0_foresporsel-og-svar_dialog-notat-webmed-test.xml")
    assert m["type"] == "notat"
    assert m["id"] == "a748bb20-4e0f-4922-9b06-ec2c101eb9c1"
    assert m["sendt"] == "2025-06-10T10:55:20+03:00"
    assert m["svar_pa"] == "4f77040c-3610-4d17-bef1-76994ab2726b"
    assert m["samtale_id"] == "4f77040c-3610-4d17-bef1-76994ab2726b"
    # the GP (HealthcareProfessional under the office's Organisation): HER-id 8143025 and HPR 565501872
    assert m["avsender"] == WEBMED
    assert m["forfatter"] == WEBMED_GP
    assert m["mottakere"] == [KS_SVARUT]
    assert m["pasient"] == {"id": "15720255178"}
    # the XML's indentation inside TekstNotatInnhold is not the writer's text
    assert m["tekst"] == "Lege svarer med notat.\nInnkommende melding vises OK."
    assert m["format"] == "text/plain"
    assert "vedlegg" not in m and "emne" not in m


def test_svar_1_0_from_a_gp_system() -> None:
    m = _read("fiks-nhn__1.0_foresporsel-og-svar_dialog-svar-webmed-test.xml")
    assert m["type"] == "svar"
    assert m["svar_pa"] == "4f77040c-3610-4d17-bef1-76994ab2726b"
    assert m["avsender"] == WEBMED and m["forfatter"] == WEBMED_GP
    assert m["mottakere"] == [KS_SVARUT]
    assert m["tekst"] == "Lege svarer med notat.\nInnkommende melding vises OK."


def test_second_svar_1_0_from_a_gp_system() -> None:
    m = _read("fiks-nhn__1.0_foresporsel-og-svar_dialog-svar-webmed-test-2.xml")
    assert m["type"] == "svar"
    assert m["id"] == "edfa9473-097e-478e-bbea-89eb59d78fd9"
    assert m["sendt"] == "2025-06-10T14:12:29+02:00"
    assert m["svar_pa"] == "4caf06e0-6df9-4f64-9b36-87b451fd051c"
    assert m["samtale_id"] == "4caf06e0-6df9-4f64-9b36-87b451fd051c"
    assert m["avsender"] == WEBMED
    assert m["pasient"] == {"id": "21905297101"}
    assert m["tekst"] == "Medhjelper svarer på melding."
    assert "BADERING" not in str(m) and "Hellerudstubben" not in str(m)  # the patient's name and address


def test_helsefaglig_dialog_1_1_with_attachment() -> None:
    path = need(SAMPLES / "fiks-nhn__1.1_helsefaglig-dialog_samsvar-test-message.xml")
    parsed = parse(path.read_bytes())
    m = parsed.melding
    assert parsed.version == "1.1" and parsed.message_function == "DIALOG_HELSEFAGLIG"
    assert m == {
        "type": "helsefaglig_dialog",
        "id": "615aba81-6a88-41d1-a9f5-90b28cfc8b73",
        "sendt": "2025-05-13T11:56:21",
        "avsender": NHN_SENDER,
        "mottakere": [KS_CASEWORK],
        "pasient": {"id": "15720255178"},
        "emne": "EKG tatt i dag",
        "tekst": "Pasienten er henvist til kardiologisk poliklinikk for utredning med spørsmål om cardial årsak og "
                 "mulig angina pectoris. Ettersender EKG tatt i dag uten funn. Se vedlegg.",
        "format": "text/plain",
        "forfatter": {"navn": "Kunstig Lege", "hpr": "9144900"},
        "vedlegg": [{"filnavn": "small2.pdf", "mimetype": "application/pdf"}],
    }


def test_a_sample_becomes_a_request_with_the_context() -> None:
    path = need(SAMPLES / "fiks-nhn__1.0_foresporsel-og-svar_dialog-svar-webmed-test.xml")
    request = to_request(parse(path.read_bytes()), {"melding": {"avsender": {"kategori": "fastlege"},
                                                               "mottakere": [{"kategori": "kommune"}]}})
    assert request["melding"]["avsender"]["kategori"] == "fastlege"
    assert request["melding"]["mottakere"][0]["kategori"] == "kommune"


def test_the_message_with_an_unsupported_version_is_refused_naming_the_version() -> None:
    path = need(SAMPLES / "fiks-nhn__invalid-version.xml")
    with pytest.raises(XmlError) as info:
        parse(path.read_bytes())
    assert info.value.path == "/MsgHead/MsgInfo/MIGversion"
    assert "«v1.1 2006-05-24» støttes ikke" in info.value.message
    assert "v1.2 2006-05-24" in info.value.message


def test_every_sample_is_covered_by_a_test_here() -> None:
    names = {p.name for p in need(SAMPLES).glob("*.xml")}
    source = Path(__file__).read_text(encoding="utf-8")
    assert sorted(n for n in names if n not in source) == []
