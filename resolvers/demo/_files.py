"""Real, small document bytes for the demo data: a PDF, a CDA R2 document and plain text."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape, quoteattr


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF 1.4 with ``title`` and ``lines`` in Helvetica (WinAnsi encoding)."""

    def text(value: str) -> bytes:
        raw = value.encode("cp1252", errors="replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    content = b"BT /F1 16 Tf 56 780 Td (" + text(title) + b") Tj /F1 11 Tf"
    for line in lines:
        content += b" 0 -22 Td (" + text(line) + b") Tj"
    content += b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def cda(
    *,
    document_id: str,
    type_code: str,
    type_label: str,
    title: str,
    effective: datetime,
    ins_matricule: str,
    ins_oid: str,
    patient_given: str,
    patient_family: str,
    author_rpps: str,
    author_name: str,
    paragraphs: list[str],
) -> bytes:
    """A minimal CDA R2 document (HL7 v3 namespace) with an unstructured narrative body."""
    when = effective.strftime("%Y%m%d%H%M%S+0000")
    body = "".join(f"<paragraph>{escape(p)}</paragraph>" for p in paragraphs)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.250.1.213.1.1.9" extension={quoteattr(document_id)}/>
  <code code={quoteattr(type_code)} codeSystem="2.16.840.1.113883.6.1"
        displayName={quoteattr(type_label)}/>
  <title>{escape(title)}</title>
  <effectiveTime value="{when}"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <recordTarget><patientRole>
    <id root={quoteattr(ins_oid)} extension={quoteattr(ins_matricule)}/>
    <patient><name><given>{escape(patient_given)}</given>
      <family qualifier="BR">{escape(patient_family)}</family></name></patient>
  </patientRole></recordTarget>
  <author><time value="{when}"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension={quoteattr("8" + author_rpps)}/>
    <assignedPerson><name>{escape(author_name)}</name></assignedPerson>
  </assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.250.1.213.4.1"/><name>Mon espace santé (démonstration)</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <component><structuredBody><component><section>
    <title>{escape(title)}</title><text>{body}</text>
  </section></component></structuredBody></component>
</ClinicalDocument>
"""
    return xml.encode("utf-8")
