"""Dialogmelding XML on the command line: convert, evaluate and explain with a context, --at message, --xsd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from engine.contract.dialogmelding import parse, to_request

from .conftest import ROOT
from .reference import SAMPLES, XSD, need

XML = ROOT / "examples" / "xml"
X1 = XML / "d81023-x1-foresporsel-nylig-utskrevet.xml"


def _context(xml: Path) -> Path:
    return xml.with_suffix(".kontekst.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("xml", sorted(XML.glob("*.xml")), ids=lambda p: p.stem)
def test_convert_with_the_context_gives_the_json_twin(capsys: pytest.CaptureFixture[str], xml: Path) -> None:
    code, out, err = run(capsys, "convert", str(xml), "--context", str(_context(xml)))
    assert code == 0, err
    assert json.loads(out) == json.loads(xml.with_suffix(".json").read_text(encoding="utf-8"))


def test_convert_as_yaml_without_context_is_what_the_xml_says(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "convert", str(X1), "--format", "yaml")
    assert code == 0, err
    assert yaml.safe_load(out) == {"melding": parse(X1.read_bytes()).melding}


def test_convert_a_public_sample_and_its_unreadable_sibling(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "convert", str(need(SAMPLES / "fiks-nhn__1.0_foresporsel-og-svar_dialog-svar-"
                                                    "webmed-test.xml")))
    assert code == 0 and json.loads(out)["melding"]["forfatter"]["hpr"] == "565501872"
    code, out, err = run(capsys, "convert", str(SAMPLES / "fiks-nhn__invalid-version.xml"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "/MsgHead/MsgInfo/MIGversion" in err and "Traceback" not in err


def test_convert_does_not_check_the_patient_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = X1.read_text(encoding="utf-8").replace("17027010822", "17027010823")  # a wrong check digit
    bad = tmp_path / "m.xml"
    bad.write_text(text, encoding="utf-8")
    assert run(capsys, "convert", str(bad))[0] == 0
    code, out, err = run(capsys, "evaluate", str(bad), "--context", str(_context(X1)))
    assert code == 2 and "$.melding.pasient.id" in err and "17027010823" not in out + err


def test_convert_refuses_json_and_names_the_element_it_cannot_read(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "convert", str(ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json"))
    assert code == 2 and "ikke XML" in err
    wrong = tmp_path / "apprec.xml"
    wrong.write_text(X1.read_text(encoding="utf-8").replace('V="DIALOG_FORESPORSEL"', 'V="APPREC"'), "utf-8")
    code, _, err = run(capsys, "convert", str(wrong))
    assert code == 2 and "/MsgHead/MsgInfo/Type/@V" in err


def test_evaluate_xml_at_the_message_time_decides_as_its_twin_does(capsys: pytest.CaptureFixture[str]) -> None:
    twin = json.loads(X1.with_suffix(".json").read_text(encoding="utf-8"))
    sent = twin["melding"]["sendt"]
    code, out, err = run(capsys, "evaluate", str(X1), "--context", str(_context(X1)), "--at", "message")
    assert code == 0, err
    decision = json.loads(out)
    assert decision["evaluated_at"].startswith(sent[:16])
    assert decision["packs"][0]["expired"] is False  # judged at GenDate, inside D81023's validity
    code, out, _ = run(capsys, "evaluate", str(X1.with_suffix(".json")), "--at", sent)
    assert json.loads(out)["decision"] == decision["decision"]


def test_evaluate_xml_without_the_context_says_the_context_must_give_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", str(X1))
    assert code == 2
    assert "$.melding.avsender.kategori" in err and "--context" in err


def test_a_context_that_contradicts_the_xml_names_both_places(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    context = tmp_path / "kontekst.yaml"
    context.write_text("melding:\n  id: en-annen\n", encoding="utf-8")
    code, _, err = run(capsys, "evaluate", str(X1), "--context", str(context))
    assert code == 2 and "$.melding.id" in err and "/MsgHead/MsgInfo/MsgId" in err


def test_at_message_needs_a_sending_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = json.loads((ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json").read_text(encoding="utf-8"))
    request["melding"].pop("sendt", None)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    code, _, err = run(capsys, "evaluate", str(path), "--at", "message")
    assert code == 2 and "--at message" in err


def test_context_is_refused_for_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", str(X1.with_suffix(".json")), "--context", str(_context(X1)))
    assert code == 2 and "bare til XML" in err


def test_explain_reads_xml(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", str(X1), "--context", str(_context(X1)), "--at", "message",
                         "--format", "json")
    assert code == 0, err
    assert [p["id"] for p in json.loads(out)["packs"]] == ["helse-bergen-d81023"]


def test_strict_mode_refuses_a_schema_invalid_message_with_the_line(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    xsd = str(need(XSD))
    code, _, err = run(capsys, "evaluate", str(X1), "--context", str(_context(X1)), "--xsd", xsd)
    assert code == 0, err
    text = X1.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "<MsgId>" in row)
    bad = tmp_path / "ugyldig.xml"
    bad.write_text(text.replace("<MsgId>", "<Ukjent/><MsgId>", 1), encoding="utf-8")
    assert run(capsys, "evaluate", str(bad), "--context", str(_context(X1)))[0] == 0  # lenient without --xsd
    code, _, err = run(capsys, "evaluate", str(bad), "--context", str(_context(X1)), "--xsd", xsd)
    assert code == 2
    assert f"linje {line}, /MsgHead/MsgInfo/Ukjent: følger ikke XML-skjemaet" in err
    code, _, err = run(capsys, "convert", str(bad), "--xsd", str(tmp_path))
    assert code == 2 and "MsgHead-v1_2.xsd" in err


def test_patient_numbers_of_the_xml_never_reach_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = to_request(parse(X1.read_bytes()))["melding"]["pasient"]["id"]
    broken = tmp_path / "brutt.xml"
    broken.write_text(X1.read_text(encoding="utf-8").replace("</MsgHead>", ""), encoding="utf-8")
    for args in (("convert", str(broken)), ("evaluate", str(broken)), ("evaluate", str(X1))):
        _, _, err = run(capsys, *args)
        assert number not in err


def test_apprec_on_the_command_line_follows_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.contract.xmlschema import XmlSchemas

    x3 = XML / "d81023-x3-vedlegg-og-kopimottaker.xml"
    code, out, err = run(capsys, "apprec", str(x3), "--context", str(_context(x3)), "--at", "message")
    assert code == 0, err
    assert '<Status V="2" DN="Avvist" />' in out
    XmlSchemas(need(XSD)).check_apprec(out)
    code, _, err = run(capsys, "apprec", str(X1.with_suffix(".json")))
    assert code == 2 and "ikke XML" in err
