"""IHE XDM archives of real ANS CDA documents, whose METADATA.XML the ANS stylesheet writes.

Each document of ``tests/fixtures/ans_cda`` gets the demo patient's INS in its header (the only
change to it), then ``CDAHeaderToXDM.xsl`` (the ANS mapping, run by Saxon) turns its header into
XDS metadata. The stylesheet reads unprefixed element names, so it is given the header with the
HL7 namespace removed (and, for an auto-presentable CDA, the ClinicalDocument out of its XSLT
wrapper): that input normalisation changes no value. Its output is a template; this module fills
only what it leaves empty or gets wrong, each fix listed in ``_fix`` — and nothing here is
imported from the importer, so the archive does not share its assumptions: the scheme UUIDs are
written from ITI TF-3 Table 4.2.5-1/-2, and the classCode (which the stylesheet does not produce)
from the ANS type-class association ASS_X04, by hand below.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ans_cda"
STYLESHEET = FIXTURES / "CDAHeaderToXDM.xsl"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
# ITI TF-3 §4.2.5, Tables 4.2.5-1 and 4.2.5-2
FORMAT_CODE = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
CLASS_CODE = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SS_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SS_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SS_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SS_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SS_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
INS_OIDS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10")
CAMILLE_INS, INS_NIR = "285034410912329", "1.2.250.1.213.1.4.8"

# file -> classCode, from the ANS ASS_X04 type-class association (TRE_A03)
CLASSES = {
    "ANEST-CR-CPA_2022.01.xml": "10",
    "AVC-PAVC_2022.01.xml": "10",
    "BIO-CR-BIO_2021.01_Auto-Presentable.xml": "10",
    "BIO-CR-BIO_2024.01_TSH_2.xml": "10",
    "CANCER-PPS_2022.01_Autopresentable.xml": "44",
    "CARD-F-PRC-AVK_2022.01.xml": "11",
    "CNAM-HR_2021.01_sans-info.xml": "60",
    "CSE-CS9_2025.01.xml": "52",
    "DOC_NON_STRUCTURE_CDA-R2-N1.xml": "10",
    "IMG-DA-IMG_2024.01_Mammo-Echo-Seins.xml": "42",
    "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml": "31",
    "OBP-SNE_2024.01.xml": "11",
    "TLM-DA_2022.01_TCG.xml": "10",
    "eP-MED-DM_2024.01_PosoNonStruct.xml": "42",
}
ALL = tuple(CLASSES)

_STRIP = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/">
    <xsl:apply-templates select="(//*[local-name()='ClinicalDocument'])[1]"/>
  </xsl:template>
  <xsl:template match="*">
    <xsl:element name="{local-name()}"><xsl:apply-templates select="@*|node()"/></xsl:element>
  </xsl:template>
  <xsl:template match="@*"><xsl:attribute name="{local-name()}" select="."/></xsl:template>
  <xsl:template match="comment()|processing-instruction()"/>
</xsl:stylesheet>"""
_RECORD_TARGET = re.compile(rb"<(?:\w+:)?recordTarget\b.*?</(?:\w+:)?recordTarget>", re.DOTALL)
_ID = re.compile(rb"<(?:\w+:)?id\b[^>]*>")


def rewrite_patient(content: bytes, ins: str = CAMILLE_INS, oid: str = INS_NIR) -> bytes:
    """The document with its patient's INS (``recordTarget/patientRole/id``) replaced."""

    def one_id(match: re.Match[bytes]) -> bytes:
        tag = match.group(0)
        root = re.search(rb'root="([^"]*)"', tag)
        if root is None or root.group(1).decode() not in INS_OIDS:
            return tag
        tag = re.sub(rb'root="[^"]*"', f'root="{oid}"'.encode(), tag)
        return re.sub(rb'extension="[^"]*"', f'extension="{ins}"'.encode(), tag)

    return _RECORD_TARGET.sub(lambda m: _ID.sub(one_id, m.group(0)), content, count=1)


@cache
def _saxon() -> tuple[Any, Any, Any]:
    from saxonche import PySaxonProcessor  # noqa: PLC0415 - a dev dependency, for tests only

    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    strip = xslt.compile_stylesheet(stylesheet_text=_STRIP)
    ans = xslt.compile_stylesheet(stylesheet_file=str(STYLESHEET))
    return processor, strip, ans


def stylesheet_output(content: bytes, file_name: str) -> ET.Element:
    """What CDAHeaderToXDM.xsl makes of the document's header (its raw output, parsed)."""
    _, strip, ans = _saxon()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"source-{file_name}"
        source.write_bytes(content)
        header = Path(folder) / file_name  # the stylesheet names the URI after its input
        header.write_text(strip.transform_to_string(source_file=str(source)), encoding="utf-8")
        output = ans.transform_to_string(source_file=str(header))
    return ET.fromstring(output)  # noqa: S314 - the stylesheet's own output, in a test


def _q(tag: str) -> str:
    return f"{{{RIM}}}{tag}"


def _to_rim(element: ET.Element) -> None:
    """The stylesheet writes its elements in no namespace, one as ``classification``."""
    for node in element.iter():
        if not node.tag.startswith("{"):
            node.tag = _q("Classification" if node.tag == "classification" else node.tag)


def _set_slot(element: ET.Element, name: str, value: str) -> None:
    for slot in element.findall(_q("Slot")):
        if slot.get("name") == name:
            slot.find(f"{_q('ValueList')}/{_q('Value')}").text = value  # type: ignore[union-attr]
            return
    slot = ET.SubElement(element, _q("Slot"), name=name)
    ET.SubElement(ET.SubElement(slot, _q("ValueList")), _q("Value")).text = value


def _fix(entry: ET.Element, name: str, content: bytes, patient: str, index: int) -> None:
    """Fill the placeholders of one ExtrinsicObject and fix what is not ebRIM."""
    entry_id = f"urn:uuid:{uuid.UUID(int=index + 1)}"
    entry.set("id", entry_id)  # the stylesheet gives every document the same fixed id
    _set_slot(entry, "hash", hashlib.sha1(content, usedforsecurity=False).hexdigest())
    _set_slot(entry, "size", str(len(content)))
    _set_slot(entry, "URI", name)
    for slot in entry.findall(_q("Slot")):  # one value per CDA element: the first of several
        value = slot.find(f"{_q('ValueList')}/{_q('Value')}")
        if slot.get("name", "").endswith("Time") and value is not None and value.text:
            value.text = value.text.split()[0]
    for classification in entry.findall(_q("Classification")):
        classification.set("classifiedObject", entry_id)
        if classification.get("id") == "formatCode":
            classification.set("classificationScheme", FORMAT_CODE)  # left "" by the stylesheet
    cls = ET.SubElement(
        entry, _q("Classification"), id=f"cls{index}", classificationScheme=CLASS_CODE,
        classifiedObject=entry_id, nodeRepresentation=CLASSES[name],
    )  # fmt: skip
    _set_slot(cls, "codingScheme", "1.2.250.1.213.1.1.4.1")
    for identifier in entry.findall(_q("ExternalIdentifier")):
        identifier.set("registryObject", entry_id)
        if identifier.get("id") == "uniqueId":  # scheme left as "urn:uuid:"
            identifier.set("identificationScheme", UNIQUE_ID)
        elif identifier.get("id") == "PatientId":  # given the uniqueId scheme, and a broken CX
            identifier.set("identificationScheme", PATIENT_ID)
            identifier.set("value", patient)


def _package(package: ET.Element, patient: str, now: datetime) -> None:
    _set_slot(package, "submissionTime", now.strftime("%Y%m%d%H%M%S"))
    for classification in package.findall(_q("Classification")):
        if classification.get("id") == "author":
            classification.set("classificationScheme", SS_AUTHOR)
            classification.set("classifiedObject", "SubmissionSet01")
    for identifier in package.findall(_q("ExternalIdentifier")):
        identifier.set("registryObject", "SubmissionSet01")
        scheme = {"PatientId": SS_PATIENT_ID, "uniqueId": SS_UNIQUE_ID}.get(
            identifier.get("id", ""), SS_SOURCE_ID
        )
        identifier.set("identificationScheme", scheme)
        value = {"PatientId": patient, "uniqueId": "1.2.250.1.999.77.1"}.get(
            identifier.get("id", ""), "1.2.250.1.999.77"
        )
        identifier.set("value", value)


Tweak = Callable[[str, ET.Element], None]


def build(
    names: tuple[str, ...] = ALL,
    *,
    ins: str = CAMILLE_INS,
    others: frozenset[str] = frozenset(),
    tweak: Tweak | None = None,
    extra_members: dict[str, bytes] | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """The archive (bytes) and each document as it is in it. ``others``: documents whose CDA
    keeps its own (another) patient; ``tweak`` changes an entry after the fixes."""
    patient = f"{ins}^^^&{INS_NIR}&ISO"
    now = datetime.now(UTC)
    contents: dict[str, bytes] = {}
    request: ET.Element | None = None
    for index, name in enumerate(names):
        original = (FIXTURES / name).read_bytes()
        content = original if name in others else rewrite_patient(original, ins)
        contents[name] = content
        output = stylesheet_output(content, name)
        _to_rim(output)
        objects = output.find(_q("RegistryObjectList"))
        assert objects is not None
        entry = objects.find(_q("ExtrinsicObject"))
        assert entry is not None
        _fix(entry, name, content, patient, index)
        if tweak is not None:
            tweak(name, entry)
        if request is None:
            request = output
            package = objects.find(_q("RegistryPackage"))
            assert package is not None
            _package(package, patient, now)
        else:
            target = request.find(_q("RegistryObjectList"))
            assert target is not None
            target.append(entry)
        association = ET.SubElement(
            request.find(_q("RegistryObjectList")), _q("Association"),  # type: ignore[arg-type]
            id=f"as{index}", associationType=HAS_MEMBER, sourceObject="SubmissionSet01",
            targetObject=entry.get("id", ""),
        )  # fmt: skip
        _set_slot(association, "SubmissionSetStatus", "Original")
    assert request is not None
    metadata = ET.tostring(request, encoding="utf-8", xml_declaration=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("INDEX.HTM", "<html><body>Export DMP</body></html>")
        archive.writestr("README.TXT", "Export DMP (IHE XDM)\r\n")
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        for name, content in contents.items():
            archive.writestr(f"IHE_XDM/SUBSET01/{name}", content)
        for name, content in (extra_members or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue(), contents
