"""Exports of a space through GraphQL and the archive route, and a space worth exporting: real
ANS CDA documents (tests/fixtures/ans_cda) beside the demo set's, from several authors."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from resolvers.demo._files import pdf
from tests.api.documents_support import CAMILLE, Caller

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ans_cda"
_RECORD_TARGET = re.compile(rb'(<patientRole>.*?<id )extension="\d{15}" root="[0-9.]+"', re.DOTALL)
EXPORT = """
mutation($p: ID!) { requestSpaceExport(patientId: $p) {
  __typename
  ... on SpaceExport { exportId url apiUrl expiresAt documentCount }
  ... on DocumentError { code message }
} }
"""
# A 1x1 PNG: a photo the patient adds
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4"
    "c40000000049454e44ae426082"
)


def ans_cda(name: str, ins: str, oid: str) -> bytes:
    """An ANS sample with its test patient replaced by ``ins`` (the README allows this only)."""
    data = (FIXTURES / name).read_bytes()
    replaced, count = _RECORD_TARGET.subn(
        rb'\1extension="' + ins.encode() + rb'" root="' + oid.encode() + b'"', data, count=1
    )
    assert count == 1, name
    return replaced


@dataclass(frozen=True)
class Seeded:
    kept: list[str]  # titles the patient's export must hold (beside the demo's)
    left_out: list[str]  # titles it must not


async def seed_space(lefevre: Caller, camille: Caller, ins: str, oid: str) -> Seeded:
    """Documents of several types, formats and authors in Camille's space."""
    cda = [
        ("CNAM-HR_2021.01_sans-info.xml", "REMB", "60", "Historique de remboursements",
         "2021-02-11T09:49:14+01:00"),
        ("CARD-F-PRC-AVK_2022.01.xml", "34133-9", "11", "Fiche AVK", "2019-07-01T16:49:00+01:00"),
        ("IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml", "18748-4", "31", "Scanner thoracique",
         "2021-01-08T11:17:00+01:00"),
        ("CSE-CS9_2025.01.xml", "CERT_DECL", "52", "Certificat du 9e mois",
         "2008-09-29T09:49:14+01:00"),
    ]  # fmt: skip
    for name, type_code, class_code, title, created in cda:
        await lefevre.deposited(
            ans_cda(name, ins, oid), content_type="text/xml", typeCode=type_code,
            classCode=class_code, title=title, createdAt=created,
            serviceStart=created, serviceStop=created,
        )  # fmt: skip
    masked = await lefevre.deposited(
        pdf("Compte rendu", ["Confidentiel."]), title="CR masqué", confidentiality="R"
    )
    hidden = await camille.mutate(
        "hideDocumentFromProfessionals",
        "documentId: $documentId, hidden: $hidden",
        {"documentId": masked["id"], "hidden": True},
    )
    assert hidden["__typename"] == "DocumentChange", hidden
    old = await lefevre.deposited(pdf("Ordonnance", ["v1"]), title="Ordonnance v1")
    await lefevre.deposited(pdf("Ordonnance", ["v2"]), title="Ordonnance v2", replaces=old["id"])
    await lefevre.deposited(
        pdf("Résultat", ["À annoncer."]), title="Résultat à annoncer", hiddenFromPatient=True
    )
    await camille.deposited(PNG, content_type="image/png", typeCode="DOCPAT04", classCode="31",
                            title="Photo d'ordonnance")  # fmt: skip
    await camille.deposited(
        b"Tension 12/8 ce matin.\n", content_type="text/plain", typeCode="EXPPAT_2",
        classCode="90", title="Note de suivi",
    )  # fmt: skip
    kept = [title for *_, title, _ in cda] + [
        "CR masqué", "Ordonnance v2", "Photo d'ordonnance", "Note de suivi"
    ]  # fmt: skip
    return Seeded(kept=kept, left_out=["Ordonnance v1", "Résultat à annoncer"])


async def request_export(caller: Caller, patient_id: str = CAMILLE) -> dict[str, Any]:
    data = await caller.data(EXPORT, {"p": patient_id})
    result: dict[str, Any] = data["requestSpaceExport"]
    return result


def local(url: str) -> str:
    """The path and query of a URL on the service (the test client's base is another host)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def download(
    http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await http.get(local(url), headers=headers or {})


def members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.testzip() is None  # every CRC right
        return {name: opened.read(name) for name in opened.namelist()}
