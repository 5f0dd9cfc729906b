from __future__ import annotations

import hashlib
import io
import random
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from resolvers.documents.xdm import archive as xdm
from resolvers.documents.xdm.archive import (
    METADATA_PATH,
    MalformedArchive,
    XdmArchive,
    XdmAuthor,
    XdmCode,
    XdmDocument,
    read_archive,
    verify_contents,
)
from resolvers.documents.xdm.authors import (
    XdmIdentifier,
    XdmInstitution,
    parse_person,
    parse_profession,
)
from resolvers.documents.xdm.metadata import parse_dtm
from tests.generators.xdm import XdmEntry, build_archive

PDF = b"%PDF-1.4\n" + random.Random(7).randbytes(600_000)
CDA = "<ClinicalDocument>Numération formule sanguine</ClinicalDocument>".encode()
UID = "1.2.250.1.213.4.1.2.1"


def three_entries() -> list[XdmEntry]:
    return [
        XdmEntry(
            content=PDF,
            unique_id=f"{UID}.1",
            confidentiality=("N", "MASQUE_PS"),
            service_start=datetime(2019, 3, 12, 8, tzinfo=UTC),
            service_stop=datetime(2019, 3, 13, 17, 45, tzinfo=UTC),
        ),
        XdmEntry(
            content=CDA,
            unique_id=f"{UID}.2",
            title="Résultats de biologie",
            type_code="11502-2",
            type_label="CR d'examens biologiques",
            class_code="13",
            class_label="Résultat d'examen",
            mime_type="text/xml",
            format_code=None,
            created_at=datetime(2020, 1, 2, 23, 59, 59, tzinfo=UTC),
            author_rpps=None,
            author_name="",
            author_xon="LABORATOIRE CENTRAL^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^11060021920",
            profession_code=None,
        ),
        XdmEntry(
            content=b"",
            unique_id=f"{UID}.3",
            mime_type="text/plain",
            file_name="NOTES/NOTE.TXT",
            author_rpps="10003456789",
            author_name="MARTIN Claire",
            profession_code="60",
        ),
    ]


HL7 = "2.16.840.1.113883.5.25"


def professional(rpps: str, name: str, profession: str, specialty: str) -> XdmAuthor:
    return XdmAuthor(
        kind="professional",
        name=name,
        identifier=XdmIdentifier("RPPS", rpps, "1.2.250.1.71.4.2.1"),
        institution=None,
        profession_code=profession,
        specialty=specialty,
        role=None,
    )


def opened(data: bytes) -> XdmArchive:
    return read_archive(io.BytesIO(data))


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(MalformedArchive) as raised:
        opened(data)
    assert raised.value.problems
    assert str(raised.value) == "; ".join(raised.value.problems)
    return raised.value.problems


def test_a_valid_archive_round_trips_every_field() -> None:
    with opened(build_archive(three_entries())) as archive:
        documents = archive.documents
    pdf_format = XdmCode("urn:ihe:iti:xds-sd:pdf:2008", "PDF/A-1", "1.3.6.1.4.1.19376.1.2.3")
    consultation = XdmCode("11488-4", "Compte rendu de consultation", "2.16.840.1.113883.6.1")
    report = XdmCode("10", "Compte rendu", "1.2.250.1.213.1.1.4.1")
    common = {"patient_ins": "285034410912329", "patient_oid": "1.2.250.1.213.1.4.8"}
    assert documents == [
        XdmDocument(
            entry_uuid="Document01",
            unique_id=f"{UID}.1",
            member="IHE_XDM/SUBSET01/DOC0001.PDF",
            mime_type="application/pdf",
            title="Compte rendu de consultation",
            type=consultation,
            class_code=report,
            confidentiality=["N", "MASQUE_PS"],
            confidentiality_codes=[
                XdmCode("N", "N", HL7),
                XdmCode("MASQUE_PS", "MASQUE_PS", "1.2.250.1.213.1.1.4.13"),
            ],
            format_code=pdf_format,
            created_at=datetime(2019, 3, 14, 9, 30, 5, tzinfo=UTC),
            service_start=datetime(2019, 3, 12, 8, tzinfo=UTC),
            service_stop=datetime(2019, 3, 13, 17, 45, tzinfo=UTC),
            size=len(PDF),
            sha1=hashlib.sha1(PDF, usedforsecurity=False).hexdigest(),
            author=professional("10001234565", "LEFEVRE Jean", "10", "Médecine générale"),
            **common,
        ),
        XdmDocument(
            entry_uuid="Document02",
            unique_id=f"{UID}.2",
            member="IHE_XDM/SUBSET01/DOC0002.XML",
            mime_type="text/xml",
            title="Résultats de biologie",
            type=XdmCode("11502-2", "CR d'examens biologiques", "2.16.840.1.113883.6.1"),
            class_code=XdmCode("13", "Résultat d'examen", "1.2.250.1.213.1.1.4.1"),
            confidentiality=["N"],
            confidentiality_codes=[XdmCode("N", "N", HL7)],
            format_code=None,
            created_at=datetime(2020, 1, 2, 23, 59, 59, tzinfo=UTC),
            service_start=None,
            service_stop=None,
            size=len(CDA),
            sha1=hashlib.sha1(CDA, usedforsecurity=False).hexdigest(),
            author=XdmAuthor(
                kind="organization",
                name="LABORATOIRE CENTRAL",
                identifier=None,
                institution=XdmInstitution(
                    "LABORATOIRE CENTRAL",
                    XdmIdentifier("FINESS", "1060021920", "1.2.250.1.71.4.2.2"),
                ),
                profession_code=None,
                specialty=None,
                role=None,
            ),
            **common,
        ),
        XdmDocument(
            entry_uuid="Document03",
            unique_id=f"{UID}.3",
            member="IHE_XDM/SUBSET01/NOTES/NOTE.TXT",
            mime_type="text/plain",
            title="Compte rendu de consultation",
            type=consultation,
            class_code=report,
            confidentiality=["N"],
            confidentiality_codes=[XdmCode("N", "N", HL7)],
            format_code=pdf_format,
            created_at=datetime(2019, 3, 14, 9, 30, 5, tzinfo=UTC),
            service_start=None,
            service_stop=None,
            size=0,
            sha1="da39a3ee5e6b4b0d3255bfef95601890afd80709",
            author=professional("10003456789", "MARTIN Claire", "60", "G15_60"),
            **common,
        ),
    ]
    assert documents[0].created_at.tzinfo is UTC


def test_the_archive_layout_is_what_xdm_prescribes() -> None:
    with zipfile.ZipFile(io.BytesIO(build_archive(three_entries()))) as archive:
        assert archive.namelist() == [
            "INDEX.HTM",
            "README.TXT",
            METADATA_PATH,
            "IHE_XDM/SUBSET01/DOC0001.PDF",
            "IHE_XDM/SUBSET01/DOC0002.XML",
            "IHE_XDM/SUBSET01/NOTES/NOTE.TXT",
        ]
        metadata = archive.read(METADATA_PATH)
    assert metadata.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<lcm:SubmitObjectsRequest")
    assert b"<rim:RegistryPackage" in metadata
    assert metadata.count(b"<rim:ExtrinsicObject ") == 3
    assert b"810001234565^LEFEVRE^Jean^^^^^^&amp;1.2.250.1.71.4.2.1&amp;ISO^D^^^IDNPS" in metadata


def test_chunks_stream_the_exact_bytes_in_bounded_pieces() -> None:
    with opened(build_archive(three_entries())) as archive:
        pdf, cda, empty = archive.documents
        pieces = list(archive.chunks(pdf, chunk_size=64 * 1024))
        assert b"".join(pieces) == PDF
        assert len(pieces) == 10
        assert max(len(piece) for piece in pieces) == 64 * 1024
        assert list(archive.chunks(cda)) == [CDA]
        assert list(archive.chunks(empty)) == []
        with pytest.raises(ValueError, match="chunk_size must be positive"):
            next(archive.chunks(pdf, chunk_size=0))


def test_verify_contents_passes_on_a_valid_archive() -> None:
    with opened(build_archive(three_entries())) as archive:
        verify_contents(archive)
        assert len(archive.documents) == 3


@pytest.mark.parametrize("as_text", [True, False])
def test_an_archive_is_read_from_a_path_and_closed_with_its_context(
    tmp_path: Path, as_text: bool
) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(build_archive(three_entries()))
    with read_archive(str(path) if as_text else path) as archive:
        assert [document.unique_id for document in archive.documents] == [
            f"{UID}.1",
            f"{UID}.2",
            f"{UID}.3",
        ]
    with pytest.raises(ValueError, match="closed"):
        next(archive.chunks(archive.documents[0]))


def test_a_wrong_hash_is_caught_by_verify_contents_naming_the_document() -> None:
    entries = three_entries()
    entries[1].declared_sha1 = "AB" * 20
    with opened(build_archive(entries)) as archive:
        assert archive.documents[1].sha1 == "ab" * 20
        with pytest.raises(MalformedArchive) as raised:
            verify_contents(archive)
    actual = hashlib.sha1(CDA, usedforsecurity=False).hexdigest()
    assert raised.value.problems == [
        f"document {UID}.2: hash declares {'ab' * 20}, "
        f"the content of IHE_XDM/SUBSET01/DOC0002.XML has SHA-1 {actual}"
    ]


def test_a_wrong_declared_size_is_caught_by_read_archive() -> None:
    entries = three_entries()
    entries[0].declared_size = len(PDF) - 1
    assert problems_of(build_archive(entries)) == [
        f"document {UID}.1: size declares {len(PDF) - 1} bytes, "
        f"the ZIP member IHE_XDM/SUBSET01/DOC0001.PDF holds {len(PDF)}"
    ]


def test_a_missing_file_is_named_with_its_uri() -> None:
    entries = three_entries()
    entries[2].omit_file = True
    assert problems_of(build_archive(entries)) == [
        f"document {UID}.3: URI NOTES/NOTE.TXT names IHE_XDM/SUBSET01/NOTES/NOTE.TXT, "
        "which is missing from the ZIP"
    ]


def test_an_archive_without_metadata_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.PDF", PDF)
    assert problems_of(buffer.getvalue()) == [f"{METADATA_PATH} is missing"]


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 not a zip", b"PK\x03\x04truncated"])
def test_a_file_that_is_not_a_zip_is_refused(data: bytes) -> None:
    problems = problems_of(data)
    assert len(problems) == 1
    assert problems[0].startswith("the file is not a ZIP archive")


def test_malformed_xml_is_refused_with_its_position() -> None:
    data = build_archive(three_entries(), metadata_override=b"<lcm:SubmitObjectsRequest><rim:")
    [problem] = problems_of(data)
    assert problem.startswith("METADATA.XML is not well-formed XML: ")
    assert "line 1" in problem


def test_xml_of_another_kind_is_refused() -> None:
    data = build_archive(three_entries(), metadata_override=b"<html><body/></html>")
    assert problems_of(data) == ["METADATA.XML holds html, not an lcm:SubmitObjectsRequest"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0">&lol9;
</lcm:SubmitObjectsRequest>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0">&secret;
</lcm:SubmitObjectsRequest>"""


@pytest.mark.parametrize("metadata", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entity_tricks_in_the_metadata_are_refused(metadata: bytes) -> None:
    [problem] = problems_of(build_archive(three_entries(), metadata_override=metadata))
    assert problem.startswith("METADATA.XML is refused: it declares a DTD or entities")
    assert "root" not in problem


@pytest.mark.parametrize(
    "uri", ["../../etc/passwd", "NOTES/../../X.PDF", "/etc/passwd", "C:\\X.PDF", "file:X", "A//B"]
)
def test_a_uri_outside_the_subset_folder_is_refused(uri: str) -> None:
    entries = three_entries()
    entries[0].slot_overrides = {"URI": uri}
    assert problems_of(build_archive(entries)) == [
        f"document {UID}.1: URI {uri!r} is not a plain path inside IHE_XDM/SUBSET01/"
    ]


def test_documents_for_two_patients_are_refused() -> None:
    entries = three_entries()
    entries[2].patient_ins = "184127645108946"
    assert problems_of(build_archive(entries)) == [
        "patientId: the documents are for more than one patient: "
        f"285034410912329 (1.2.250.1.213.1.4.8) in the submission set, {UID}.1, {UID}.2; "
        f"184127645108946 (1.2.250.1.213.1.4.8) in {UID}.3"
    ]


def test_a_duplicate_unique_id_is_refused() -> None:
    entries = three_entries()
    entries[2].unique_id = f"{UID}.1"
    assert problems_of(build_archive(entries)) == [
        f"document {UID}.1: uniqueId is used by 2 documents "
        "(IHE_XDM/SUBSET01/DOC0001.PDF, IHE_XDM/SUBSET01/NOTES/NOTE.TXT)"
    ]


def test_every_problem_is_reported_together() -> None:
    entries = three_entries()
    entries[0].omit_fields = ("typeCode",)
    entries[0].slot_overrides = {"creationTime": "2019-03-14"}
    entries[1].slot_overrides = {"hash": "xyz", "size": "-1", "serviceStopTime": "20191301"}
    entries[2].omit_file = True
    entries.append(XdmEntry(content=b"late", unique_id=f"{UID}.4", declared_size=5))
    assert problems_of(build_archive(entries)) == [
        f"document {UID}.1: typeCode is missing",
        f"document {UID}.1: creationTime '2019-03-14' is not a date YYYYMMDD[HH[MM[SS]]][+/-HHMM]",
        f"document {UID}.2: serviceStopTime '20191301' is not a date YYYYMMDD[HH[MM[SS]]][+/-HHMM]",
        f"document {UID}.2: size '-1' is not a number of bytes",
        f"document {UID}.2: hash 'xyz' is not a SHA-1 (40 hexadecimal characters)",
        f"document {UID}.3: URI NOTES/NOTE.TXT names IHE_XDM/SUBSET01/NOTES/NOTE.TXT, "
        "which is missing from the ZIP",
        f"document {UID}.4: size declares 5 bytes, "
        "the ZIP member IHE_XDM/SUBSET01/DOC0004.PDF holds 4",
    ]


@pytest.mark.parametrize(
    "field",
    [
        "typeCode",
        "classCode",
        "confidentialityCode",
        "creationTime",
        "size",
        "hash",
        "URI",
        "uniqueId",
    ],
)
def test_each_required_field_is_named_when_missing(field: str) -> None:
    entries = three_entries()
    entries[1].omit_fields = (field,)
    label = "at DOC0002.XML" if field == "uniqueId" else f"{UID}.2"
    assert problems_of(build_archive(entries)) == [f"document {label}: {field} is missing"]


def test_a_missing_patient_id_falls_back_to_the_source_patient_id() -> None:
    entries = three_entries()
    entries[0].omit_fields = ("patientId",)
    with opened(build_archive(entries)) as archive:
        assert archive.documents[0].patient_ins == "285034410912329"
        assert archive.documents[0].patient_oid == "1.2.250.1.213.1.4.8"
    entries[0].omit_fields = ("patientId", "sourcePatientId")
    assert problems_of(build_archive(entries)) == [f"document {UID}.1: patientId is missing"]


def test_the_patient_oid_is_kept_as_given_and_a_bad_cx_is_named() -> None:
    with opened(build_archive(three_entries(), patient_oid="1.2.250.1.213.1.4.10")) as archive:
        assert {document.patient_oid for document in archive.documents} == {"1.2.250.1.213.1.4.10"}
    entries = three_entries()
    entries[0].slot_overrides = {"sourcePatientId": "12345"}
    entries[0].omit_fields = ("patientId",)
    assert problems_of(build_archive(entries)) == [
        f"document {UID}.1: patientId '12345' does not hold a 15-character INS matricule",
        f"document {UID}.1: patientId '12345' lacks the OID of its assigning authority "
        "(ID^^^&OID&ISO)",
    ]


def test_an_empty_title_falls_back_to_the_type_label() -> None:
    entries = three_entries()
    entries[1].title = ""
    with opened(build_archive(entries)) as archive:
        assert archive.documents[1].title == "CR d'examens biologiques"


def test_an_archive_without_documents_is_refused() -> None:
    assert problems_of(build_archive([])) == [
        "METADATA.XML lists no document (no rim:ExtrinsicObject)"
    ]


def test_too_many_members_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xdm, "MAX_MEMBERS", 5)
    assert problems_of(build_archive(three_entries())) == ["the ZIP holds 6 members, more than 5"]


def test_oversized_metadata_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xdm, "MAX_METADATA_BYTES", 1000)
    assert problems_of(build_archive(three_entries())) == [
        f"{METADATA_PATH} is larger than 1000 bytes"
    ]


def test_members_compressed_otherwise_than_deflate_are_refused() -> None:
    source = zipfile.ZipFile(io.BytesIO(build_archive(three_entries())))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename.endswith(".PDF") else zipfile.ZIP_STORED
            target.writestr(info.filename, source.read(info), compress_type=method)
    assert problems_of(buffer.getvalue()) == [
        f"document {UID}.1: IHE_XDM/SUBSET01/DOC0001.PDF uses compression method 12 "
        "(only stored and deflate are read)"
    ]


def test_chunks_never_yield_more_than_the_zip_entry_declares() -> None:
    # A zip bomb's central directory understates what its stream inflates to: the reader stops
    # at the declared size and the CRC no longer matches.
    with opened(build_archive(three_entries())) as archive:
        pdf = archive.documents[0]
        archive._zip.getinfo(pdf.member).file_size = 1000
        received: list[bytes] = []
        with pytest.raises(MalformedArchive) as raised:
            received.extend(archive.chunks(pdf, chunk_size=4096))
    assert sum(len(piece) for piece in received) <= 1000
    assert raised.value.problems == [
        f"document {UID}.1: IHE_XDM/SUBSET01/DOC0001.PDF cannot be read: "
        "Bad CRC-32 for file 'IHE_XDM/SUBSET01/DOC0001.PDF'"
    ]


def test_a_corrupt_member_is_reported_by_verify_contents() -> None:
    data = bytearray(build_archive(three_entries()))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("IHE_XDM/SUBSET01/DOC0002.XML")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)  # the deflated stream
    data[start + 4 : start + 12] = b"\xff" * 8
    with opened(bytes(data)) as archive, pytest.raises(MalformedArchive) as raised:
        verify_contents(archive)
    [problem] = raised.value.problems
    assert problem.startswith(f"document {UID}.2: IHE_XDM/SUBSET01/DOC0002.XML cannot be read: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20190314", datetime(2019, 3, 14, tzinfo=UTC)),
        ("2019031409", datetime(2019, 3, 14, 9, tzinfo=UTC)),
        ("201903140930", datetime(2019, 3, 14, 9, 30, tzinfo=UTC)),
        ("20190314093005", datetime(2019, 3, 14, 9, 30, 5, tzinfo=UTC)),
        # the ANS mapping copies the CDA's effectiveTime, offset included
        ("20190701164900+0100", datetime(2019, 7, 1, 15, 49, tzinfo=UTC)),
        ("201907011649-0230", datetime(2019, 7, 1, 19, 19, tzinfo=UTC)),
    ],
)
def test_xds_dates_of_every_precision_are_read_in_utc(value: str, expected: datetime) -> None:
    assert parse_dtm(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2019",
        "201903140",
        "2019-03-14",
        "20190230",
        "20190314093005+2400",
        "20190314093005Z",
        "\uff12\uff10\uff11\uff19\uff10\uff13\uff11\uff14",
    ],
)
def test_malformed_xds_dates_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"is not a date YYYYMMDD\[HH\[MM\[SS\]\]\]"):
        parse_dtm(value)


IDNPS = "1.2.250.1.71.4.2.1"


@pytest.mark.parametrize(
    ("xcn", "expected"),
    [
        (
            "810001234565^LEFEVRE^Jean^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS",
            (XdmIdentifier("RPPS", "10001234565", IDNPS), "LEFEVRE Jean"),
        ),
        (
            "0012345678^DURAND^Paul^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^ADELI",
            (XdmIdentifier("ADELI", "012345678", IDNPS), "DURAND Paul"),
        ),
        (
            "518003502400041/1.2.250.1.215.1.2^^^^^^^^&1.2.250.1.71.4.2.1&^D^^^IDNPS",
            (XdmIdentifier("INTERNAL", "518003502400041/1.2.250.1.215.1.2", IDNPS), ""),
        ),
        (
            "285034410912329^MARTIN^Camille^^^^^^&1.2.250.1.213.1.4.8&ISO",
            (XdmIdentifier("INS", "285034410912329", "1.2.250.1.213.1.4.8"), "MARTIN Camille"),
        ),
        (
            "810001234565^LEFEVRE^Jean^^^^^^&1.2.3.4&ISO",
            (XdmIdentifier("OTHER", "810001234565", "1.2.3.4"), "LEFEVRE Jean"),
        ),
        ("Docteur Lefèvre", (None, "Docteur Lefèvre")),
    ],
)
def test_author_persons_are_identified_by_their_authority(
    xcn: str, expected: tuple[XdmIdentifier | None, str]
) -> None:
    assert parse_person(xcn) == expected


@pytest.mark.parametrize(
    ("specialty", "expected"),
    [
        ("G15_10/SM54^Médecine générale^1.2.250.1.213.1.1.4.5", "10"),
        ("G15_60^Infirmier^1.2.250.1.213.1.1.4.5", "60"),
        ("SM54^Médecine générale^1.2.250.1.71.4.2.5", None),
        ("", None),
    ],
)
def test_the_profession_is_read_from_the_specialty(specialty: str, expected: str | None) -> None:
    assert parse_profession(specialty) == expected


def test_an_extrinsic_object_of_another_type_is_refused() -> None:
    with zipfile.ZipFile(io.BytesIO(build_archive(three_entries()))) as archive:
        metadata = archive.read(METADATA_PATH)
    on_demand = b"urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248"
    metadata = metadata.replace(b"urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1", on_demand, 1)
    assert problems_of(build_archive(three_entries(), metadata_override=metadata)) == [
        f"document {UID}.1: objectType '{on_demand.decode()}' is not a stable document entry"
    ]


def test_two_documents_sharing_one_file_are_refused() -> None:
    entries = three_entries()
    entries[1].slot_overrides = {"URI": "DOC0001.PDF"}
    assert problems_of(build_archive(entries)) == [
        f"documents {UID}.1, {UID}.2: URI IHE_XDM/SUBSET01/DOC0001.PDF is shared",
        "the ZIP member IHE_XDM/SUBSET01/DOC0002.XML is referenced by no document entry",
        f"document {UID}.2: size declares {len(CDA)} bytes, "
        f"the ZIP member IHE_XDM/SUBSET01/DOC0001.PDF holds {len(PDF)}",
    ]
