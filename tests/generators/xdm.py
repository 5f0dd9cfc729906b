"""IHE XDM archives for tests: legacy DMP exports, valid by default, broken on purpose on demand.

The metadata is written with the real ebRIM 3.0 structure (a submission set, its classification
and patient, one ExtrinsicObject per document with its slots, classifications and external
identifiers, HasMember associations), so the parser is tested against what a DMP export holds.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from xml.etree import ElementTree as ET

from resolvers.documents.xdm.identifiers import (
    AUTHOR,
    CLASS_CODE,
    CONFIDENTIALITY_CODE,
    FORMAT_CODE,
    LCM,
    OID_IDNPS,
    PATIENT_ID,
    RIM,
    STABLE_DOCUMENT,
    SUBMISSION_PATIENT_ID,
    SUBSET_FOLDER,
    TYPE_CODE,
    UNIQUE_ID,
)

CREATED_AT = datetime(2019, 3, 14, 9, 30, 5, tzinfo=UTC)
SUBMITTED_AT = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
SUBMISSION_SET = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage"
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
SUBMISSION_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SUBMISSION_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
CONTENT_TYPE_CODE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
CLASSIFICATION = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"
EXTERNAL_IDENTIFIER = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier"
EXTENSIONS = {"application/pdf": "PDF", "text/xml": "XML", "text/plain": "TXT", "image/jpeg": "JPG"}
OID_SPECIALTIES = "1.2.250.1.213.1.1.4.5"
OID_CONFIDENTIALITY = "2.16.840.1.113883.5.25"
OID_VISIBILITY = "1.2.250.1.213.1.1.4.13"  # MASQUE_PS, INVISIBLE_* (JDV_J08)
OID_FORMATS = "1.3.6.1.4.1.19376.1.2.3"

ET.register_namespace("lcm", LCM)
ET.register_namespace("rim", RIM)


@dataclass
class XdmEntry:
    """One document to put in the archive; sensible defaults for everything."""

    content: bytes
    unique_id: str
    title: str = "Compte rendu de consultation"
    type_code: str = "11488-4"
    type_label: str = "Compte rendu de consultation"
    class_code: str = "10"
    class_label: str = "Compte rendu"
    mime_type: str = "application/pdf"
    format_code: str | None = "urn:ihe:iti:xds-sd:pdf:2008"
    confidentiality: tuple[str, ...] = ("N",)
    created_at: datetime = CREATED_AT
    service_start: datetime | None = None
    service_stop: datetime | None = None
    author_rpps: str | None = "10001234565"
    author_name: str = "LEFEVRE Jean"
    profession_code: str | None = "10"
    author_xcn: str | None = None  # a raw authorPerson (replaces the RPPS/name one)
    author_xon: str | None = None  # a raw authorInstitution
    type_scheme: str = "2.16.840.1.113883.6.1"  # LOINC
    class_scheme: str = "1.2.250.1.213.1.1.4.1"  # TRE_A03
    file_name: str | None = None  # default DOC0001.PDF, DOC0002.XML… by position and type
    patient_ins: str | None = None  # default: the archive's patient
    # Overrides to break things on purpose.
    declared_size: int | None = None
    declared_sha1: str | None = None
    omit_file: bool = False
    omit_fields: tuple[str, ...] = ()  # uniqueId, patientId, typeCode, classCode, or a slot name
    slot_overrides: dict[str, str] = field(default_factory=dict)  # raw slot values, e.g. URI


def build_archive(
    entries: list[XdmEntry],
    *,
    patient_ins: str = "285034410912329",
    patient_oid: str = "1.2.250.1.213.1.4.8",
    metadata_override: bytes | None = None,
) -> bytes:
    """A ZIP (bytes) in the XDM layout, with METADATA.XML generated with the real ebRIM structure,
    plus INDEX.HTM and README.TXT at the root as XDM requires."""
    names = [entry.file_name or _default_name(index, entry) for index, entry in enumerate(entries)]
    metadata = (
        _metadata(entries, names, patient_ins, patient_oid)
        if metadata_override is None
        else metadata_override
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("INDEX.HTM", _index(entries, names))
        archive.writestr("README.TXT", "Export du Dossier Médical Partagé (IHE XDM).\r\n")
        archive.writestr(f"{SUBSET_FOLDER}METADATA.XML", metadata)
        for entry, name in zip(entries, names, strict=True):
            if not entry.omit_file:
                archive.writestr(f"{SUBSET_FOLDER}{name}", entry.content)
    return buffer.getvalue()


def dtm(moment: datetime) -> str:
    """An XDS date-time: YYYYMMDDHHMMSS in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _default_name(index: int, entry: XdmEntry) -> str:
    return f"DOC{index + 1:04d}.{EXTENSIONS.get(entry.mime_type, 'BIN')}"


def _index(entries: list[XdmEntry], names: list[str]) -> str:
    links = "".join(
        f'<li><a href="IHE_XDM/SUBSET01/{escape(name)}">{escape(entry.title)}</a></li>'
        for entry, name in zip(entries, names, strict=True)
    )
    return f"<html><body><h1>Export DMP</h1><ul>{links}</ul></body></html>"


def _rim(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{RIM}}}{tag}", attributes)


def _slot(parent: ET.Element, name: str, *values: str) -> None:
    value_list = _rim(_rim(parent, "Slot", name=name), "ValueList")
    for value in values:
        _rim(value_list, "Value").text = value


def _name(parent: ET.Element, value: str) -> None:
    _rim(_rim(parent, "Name"), "LocalizedString", value=value)


def _classification(
    parent: ET.Element, scheme: str, code: str, *, label: str = "", coding_scheme: str = ""
) -> ET.Element:
    classification = _rim(
        parent,
        "Classification",
        id=f"urn:uuid:{uuid.uuid4()}",
        objectType=CLASSIFICATION,
        classificationScheme=scheme,
        classifiedObject=parent.get("id", ""),
        nodeRepresentation=code,
    )
    if coding_scheme:
        _slot(classification, "codingScheme", coding_scheme)
    if label:
        _name(classification, label)
    return classification


def _identifier(parent: ET.Element, scheme: str, value: str, name: str) -> None:
    identifier = _rim(
        parent,
        "ExternalIdentifier",
        id=f"urn:uuid:{uuid.uuid4()}",
        objectType=EXTERNAL_IDENTIFIER,
        identificationScheme=scheme,
        registryObject=parent.get("id", ""),
        value=value,
    )
    _name(identifier, name)


def _metadata(entries: list[XdmEntry], names: list[str], ins: str, oid: str) -> bytes:
    request = ET.Element(f"{{{LCM}}}SubmitObjectsRequest")
    objects = _rim(request, "RegistryObjectList")
    package = _rim(objects, "RegistryPackage", id="SubmissionSet01", objectType=SUBMISSION_SET)
    _slot(package, "submissionTime", dtm(SUBMITTED_AT))
    _name(package, "Export du DMP")
    _classification(
        package, CONTENT_TYPE_CODE, "04", label="Hospitalisation", coding_scheme="1.2.3.4"
    )
    _identifier(package, SUBMISSION_UNIQUE_ID, "1.2.250.1.213.4.1.1.9.1", "uniqueId")
    _identifier(package, SUBMISSION_SOURCE_ID, "1.2.250.1.213.4.1", "sourceId")
    _identifier(package, SUBMISSION_PATIENT_ID, f"{ins}^^^&{oid}&ISO", "patientId")
    _rim(
        objects,
        "Classification",
        id=f"urn:uuid:{uuid.uuid4()}",
        classifiedObject="SubmissionSet01",
        classificationNode=SUBMISSION_SET_NODE,
    )
    for index, (entry, name) in enumerate(zip(entries, names, strict=True), start=1):
        _document(
            objects,
            entry,
            local_id=f"Document{index:02d}",
            name=name,
            ins=entry.patient_ins or ins,
            oid=oid,
        )
        association = _rim(
            objects,
            "Association",
            id=f"urn:uuid:{uuid.uuid4()}",
            associationType=HAS_MEMBER,
            sourceObject="SubmissionSet01",
            targetObject=f"Document{index:02d}",
        )
        _slot(association, "SubmissionSetStatus", "Original")
    buffer = io.BytesIO()
    ET.ElementTree(request).write(buffer, encoding="UTF-8", xml_declaration=True)
    return buffer.getvalue()


def _document(
    objects: ET.Element, entry: XdmEntry, *, local_id: str, name: str, ins: str, oid: str
) -> None:
    element = _rim(
        objects,
        "ExtrinsicObject",
        id=local_id,
        mimeType=entry.mime_type,
        objectType=STABLE_DOCUMENT,
        status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved",
    )
    patient = f"{ins}^^^&{oid}&ISO"
    slots = {
        "creationTime": dtm(entry.created_at),
        "hash": entry.declared_sha1
        or hashlib.sha1(entry.content, usedforsecurity=False).hexdigest(),
        "languageCode": "fr-FR",
        "serviceStartTime": dtm(entry.service_start) if entry.service_start else None,
        "serviceStopTime": dtm(entry.service_stop) if entry.service_stop else None,
        "size": str(len(entry.content) if entry.declared_size is None else entry.declared_size),
        "sourcePatientId": patient,
        "URI": name,
    } | entry.slot_overrides
    for slot, value in slots.items():
        if value is not None and slot not in entry.omit_fields:
            _slot(element, slot, value)
    _name(element, entry.title)
    if entry.author_rpps is not None or entry.author_name or entry.author_xon:
        author = _classification(element, AUTHOR, "")
        family, _, given = entry.author_name.partition(" ")
        rpps = f"8{entry.author_rpps}" if entry.author_rpps else ""
        xcn = entry.author_xcn or f"{rpps}^{family}^{given}^^^^^^&{OID_IDNPS}&ISO^D^^^IDNPS"
        if entry.author_rpps is not None or entry.author_name or entry.author_xcn:
            _slot(author, "authorPerson", xcn)
        if entry.author_xon:
            _slot(author, "authorInstitution", entry.author_xon)
        if entry.profession_code == "10":
            _slot(author, "authorSpecialty", f"G15_10/SM54^Médecine générale^{OID_SPECIALTIES}")
        elif entry.profession_code is not None:
            _slot(author, "authorSpecialty", f"G15_{entry.profession_code}^^{OID_SPECIALTIES}")
    codes = [
        ("classCode", CLASS_CODE, entry.class_code, entry.class_label, entry.class_scheme),
        *(
            (
                "confidentialityCode",
                CONFIDENTIALITY_CODE,
                code,
                code,
                OID_CONFIDENTIALITY if code in ("N", "R", "V") else OID_VISIBILITY,
            )
            for code in entry.confidentiality
        ),
        ("typeCode", TYPE_CODE, entry.type_code, entry.type_label, entry.type_scheme),
    ]
    if entry.format_code is not None:
        codes.append(("formatCode", FORMAT_CODE, entry.format_code, "PDF/A-1", OID_FORMATS))
    for field_name, scheme, code, label, coding_scheme in codes:
        if field_name not in entry.omit_fields:
            _classification(element, scheme, code, label=label, coding_scheme=coding_scheme)
    if "patientId" not in entry.omit_fields:
        _identifier(element, PATIENT_ID, patient, "XDSDocumentEntry.patientId")
    if "uniqueId" not in entry.omit_fields:
        _identifier(element, UNIQUE_ID, entry.unique_id, "XDSDocumentEntry.uniqueId")
