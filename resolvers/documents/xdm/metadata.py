"""The METADATA.XML of an IHE XDM archive (ebRIM 3.0), read into checked document entries.

The legacy DMP exports its documents as IHE XDM archives: one ``rim:ExtrinsicObject`` per
document, whose slots, classifications and external identifiers carry the XDS metadata (IHE ITI
TF-3 §4.2). The XML comes from outside, so it is parsed with ``defusedxml`` with DTDs refused:
entity expansion (billion laughs) and external entities never run. Every problem is collected,
each naming the document (its uniqueId, else its URI) and the metadata field, so that one report
tells the operator everything that is wrong with an archive.

The archive itself (the ZIP, its members, streaming, duplicates across documents) is in
``resolvers.documents.xdm.archive``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from resolvers.documents.xdm.authors import XdmAuthor, parse_author
from resolvers.documents.xdm.identifiers import (
    AUTHOR,
    CLASS_CODE,
    CONFIDENTIALITY_CODE,
    FORMAT_CODE,
    LCM,
    PATIENT_ID,
    RIM,
    STABLE_DOCUMENT,
    SUBMISSION_PATIENT_ID,
    SUBSET_FOLDER,
    TYPE_CODE,
    UNIQUE_ID,
)

_DTM = re.compile(r"^(\d{8}(?:\d{2}){0,3})([+-](?:[01]\d|2[0-3])[0-5]\d)?$", re.ASCII)
_SIZE = re.compile(r"^\d{1,18}$", re.ASCII)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$", re.ASCII)
_MATRICULE = re.compile(r"^[0-9A-Z]{15}$", re.ASCII)
# Absolute, a drive or a scheme, a backslash, or an empty, "." or ".." segment: not a plain path.
_UNSAFE_URI = re.compile(r"^/|\\|:|(?:^|/)\.{0,2}(?:/|$)")


class MalformedArchive(Exception):
    """An archive that cannot be imported; ``problems`` lists everything found wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class XdmCode:
    code: str
    label: str
    scheme: str


@dataclass(frozen=True, slots=True)
class XdmDocument:
    entry_uuid: str
    unique_id: str
    member: str  # full path of the file inside the ZIP
    mime_type: str
    title: str
    type: XdmCode
    class_code: XdmCode
    confidentiality: list[str]
    confidentiality_codes: list[XdmCode]  # the same, with their coding schemes
    format_code: XdmCode | None
    created_at: datetime
    service_start: datetime | None
    service_stop: datetime | None
    size: int
    sha1: str  # lower-case hex
    patient_ins: str
    patient_oid: str
    author: XdmAuthor | None


def _q(tag: str) -> str:
    return f"{{{RIM}}}{tag}"


def _slots(element: Element) -> dict[str, list[str]]:
    slots: dict[str, list[str]] = {}
    for slot in element.findall(_q("Slot")):
        values = [(value.text or "").strip() for value in slot.iter(_q("Value"))]
        slots.setdefault(slot.get("name", ""), []).extend(values)
    return slots


def _name(element: Element) -> str:
    localized = element.find(f"{_q('Name')}/{_q('LocalizedString')}")
    return "" if localized is None else localized.get("value", "").strip()


def _external_id(element: Element, scheme: str) -> str | None:
    for identifier in element.findall(_q("ExternalIdentifier")):
        if identifier.get("identificationScheme") == scheme:
            return identifier.get("value", "").strip() or None
    return None


def parse_dtm(value: str) -> datetime:
    """An XDS date-time, YYYYMMDD[HH[MM[SS]]] in UTC (ITI TF-3 §4.2.3.1.5), or with an HL7 DTM
    offset ``±HHMM`` as the ANS mapping copies it from the CDA (``effectiveTime``): converted to
    UTC. ``ValueError`` when it is neither."""
    invalid = ValueError(f"{value!r} is not a date YYYYMMDD[HH[MM[SS]]][+/-HHMM]")
    match = _DTM.match(value)
    if not match:
        raise invalid
    padded = match.group(1).ljust(14, "0")
    offset = timedelta(0)
    if zone := match.group(2):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
    try:
        local = datetime(
            int(padded[:4]),
            int(padded[4:6]),
            int(padded[6:8]),
            int(padded[8:10]),
            int(padded[10:12]),
            int(padded[12:14]),
            tzinfo=UTC,
        )
    except ValueError:  # day 30 of February, hour 24…
        raise invalid from None
    return local - offset


class _Entry:
    """One ExtrinsicObject being read; its problems go to the shared list."""

    def __init__(self, element: Element, index: int, problems: list[str]) -> None:
        self.element = element
        self.slots = _slots(element)
        self.unique_id = _external_id(element, UNIQUE_ID)
        uri = self.slot("URI")
        self.label = self.unique_id or (f"at {uri}" if uri else f"#{index}")
        self.problems = problems
        self.ok = True

    def problem(self, field: str, message: str) -> None:
        self.problems.append(f"document {self.label}: {field} {message}")
        self.ok = False

    def slot(self, name: str) -> str | None:
        values = self.slots.get(name)
        return values[0] if values and values[0] else None

    def required(self, name: str, value: str | None) -> str:
        if value is None:
            self.problem(name, "is missing")
            return ""
        return value

    def date(self, name: str, *, required: bool) -> datetime | None:
        value = self.slot(name)
        if value is None:
            if required:
                self.problem(name, "is missing")
            return None
        try:
            return parse_dtm(value)
        except ValueError as error:
            self.problem(name, str(error))
            return None

    def codes(self, scheme: str) -> list[XdmCode]:
        return [
            XdmCode(
                code=classification.get("nodeRepresentation", "").strip(),
                label=_name(classification),
                scheme=(_slots(classification).get("codingScheme") or [""])[0].strip(),
            )
            for classification in self.element.findall(_q("Classification"))
            if classification.get("classificationScheme") == scheme
        ]

    def code(self, name: str, scheme: str, *, required: bool) -> XdmCode | None:
        codes = [code for code in self.codes(scheme) if code.code]
        if len(codes) > 1:
            self.problem(name, f"is given {len(codes)} times")
        if not codes and required:
            self.problem(name, "is missing")
        return codes[0] if codes else None

    def member(self) -> str:
        uri = self.required("URI", self.slot("URI"))
        if uri and _UNSAFE_URI.search(uri):
            self.problem("URI", f"{uri!r} is not a plain path inside {SUBSET_FOLDER}")
        return SUBSET_FOLDER + uri

    def patient(self) -> tuple[str, str]:
        cx = _external_id(self.element, PATIENT_ID) or self.slot("sourcePatientId")
        if cx is None:
            self.problem("patientId", "is missing")
            return "", ""
        return _parse_cx(cx, lambda message: self.problem("patientId", message))

    def author(self) -> XdmAuthor | None:
        """The first author classification that names someone (ITI TF-3 §4.2.3.1.4)."""
        for classification in self.element.findall(_q("Classification")):
            if classification.get("classificationScheme") == AUTHOR:
                author = parse_author(_slots(classification))
                if author is not None:
                    return author
        return None

    def document(self) -> XdmDocument | None:
        unique_id = self.required("uniqueId", self.unique_id)
        entry_uuid = self.required("id (entryUUID)", self.element.get("id") or None)
        mime_type = self.required("mimeType", self.element.get("mimeType") or None)
        patient_ins, patient_oid = self.patient()
        type_code = self.code("typeCode", TYPE_CODE, required=True)
        class_code = self.code("classCode", CLASS_CODE, required=True)
        format_code = self.code("formatCode", FORMAT_CODE, required=False)
        confidentiality_codes = [c for c in self.codes(CONFIDENTIALITY_CODE) if c.code]
        confidentiality = [code.code for code in confidentiality_codes]
        if not confidentiality:
            self.problem("confidentialityCode", "is missing")
        created_at = self.date("creationTime", required=True)
        service_start = self.date("serviceStartTime", required=False)
        service_stop = self.date("serviceStopTime", required=False)
        size = self.required("size", self.slot("size"))
        if size and not _SIZE.match(size):
            self.problem("size", f"{size!r} is not a number of bytes")
        sha1 = self.required("hash", self.slot("hash"))
        if sha1 and not _SHA1.match(sha1):
            self.problem("hash", f"{sha1!r} is not a SHA-1 (40 hexadecimal characters)")
        member = self.member()
        if not self.ok or type_code is None or class_code is None or created_at is None:
            return None
        return XdmDocument(
            entry_uuid=entry_uuid,
            unique_id=unique_id,
            member=member,
            mime_type=mime_type,
            title=_name(self.element) or type_code.label,
            type=type_code,
            class_code=class_code,
            confidentiality=confidentiality,
            confidentiality_codes=confidentiality_codes,
            format_code=format_code,
            created_at=created_at,
            service_start=service_start,
            service_stop=service_stop,
            size=int(size),
            sha1=sha1.lower(),
            patient_ins=patient_ins,
            patient_oid=patient_oid,
            author=self.author(),
        )


def _parse_cx(cx: str, problem: Callable[[str], None]) -> tuple[str, str]:
    """The matricule and the authority's OID of an HL7 CX like ``ID^^^&OID&ISO``."""
    parts = cx.split("^")
    authority = parts[3].split("&") if len(parts) > 3 else []
    ins, oid = parts[0].strip(), (authority[1].strip() if len(authority) > 1 else "")
    if not _MATRICULE.match(ins):
        problem(f"{cx!r} does not hold a 15-character INS matricule")
    if not oid:
        problem(f"{cx!r} lacks the OID of its assigning authority (ID^^^&OID&ISO)")
    return ins, oid


def parse_metadata(data: bytes) -> tuple[list[XdmDocument], list[str]]:
    """The documents of a METADATA.XML, and every problem found (no document is half-read)."""
    problems: list[str] = []
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as refused:
        return [], [f"METADATA.XML is refused: it declares a DTD or entities ({refused})"]
    except ParseError as error:
        return [], [f"METADATA.XML is not well-formed XML: {error}"]
    if root.tag == f"{{{LCM}}}SubmitObjectsRequest":
        found = root.find(_q("RegistryObjectList"))
        objects = root if found is None else found
    elif root.tag == _q("RegistryObjectList"):
        objects = root
    else:
        return [], [f"METADATA.XML holds {root.tag}, not an lcm:SubmitObjectsRequest"]
    documents: list[XdmDocument] = []
    patients: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for package in objects.findall(_q("RegistryPackage")):
        if cx := _external_id(package, SUBMISSION_PATIENT_ID):
            submission: list[str] = []
            patients[_parse_cx(cx, submission.append)].append("the submission set")
            problems.extend(f"the submission set: patientId {message}" for message in submission)
    entries = objects.findall(_q("ExtrinsicObject"))
    for index, element in enumerate(entries, start=1):
        entry = _Entry(element, index, problems)
        if (object_type := element.get("objectType")) != STABLE_DOCUMENT:
            entry.problem("objectType", f"{object_type!r} is not a stable document entry")
        elif (document := entry.document()) is not None:
            documents.append(document)
            patients[document.patient_ins, document.patient_oid].append(document.unique_id)
    if not entries:
        problems.append("METADATA.XML lists no document (no rim:ExtrinsicObject)")
    if len(patients) > 1:
        listed = "; ".join(
            f"{ins} ({oid}) in {', '.join(of)}" for (ins, oid), of in patients.items()
        )
        problems.append(f"patientId: the documents are for more than one patient: {listed}")
    return documents, problems
