"""The header of a CDA R2 document, read as a stream: what the import checks against the metadata.

A CDA document is ``ClinicalDocument`` in the HL7 v3 namespace, either as the root (level 1 with
a ``nonXMLBody``, or level 3 with a ``structuredBody``) or inside an XSLT stylesheet: the ANS
"auto-presentable" CDA carries its own stylesheet, with the document embedded in it
(``<?xml-stylesheet href="#"?>``). The reading stops at the body, so a 500 MB level-1 CDA costs
its header only; DTDs and entities are refused (``defusedxml``), whatever the document says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

V3 = "urn:hl7-org:v3"
XSLT = "http://www.w3.org/1999/XSL/Transform"
_CDA = f"{{{V3}}}ClinicalDocument"
# the media types a level-1 body may have (ANS TRE_R222-MediaTypeCorpsCDANonStructure)
NON_XML_BODY_TYPES = frozenset(
    {"application/pdf", "text/plain", "text/rtf", "image/jpeg", "image/tiff"}
)


class NotCda(Exception):
    """The content is not a CDA R2 document (or not well-formed XML)."""


@dataclass
class CdaHeader:
    auto_presentable: bool = False
    patient_ids: list[tuple[str, str]] = field(default_factory=list)  # (root OID, extension)
    type_code: tuple[str, str] | None = None  # (code, codeSystem)
    confidentiality: tuple[str, str] | None = None
    body: str | None = None  # "structured", or the nonXMLBody's media type
    device: str | None = None  # the first author's software name, for a device


def _v3(tag: str) -> str:
    return f"{{{V3}}}{tag}"


def _coded(element: Element | None) -> tuple[str, str] | None:
    if element is None or not element.get("code"):
        return None
    return element.get("code", ""), element.get("codeSystem", "")


def _header_child(header: CdaHeader, child: Element) -> None:
    if child.tag == _v3("recordTarget"):
        for ident in child.iterfind(f"{_v3('patientRole')}/{_v3('id')}"):
            header.patient_ids.append((ident.get("root", ""), ident.get("extension", "")))
    elif child.tag == _v3("code"):
        header.type_code = _coded(child)
    elif child.tag == _v3("confidentialityCode"):
        header.confidentiality = _coded(child)
    elif child.tag == _v3("author") and header.device is None:
        software = child.find(f".//{_v3('assignedAuthoringDevice')}/{_v3('softwareName')}")
        if software is not None and (software.text or "").strip():
            header.device = (software.text or "").strip()


def read_header(stream: IO[bytes]) -> CdaHeader:
    """The header of the CDA in ``stream``; ``NotCda`` when it holds no CDA document."""
    header = CdaHeader()
    depth, cda_depth, in_body = 0, -1, False
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1 and element.tag not in (_CDA, f"{{{XSLT}}}stylesheet"):
                    raise NotCda(f"the root element is {element.tag}, not a ClinicalDocument")
                if cda_depth < 0 and element.tag == _CDA:
                    cda_depth, header.auto_presentable = depth, depth > 1
                elif cda_depth > 0 and depth == cda_depth + 1:
                    in_body = element.tag == _v3("component")
                elif in_body and depth == cda_depth + 2 and element.tag == _v3("structuredBody"):
                    header.body = "structured"
                    return header
                elif in_body and depth == cda_depth + 3 and element.tag == _v3("text"):
                    header.body = element.get("mediaType", "text/plain")  # the CDA default
                    return header
                continue
            depth -= 1
            if cda_depth > 0 and depth == cda_depth:  # a direct child of ClinicalDocument
                _header_child(header, element)
                element.clear()
            elif cda_depth > 0 and depth + 1 == cda_depth:
                return header  # the end of ClinicalDocument: a CDA without a body
    except (ParseError, DefusedXmlException) as error:
        raise NotCda(f"it is not well-formed XML ({error})") from None
    if cda_depth < 0:
        raise NotCda("it holds no ClinicalDocument in the HL7 v3 namespace")
    return header
