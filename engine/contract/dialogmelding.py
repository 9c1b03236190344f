"""Dialogmelding XML in: a MsgHead 1.2 envelope with a Dialogmelding 1.0/1.1 body -> the input contract.

    parsed = parse(xml_bytes)                       # raises XmlError naming the element
    request = to_request(parsed, context)           # context: what the XML does not carry

What is read (paths relative to ``MsgHead``; namespaces and prefixes may vary,
elements are matched by local name):

- ``MsgInfo/MIGversion`` must be ``v1.2 2006-05-24`` when it is given (MsgHead 1.2);
  the Dialogmelding version is the namespace of the first document's content
  (2006-10-11 is 1.0, 2013-01-23 is 1.1).
- ``MsgInfo/Type/@V`` (kodeverk 8279) -> ``melding.type``: DIALOG_FORESPORSEL,
  DIALOG_SVAR, DIALOG_AVVIK, DIALOG_NOTAT, DIALOG_HELSEFAGLIG; and helsenorge's
  citizen processes (``CITIZEN_TYPES``): DIALOG_INNBYGGER_TIMEBESTILLING,
  _TIMERESERVASJON, _TIMEONSKE -> ``bestill_time`` (with ``valgt_time`` true for a
  reservation in the calendar, false for a wish), _RESEPTFORNYELSE -> ``forny_resept``,
  _EKONSULTASJON -> ``e_konsultasjon``, _EKONTAKT -> ``kontakt_legekontoret``.
  In those the citizen is a party (``kategori: pasient``, the portal's
  organisation as it is named): the sender, unless the receiver is the citizen
  portal (an organisation named Helsenorge or "… innbyggertjenester") and the
  sender is not, as in an answer from the GP office.
- ``MsgInfo/MsgId`` -> ``melding.id``; ``GenDate`` -> ``melding.sendt``;
  ``ConversationRef/RefToConversation`` -> ``melding.samtale_id``.
- ``melding.svar_pa``, the message answered: ``ConversationRef/RefToParent``;
  where it is absent or names this message itself, the question an answer
  repeats (``Notat/Foresporsel/DokIdForesp``). A reference equal to the
  message's own ``MsgId`` or to its own document ids (``Foresporsel/DokIdForesp``,
  ``Notat/DokIdNotat``) is never taken as the message answered.
- ``Sender``/``Receiver``/``OtherReceiver``, each a party of the contract:
  level 1 ``Organisation`` (the legal entity) -> ``organisasjon``, ``orgnr`` (ENH)
  and ``organisasjon_her_id``; the nested ``Organisation`` (the service, the
  lowest one when they nest deeper) -> ``tjeneste`` and ``tjeneste_her_id``;
  ``her_id`` is the lowest organisation HER-id given (the address); a
  ``HealthcareProfessional`` under the party -> ``helsepersonell`` (``navn``,
  ``yrkesgruppe`` from kodeverk 9060, ``hpr``, ``her_id``). The receiver is
  ``mottakere[0]``, copies follow it; a copy addressed to a person rather than
  an organisation keeps only what the person element says (a patient copy is
  ``kategori: pasient``). For a party whose category is ``sykehus`` the legal
  entity is also its ``helseforetak``.
- the author -> ``melding.forfatter`` (``navn``, ``yrkesgruppe``, ``hpr``,
  ``her_id``): the sender's ``HealthcareProfessional``, completed from (or, where
  the sender has none, taken from) the Dialogmelding's ``RollerRelatertNotat``
  with ``RolleNotat`` 1 (Forfatter), else its one person whose role is not
  ``Kontakt hos mottaker`` (9034 code 24).
- ``MsgInfo/Patient/Ident/Id`` (FNR, DNR, HNR, FHN) -> ``melding.pasient.id``;
  the patient's name and other details are never read. Personal numbers of
  anyone else (a professional's FNR) are never read either.
- the first ``Document``'s ``Dialogmelding``: ``Foresporsel`` (``EmneSporsmal``,
  ``Sporsmal``, ``Hastegrad``) or ``Notat`` (``Tema``, ``TekstNotatInnhold``) ->
  ``emne``, ``tekst``, ``hastegrad``. Text is normalised: indentation and runs
  of spaces go, line breaks stay (at most one empty line). Element children in
  the text (XHTML) make ``format`` ``text/html``, otherwise ``text/plain``.
- further ``Document``s with ``RefDoc/MsgType/@V = "A"`` (kodeverk 8114
  Vedlegg) -> ``melding.vedlegg``: ``filnavn`` from ``RefDoc/Description`` (the
  title the sender gave), else the last segment of ``FileReference``;
  ``mimetype`` from ``RefDoc/MimeType``.

NAV's ``EI_fellesformat`` envelope (``http://www.nav.no/xml/eiff/2/``) is
unwrapped: its ``MsgHead`` is read and nothing else from it, so the
``MottakenhetBlokk`` with the sender's own fødselsnummer is never carried
anywhere. Paths in errors then start with ``/EI_fellesformat/MsgHead``.

What the XML does not carry (the parties' categories, the purpose, the
patient's status and history, the evaluation time) comes from the request as
a partial document in the input contract; it may add to what the XML says but
never contradict it.

Safety: DTDs are refused outright, so no external entity is ever resolved and
no entity is ever expanded (XXE, "billion laughs"). The XML has its own limits
(``LIMITS``: size, depth, elements, copy recipients, documents), checked while
it is read, so an oversized or deeply nested message is refused early with the
element path; an encoding other than those in ``ENCODINGS`` is refused. Errors
name the XML path and never repeat the content of the message.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from .errors import InputError
from .facts import json_path as _json_path
from .schemas import input_schema

NS_MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
NS_DIALOG = {
    "http://www.kith.no/xmlstds/dialog/2006-10-11": "1.0",
    "http://www.kith.no/xmlstds/dialog/2013-01-23": "1.1",
}
NS_FELLESFORMAT = "http://www.nav.no/xml/eiff/2/"
MIG_VERSION = "v1.2 2006-05-24"

#: kodeverk 8279 "Meldingens funksjon" -> melding.type
MESSAGE_TYPES = {
    "DIALOG_FORESPORSEL": "foresporsel",
    "DIALOG_SVAR": "svar",
    "DIALOG_AVVIK": "avvik",
    "DIALOG_NOTAT": "notat",
    "DIALOG_HELSEFAGLIG": "helsefaglig_dialog",
}

#: helsenorge's citizen processes (kodeverk 8279) -> melding.type and what the process itself says
CITIZEN_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "DIALOG_INNBYGGER_TIMEBESTILLING": ("bestill_time", {}),
    "DIALOG_INNBYGGER_TIMERESERVASJON": ("bestill_time", {"valgt_time": True}),
    "DIALOG_INNBYGGER_TIMEONSKE": ("bestill_time", {"valgt_time": False}),
    "DIALOG_INNBYGGER_RESEPTFORNYELSE": ("forny_resept", {}),
    "DIALOG_INNBYGGER_EKONSULTASJON": ("e_konsultasjon", {}),
    "DIALOG_INNBYGGER_EKONTAKT": ("kontakt_legekontoret", {}),
}

#: words (case-insensitive) in an organisation name that mark the citizen portal in a citizen process
CITIZEN_PORTAL_NAMES = ("helsenorge", "innbyggertjenester")

#: the display names (DN) of the message functions read, for receipts
MESSAGE_FUNCTION_NAMES = {
    "DIALOG_FORESPORSEL": "Forespørsel",
    "DIALOG_SVAR": "Svar på forespørsel",
    "DIALOG_AVVIK": "Tilbakemelding om feil i mottatt melding",
    "DIALOG_NOTAT": "Notat",
    "DIALOG_HELSEFAGLIG": "Helsefaglig dialog",
    "DIALOG_INNBYGGER_TIMEBESTILLING": "Dialog med innbygger - timebestilling",
    "DIALOG_INNBYGGER_TIMERESERVASJON": "Dialog med innbygger - timereservasjon",
    "DIALOG_INNBYGGER_TIMEONSKE": "Dialog med innbygger - timeønske",
    "DIALOG_INNBYGGER_RESEPTFORNYELSE": "Dialog med innbygger - reseptfornyelse",
    "DIALOG_INNBYGGER_EKONSULTASJON": "Dialog med innbygger - e-konsultasjon",
    "DIALOG_INNBYGGER_EKONTAKT": "Dialog med innbygger - eKontakt",
}

#: kodeverk 9067 "Hastegrad" -> melding.hastegrad
HASTEGRAD = {"1": "oyeblikkelig_hjelp", "2": "pagaende_helsehjelp", "3": "innen_24_timer", "9": "ubestemt"}

#: kodeverk 8117 (reason in an avvik message) -> melding.avvik_arsak
AVVIK_ARSAK = {"1": "feilsending", "2": "annet", "9": "annet"}
OID_AVVIK = "2.16.578.1.12.4.1.1.8117"

PATIENT_ID_TYPES = ("FNR", "DNR", "HNR", "FHN")

#: kodeverk 9034: the role "Kontakt hos mottaker" (who should answer), never the author
ROLE_CONTACT_AT_RECEIVER = "24"
#: kodeverk 9057: the role "Forfatter"
ROLE_AUTHOR = "1"

MEDIA_TYPES = ("application/xml", "text/xml")

#: the encodings a message may declare (lower case, as Python names them); UTF-8 is the standard's
ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "iso-8859-1", "latin-1", "latin1",
                       "iso-8859-15", "windows-1252", "cp1252", "us-ascii", "ascii"})


@dataclass(frozen=True)
class XmlLimits:
    """What one message may hold. A MsgHead message with a few attachments is far inside them."""

    max_bytes: int = 32 * 1024 * 1024  # inline attachments (base64) make messages large; 18 MB PDF -> 24 MB
    max_depth: int = 64  # MsgHead is about 12 deep; the rest is room for XHTML in the text
    max_elements: int = 20_000
    max_copies: int = 100  # OtherReceiver
    max_documents: int = 100


LIMITS = XmlLimits()

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"}
_CHUNK = 1 << 16


class XmlError(ValueError):
    """The XML cannot be read as a Dialogmelding. ``path`` names the element (``/MsgHead/MsgInfo/Type/@V``)."""

    def __init__(self, path: str, message: str, kind: str = "structure"):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.kind = kind  # syntax (not well-formed), forbidden (DTD/entities), limit, or structure


@dataclass
class ParsedMessage:
    """What the XML says, as the ``melding`` part of the input contract."""

    melding: dict
    version: str  # "1.0" or "1.1"
    message_function: str  # MsgInfo/Type/@V
    origins: dict[str, str] = field(default_factory=dict)  # JSON path -> XML path
    ack: bool | None = None  # MsgInfo/Ack: J asks for an application receipt, N not; None when absent
    envelope: str | None = None  # "EI_fellesformat" when the MsgHead came in NAV's envelope

    def xml_path(self, json_path: str) -> str | None:
        """The XML path a JSON path of the request was read from, if it came from the XML."""
        path = json_path
        while path:
            if path in self.origins:
                return self.origins[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 1 else ""
        return None


# --------------------------------------------------------------------------- element helpers

def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(el: Element | None, name: str) -> list[Element]:
    if el is None:
        return []
    return [c for c in el if _local(c.tag) == name]


def _child(el: Element | None, name: str) -> Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: Element | None) -> str | None:
    """The text of a simple element, its whitespace collapsed to single spaces."""
    if el is None or el.text is None:
        return None
    value = " ".join(el.text.split())
    return value or None


def _attr(el: Element | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def normalise_text(text: str) -> str:
    """Free text as a reader sees it: no indentation or runs of spaces, line breaks kept, at most one empty line."""
    lines = [re.sub(r"[ \t\f\v\u00a0]+", " ", line).strip() for line in re.split(r"\r\n|\r|\n", text)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _rich_text(el: Element) -> tuple[str, bool]:
    """The text of an element that may hold XHTML; True when it had element children. Not recursive."""
    if len(el) == 0:
        return normalise_text(el.text or ""), False
    parts: list[str] = [el.text or ""]
    # a stack of (element, whether its children were pushed); tails are written after the element
    stack: list[tuple[Element, bool]] = [(child, False) for child in reversed(list(el))]
    while stack:
        node, opened = stack.pop()
        if opened:
            if _local(node.tag).lower() in _BLOCK:
                parts.append("\n")
            parts.append(node.tail or "")
            continue
        parts.append(node.text or "")
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node)))
    return normalise_text("".join(parts)), True


# --------------------------------------------------------------------------- reading, within limits

class _Limited(TreeBuilder):
    """A tree builder that counts elements and depth while the parser reads, and stops at a limit."""

    def __init__(self, limits: XmlLimits):
        super().__init__()
        self.limits = limits
        self.stack: list[str] = []
        self.elements = 0
        self.copies = 0
        self.documents = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        name = _local(tag)
        self.stack.append(name)
        self.elements += 1
        if len(self.stack) > self.limits.max_depth:
            raise XmlError(self._where(), f"XML-en er nestet dypere enn {self.limits.max_depth} nivåer", "limit")
        if self.elements > self.limits.max_elements:
            raise XmlError(self._where(), f"XML-en har mer enn {self.limits.max_elements} elementer", "limit")
        parent = self.stack[-2] if len(self.stack) > 1 else ""
        if name == "OtherReceiver" and parent == "MsgInfo":
            self.copies += 1
            if self.copies > self.limits.max_copies:
                raise XmlError(self._where(), f"meldingen har mer enn {self.limits.max_copies} kopimottakere "
                               "(OtherReceiver)", "limit")
        if name == "Document" and parent == "MsgHead":
            self.documents += 1
            if self.documents > self.limits.max_documents:
                raise XmlError(self._where(), f"meldingen har mer enn {self.limits.max_documents} dokumenter",
                               "limit")
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        if self.stack:
            self.stack.pop()
        return super().end(tag)

    def _where(self) -> str:
        names = self.stack
        if len(names) > 10:
            return "/" + "/".join(names[:8]) + f"/…/{names[-1]} (nivå {len(names)})"
        return "/" + "/".join(names)


_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=\s*([\"'])([^\"']{0,80})\1")


def _check_encoding(data: bytes) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 with a byte order mark; expat reads it
    head = data[:256].lstrip(b"\xef\xbb\xbf")
    m = _DECLARATION.match(head)
    if not m:
        return  # no declaration: UTF-8 (or UTF-16 by its BOM)
    declared = m.group(2).decode("ascii", "replace").strip()
    if declared.lower().replace("_", "-") not in ENCODINGS:
        shown = re.sub(r"[^A-Za-z0-9._:-]", "?", declared)[:40]
        raise XmlError("/?xml/@encoding", f"tegnsettet «{shown}» støttes ikke; bruk UTF-8 "
                       "(ISO-8859-1, ISO-8859-15, windows-1252 og UTF-16 leses også)", "syntax")


def _load(data: bytes | str, limits: XmlLimits = LIMITS) -> Element:
    if isinstance(data, str):
        data = data.encode("utf-8") if not data.lstrip().startswith("<?xml") else _as_utf8(data)
    if not data.strip():
        raise XmlError("/", "tom melding; forventet en MsgHead-melding i XML", "syntax")
    if len(data) > limits.max_bytes:
        raise XmlError("/", f"meldingen er større enn {limits.max_bytes} byte", "limit")
    _check_encoding(data)
    builder = _Limited(limits)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start:start + _CHUNK])
        root = parser.close()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise XmlError("/", "DTD og entiteter (<!DOCTYPE>, <!ENTITY>) er ikke tillatt i en dialogmelding",
                       "forbidden") from None
    except DefusedXmlException:
        raise XmlError("/", "XML-konstruksjonen er ikke tillatt", "forbidden") from None
    except ParseError as exc:
        line, column = exc.position if exc.position else (0, 0)
        reason = str(exc).split(":", 1)[0]
        raise XmlError(f"linje {line}, kolonne {column + 1}", f"ikke velformet XML ({reason})", "syntax") from None
    except (LookupError, ValueError) as exc:  # an encoding expat cannot use (multi-byte, unknown)
        if isinstance(exc, XmlError):
            raise
        raise XmlError("/?xml/@encoding", "tegnsettet støttes ikke; bruk UTF-8", "syntax") from None
    except RecursionError:  # pragma: no cover - the depth limit stops this first
        raise XmlError("/", "XML-en er for dypt nestet", "limit") from None
    if not isinstance(root, Element):  # pragma: no cover - the builder always gives an element
        raise XmlError("/", "tom melding; forventet en MsgHead-melding i XML", "syntax")
    return root


def _as_utf8(text: str) -> bytes:
    """A str with an XML declaration is text already: drop the declared encoding and read it as UTF-8."""
    return re.sub(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*([\"'])[^\"']*\2", r"\1", text, count=1).encode("utf-8")


def read_xml(data: bytes | str, limits: XmlLimits = LIMITS) -> Element:
    """Any XML document read safely within the limits (no DTD, no entities). Raises XmlError."""
    return _load(data, limits)


def _require(el: Element | None, name: str, path: str) -> tuple[Element, str]:
    found = _child(el, name)
    where = f"{path}/{name}"
    if found is None:
        raise XmlError(where, "mangler")
    return found, where


def _idents(el: Element | None) -> dict[str, str]:
    """Identifiers by type (``TypeId/@V`` upper-cased); the first of each type."""
    out: dict[str, str] = {}
    for ident in _children(el, "Ident"):
        kind = (_attr(_child(ident, "TypeId"), "V") or "").upper()
        value = _text(_child(ident, "Id"))
        if kind and value and kind not in out:
            out[kind] = value
    return out


def _digits(value: str | None, most: int) -> str | None:
    return value if value and value.isdigit() and len(value) <= most else None


def _professional(el: Element | None) -> dict | None:
    """Name, category, HPR number and HER-id of a HealthcareProfessional (never a personal number)."""
    if el is None:
        return None
    out: dict[str, Any] = {}
    names = [_text(_child(el, n)) for n in ("GivenName", "MiddleName", "FamilyName")]
    if any(names):
        out["navn"] = " ".join(n for n in names if n)
    kind = _attr(_child(el, "TypeHealthcareProfessional"), "V")
    if kind:
        out["yrkesgruppe"] = kind
    idents = _idents(el)
    hpr = _digits(idents.get("HPR"), 9)
    if hpr:
        out["hpr"] = hpr
    her = _digits(idents.get("HER"), 12)
    if her:
        out["her_id"] = her
    return out or None


def _person(el: Element | None) -> dict | None:
    """A Person element: only the name."""
    if el is None:
        return None
    names = [_text(_child(el, n)) for n in ("GivenName", "MiddleName", "FamilyName")]
    return {"navn": " ".join(n for n in names if n)} if any(names) else None


def _party(org: Element | None, path: str, origins: dict[str, str], json_path: str) -> dict:
    """A party from an Organisation: the legal entity, the service it nests, and a professional under them."""
    party: dict[str, Any] = {}
    if org is None:
        return party
    name = _text(_child(org, "OrganisationName"))
    if name:
        party["organisasjon"] = name
        origins[f"{json_path}.organisasjon"] = f"{path}/OrganisationName"
    idents = _idents(org)
    orgnr = _digits(idents.get("ENH"), 9)
    if orgnr:
        party["orgnr"] = orgnr
        origins[f"{json_path}.orgnr"] = f"{path}/Ident/Id"
    entity_her = _digits(idents.get("HER"), 12)
    her, her_path = entity_her, f"{path}/Ident/Id"
    if entity_her:
        party["organisasjon_her_id"] = entity_her
        origins[f"{json_path}.organisasjon_her_id"] = her_path
    professional_el = _child(org, "HealthcareProfessional")
    professional_path = f"{path}/HealthcareProfessional"
    # the service: the lowest nested Organisation (a HealthcareProfessional under it belongs to it)
    service, service_path = _child(org, "Organisation"), f"{path}/Organisation"
    while service is not None and _child(service, "Organisation") is not None:
        service, service_path = _child(service, "Organisation"), f"{service_path}/Organisation"
    if service is not None:
        service_name = _text(_child(service, "OrganisationName"))
        if service_name:
            party["tjeneste"] = service_name
            origins[f"{json_path}.tjeneste"] = f"{service_path}/OrganisationName"
        service_her = _digits(_idents(service).get("HER"), 12)
        if service_her:
            party["tjeneste_her_id"] = service_her
            origins[f"{json_path}.tjeneste_her_id"] = f"{service_path}/Ident/Id"
            her, her_path = service_her, f"{service_path}/Ident/Id"
        if _child(service, "HealthcareProfessional") is not None:
            professional_el = _child(service, "HealthcareProfessional")
            professional_path = f"{service_path}/HealthcareProfessional"
    if her:
        party["her_id"] = her
        origins[f"{json_path}.her_id"] = her_path
    professional = _professional(professional_el)
    if professional:
        party["helsepersonell"] = professional
        origins[f"{json_path}.helsepersonell"] = professional_path
    return party


def _copy_recipient(other: Element, path: str, origins: dict[str, str], json_path: str) -> dict:
    """An OtherReceiver: an Organisation, or a person (Patient, Person or HealthcareProfessional)."""
    origins[json_path] = path
    org = _child(other, "Organisation")
    if org is not None:
        return _party(org, f"{path}/Organisation", origins, json_path)
    if _child(other, "Patient") is not None:
        return {"kategori": "pasient"}
    professional = _professional(_child(other, "HealthcareProfessional"))
    if professional:
        origins[f"{json_path}.helsepersonell"] = f"{path}/HealthcareProfessional"
        return {"helsepersonell": professional}
    return {}


def _iter_items(body: Element | None) -> Iterator[Element]:
    for name in ("Foresporsel", "Notat"):
        yield from _children(body, name)


def _body_author(body: Element | None) -> dict | None:
    """The author named in the Dialogmelding: RolleNotat Forfatter, else its one person not asked to answer."""
    others: list[dict] = []
    for item in _iter_items(body):
        for role in _children(item, "RollerRelatertNotat"):
            person = _professional(_child(role, "HealthcareProfessional")) or _person(_child(role, "Person"))
            if not person:
                continue
            role_code = _attr(_child(role, "RolleNotat"), "V")
            if role_code == ROLE_AUTHOR:
                return person
            if role_code is None and _attr(_child(role, "RoleToPatient"), "V") != ROLE_CONTACT_AT_RECEIVER:
                others.append(person)
    return others[0] if len(others) == 1 else None


def _author(sender: dict, body: Element | None) -> dict | None:
    head = sender.get("helsepersonell")
    # in a citizen's own message the person writing is the citizen, whose name is never read
    named = None if sender.get("kategori") == "pasient" else _body_author(body)
    if head and named:
        if named.get("hpr") and head.get("hpr") and named["hpr"] != head["hpr"]:
            return dict(head)  # two different people: the envelope's sender is the one who sent it
        return {**named, **head}
    return dict(head) if head else named


def _patient_id(msg_info: Element, path: str, origins: dict[str, str]) -> str | None:
    patient = _child(msg_info, "Patient")
    if patient is None:
        return None
    idents = _children(patient, "Ident")
    chosen = None
    for ident in idents:
        if (_attr(_child(ident, "TypeId"), "V") or "").upper() in PATIENT_ID_TYPES:
            chosen = ident
            break
    if chosen is None and len(idents) == 1:
        chosen = idents[0]
    if chosen is None:
        return None
    value = _text(_child(chosen, "Id"))
    if value:
        origins["$.melding.pasient.id"] = f"{path}/Patient/Ident/Id"
    return value


def _unwrap(root: Element) -> tuple[Element, str, str | None]:
    """The MsgHead and its path; NAV's EI_fellesformat is opened and nothing else in it is read."""
    name = _local(root.tag)
    if name == "EI_fellesformat":
        if _ns(root.tag) not in (NS_FELLESFORMAT, ""):
            raise XmlError("/EI_fellesformat", f"ukjent navnerom; forventet {NS_FELLESFORMAT}")
        heads = _children(root, "MsgHead")
        if len(heads) != 1:
            raise XmlError("/EI_fellesformat/MsgHead", "mangler" if not heads else "finnes mer enn én gang")
        return heads[0], "/EI_fellesformat/MsgHead", "EI_fellesformat"
    if name != "MsgHead":
        raise XmlError(f"/{name}", "rotelementet må være MsgHead (hodemelding) eller NAVs EI_fellesformat")
    return root, "/MsgHead", None


def _citizen_side(sender_org: Element, receiver_org: Element) -> str:
    def portal(org: Element) -> bool:
        names: list[str] = []
        node: Element | None = org
        while node is not None:
            names.append((_text(_child(node, "OrganisationName")) or "").lower())
            node = _child(node, "Organisation")
        return any(word in n for n in names for word in CITIZEN_PORTAL_NAMES)

    return "mottaker" if portal(receiver_org) and not portal(sender_org) else "avsender"


def parse(data: bytes | str, limits: XmlLimits = LIMITS) -> ParsedMessage:
    """Read a MsgHead + Dialogmelding message. Raises XmlError naming the element it cannot read."""
    head, root_path, envelope = _unwrap(_load(data, limits))
    if _ns(head.tag) not in (NS_MSGHEAD, ""):
        raise XmlError(root_path, f"ukjent navnerom; forventet {NS_MSGHEAD}")
    origins: dict[str, str] = {}
    msg_info, info_path = _require(head, "MsgInfo", root_path)

    mig = _child(msg_info, "MIGversion")
    if mig is not None and _text(mig) != MIG_VERSION:
        shown = re.sub(r"[^A-Za-z0-9 ._:-]", "?", _text(mig) or "")[:40]
        raise XmlError(f"{info_path}/MIGversion", f"hodemeldingsversjonen «{shown}» støttes ikke; Dialogvakt "
                       f"leser hodemelding 1.2 (MIGversion «{MIG_VERSION}»)")
    type_el, type_path = _require(msg_info, "Type", info_path)
    function = (_attr(type_el, "V") or "").upper()
    if not function:
        raise XmlError(f"{type_path}/@V", "mangler")
    if function in MESSAGE_TYPES:
        melding: dict[str, Any] = {"type": MESSAGE_TYPES[function]}
        citizen: dict[str, Any] | None = None
    elif function in CITIZEN_TYPES:
        kind, citizen = CITIZEN_TYPES[function]
        melding = {"type": kind, **citizen}
    else:
        raise XmlError(f"{type_path}/@V", "er ikke en dialogmelding; støttede meldingstyper er: "
                       + ", ".join([*MESSAGE_TYPES, *CITIZEN_TYPES]))
    origins["$.melding.type"] = f"{type_path}/@V"
    if citizen:
        for key in citizen:
            origins[f"$.melding.{key}"] = f"{type_path}/@V"

    for name, key in (("MsgId", "id"), ("GenDate", "sendt")):
        value = _text(_child(msg_info, name))
        if value:
            melding[key] = value
            origins[f"$.melding.{key}"] = f"{info_path}/{name}"
    ack_code = (_attr(_child(msg_info, "Ack"), "V") or "").upper()
    ack = {"J": True, "N": False}.get(ack_code)
    conv = _child(msg_info, "ConversationRef")
    conversation = _text(_child(conv, "RefToConversation"))
    if conversation:
        melding["samtale_id"] = conversation
        origins["$.melding.samtale_id"] = f"{info_path}/ConversationRef/RefToConversation"

    sender_el, sender_path = _require(msg_info, "Sender", info_path)
    sender_org = _child(sender_el, "Organisation")
    if sender_org is None:
        raise XmlError(f"{sender_path}/Organisation", "mangler")
    melding["avsender"] = _party(sender_org, f"{sender_path}/Organisation", origins, "$.melding.avsender")

    receiver_el, receiver_path = _require(msg_info, "Receiver", info_path)
    receiver_org = _child(receiver_el, "Organisation")
    if receiver_org is None:
        raise XmlError(f"{receiver_path}/Organisation", "mangler")
    mottakere = [_party(receiver_org, f"{receiver_path}/Organisation", origins, "$.melding.mottakere[0]")]
    for i, other in enumerate(_children(msg_info, "OtherReceiver"), start=1):
        mottakere.append(_copy_recipient(other, f"{info_path}/OtherReceiver[{i}]", origins,
                                         f"$.melding.mottakere[{len(mottakere)}]"))
    melding["mottakere"] = mottakere
    if citizen is not None:
        side = _citizen_side(sender_org, receiver_org)
        party = melding["avsender"] if side == "avsender" else mottakere[0]
        party["kategori"] = "pasient"
        where = f"{sender_path if side == 'avsender' else receiver_path}/Organisation"
        origins["$.melding.avsender.kategori" if side == "avsender" else "$.melding.mottakere[0].kategori"] = where

    patient_id = _patient_id(msg_info, info_path, origins)
    if patient_id is not None:
        melding["pasient"] = {"id": patient_id}

    documents = _children(head, "Document")
    if not documents:
        raise XmlError(f"{root_path}/Document", "mangler; en dialogmelding har minst ett dokument")
    content = _child(_child(documents[0], "RefDoc"), "Content")
    body = _child(content, "Dialogmelding")
    body_path = f"{root_path}/Document[1]/RefDoc/Content/Dialogmelding"
    if body is None:
        raise XmlError(body_path, "mangler; første Document må inneholde en Dialogmelding")
    version = NS_DIALOG.get(_ns(body.tag))
    if version is None:
        raise XmlError(body_path, "ukjent navnerom; støttet er Dialogmelding 1.0 ("
                       + next(k for k, v in NS_DIALOG.items() if v == "1.0") + ") og 1.1 ("
                       + next(k for k, v in NS_DIALOG.items() if v == "1.1") + ")")
    own_ids = _read_body(body, body_path, melding, origins)

    parent = _text(_child(conv, "RefToParent"))
    own_ids.add(melding.get("id"))
    if parent and parent not in own_ids:
        melding["svar_pa"] = parent
        origins["$.melding.svar_pa"] = f"{info_path}/ConversationRef/RefToParent"
    else:
        answered = _answered_question(body, body_path, own_ids)
        if answered:
            melding["svar_pa"], origins["$.melding.svar_pa"] = answered

    author = _author(melding["avsender"], body)
    if author:
        melding["forfatter"] = author

    vedlegg: list[dict[str, str]] = []
    for i, doc in enumerate(documents[1:], start=2):
        ref = _child(doc, "RefDoc")
        if (_attr(_child(ref, "MsgType"), "V") or "").upper() != "A":
            continue
        item: dict[str, str] = {}
        reference = _text(_child(ref, "FileReference"))
        title = _text(_child(ref, "Description"))
        file_name = title or (_file_name(reference) if reference else None)
        if file_name:
            item["filnavn"] = file_name
        mime = _text(_child(ref, "MimeType"))
        if mime:
            item["mimetype"] = mime.lower()
        origins[f"$.melding.vedlegg[{len(vedlegg)}]"] = f"{root_path}/Document[{i}]"
        vedlegg.append(item)
    if vedlegg:
        melding["vedlegg"] = vedlegg
    return ParsedMessage(melding, version, function, origins, ack=ack, envelope=envelope)


def _file_name(reference: str) -> str | None:
    path = re.split(r"[?#]", reference, maxsplit=1)[0].rstrip("/")
    name = path.rsplit("/", 1)[-1]
    return name or None


def _answered_question(body: Element, path: str, own_ids: set[str | None]) -> tuple[str, str] | None:
    """The DokIdForesp of the question an answer repeats (Notat/Foresporsel), unless it is this message's own."""
    for i, note in enumerate(_children(body, "Notat"), start=1):
        question = _child(note, "Foresporsel")
        ref = _text(_child(question, "DokIdForesp"))
        if ref and ref not in own_ids:
            return ref, f"{path}/Notat[{i}]/Foresporsel/DokIdForesp"
    return None


def _read_part(part: Element, part_path: str, subject_tag: str, text_tag: str, melding: dict,
               origins: dict[str, str], texts: list[str]) -> bool:
    """The subject and text of one Foresporsel or Notat; True when the text is HTML."""
    subject = _text(_child(part, subject_tag))
    if subject and "emne" not in melding:
        melding["emne"] = subject
        origins["$.melding.emne"] = f"{part_path}/{subject_tag}"
    content = _child(part, text_tag)
    if content is None:
        return False
    text, rich = _rich_text(content)
    if text:
        texts.append(text)
        origins.setdefault("$.melding.tekst", f"{part_path}/{text_tag}")
    return rich


def _read_body(body: Element, path: str, melding: dict, origins: dict[str, str]) -> set[str | None]:
    """Subject, text, urgency and avvik reason; returns the message's own document ids."""
    questions = _children(body, "Foresporsel")
    notes = _children(body, "Notat")
    texts: list[str] = []
    own: set[str | None] = set()
    html = False
    if questions:
        for i, q in enumerate(questions, start=1):
            q_path = f"{path}/Foresporsel[{i}]"
            own.add(_text(_child(q, "DokIdForesp")))
            html = _read_part(q, q_path, "EmneSporsmal", "Sporsmal", melding, origins, texts) or html
            urgency = _child(q, "Hastegrad")
            if urgency is not None and "hastegrad" not in melding:
                code = _attr(urgency, "V")
                if code not in HASTEGRAD:
                    raise XmlError(f"{q_path}/Hastegrad/@V", "ukjent kode; kodeverk 9067 har "
                                   + ", ".join(f"{k} ({v})" for k, v in HASTEGRAD.items()))
                melding["hastegrad"] = HASTEGRAD[code]
                origins["$.melding.hastegrad"] = f"{q_path}/Hastegrad/@V"
    elif notes:
        for i, note in enumerate(notes, start=1):
            n_path = f"{path}/Notat[{i}]"
            own.add(_text(_child(note, "DokIdNotat")))
            html = _read_part(note, n_path, "Tema", "TekstNotatInnhold", melding, origins, texts) or html
            if melding["type"] == "avvik" and "avvik_arsak" not in melding:
                coded = _child(note, "TemaKodet")
                oid, code = _attr(coded, "S"), _attr(coded, "V")
                if code in AVVIK_ARSAK and oid in (None, OID_AVVIK):
                    melding["avvik_arsak"] = AVVIK_ARSAK[code]
                    origins["$.melding.avvik_arsak"] = f"{n_path}/TemaKodet/@V"
    else:
        raise XmlError(path, "inneholder verken Foresporsel eller Notat")
    if texts:
        melding["tekst"] = "\n\n".join(texts)
        melding["format"] = "text/html" if html else "text/plain"
        origins["$.melding.format"] = origins["$.melding.tekst"]
    own.discard(None)
    return own


# --------------------------------------------------------------------------- context and merging

class _Conflict(Exception):
    def __init__(self, path: str):
        self.path = path


def _merge(base: Any, extra: Any, path: str) -> Any:
    """``extra`` fills in what ``base`` lacks; a different value where both have one is a conflict."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base[key], value, f"{path}.{key}") if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(extra, list) and base and all(isinstance(b, dict) for b in base):
        items = [copy.deepcopy(b) for b in base]
        for i, value in enumerate(extra):
            if i < len(items):
                items[i] = _merge(items[i], value, f"{path}[{i}]")
            else:
                items.append(copy.deepcopy(value))
        return items
    if base != extra:
        raise _Conflict(path)
    return base


def to_request(parsed: ParsedMessage, context: Mapping[str, Any] | None = None) -> dict:
    """The input-contract request: the XML's ``melding`` completed by the context.

    ``context`` is a partial request (``tidspunkt``, ``melding``, ``kontekst``).
    Raises InputError when the context contradicts the XML or is not an object.
    """
    context = dict(context or {})
    request: dict[str, Any] = {}
    for key, value in context.items():
        if key != "melding":
            request[key] = copy.deepcopy(value)
    extra = context.get("melding", {})
    if not isinstance(extra, dict):
        raise InputError("$.melding", "må være et objekt")
    try:
        melding = _merge(parsed.melding, extra, "$.melding")
    except _Conflict as exc:
        raise InputError(exc.path, "står allerede i XML-meldingen med en annen verdi; "
                         "konteksten kan bare legge til det XML-meldingen ikke har") from None
    for party in [melding.get("avsender"), *(melding.get("mottakere") or [])]:
        if isinstance(party, dict) and party.get("kategori") == "sykehus" \
                and "helseforetak" not in party and "organisasjon" in party:
            party["helseforetak"] = party["organisasjon"]
    request["melding"] = melding
    return request


def _schema_node(path: list[str | int]) -> dict | None:
    schema = input_schema()
    node: dict = schema
    for part in path:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        if isinstance(part, int):
            if node.get("type") != "array":
                return None
            node = node.get("items", {})
            continue
        props = node.get("properties")
        if not props or part not in props:
            return None
        node = props[part]
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")


def _split_path(name: str) -> list[str | int] | None:
    text = name[2:] if name.startswith("$.") else name
    parts: list[str | int] = []
    for segment in text.split("."):
        m = _SEGMENT.fullmatch(segment)
        if not m:
            return None
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return parts


def _typed(values: list[str], node: dict, json_path: str) -> Any:
    kind = node.get("type")
    if kind == "array":
        return [_typed([v], node.get("items", {}), json_path) for value in values for v in value.split(",") if v]
    if len(values) > 1:
        raise InputError(json_path, "er oppgitt flere ganger")
    value = values[0]
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in ("true", "ja", "1"):
            return True
        if lowered in ("false", "nei", "0"):
            return False
        raise InputError(json_path, "må være true eller false")
    if kind in ("integer", "number"):
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            raise InputError(json_path, "må være et tall") from None
    return value


def context_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict:
    """A partial request from dotted names (``kontekst.pasientstatus``, ``melding.mottakere[0].kategori``).

    Values are typed by the input schema (booleans, numbers, lists by repeating
    the name or separating with commas). The patient's number is refused here:
    it is read from the XML, never from a URL that ends up in logs.
    """
    grouped: dict[str, list[str]] = {}
    order: list[str] = []
    for name, value in pairs:
        if name not in grouped:
            order.append(name)
        grouped.setdefault(name, []).append(value)
    context: dict[str, Any] = {}
    for name in order:
        parts = _split_path(name)
        json_path = _json_path(parts) if parts else "$." + re.sub(r"[^A-Za-z0-9_.\[\]]", "?", name)[:80]
        if parts is None:
            raise InputError(json_path, "ukjent felt i konteksten")
        if parts[:2] == ["melding", "pasient"]:
            raise InputError(json_path, "pasientens nummer leses fra XML-meldingen og skal aldri stå i en URL")
        node = _schema_node(parts)
        if node is None or (node.get("type") == "object" and "properties" in node):
            raise InputError(json_path, "ukjent felt i konteksten (bruk feltnavnene i inndatakontrakten v1)")
        value = _typed(grouped[name], node, json_path)
        _put(context, parts, value, json_path)
    return context


def _put(target: dict, parts: list[str | int], value: Any, json_path: str) -> None:
    node: Any = target
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt = None if last else parts[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list):
                raise InputError(json_path, "er ikke en liste")
            if part > len(node):
                raise InputError(json_path, "listeindekser må fylles i rekkefølge fra 0")
            if part == len(node):
                node.append({} if not last else value)
            if last:
                node[part] = value
            node = node[part]
            continue
        if last:
            node[part] = value
            return
        node = node.setdefault(part, [] if isinstance(nxt, int) else {})


__all__ = [
    "CITIZEN_TYPES",
    "ENCODINGS",
    "LIMITS",
    "MEDIA_TYPES",
    "MESSAGE_FUNCTION_NAMES",
    "MESSAGE_TYPES",
    "NS_DIALOG",
    "NS_FELLESFORMAT",
    "NS_MSGHEAD",
    "ParsedMessage",
    "XmlError",
    "XmlLimits",
    "context_from_pairs",
    "normalise_text",
    "parse",
    "read_xml",
    "to_request",
]
