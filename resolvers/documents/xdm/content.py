"""What each file of an XDM archive is, checked against what its entry says about it.

The format is recognised from the content, never taken from the metadata: PDF, JPEG, PNG, plain
text by their first bytes (``resolvers.documents._formats``), and CDA R2 by its header read as a
stream (``resolvers.documents._cda_header``) — level 3, level 1 with any body the ANS accepts (PDF,
text, RTF, JPEG, TIFF), and the auto-presentable CDA whose root is its own XSLT stylesheet. For a
CDA, the header must agree with the entry: its patient (``recordTarget/patientRole/id`` under an INS
OID) is the archive's patient, its ``code`` is the entry's typeCode.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.documents._cda_header import NON_XML_BODY_TYPES, CdaHeader, NotCda, read_header
from resolvers.documents._formats import CDA, DECLARED, HEAD_SIZE, detect
from resolvers.documents.xdm.archive import MalformedArchive, XdmArchive, XdmDocument
from resolvers.documents.xdm.identifiers import INS_OIDS

# what an auto-presentable CDA may be declared as, besides the XML types of any CDA
_STYLESHEET_TYPES = frozenset({"text/xsl", "application/xslt+xml"})


@dataclass(frozen=True, slots=True)
class Content:
    format: str  # the media type recognised
    cda: CdaHeader | None


def _head(archive: XdmArchive, doc: XdmDocument) -> bytes:
    head = b""
    for chunk in archive.chunks(doc, HEAD_SIZE):
        head += chunk
        if len(head) >= HEAD_SIZE:
            break
    return head[:HEAD_SIZE]


def _masked(ins: str) -> str:
    return f"{ins[:5]}…" if ins else "none"


def _cda_problems(doc: XdmDocument, header: CdaHeader) -> list[str]:
    name = f"document {doc.unique_id}"
    problems = []
    ins_ids = [(root, ext) for root, ext in header.patient_ids if root in INS_OIDS]
    if not ins_ids:
        problems.append(f"{name}: the CDA header names no patient by an INS (recordTarget)")
    elif (doc.patient_oid, doc.patient_ins) not in ins_ids:
        named = ", ".join(f"{_masked(ext)} ({root})" for root, ext in ins_ids)
        problems.append(
            f"{name}: the CDA header is for the patient {named}, "
            f"not the archive's {_masked(doc.patient_ins)} ({doc.patient_oid})"
        )
    if header.type_code is not None and header.type_code[0] != doc.type.code:
        problems.append(
            f"{name}: the CDA header's code {header.type_code[0]!r} is not "
            f"the entry's typeCode {doc.type.code!r}"
        )
    if header.body not in (None, "structured") and header.body not in NON_XML_BODY_TYPES:
        problems.append(
            f"{name}: the CDA level-1 body is {header.body!r}, not a format the ANS lists"
        )
    return problems


def inspect(archive: XdmArchive, doc: XdmDocument, problems: list[str]) -> Content | None:
    """The document's format (and CDA header); its problems appended to ``problems``."""
    name = f"document {doc.unique_id}"
    try:
        head = _head(archive, doc)
    except MalformedArchive as error:
        problems.extend(error.problems)
        return None
    declared_type = doc.mime_type.split(";")[0].strip().lower()
    declared = CDA if declared_type in _STYLESHEET_TYPES else DECLARED.get(declared_type)
    found, header, why = detect(head), None, ""
    if found in (None, CDA) or declared == CDA:
        try:
            with archive.open(doc) as stream:
                header = read_header(stream)
            found = CDA
        except NotCda as error:
            why = f": {error}" if found is None or declared == CDA else ""
            found = None if found == CDA else found
    if found is None:
        problems.append(f"{name}: the file is none of the accepted formats{why}")
        return None
    if declared is not None and declared != found:
        problems.append(f"{name}: mimeType {doc.mime_type!r} but the file is {found}{why}")
        return None
    if header is not None:
        cda_problems = _cda_problems(doc, header)
        problems.extend(cda_problems)
        if cda_problems:
            return None
    return Content(found, header)
