"""AppRec 1.1 (HIS 80415:2012): the application receipt a receiver sends back for a received message.

    mapping = ApprecMapping.load()                     # engine/schemas/apprec-mapping.yaml, or a site's file
    xml = apprec_xml(parsed, decision, mapping)        # bytes, valid against apprec-v1.1.xsd

Which decision gives which status is configuration, not code (``apprec-mapping.yaml``,
documented there): by default a denied message is rejected (``Status`` 2 Avvist, kodeverk
8258) with one ``Error`` per reason (kodeverk 8221, ``X99`` Annen feil unless a rule is
given its own code), whose ``OT`` holds the bokmål reason and its section citation; every
other decision is ``1`` OK, as NAV's receivers answer dialog messages that break their rules.

The receipt goes from the message's receiver to its sender: ``Sender/HCP/Inst`` is the
receiving legal entity (its HER-id) with the service as ``Dept`` and the professional as
``HCPerson``, ``Receiver`` likewise the original sender; ``OriginalMsgId`` repeats the
message's function, ``GenDate`` and ``MsgId``. No patient number is ever put in a receipt.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .decision import DECISIONS, Decision, Finding
from .dialogmelding import MESSAGE_FUNCTION_NAMES, ParsedMessage, XmlError
from .identifiers import redact_numbers
from .schemas import data_file
from .times import OSLO
from .version import __version__

NS_APPREC = "http://www.kith.no/xmlstds/apprec/2012-02-15"
MIG_VERSION = "v1.1 2012-02-15"
OID_ERRORS = "2.16.578.1.12.4.1.1.8221"

#: kodeverk 8258 "Status for mottak av melding"
STATUSES = {"ok": ("1", "OK"), "avvist": ("2", "Avvist"), "ok_feil_i_delmelding": ("3", "OK, feil i delmelding")}

#: kodeverk 8221: the general error codes a site may give a rule (the display names of the code list)
ERROR_CODES = {
    "E10": "Ugyldig meldingsidentifikator", "E20": "Lege finnes ikke", "E21": "Mottaker finnes ikke",
    "E30": "Pasientens fødselsnummer mangler", "E31": "Pasientens fødselsnummer er feil",
    "E35": "Pasienten finnes ikke i mottakersystemet", "E36": "Pasientopplysninger er utilstrekkelige",
    "T01": "Ikke XML / ikke 'well formed' / uleselig", "T02": "XML validerer ikke", "T10": "Støtter ikke formatet",
    "T99": "Annen feil på formatet", "X99": "Annen feil",
}


class ApprecConfigError(ValueError):
    """The mapping file is not usable; the message names the file and the key."""


@dataclass(frozen=True)
class ApprecMapping:
    """Decision -> AppRec status, the error code of a rejection, and codes for single rules."""

    status: Mapping[str, str]  # decision -> ok | avvist | ok_feil_i_delmelding
    error: str = "X99"
    rules: Mapping[str, str] = field(default_factory=dict)  # rule id -> error code (kodeverk 8221)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ApprecMapping:
        """The bundled mapping (``engine/schemas/apprec-mapping.yaml``) or a site's own file in its format."""
        name = str(path) if path else "apprec-mapping.yaml"
        if path is None:
            doc = data_file("apprec-mapping.yaml")
        else:
            try:
                doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ApprecConfigError(f"{name}: finnes ikke") from None
            except (UnicodeDecodeError, yaml.YAMLError):
                raise ApprecConfigError(f"{name}: er ikke gyldig YAML i UTF-8") from None
        return cls.from_dict(doc, name)

    @classmethod
    def from_dict(cls, doc: Any, name: str = "apprec-mapping") -> ApprecMapping:
        if not isinstance(doc, dict):
            raise ApprecConfigError(f"{name}: må være et objekt med status, feilkode og regler")
        unknown = sorted(set(doc) - {"status", "feilkode", "regler"})
        if unknown:
            raise ApprecConfigError(f"{name}: {unknown[0]}: ukjent nøkkel; tillatt er status, feilkode, regler")
        status = doc.get("status")
        if not isinstance(status, dict) or sorted(status) != sorted(DECISIONS):
            raise ApprecConfigError(f"{name}: status: må gi en status for hver avgjørelse ({', '.join(DECISIONS)})")
        for decision, value in status.items():
            if value not in STATUSES:
                raise ApprecConfigError(f"{name}: status.{decision}: ukjent status; mulige er {', '.join(STATUSES)}")
        error = doc.get("feilkode", "X99")
        rules = doc.get("regler") or {}
        if not isinstance(rules, dict):
            raise ApprecConfigError(f"{name}: regler: må være et objekt fra regel-id til feilkode")
        for key, code in [("feilkode", error), *((f"regler.{r}", c) for r, c in rules.items())]:
            if code not in ERROR_CODES:
                raise ApprecConfigError(f"{name}: {key}: ukjent feilkode; kodeverk 8221 her: {', '.join(ERROR_CODES)}")
        return cls(dict(status), error, dict(rules))

    def status_of(self, decision: Decision) -> str:
        return self.status[decision.decision]


def _citation(finding: Finding) -> str:
    document = str(finding.source.get("document", "")).strip()
    section = str(finding.source.get("section", "")).strip()
    if not section:
        return document
    return f"{document}{' § ' if section[:1].isdigit() else ', '}{section}"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, name, {k: v for k, v in attrs.items() if v})
    if text is not None:
        el.text = text
    return el


def _hcp(parent: ET.Element, party: Mapping[str, Any], where: str) -> None:
    """Sender or Receiver: HCP/Inst with the legal entity, the service as Dept and the professional as HCPerson."""
    hcp = _sub(parent, "HCP")
    inst = _sub(hcp, "Inst")
    entity_her = party.get("organisasjon_her_id") or (None if party.get("tjeneste_her_id") else party.get("her_id"))
    name = party.get("organisasjon") or party.get("tjeneste")
    if not name and not party.get("her_id"):
        raise XmlError(where, "mangler; en applikasjonskvittering må kunne adresseres til parten")
    if name:
        _sub(inst, "Name", str(name))
    if entity_her:
        _sub(inst, "Id", str(entity_her))
        _sub(inst, "TypeId", V="HER", DN="HER-id")
    elif party.get("orgnr"):
        _sub(inst, "Id", str(party["orgnr"]))
        _sub(inst, "TypeId", V="ENH", DN="Organisasjonsnummeret i Enhetsregisteret")
    service_her = party.get("tjeneste_her_id")
    if party.get("tjeneste") or service_her:
        dept = _sub(inst, "Dept")
        if party.get("tjeneste"):
            _sub(dept, "Name", str(party["tjeneste"]))
        if service_her:
            _sub(dept, "Id", str(service_her))
            _sub(dept, "TypeId", V="HER", DN="HER-id")
    person = party.get("helsepersonell") or {}
    if person:
        hcperson = _sub(inst, "HCPerson")
        if person.get("navn"):
            _sub(hcperson, "Name", str(person["navn"]))
        if person.get("her_id"):
            _sub(hcperson, "Id", str(person["her_id"]))
            _sub(hcperson, "TypeId", V="HER", DN="HER-id")
        elif person.get("hpr"):
            _sub(hcperson, "Id", str(person["hpr"]))
            _sub(hcperson, "TypeId", V="HPR", DN="HPR-nummer")


def apprec_xml(parsed: ParsedMessage, decision: Decision, mapping: ApprecMapping,
               now: dt.datetime | None = None, receipt_id: str | None = None) -> bytes:
    """The AppRec 1.1 document answering ``parsed`` with ``decision`` (UTF-8 bytes with a declaration)."""
    melding = parsed.melding
    for key, element in (("id", "MsgId"), ("sendt", "GenDate")):
        if not melding.get(key):
            raise XmlError(f"/MsgHead/MsgInfo/{element}", "mangler; en applikasjonskvittering viser til den")
    mottaker = (melding.get("mottakere") or [{}])[0]
    now = (now or dt.datetime.now(OSLO)).astimezone(OSLO).replace(microsecond=0)
    root = ET.Element("AppRec", {"xmlns": NS_APPREC})  # unqualified names under a default namespace
    _sub(root, "MsgType", V="APPREC", DN="Applikasjonskvittering")
    _sub(root, "MIGversion", MIG_VERSION)
    _sub(root, "SoftwareName", "Dialogvakt")
    _sub(root, "SoftwareVersion", __version__)
    _sub(root, "GenDate", now.isoformat())
    _sub(root, "Id", receipt_id or str(uuid.uuid4()))
    _hcp(_sub(root, "Sender"), mottaker, "/MsgHead/MsgInfo/Receiver/Organisation")
    _hcp(_sub(root, "Receiver"), melding.get("avsender") or {}, "/MsgHead/MsgInfo/Sender/Organisation")
    status = mapping.status_of(decision)
    code, name = STATUSES[status]
    _sub(root, "Status", V=code, DN=name)
    if status != "ok":
        for reason in decision.reasons:
            error = mapping.rules.get(reason.rule, mapping.error)
            text = redact_numbers(" ".join(f"{reason.message} ({_citation(reason)})".split()))
            _sub(root, "Error", S=OID_ERRORS, V=error, DN=ERROR_CODES[error], OT=text)
        if not decision.reasons:
            _sub(root, "Error", S=OID_ERRORS, V=mapping.error, DN=ERROR_CODES[mapping.error],
                 OT=f"Meldingen ble vurdert som «{decision.decision}».")
    original = _sub(root, "OriginalMsgId")
    function = parsed.message_function
    _sub(original, "MsgType", V=function, DN=MESSAGE_FUNCTION_NAMES.get(function, function))
    _sub(original, "IssueDate", str(melding["sendt"]))
    _sub(original, "Id", str(melding["id"]))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


__all__ = ["ERROR_CODES", "NS_APPREC", "STATUSES", "ApprecConfigError", "ApprecMapping", "apprec_xml"]
