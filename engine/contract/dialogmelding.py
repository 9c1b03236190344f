"""Dialogmelding XML in: a MsgHead envelope with a Dialogmelding 1.0/1.1 body -> the input contract.

    parsed = parse(xml_bytes)                       # raises XmlError naming the element
    request = to_request(parsed, context)           # context: what the XML does not carry

What is read (paths relative to ``MsgHead``; namespaces and prefixes may vary,
elements are matched by local name):

- ``MsgInfo/Type/@V`` -> ``melding.type`` (DIALOG_FORESPORSEL, DIALOG_SVAR,
  DIALOG_AVVIK, DIALOG_NOTAT, DIALOG_HELSEFAGLIG)
- ``MsgInfo/MsgId`` -> ``melding.id``; ``GenDate`` -> ``melding.sendt``;
  ``ConversationRef/RefToParent`` -> ``melding.svar_pa``;
  ``ConversationRef/RefToConversation`` -> ``melding.samtale_id``
- ``Sender``/``Receiver``/``OtherReceiver``: level 1 ``Organisation`` (the legal
  entity) -> ``organisasjon`` and ``orgnr`` (ENH); level 2 (the service) ->
  ``tjeneste`` and ``her_id`` (the lowest HER-id given). The receiver is
  ``mottakere[0]``, copies follow it. For a party whose category is
  ``sykehus`` the legal entity is also its ``helseforetak``.
- the author (``HealthcareProfessional`` under the sender) -> ``melding.forfatter``
- ``MsgInfo/Patient/Ident/Id`` (FNR, DNR, HNR, FHN) -> ``melding.pasient.id``;
  the patient's name and other details are never read
- the first ``Document``'s ``Dialogmelding``: ``Foresporsel`` (``EmneSporsmal``,
  ``Sporsmal``, ``Hastegrad``) or ``Notat`` (``Tema``, ``TekstNotatInnhold``)
  -> ``emne``, ``tekst``, ``hastegrad``; element children in the text (XHTML)
  make ``format`` ``text/html``, otherwise ``text/plain``
- further ``Document``s with ``RefDoc/MsgType/@V = "A"`` -> ``melding.vedlegg``

What the XML does not carry (the parties' categories, the purpose, the
patient's status and history, the evaluation time) comes from the request as
a partial document in the input contract; it may add to what the XML says but
never contradict it.

Safety: DTDs are refused outright, so no external entity is ever resolved and
no entity is ever expanded (XXE, "billion laughs"). Errors name the XML path
and never repeat the content of the message.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from .errors import InputError
from .facts import json_path as _json_path
from .schemas import input_schema

NS_MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
NS_DIALOG = {
    "http://www.kith.no/xmlstds/dialog/2006-10-11": "1.0",
    "http://www.kith.no/xmlstds/dialog/2013-01-23": "1.1",
}

#: kodeverk 8279 "Meldingens funksjon" -> melding.type
MESSAGE_TYPES = {
    "DIALOG_FORESPORSEL": "foresporsel",
    "DIALOG_SVAR": "svar",
    "DIALOG_AVVIK": "avvik",
    "DIALOG_NOTAT": "notat",
    "DIALOG_HELSEFAGLIG": "helsefaglig_dialog",
}

#: kodeverk 9067 "Hastegrad" -> melding.hastegrad
HASTEGRAD = {"1": "oyeblikkelig_hjelp", "2": "pagaende_helsehjelp", "3": "innen_24_timer", "9": "ubestemt"}

#: kodeverk 8117 (reason in an avvik message) -> melding.avvik_arsak
AVVIK_ARSAK = {"1": "feilsending", "2": "annet", "9": "annet"}
OID_AVVIK = "2.16.578.1.12.4.1.1.8117"

PATIENT_ID_TYPES = ("FNR", "DNR", "HNR", "FHN")

MEDIA_TYPES = ("application/xml", "text/xml")

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"}


class XmlError(ValueError):
    """The XML cannot be read as a Dialogmelding. ``path`` names the element (``/MsgHead/MsgInfo/Type/@V``)."""

    def __init__(self, path: str, message: str, kind: str = "structure"):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.kind = kind  # syntax (not well-formed), forbidden (DTD/entities) or structure


@dataclass
class ParsedMessage:
    """What the XML says, as the ``melding`` part of the input contract."""

    melding: dict
    version: str  # "1.0" or "1.1"
    message_function: str  # MsgInfo/Type/@V
    origins: dict[str, str] = field(default_factory=dict)  # JSON path -> XML path

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
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None


def _attr(el: Element | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _rich_text(el: Element) -> tuple[str, bool]:
    """The text of an element that may hold XHTML; True when it had element children."""
    if len(el) == 0:
        return (el.text or "").strip(), False
    parts: list[str] = []

    def walk(node: Element) -> None:
        name = _local(node.tag).lower()
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if name in _BLOCK:
            parts.append("\n")

    if el.text:
        parts.append(el.text)
    for child in el:
        walk(child)
        if child.tail:
            parts.append(child.tail)
    text = "".join(parts)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text, True


# --------------------------------------------------------------------------- reading

def _load(data: bytes | str) -> Element:
    if isinstance(data, (bytes, bytearray, str)) and not data.strip():
        raise XmlError("/", "tom melding; forventet en MsgHead-melding i XML", "syntax")
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise XmlError("/", "DTD og entiteter (<!DOCTYPE>, <!ENTITY>) er ikke tillatt i en dialogmelding",
                       "forbidden") from None
    except DefusedXmlException:
        raise XmlError("/", "XML-konstruksjonen er ikke tillatt", "forbidden") from None
    except ParseError as exc:
        line, column = exc.position if exc.position else (0, 0)
        reason = str(exc).split(":", 1)[0]
        raise XmlError(f"linje {line}, kolonne {column + 1}", f"ikke velformet XML ({reason})", "syntax") from None


def _require(el: Element | None, name: str, path: str) -> tuple[Element, str]:
    found = _child(el, name)
    where = f"{path}/{name}"
    if found is None:
        raise XmlError(where, "mangler")
    return found, where


def _party(org: Element | None, path: str, origins: dict[str, str], json_path: str) -> dict:
    """Level 1 (legal entity) and level 2 (service) of an Organisation element."""
    party: dict[str, Any] = {}
    if org is None:
        return party
    name = _text(_child(org, "OrganisationName"))
    if name:
        party["organisasjon"] = name
        origins[f"{json_path}.organisasjon"] = f"{path}/OrganisationName"
    idents = _idents(org)
    if "ENH" in idents:
        party["orgnr"] = idents["ENH"]
        origins[f"{json_path}.orgnr"] = f"{path}/Ident/Id"
    her = idents.get("HER")
    her_path = f"{path}/Ident/Id"
    service = _child(org, "Organisation")
    if service is not None:
        service_path = f"{path}/Organisation"
        service_name = _text(_child(service, "OrganisationName"))
        if service_name:
            party["tjeneste"] = service_name
            origins[f"{json_path}.tjeneste"] = f"{service_path}/OrganisationName"
        service_ids = _idents(service)
        if "HER" in service_ids:
            her, her_path = service_ids["HER"], f"{service_path}/Ident/Id"
    if her:
        party["her_id"] = her
        origins[f"{json_path}.her_id"] = her_path
    return party


def _idents(el: Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for ident in _children(el, "Ident"):
        kind = (_attr(_child(ident, "TypeId"), "V") or "").upper()
        value = _text(_child(ident, "Id"))
        if kind and value and kind not in out:
            out[kind] = value
    return out


def _professional(el: Element | None) -> dict | None:
    if el is None:
        return None
    out: dict[str, Any] = {}
    names = [_text(_child(el, n)) for n in ("GivenName", "MiddleName", "FamilyName")]
    if any(names):
        out["navn"] = " ".join(n for n in names if n)
    kind = _attr(_child(el, "TypeHealthcareProfessional"), "V")
    if kind:
        out["yrkesgruppe"] = kind
    hpr = _idents(el).get("HPR")
    if hpr and hpr.isdigit():
        out["hpr"] = hpr
    return out or None


def _author(sender_org: Element | None, body: Element | None) -> dict | None:
    for org in (_child(sender_org, "Organisation"), sender_org):
        found = _professional(_child(org, "HealthcareProfessional"))
        if found:
            return found
    # Dialogmelding: RollerRelatertNotat with RolleNotat 1 (Forfatter)
    for item in _iter_items(body):
        for role in _children(item, "RollerRelatertNotat"):
            if _attr(_child(role, "RolleNotat"), "V") == "1":
                found = _professional(_child(role, "HealthcareProfessional"))
                if found:
                    return found
    return None


def _iter_items(body: Element | None) -> Iterator[Element]:
    for name in ("Foresporsel", "Notat"):
        yield from _children(body, name)


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


def parse(data: bytes | str) -> ParsedMessage:
    """Read a MsgHead + Dialogmelding message. Raises XmlError naming the element it cannot read."""
    root = _load(data)
    if _local(root.tag) != "MsgHead":
        raise XmlError(f"/{_local(root.tag)}", "rotelementet må være MsgHead (hodemelding)")
    if _ns(root.tag) not in (NS_MSGHEAD, ""):
        raise XmlError("/MsgHead", f"ukjent navnerom; forventet {NS_MSGHEAD}")
    origins: dict[str, str] = {}
    msg_info, info_path = _require(root, "MsgInfo", "/MsgHead")

    type_el, type_path = _require(msg_info, "Type", info_path)
    function = _attr(type_el, "V")
    if not function:
        raise XmlError(f"{type_path}/@V", "mangler")
    if function.upper() not in MESSAGE_TYPES:
        raise XmlError(f"{type_path}/@V", "er ikke en dialogmelding; støttede meldingstyper er: "
                       + ", ".join(MESSAGE_TYPES))
    melding: dict[str, Any] = {"type": MESSAGE_TYPES[function.upper()]}
    origins["$.melding.type"] = f"{type_path}/@V"

    for name, key in (("MsgId", "id"), ("GenDate", "sendt")):
        value = _text(_child(msg_info, name))
        if value:
            melding[key] = value
            origins[f"$.melding.{key}"] = f"{info_path}/{name}"
    conv = _child(msg_info, "ConversationRef")
    for name, key in (("RefToParent", "svar_pa"), ("RefToConversation", "samtale_id")):
        value = _text(_child(conv, name))
        if value:
            melding[key] = value
            origins[f"$.melding.{key}"] = f"{info_path}/ConversationRef/{name}"

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
        other_path = f"{info_path}/OtherReceiver[{i}]"
        mottakere.append(_party(_child(other, "Organisation"), f"{other_path}/Organisation", origins,
                                f"$.melding.mottakere[{len(mottakere)}]"))
        origins.setdefault(f"$.melding.mottakere[{len(mottakere) - 1}]", other_path)
    melding["mottakere"] = mottakere

    patient_id = _patient_id(msg_info, info_path, origins)
    if patient_id is not None:
        melding["pasient"] = {"id": patient_id}

    documents = _children(root, "Document")
    if not documents:
        raise XmlError("/MsgHead/Document", "mangler; en dialogmelding har minst ett dokument")
    content = _child(_child(documents[0], "RefDoc"), "Content")
    body = _child(content, "Dialogmelding")
    body_path = "/MsgHead/Document[1]/RefDoc/Content/Dialogmelding"
    if body is None:
        raise XmlError(body_path, "mangler; første Document må inneholde en Dialogmelding")
    version = NS_DIALOG.get(_ns(body.tag))
    if version is None:
        raise XmlError(body_path, "ukjent navnerom; støttet er Dialogmelding 1.0 ("
                       + next(k for k, v in NS_DIALOG.items() if v == "1.0") + ") og 1.1 ("
                       + next(k for k, v in NS_DIALOG.items() if v == "1.1") + ")")
    _read_body(body, body_path, melding, origins)

    author = _author(sender_org, body)
    if author:
        melding["forfatter"] = author

    vedlegg: list[dict[str, str]] = []
    for i, doc in enumerate(documents[1:], start=2):
        ref = _child(doc, "RefDoc")
        if (_attr(_child(ref, "MsgType"), "V") or "").upper() != "A":
            continue
        item: dict[str, str] = {}
        reference = _text(_child(ref, "FileReference"))
        file_name: str | None = (reference.rstrip("/").rsplit("/", 1)[-1] if reference
                                 else _text(_child(ref, "Description")))
        if file_name:
            item["filnavn"] = file_name
        mime = _text(_child(ref, "MimeType"))
        if mime:
            item["mimetype"] = mime
        origins[f"$.melding.vedlegg[{len(vedlegg)}]"] = f"/MsgHead/Document[{i}]"
        vedlegg.append(item)
    if vedlegg:
        melding["vedlegg"] = vedlegg
    return ParsedMessage(melding, version, function.upper(), origins)


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


def _read_body(body: Element, path: str, melding: dict, origins: dict[str, str]) -> None:
    questions = _children(body, "Foresporsel")
    notes = _children(body, "Notat")
    texts: list[str] = []
    html = False
    if questions:
        for i, q in enumerate(questions, start=1):
            q_path = f"{path}/Foresporsel[{i}]"
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
    "MEDIA_TYPES",
    "MESSAGE_TYPES",
    "NS_DIALOG",
    "NS_MSGHEAD",
    "ParsedMessage",
    "XmlError",
    "context_from_pairs",
    "parse",
    "to_request",
]
