"""The official XSDs (../shared/reference/xsd): the shipped XML examples follow them, and strict mode refuses
what does not, with the schema's error, the line and the element."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from engine.contract.dialogmelding import XmlError
from engine.contract.xmlschema import SchemaFolderError, XmlSchemas

from .reference import SAMPLES, XSD, need

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "xml").glob("*.xml"))


@cache
def _schemas() -> XmlSchemas:
    return XmlSchemas(need(XSD))


@pytest.mark.parametrize("path", [*EXAMPLES, ROOT / "tests" / "data" / "dialogmelding-1.1-foresporsel-example.xml"],
                         ids=lambda p: p.stem)
def test_shipped_xml_follows_the_official_schemas(path: Path) -> None:
    _schemas().check_message(path.read_bytes())


def test_the_public_samples_follow_them_except_the_one_with_a_wrong_version() -> None:
    results = {}
    for path in sorted(need(SAMPLES).glob("*.xml")):
        try:
            _schemas().check_message(path.read_bytes())
            results[path.name] = "ok"
        except XmlError as exc:
            results[path.name] = exc.path
    assert [name for name, result in results.items() if result != "ok"] == ["fiks-nhn__invalid-version.xml"]


def test_a_schema_invalid_message_is_refused_with_the_line_and_the_element() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "<MsgId>" in row)
    bad = text.replace("<MsgId>", "<Ukjent/><MsgId>", 1)
    with pytest.raises(XmlError) as info:
        _schemas().check_message(bad.encode("utf-8"))
    assert info.value.kind == "schema"
    assert info.value.path == f"linje {line}, /MsgHead/MsgInfo/Ukjent"
    assert info.value.message.startswith("følger ikke XML-skjemaet for MsgHead 1.2 og Dialogmelding 1.0/1.1: ")
    assert "Ukjent" in info.value.message and "{http" not in info.value.message


def test_a_wrong_value_is_named_by_its_element_but_never_repeated() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8")
    bad = text.replace("<GenDate>2025", "<GenDate>20x5", 1)
    with pytest.raises(XmlError) as info:
        _schemas().check_message(bad)
    assert "20x5" not in str(info.value)
    assert info.value.path.endswith(", /MsgHead/MsgInfo/GenDate")


def test_an_s_attribute_on_a_cs_code_fails_as_the_standard_says() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8")
    bad = text.replace('<Ack V="J" DN="Ja"/>', '<Ack V="J" S="2.16.578.1.12.4.1.1.1101" DN="Ja"/>', 1)
    assert bad != text
    with pytest.raises(XmlError) as info:
        _schemas().check_message(bad)
    assert "Ack" in info.value.path


def test_the_msghead_in_navs_envelope_is_checked() -> None:
    inner = EXAMPLES[0].read_text(encoding="utf-8").split("?>", 1)[1]
    wrapped = f"<EI_fellesformat xmlns='http://www.nav.no/xml/eiff/2/'>{inner}<MottakenhetBlokk/></EI_fellesformat>"
    _schemas().check_message(wrapped)
    with pytest.raises(XmlError):
        _schemas().check_message(wrapped.replace("<MsgId>", "<Ukjent/><MsgId>", 1))


def test_a_dtd_is_refused_before_the_validator_sees_it() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8").split("?>", 1)[1]
    with pytest.raises(XmlError) as info:
        _schemas().check_message('<!DOCTYPE MsgHead [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + text)
    assert info.value.kind == "forbidden"


def test_a_folder_without_the_schemas_is_named(tmp_path: Path) -> None:
    with pytest.raises(SchemaFolderError) as info:
        XmlSchemas(tmp_path)
    assert "MsgHead-v1_2.xsd" in str(info.value)
    with pytest.raises(SchemaFolderError):
        XmlSchemas(tmp_path / "finnes-ikke")
