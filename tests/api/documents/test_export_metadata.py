"""The export's archive checked against the standard, not against our importer: the XDM layout
(IHE ITI-32), every scheme UUID, slot and identifier of METADATA.XML (ITI TF-3 §4.2), each hash,
size and date recomputed from the files themselves, and the ANS mapping's scheme UUIDs read from
its own stylesheet (``../shared/samples/CDAHeaderToXDM.xsl``)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from starlette.applications import Starlette

from resolvers.documents._formats import detect
from resolvers.documents.xdm import identifiers as written
from tests.api.documents.export_support import download, members, request_export, seed_space
from tests.api.documents_support import CAMILLE, patient, professional
from tests.oauth_support import PATIENT_INS
from tests.tokens import seed, token_factory

RIM = "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}"
LCM = "{urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0}"
# From IHE ITI TF-3 §4.2.5 (typed here from the specification, not imported from the writer)
DOCUMENT_ENTRY_SCHEMES = {
    "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d": "author",
    "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a": "classCode",
    "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f": "confidentialityCode",
    "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4": "eventCodeList",
    "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d": "formatCode",
    "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1": "healthcareFacilityTypeCode",
    "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead": "practiceSettingCode",
    "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983": "typeCode",
}
DOCUMENT_ENTRY_IDS = {
    "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427": "patientId",
    "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab": "uniqueId",
}
SUBMISSION_SET_IDS = {
    "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446": "patientId",
    "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832": "sourceId",
    "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8": "uniqueId",
}
STABLE = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
SS_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
ENTRY_SLOTS = {  # ITI TF-3 §4.2.3.2: the DocumentEntry attributes that are slots
    "creationTime", "hash", "languageCode", "legalAuthenticator", "repositoryUniqueId",
    "serviceStartTime", "serviceStopTime", "size", "sourcePatientId", "sourcePatientInfo", "URI",
}  # fmt: skip
J10_BY_CONTENT = {  # ANS JDV_J10 (the DMP's formatCode list): a code where one fits the content
    "application/pdf": ["urn:ihe:iti:xds-sd:pdf:2008"],
    "text/plain": ["urn:ihe:iti:xds-sd:text:2008"],
    "image/jpeg": ["urn:ihe:iti-fr:xds-sd:jpeg:2010"],
}
DTM = re.compile(r"^\d{14}$")  # YYYYMMDDhhmmss, UTC
OID = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")
UUID_URN = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
INS_CX = re.compile(r"^(\d{15})\^\^\^&(1\.2\.250\.1\.213\.1\.4\.(?:8|9|10|11))&ISO$")
RPPS_XCN = re.compile(
    r"^8(\d{11})\^[^^]+\^[^^]*\^\^\^\^\^\^&1\.2\.250\.1\.71\.4\.2\.1&ISO\^D\^\^\^IDNPS$"
)
CODE_SYSTEMS = {  # the OIDs XDS metadata names the ANS code systems by
    "typeCode": {"2.16.840.1.113883.6.1", "1.2.250.1.213.1.1.4.12"},  # LOINC, TRE_A05
    "classCode": {"1.2.250.1.213.1.1.4.1"},  # TRE_A03
    "confidentialityCode": {"2.16.840.1.113883.5.25", "1.2.250.1.213.1.1.4.13"},  # HL7, TRE_A07
    "formatCode": {"1.3.6.1.4.1.19376.1.2.3"},  # IHE format codes
}


def _slots(element: Element) -> dict[str, list[str]]:
    return {
        slot.get("name", ""): [v.text or "" for v in slot.iter(f"{RIM}Value")]
        for slot in element.findall(f"{RIM}Slot")
    }


def _ids(element: Element) -> dict[str, str]:
    found = element.findall(f"{RIM}ExternalIdentifier")
    return {e.get("identificationScheme", ""): e.get("value", "") for e in found}


@dataclass(frozen=True)
class Exported:
    archive: bytes
    files: dict[str, bytes]
    documents: list[dict[str, Any]]  # as GraphQL lists them


@pytest.fixture
async def exported(app: Starlette, http: httpx.AsyncClient) -> Exported:
    await seed(app)
    make = token_factory(app)
    camille = await patient(make, http)
    await seed_space(await professional(make, http), camille, PATIENT_INS, "1.2.250.1.213.1.4.8")
    listing = await camille.data(
        "query($id: ID!) { patient(id: $id) { documents(first: 100) { edges { node { "
        "title createdAt sha256 author { rpps } type { code } } } } } }",
        {"id": CAMILLE},
    )
    link = await request_export(camille)
    archive = (await download(http, link["url"])).content
    documents = [edge["node"] for edge in listing["patient"]["documents"]["edges"]]
    return Exported(archive, members(archive), documents)


def test_the_archive_has_the_xdm_layout(exported: Exported) -> None:
    files, documents = exported.files, exported.documents
    roots = {name for name in files if "/" not in name}
    assert roots == {"README.TXT", "INDEX.HTM"}  # ITI-32: both at the root, nothing to autorun
    assert all(name.startswith("IHE_XDM/SUBSET01/") for name in set(files) - roots)
    assert len(files) == len(documents) + 3
    index = fromstring(files["INDEX.HTM"])  # well-formed XHTML
    links = [a.get("href") for a in index.iter("{http://www.w3.org/1999/xhtml}a")]
    assert {link for link in links if link != "README.TXT"} == set(files) - roots - {
        "IHE_XDM/SUBSET01/METADATA.XML"
    }
    assert "Camille" in files["README.TXT"].decode()


@pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP's unzip is not installed")
def test_info_zip_reads_the_streamed_archive(exported: Exported, tmp_path: Path) -> None:
    """A ZIP reader we did not write (Info-ZIP) finds every member and every CRC right."""
    path = tmp_path / "export.zip"
    path.write_bytes(exported.archive)
    tested = subprocess.run(
        ["unzip", "-t", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "No errors detected" in tested.stdout
    assert all(name in tested.stdout for name in exported.files)


def test_the_metadata_follows_the_xds_specification(exported: Exported) -> None:
    files, documents = exported.files, exported.documents
    root = fromstring(files["IHE_XDM/SUBSET01/METADATA.XML"])
    assert root.tag == f"{LCM}SubmitObjectsRequest"
    [objects] = root.findall(f"{RIM}RegistryObjectList")
    [package] = objects.findall(f"{RIM}RegistryPackage")
    ss_id = package.get("id", "")
    assert UUID_URN.match(ss_id)
    nodes = [
        c for c in objects.findall(f"{RIM}Classification") if c.get("classifiedObject") == ss_id
    ]
    assert [c.get("classificationNode") for c in nodes] == [SUBMISSION_SET_NODE]
    assert DTM.match(_slots(package)["submissionTime"][0])
    ss_ids = _ids(package)
    assert set(ss_ids) == set(SUBMISSION_SET_IDS)
    assert OID.match(ss_ids["urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"])
    assert OID.match(ss_ids["urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"])
    patient_cx = ss_ids["urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"]
    assert INS_CX.match(patient_cx)
    assert INS_CX.match(patient_cx).group(1) == PATIENT_INS  # type: ignore[union-attr]
    assert [c.get("classificationScheme") for c in package.findall(f"{RIM}Classification")] == [
        SS_AUTHOR
    ]
    entries = objects.findall(f"{RIM}ExtrinsicObject")
    assert len(entries) == len(documents)
    by_title = {d["title"]: d for d in documents}
    for entry in entries:
        _check_entry(entry, files, by_title, patient_cx)
    members_of = Counter(
        (a.get("sourceObject"), a.get("targetObject"), _slots(a)["SubmissionSetStatus"][0])
        for a in objects.findall(f"{RIM}Association")
        if a.get("associationType") == HAS_MEMBER
    )
    assert members_of == Counter((ss_id, e.get("id"), "Original") for e in entries)


def _check_entry(
    entry: Element, files: dict[str, bytes], by_title: dict[str, Any], patient_cx: str
) -> None:
    entry_id = entry.get("id", "")
    assert UUID_URN.match(entry_id)
    assert entry.get("objectType") == STABLE
    slots = _slots(entry)
    assert set(slots) <= ENTRY_SLOTS
    content = files[f"IHE_XDM/SUBSET01/{slots['URI'][0]}"]
    assert slots["hash"] == [hashlib.sha1(content, usedforsecurity=False).hexdigest()]
    assert slots["size"] == [str(len(content))]
    assert entry.get("mimeType") == detect(content[:4096])
    assert slots["sourcePatientId"] == [patient_cx]
    localized = entry.find(f"{RIM}Name/{RIM}LocalizedString")
    assert localized is not None
    title = localized.get("value", "")
    document = by_title[title]
    assert hashlib.sha256(content).hexdigest() == document["sha256"]
    created = datetime.fromisoformat(document["createdAt"]).astimezone(UTC)
    assert slots["creationTime"] == [created.strftime("%Y%m%d%H%M%S")]
    for name in ("serviceStartTime", "serviceStopTime"):
        assert all(DTM.match(value) for value in slots.get(name, []))
    classifications: dict[str, list[Element]] = {}
    for c in entry.findall(f"{RIM}Classification"):
        assert c.get("classifiedObject") == entry_id
        name = DOCUMENT_ENTRY_SCHEMES[c.get("classificationScheme", "")]  # no other scheme
        classifications.setdefault(name, []).append(c)
    for name, allowed in CODE_SYSTEMS.items():
        for c in classifications.get(name, []):
            assert _slots(c)["codingScheme"][0] in allowed, (name, title)
    formats = [c.get("nodeRepresentation") for c in classifications.get("formatCode", [])]
    assert formats == J10_BY_CONTENT.get(entry.get("mimeType", ""), [])
    [type_code] = classifications["typeCode"]
    assert type_code.get("nodeRepresentation") == document["type"]["code"]
    assert len(classifications["classCode"]) == 1
    assert classifications["confidentialityCode"]
    [author] = classifications["author"]
    person = _slots(author)["authorPerson"][0]
    rpps = document["author"]["rpps"]
    if rpps:
        found = RPPS_XCN.match(person)
        assert found is not None, person
        assert found.group(1) == rpps
    for specialty in _slots(author).get("authorSpecialty", []):
        code, label, system = specialty.split("^")
        assert (code.startswith("G15_"), bool(label), system) == (
            True,
            True,
            "1.2.250.1.213.1.1.4.5",
        )
    _check_identifiers(entry, content, patient_cx)


def _check_identifiers(entry: Element, content: bytes, patient_cx: str) -> None:
    identifiers = _ids(entry)
    assert set(identifiers) == set(DOCUMENT_ENTRY_IDS)
    assert identifiers["urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"] == patient_cx
    unique_id = identifiers["urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"]
    oid, _, extension = unique_id.partition("^")
    assert OID.match(oid)
    assert len(oid) <= 64
    assert len(extension) <= 16
    if entry.get("mimeType") == "text/xml":  # the DMP names a CDA by its own id (ANS xsl)
        cda_id = fromstring(content).find("{urn:hl7-org:v3}id")
        assert cda_id is not None
        root, ext = cda_id.get("root"), cda_id.get("extension")
        if ext is None or len(ext) <= 16:  # else XDS cannot carry it: an OID of our own
            assert unique_id == (root if ext is None else f"{root}^{ext}")


SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples"


@pytest.mark.skipif(
    not (SAMPLES / "CDAHeaderToXDM.xsl").exists(), reason="../shared/samples absent"
)
def test_the_writer_uses_the_scheme_uuids_of_the_ans_mapping() -> None:
    """The ANS stylesheet is the reference for the French mapping: its classifications name
    the scheme of the author, the type and the confidentiality as the writer does."""
    stylesheet = fromstring((SAMPLES / "CDAHeaderToXDM.xsl").read_bytes())
    schemes: dict[str, set[str]] = {}
    for element in stylesheet.iter():
        if element.tag.rsplit("}", 1)[-1].lower() == "classification":
            scheme = element.get("classificationScheme", "")
            schemes.setdefault(element.get("id", ""), set()).add(scheme)
    assert schemes["cla11"] == {written.AUTHOR}  # the DocumentEntry's author
    # the stylesheet reuses that scheme on the submission set; there the writer follows ITI TF-3
    # §4.2.5 (XDSSubmissionSet.author, a7058bb9-…), which the specification test checks
    assert schemes["author"] == {written.AUTHOR}
    assert schemes["Type"] == {written.TYPE_CODE}
    assert schemes["confidentialityCode"] == {written.CONFIDENTIALITY_CODE}
    identifiers = {
        e.get("identificationScheme")
        for e in stylesheet.iter()
        if e.tag.endswith("ExternalIdentifier")
    }
    assert written.SUBMISSION_SOURCE_ID in identifiers
