"""The METADATA.XML of a space's export: an ebRIM 3.0 ``SubmitObjectsRequest`` (IHE ITI TF-3 §4),
written from the documents' records as the XDM profile asks (ITI TF-3 §4.3.1, the "XDM Portable
Media Creator" column): one submission set, one stable DocumentEntry per document with its slots,
classifications and external identifiers, and a HasMember association from the set to each.

Written from the specification, not from our importer: every XDS identifier below carries its
source. The French values (code systems, the INS and RPPS authorities, authorSpecialty) follow
the ANS mapping of a CDA header to XDM metadata (``CDAHeaderToXDM.xsl``) and the ANS CDA samples.
The document is produced one entry at a time, so it never sits whole in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from resolvers.core.terminology import CodeList, terminology
from resolvers.documents.xdm.identifiers import (
    AUTHOR,
    CLASS_CODE,
    CONFIDENTIALITY_CODE,
    FORMAT_CODE,
    HAS_MEMBER,
    LCM,
    OID_IDNPS,
    PATIENT_ID,
    RIM,
    STABLE_DOCUMENT,
    SUBMISSION_AUTHOR,
    SUBMISSION_PATIENT_ID,
    SUBMISSION_SET,
    SUBMISSION_SOURCE_ID,
    SUBMISSION_UNIQUE_ID,
    TYPE_CODE,
    UNIQUE_ID,
)
from storage.documents import AuthorDoc, CodedDoc, DocumentDoc
from storage.patients import PatientDoc

# The XDS identifiers come from the one table the importer reads too
# (resolvers/documents/xdm/identifiers.py, each with its source); below, only what the writer adds.
# TF-3: IHE ITI Technical Framework vol. 3 (§4.2.5: the metadata UUIDs of the DocumentEntry,
# "entry", and of the SubmissionSet, "set"); ANS xsl: CDAHeaderToXDM.xsl (../shared/samples)
APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"  # source: ITI TF-3 §4.2.3.2
CLASSIFICATION = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"
EXTERNAL_ID = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier"
# Code systems (codingScheme slot) and identifier authorities
OID_SPECIALTY = "1.2.250.1.213.1.1.4.5"  # source: ANS CDA samples, assignedAuthor/code@codeSystem
OID_HL7_CONFIDENTIALITY = "2.16.840.1.113883.5.25"  # source: ANS CDA samples, confidentialityCode
OID_VISIBILITY = "1.2.250.1.213.1.1.4.13"  # source: ANS NOS TRE_A07-StatutVisibiliteDocument
OID_FORMAT_CODES = "1.3.6.1.4.1.19376.1.2.3"  # source: IHE format codes; ANS xsl (formatCode)
# formatCode by content, from the DMP's list (ANS JDV_J10-XdsFormatCode-CISIS, coding scheme
# 1.3.6.1.4.1.19376.1.2.3): the DMP accepts no other; PNG has none there, and a CDA's depends on
# its template (both left out: formatCode is "required if known" for XDM, ITI TF-3 Table 4.3.1-3)
FORMAT_CODES = {
    "application/pdf": "urn:ihe:iti:xds-sd:pdf:2008",  # source: ANS JDV_J10; IHE XDS-SD
    "text/plain": "urn:ihe:iti:xds-sd:text:2008",  # source: ANS JDV_J10; IHE XDS-SD
    "image/jpeg": "urn:ihe:iti-fr:xds-sd:jpeg:2010",  # source: ANS JDV_J10
}
SYSTEM_OIDS = {  # NOS canonical URI of our code lists -> the OID XDS metadata names them by
    # source: ANS FHIR profiles ("TRE_A03-ClasseDocument-CISIS, OID : 1.2.250.1.213.1.1.4.1")
    "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument": (
        "1.2.250.1.213.1.1.4.1"
    ),
    # source: same profiles ("TRE_A10-NomenclatureURN, OID : URN")
    "https://mos.esante.gouv.fr/NOS/TRE_A10-NomenclatureURN/FHIR/TRE-A10-NomenclatureURN": "URN",
}
# Identifiers this service mints: UUID-based OIDs (ITU-T X.667, arc 2.25), no registration needed
_NAMESPACE = uuid.UUID("5b0e6c86-3f0c-4c3e-9d8a-1f1d7e0a2f41")  # this service's export namespace
SOURCE_ID = f"2.25.{uuid.uuid5(_NAMESPACE, 'source').int}"  # XDSSubmissionSet.sourceId

register_namespace("rim", RIM)
register_namespace("lcm", LCM)


@dataclass(frozen=True, slots=True)
class PersonName:
    family: str
    given: str = ""


@dataclass(frozen=True, slots=True)
class EntryFile:
    """A document as written in the archive: its record, its file and what was measured."""

    record: DocumentDoc
    uri: str  # relative to the SUBSET01 folder
    sha1: str
    size: int
    unique_id: str  # see ``document_unique_id``


@dataclass(frozen=True, slots=True)
class Submission:
    patient: PatientDoc
    exported_by: PersonName
    submitted_at: datetime
    unique_id: str  # a new OID for each export
    entry_uuid: str


def dtm(value: datetime) -> str:
    """An XDS date-time: UTC, YYYYMMDDhhmmss (ITI TF-3 §4.2.3.1.5)."""
    return value.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def patient_cx(patient: PatientDoc) -> str:
    """The INS as an HL7 CX: components 1 and 4 only (ITI TF-3 §4.2.3.2.18)."""
    return f"{patient['ins']['matricule']}^^^&{patient['ins']['oid']}&ISO"


def uid_oid(name: str) -> str:
    """A stable OID (2.25 arc, 44 characters at most: XDS allows 64) for ``name``."""
    return f"2.25.{uuid.uuid5(_NAMESPACE, name).int}"


def document_unique_id(record: DocumentDoc, cda_id: str | None = None) -> str:
    """An imported document keeps its original uniqueId, so that importing the export again
    (anywhere) finds it; a CDA is named by its own id, as the DMP does (``cda_id``); the others
    get one derived from their record, the same at each export."""
    legacy = record.get("legacy_key")
    if legacy:
        return legacy.split(":", 1)[1]
    return cda_id or own_unique_id(record)


def own_unique_id(record: DocumentDoc) -> str:
    return uid_oid(f"document:{record['_id']}")


def entry_uuid(record: DocumentDoc) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'entry:' + record['_id'])}"


def author_xcn(author: AuthorDoc, name: PersonName) -> str:
    """authorPerson as the ANS writes it: the IdNPS ("8" + RPPS) with its authority, or the name
    alone for an author without one (the patient, an app, an imported author)."""
    names = f"{_hl7(name.family)}^{_hl7(name.given)}"
    if author["rpps"]:
        return f"8{author['rpps']}^{names}^^^^^^&{OID_IDNPS}&ISO^D^^^IDNPS"
    return f"^{names}"


def _hl7(text: str) -> str:
    """HL7 v2 separators cannot appear inside a component."""
    return "".join(" " if c in "^&~|\\" else c for c in text).strip()


def _q(tag: str) -> str:
    return f"{{{RIM}}}{tag}"


def _slot(parent: Element, name: str, *values: str) -> None:
    slot = SubElement(parent, _q("Slot"), name=name)
    value_list = SubElement(slot, _q("ValueList"))
    for value in values:
        SubElement(value_list, _q("Value")).text = value


def _name(parent: Element, text: str) -> None:
    name = SubElement(parent, _q("Name"))
    SubElement(name, _q("LocalizedString"), value=text, charset="UTF-8")
    name[0].set("{http://www.w3.org/XML/1998/namespace}lang", "fr-FR")


class _Ids:
    """Local ids of the classifications and identifiers of one entry."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.n = prefix, 0

    def next(self) -> str:
        self.n += 1
        return f"{self.prefix}-{self.n}"


def _classify(  # noqa: PLR0917 - the classification's own facts
    parent: Element, ids: _Ids, scheme: str, code: str, label: str, coding_scheme: str
) -> None:
    element = SubElement(
        parent,
        _q("Classification"),
        id=ids.next(),
        objectType=CLASSIFICATION,
        classificationScheme=scheme,
        classifiedObject=parent.get("id", ""),
        nodeRepresentation=code,
    )
    _slot(element, "codingScheme", coding_scheme)
    _name(element, label)


def _identify(parent: Element, ids: _Ids, scheme: str, value: str, label: str) -> None:
    element = SubElement(
        parent,
        _q("ExternalIdentifier"),
        id=ids.next(),
        objectType=EXTERNAL_ID,
        registryObject=parent.get("id", ""),
        identificationScheme=scheme,
        value=value,
    )
    _name(element, label)


def type_scheme(code: CodedDoc) -> str:
    """The typeCode's code system OID, as the ANS list JDV_J07 (SVS) gives it."""
    concept = terminology(CodeList.XDS_TYPES).get(code["code"])
    return concept.system if concept is not None else code["system"]


def confidentiality_codes(record: DocumentDoc) -> list[tuple[str, str]]:
    """Every JDV_J58 code of the document, with its code system OID."""
    codes = [(record["confidentiality"], OID_HL7_CONFIDENTIALITY)]
    flags = (
        ("hidden_from_professionals", "MASQUE_PS"),
        ("hidden_from_patient", "INVISIBLE_PATIENT"),
        ("hidden_from_representatives", "INVISIBLE_REPRESENTANTS_LEGAUX"),
    )
    codes.extend((code, OID_VISIBILITY) for flag, code in flags if record[flag])  # type: ignore[literal-required]
    return codes


def _author(entry: Element, ids: _Ids, scheme: str, author: AuthorDoc, name: PersonName) -> None:
    element = SubElement(
        entry,
        _q("Classification"),
        id=ids.next(),
        objectType=CLASSIFICATION,
        classificationScheme=scheme,
        classifiedObject=entry.get("id", ""),
        nodeRepresentation="",
    )
    _slot(element, "authorPerson", author_xcn(author, name))
    profession = author["profession_code"]
    concept = terminology(CodeList.PROFESSIONS).get(profession) if profession else None
    if concept is not None:
        _slot(element, "authorSpecialty", f"G15_{concept.code}^{concept.label}^{OID_SPECIALTY}")


def document_entry(file: EntryFile, patient: PatientDoc, author: PersonName) -> Element:
    record = file.record
    entry = Element(
        _q("ExtrinsicObject"),
        id=entry_uuid(record),
        objectType=STABLE_DOCUMENT,
        mimeType=record["format"],
        status=APPROVED,
    )
    _slot(entry, "creationTime", dtm(record["created_at"]))
    _slot(entry, "hash", file.sha1)
    _slot(entry, "size", str(file.size))
    _slot(entry, "URI", file.uri)
    if record["service_start"] is not None:
        _slot(entry, "serviceStartTime", dtm(record["service_start"]))
    if record["service_stop"] is not None:
        _slot(entry, "serviceStopTime", dtm(record["service_stop"]))
    _slot(entry, "sourcePatientId", patient_cx(patient))
    _slot(entry, "sourcePatientInfo", *_patient_info(patient))
    _name(entry, record["title"])
    ids = _Ids(entry.get("id", ""))
    _author(entry, ids, AUTHOR, record["author"], author)
    class_code = record["class_code"]
    class_oid = SYSTEM_OIDS.get(class_code["system"], class_code["system"])
    _classify(entry, ids, CLASS_CODE, class_code["code"], class_code["label"], class_oid)
    labels = terminology(CodeList.CONFIDENTIALITY)
    for code, oid in confidentiality_codes(record):
        concept = labels.get(code)
        _classify(entry, ids, CONFIDENTIALITY_CODE, code, concept.label if concept else code, oid)
    if format_code := FORMAT_CODES.get(record["format"]):
        _classify(entry, ids, FORMAT_CODE, format_code, format_code, OID_FORMAT_CODES)
    type_ = record["type"]
    _classify(entry, ids, TYPE_CODE, type_["code"], type_["label"], type_scheme(type_))
    _identify(entry, ids, PATIENT_ID, patient_cx(patient), "XDSDocumentEntry.patientId")
    _identify(entry, ids, UNIQUE_ID, file.unique_id, "XDSDocumentEntry.uniqueId")
    return entry


def _patient_info(patient: PatientDoc) -> list[str]:
    """sourcePatientInfo: PID-3 (the INS), PID-5 (birth name, L), PID-7, PID-8 (HL7 v2.5)."""
    identity = patient["identity"]
    given = _hl7(" ".join(identity["first_names"]))
    return [
        f"PID-3|{patient_cx(patient)}",
        f"PID-5|{_hl7(identity['birth_names'])}^{given}^^^^^L",
        f"PID-7|{identity['birth_date'].replace('-', '')}",
        f"PID-8|{identity['sex']}",
    ]


def submission_set(submission: Submission) -> list[Element]:
    """The RegistryPackage and the classification that makes it a submission set."""
    package = Element(_q("RegistryPackage"), id=submission.entry_uuid, status=APPROVED)
    _slot(package, "submissionTime", dtm(submission.submitted_at))
    _name(package, "Export de Mon espace santé")
    ids = _Ids(submission.entry_uuid)
    author = SubElement(
        package,
        _q("Classification"),
        id=ids.next(),
        objectType=CLASSIFICATION,
        classificationScheme=SUBMISSION_AUTHOR,
        classifiedObject=submission.entry_uuid,
        nodeRepresentation="",
    )
    who = submission.exported_by
    _slot(author, "authorPerson", f"^{_hl7(who.family)}^{_hl7(who.given)}")
    cx = patient_cx(submission.patient)
    _identify(package, ids, SUBMISSION_UNIQUE_ID, submission.unique_id, "XDSSubmissionSet.uniqueId")
    _identify(package, ids, SUBMISSION_SOURCE_ID, SOURCE_ID, "XDSSubmissionSet.sourceId")
    _identify(package, ids, SUBMISSION_PATIENT_ID, cx, "XDSSubmissionSet.patientId")
    node = Element(
        _q("Classification"),
        id=ids.next(),
        objectType=CLASSIFICATION,
        classifiedObject=submission.entry_uuid,
        classificationNode=SUBMISSION_SET,
    )
    return [package, node]


def _has_member(submission: Submission, file: EntryFile, n: int) -> Element:
    association = Element(
        _q("Association"),
        id=f"{submission.entry_uuid}-member-{n}",
        associationType=HAS_MEMBER,
        sourceObject=submission.entry_uuid,
        targetObject=entry_uuid(file.record),
    )
    _slot(association, "SubmissionSetStatus", "Original")
    return association


def _bytes(element: Element) -> bytes:
    return (tostring(element, encoding="unicode") + "\n").encode()


def metadata_xml(
    submission: Submission, files: list[EntryFile], authors: Mapping[str, PersonName]
) -> Iterator[bytes]:
    """METADATA.XML, one element at a time (each declares the ``rim`` prefix it uses)."""
    yield (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<lcm:SubmitObjectsRequest xmlns:lcm="{LCM}" '
        f'xmlns:rim="{RIM}">\n<rim:RegistryObjectList>\n'
    ).encode()
    for element in submission_set(submission):
        yield _bytes(element)
    for file in files:
        author = authors.get(file.record["author"]["id"], PersonName(file.record["author"]["name"]))
        yield _bytes(document_entry(file, submission.patient, author))
    for n, file in enumerate(files, start=1):
        yield _bytes(_has_member(submission, file, n))
    yield b"</rim:RegistryObjectList>\n</lcm:SubmitObjectsRequest>\n"
