"""Validation against the official XML schemas (XSD) of MsgHead 1.2, Dialogmelding 1.0/1.1 and AppRec 1.1.

    schemas = XmlSchemas("/etc/dialogvakt/xsd")   # a folder with NHN's schema files
    schemas.check_message(xml_bytes)              # raises XmlError: the schema's error, its line and element
    schemas.check_apprec(apprec_bytes)

The folder holds the files as NHN publishes them (``REQUIRED``): MsgHead-v1_2.xsd,
dialogmelding-v1.0.xsd, dialogmelding-v1.1.xsd, felleskomponent1.xsd, kith.xsd,
kith-base64.xsd, xmldsig-core-schema.xsd and, for receipts, apprec-v1.1.xsd. They
are not shipped with Dialogvakt; a site points ``--xsd DIR`` at its own copy.

``Document/RefDoc/Content`` is checked strictly (``processContents="strict"``),
so MsgHead, both Dialogmelding schemas and the base64 container are imported
into one wrapper schema and a message is checked against all of them at once.
In NAV's ``EI_fellesformat`` the MsgHead inside is checked.

Why lxml: libxml2 is a complete XSD 1.0 validator that reports the line of
each error, and it is the usual choice for these schemas (the standard's own
examples are checked with it). It only sees XML the safe reader
(``dialogmelding.read_xml``: no DTD, no entities, within limits) has already
accepted, and it is told not to load DTDs, resolve entities or use the network.
Errors are the schema's own (English, from libxml2) with the line, the element
path and a bokmål lead; values are never repeated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from .dialogmelding import LIMITS, XmlError, XmlLimits, read_xml
from .identifiers import NUMBER_SHAPE

REQUIRED = ("MsgHead-v1_2.xsd", "dialogmelding-v1.0.xsd", "dialogmelding-v1.1.xsd", "felleskomponent1.xsd",
            "kith.xsd", "kith-base64.xsd", "xmldsig-core-schema.xsd")
APPREC = "apprec-v1.1.xsd"

_MESSAGE_IMPORTS = (
    ("http://www.kith.no/xmlstds/msghead/2006-05-24", "MsgHead-v1_2.xsd"),
    ("http://www.kith.no/xmlstds/dialog/2006-10-11", "dialogmelding-v1.0.xsd"),
    ("http://www.kith.no/xmlstds/dialog/2013-01-23", "dialogmelding-v1.1.xsd"),
    ("http://www.kith.no/xmlstds/base64container", "kith-base64.xsd"),
)


class SchemaFolderError(ValueError):
    """The folder given for the schemas cannot be used (missing files, a schema that does not compile)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False)


def _compile(folder: Path, imports: Sequence[tuple[str, str]]) -> etree.XMLSchema:
    lines = ['<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:dialogvakt:wrapper">']
    lines += [f'<xs:import namespace="{ns}" schemaLocation="{(folder / name).resolve().as_uri()}"/>'
              for ns, name in imports]
    lines.append("</xs:schema>")
    wrapper = etree.fromstring("\n".join(lines).encode("utf-8"), _parser(), base_url=folder.resolve().as_uri() + "/")
    try:
        return etree.XMLSchema(wrapper)
    except etree.XMLSchemaParseError as exc:
        raise SchemaFolderError(f"{folder}: skjemaene kan ikke leses ({str(exc)[:200]})") from None


class XmlSchemas:
    """The official schemas from a folder, compiled once; safe to share between threads."""

    def __init__(self, folder: str | Path, limits: XmlLimits = LIMITS):
        self.folder = Path(folder)
        self.limits = limits
        if not self.folder.is_dir():
            raise SchemaFolderError(f"{self.folder}: finnes ikke eller er ikke en mappe")
        missing = [name for name in REQUIRED if not (self.folder / name).is_file()]
        if missing:
            raise SchemaFolderError(f"{self.folder}: mangler {', '.join(missing)} (XML-skjemaene fra NHN)")
        self._message = _compile(self.folder, _MESSAGE_IMPORTS)
        self._apprec: etree.XMLSchema | None = None

    def check_message(self, data: bytes | str) -> None:
        """Raise XmlError (kind ``schema``) when the MsgHead message does not follow the schemas."""
        read_xml(data, self.limits)  # the safe reader first: no DTD, no entities, within the limits
        root = self._lxml(data)
        head = root
        if etree.QName(root).localname == "EI_fellesformat":
            heads = [c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "MsgHead"]
            if not heads:
                raise XmlError("/EI_fellesformat/MsgHead", "mangler")
            head = heads[0]
        self._check(self._message, head, root, "MsgHead 1.2 og Dialogmelding 1.0/1.1")

    def check_apprec(self, data: bytes | str) -> None:
        """Raise XmlError (kind ``schema``) when an application receipt does not follow AppRec 1.1."""
        if self._apprec is None:
            if not (self.folder / APPREC).is_file():
                raise SchemaFolderError(f"{self.folder}: mangler {APPREC}")
            self._apprec = _compile(self.folder, (("http://www.kith.no/xmlstds/apprec/2012-02-15", APPREC),))
        read_xml(data, self.limits)
        root = self._lxml(data)
        self._check(self._apprec, root, root, "AppRec 1.1")

    def _lxml(self, data: bytes | str) -> Any:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if isinstance(data, str):
            raw = re.sub(rb"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*([\"'])[^\"']*\2", rb"\1", raw, count=1)
        try:
            return etree.fromstring(raw, _parser())
        except etree.XMLSyntaxError as exc:  # pragma: no cover - the safe reader refuses these first
            line = exc.lineno or 0
            raise XmlError(f"linje {line}", "ikke velformet XML", "syntax") from None

    def _check(self, schema: etree.XMLSchema, element: Any, root: Any, what: str) -> None:
        if schema.validate(element):
            return
        log: Any = schema.error_log  # iterable at run time; the stubs do not say so
        errors = list(log)
        first = errors[0]
        where = _element_path(root, first.path)
        more = f" (og {len(errors) - 1} feil til)" if len(errors) > 1 else ""
        raise XmlError(f"linje {first.line}" + (f", {where}" if where else ""),
                       f"følger ikke XML-skjemaet for {what}: {_clean(first.message)}{more}", "schema")


def _element_path(root: Any, xpath: str | None) -> str:
    """/MsgHead/MsgInfo/GenDate for libxml2's /*/*[1]/*[3]."""
    if not xpath:
        return ""
    try:
        found = root.getroottree().xpath(xpath)
    except etree.XPathError:
        return ""
    if not found or not hasattr(found[0], "tag"):
        return ""
    node = found[0]
    names: list[str] = []
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname == name]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        names.append(name)
        node = parent
    return "/" + "/".join(reversed(names))


def _clean(message: str) -> str:
    """The schema's message without namespace URIs and without the offending value."""
    text = re.sub(r"\{[^}]*\}", "", message.strip())
    text = re.sub(r"'[^']*' is not (a )?valid", "the value is not valid", text)
    text = re.sub(r"\[facet '[^']*'\] The value '[^']*'", "[facet] The value", text)
    text = NUMBER_SHAPE.sub("***********", text)
    return text


__all__ = ["APPREC", "REQUIRED", "SchemaFolderError", "XmlSchemas"]
