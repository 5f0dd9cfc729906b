"""The importer's table of XDS identifiers against the ANS mapping (CDAHeaderToXDM.xsl, run on
every real ANS document of the fixtures): each scheme UUID and slot the table says the stylesheet
writes is in its output, each deviation the table records is what the stylesheet really does,
and the values it maps from the CDA header are what the importer reads from the same archive."""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring

from resolvers.documents._cda_header import read_header
from resolvers.documents.xdm.archive import read_archive
from resolvers.documents.xdm.identifiers import DOCUMENT_ENTRY_FIELDS, XdsField
from resolvers.documents.xdm.metadata import parse_dtm
from tests.generators.ans_xdm import ALL, FIXTURES, build, rewrite_patient, stylesheet_output

V3 = {"h": "urn:hl7-org:v3"}


def _written(output: ET.Element) -> tuple[set[str], set[str], set[str]]:
    """The classification schemes, identification schemes and slot names of the stylesheet's
    document entry (its element names as it writes them, any case, any namespace)."""
    entry = next(e for e in output.iter() if e.tag.endswith("ExtrinsicObject"))
    classifications = {
        e.get("classificationScheme", "") for e in entry if e.tag.lower().endswith("classification")
    }
    identifiers = {
        e.get("identificationScheme", "") for e in entry if e.tag.endswith("ExternalIdentifier")
    }
    slots = {e.get("name", "") for e in entry.iter() if e.tag.endswith("Slot")}
    return classifications, identifiers, slots


@pytest.fixture(scope="module")
def outputs() -> dict[str, ET.Element]:
    return {
        name: stylesheet_output(rewrite_patient((FIXTURES / name).read_bytes()), name)
        for name in ALL
    }


def _rows(kind: str) -> list[XdsField]:
    return [row for row in DOCUMENT_ENTRY_FIELDS if row.kind == kind]


# written only when the CDA has the element (serviceEvent code or high time, functionCode…)
OPTIONAL = {"eventCodeList", "serviceStopTime"}


def test_every_scheme_and_slot_the_table_reads_is_where_the_stylesheet_puts_it(
    outputs: dict[str, ET.Element],
) -> None:
    seen: set[str] = set()
    for name, output in outputs.items():
        classifications, _, slots = _written(output)
        for row in _rows("classification") + _rows("slot"):
            if not row.xsl.startswith("same") and row.xsl not in WRITTEN_AS_PLACEHOLDER:
                continue
            found = row.identifier in (classifications if row.kind != "slot" else slots)
            assert found or row.name in OPTIONAL, (name, row.name)
            if found:
                seen.add(row.name)
        entry = next(e for e in output.iter() if e.tag.endswith("ExtrinsicObject"))
        assert entry.get("objectType") == _rows("objectType")[0].identifier
    assert seen >= OPTIONAL  # each optional one is written where the CDA has it


WRITTEN_AS_PLACEHOLDER = {"a fixed example value", "the CDA's file name"}


def test_the_deviations_the_table_records_are_what_the_stylesheet_does(
    outputs: dict[str, ET.Element],
) -> None:
    """If the ANS fixes its stylesheet, this test says so: the table's notes must follow."""
    by_name = {row.name: row for row in DOCUMENT_ENTRY_FIELDS}
    for name, output in outputs.items():
        classifications, identifiers, _ = _written(output)
        assert by_name["classCode"].identifier not in classifications, name  # "absent"
        assert "" in classifications, name  # formatCode: classificationScheme=""
        assert by_name["formatCode"].identifier not in classifications, name
        assert by_name["patientId"].identifier not in identifiers, name
        assert "urn:uuid:" in identifiers, name  # uniqueId left without its UUID
        lower = [e for e in output.iter() if e.tag == "classification"]
        assert lower, name  # the author as a non-ebRIM lower-case element
        assert "authorRole" not in {e.get("name") for e in output.iter() if e.tag == "Slot"}


@pytest.mark.parametrize("name", ALL)
def test_each_cda_element_feeds_the_field_the_importer_reads(name: str) -> None:
    """The importer reads from the ANS-made metadata the values of the CDA header elements the
    table names: effectiveTime, code, confidentialityCode, id, serviceEvent times, author."""
    data, contents = build((name,))
    root = fromstring(contents[name])
    cda = root if root.tag.endswith("ClinicalDocument") else root.find(".//h:ClinicalDocument", V3)
    assert cda is not None
    with read_archive(io.BytesIO(data)) as archive:
        (doc,) = archive.documents
        with archive.open(doc) as stream:
            parsed = read_header(stream)
    effective = cda.find("h:effectiveTime", V3)
    code = cda.find("h:code", V3)
    ident = cda.find("h:id", V3)
    assert effective is not None
    assert code is not None
    assert ident is not None
    assert doc.created_at == parse_dtm(effective.get("value", ""))
    assert (doc.type.code, doc.type.scheme) == (code.get("code"), code.get("codeSystem"))
    assert parsed.type_code == (doc.type.code, doc.type.scheme)
    unique = ident.get("root", "") + (
        f"^{ident.get('extension')}" if ident.get("extension") else ""
    )
    assert doc.unique_id == unique
    confidentiality = cda.find("h:confidentialityCode", V3)
    assert confidentiality is not None
    assert [(c.code, c.scheme) for c in doc.confidentiality_codes] == [
        (confidentiality.get("code"), confidentiality.get("codeSystem"))
    ]
    low = cda.find("h:documentationOf/h:serviceEvent/h:effectiveTime/h:low", V3)
    if low is not None and low.get("value"):
        assert doc.service_start == parse_dtm(low.get("value", ""))
    author_id = cda.find("h:author/h:assignedAuthor/h:id", V3)
    assert author_id is not None
    assert doc.author is not None
    assert doc.author.identifier is not None
    assert doc.author.identifier.oid == author_id.get("root")
    assert author_id.get("extension", "").endswith(doc.author.identifier.value)
