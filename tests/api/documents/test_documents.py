"""Depositing and reading documents through GraphQL: multipart upload, content checks, lists
with filters, and every visibility rule applied inside the query (lists and totals alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from resolvers.demo._files import cda
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    MOREAU_RPPS,
    PDF,
    add_to_care_team,
    patient,
    professional,
    sha256,
)
from tests.tokens import TokenFactory, seed, token_factory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DEMO_DOCUMENTS_OF_CAMILLE = 3


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def test_a_deposit_is_stored_checked_and_listed_newest_first(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    lefevre = await professional(make, http)
    older = await lefevre.deposited(title="Ancien", createdAt="2025-01-10T08:00:00+00:00")
    newer = await lefevre.deposited(title="Récent", createdAt="2026-11-10T08:00:00+00:00")
    assert newer["format"] == "application/pdf"
    assert newer["sha256"] == sha256(PDF)
    assert newer["size"] == len(PDF)
    assert newer["author"] == {
        "kind": "professional",
        "name": "Sophie Lefèvre",
        "rpps": "10001234565",
        "profession": {"code": "10"},
    }
    assert newer["type"]["code"] == "11488-4"
    assert newer["confidentialityCodes"] == ["N"]

    camille = await patient(make, http)
    listing = await camille.documents(first=2)
    assert listing["totalCount"] == DEMO_DOCUMENTS_OF_CAMILLE + 2
    assert listing["edges"][0]["node"]["id"] == newer["id"]
    assert listing["pageInfo"]["hasNextPage"] is True
    assert (await camille.titles())[-1] == "Ancien"  # the oldest act comes last
    stored = db["documents"].find_one({"_id": older["id"]})
    assert stored is not None
    assert stored["status"] == "available"
    # the bucket path says nothing of the patient
    assert stored["object_key"].startswith("objects/")
    for secret in (CAMILLE, "285034410912329", "MARTIN"):
        assert secret not in stored["object_key"]


async def test_pages_follow_their_cursor_without_repeats(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre = await professional(make, http)
    for day in range(1, 6):
        await lefevre.deposited(title=f"Jour {day}", createdAt=f"2026-10-0{day}T08:00:00+00:00")
    camille = await patient(make, http)
    seen: list[str] = []
    after = None
    while True:
        page = await camille.documents(first=3, after=after)
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == DEMO_DOCUMENTS_OF_CAMILLE + 5


async def test_filters_by_type_period_and_author(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    await add_to_care_team(await patient(make, http, "profile:write"), BENALI)
    lefevre, benali = await professional(make, http), await professional(make, http, BENALI_RPPS)
    await lefevre.deposited(title="Bio", typeCode="11490-0", createdAt="2026-06-01T08:00:00Z")
    await benali.deposited(title="Consult", createdAt="2026-09-01T08:00:00Z")
    camille = await patient(make, http)
    assert await camille.titles(filter={"typeCodes": ["11490-0"]}) == ["Bio"]
    assert await camille.titles(filter={"authorRpps": BENALI_RPPS}) == ["Consult"]
    window = {"createdFrom": "2026-05-01T00:00:00Z", "createdTo": "2026-07-01T00:00:00Z"}
    assert await camille.titles(filter=window) == ["Bio"]
    filtered = await camille.documents(filter={"authorRpps": BENALI_RPPS})
    assert filtered["totalCount"] == 1
    backwards = await camille.post(
        "query($f: DocumentFilterInput) { patient(id: "
        f'"{CAMILLE}"'
        ") { documents(filter: $f) { totalCount } } }",
        {"f": {"createdFrom": "2026-07-01T00:00:00Z", "createdTo": "2026-05-01T00:00:00Z"}},
    )
    assert backwards["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "createdTo"}


@pytest.mark.parametrize(
    ("data", "content_type", "field", "words"),
    [
        (PNG, "application/pdf", "file", "PNG image, not the declared PDF"),
        (b"MZ\x90\x00\x03\x00binary", "application/pdf", "file", "none of the accepted"),
        (b"<html><body>hi</body></html>", "text/plain", "file", "none of the accepted"),
        (b"", "text/plain", "file", "empty"),
        (PDF, "application/zip", "contentType", "not an accepted format"),
    ],
)
async def test_content_is_recognised_not_taken_on_trust(  # noqa: PLR0917
    make: TokenFactory,
    http: httpx.AsyncClient,
    db: Database[dict[str, Any]],
    data: bytes,
    content_type: str,
    field: str,
    words: str,
) -> None:
    before = db["documents"].count_documents({})
    lefevre = await professional(make, http)
    refused = await lefevre.deposit(data, content_type=content_type)
    assert refused["__typename"] == "DocumentError"
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", field)
    assert words in refused["message"]
    assert db["documents"].count_documents({}) == before  # no record, pending or not


async def test_every_accepted_format_is_recognised(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre = await professional(make, http)
    xml = cda(
        document_id="x1",
        type_code="11488-4",
        type_label="CR",
        title="CDA",
        effective=datetime(2026, 1, 1, tzinfo=UTC),
        ins_matricule="285034410912329",
        ins_oid="1.2.250.1.213.1.4.8",
        patient_given="Camille",
        patient_family="MARTIN",
        author_rpps="10001234565",
        author_name="Sophie Lefèvre",
        paragraphs=["ok"],
    )
    samples = [
        (xml, "text/xml", "text/xml"),
        (xml, "application/hl7-v3+xml", "text/xml"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg", "image/jpeg"),
        (PNG, "image/png", "image/png"),
        ("Résultat : normal.\n".encode(), "text/plain; charset=utf-8", "text/plain"),
    ]
    for data, declared, found in samples:
        document = await lefevre.deposited(data, content_type=declared)
        assert document["format"] == found


async def test_a_multipart_request_without_a_preflight_header_is_refused(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    token = (await professional(make, http)).token
    before = db["documents"].count_documents({})
    response = await http.post(
        "/graphql",
        data={"operations": '{"query": "{ __typename }"}', "map": "{}"},
        files={"0": ("a", b"x", "text/plain")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
    assert db["documents"].count_documents({}) == before


@pytest.mark.parametrize(
    ("meta", "field"),
    [
        ({"typeCode": "00000-0"}, "typeCode"),
        ({"classCode": "ZZ"}, "classCode"),
        ({"title": "   "}, "title"),
        ({"createdAt": "2099-01-01T00:00:00Z"}, "createdAt"),
        ({"confidentiality": "X"}, "confidentiality"),
        (
            {"serviceStart": "2026-05-02T00:00:00Z", "serviceStop": "2026-05-01T00:00:00Z"},
            "serviceStop",
        ),
        ({"hiddenFromProfessionals": True}, "hiddenFromProfessionals"),
    ],
)
async def test_bad_metadata_is_named(
    make: TokenFactory, http: httpx.AsyncClient, meta: dict[str, Any], field: str
) -> None:
    lefevre = await professional(make, http)
    refused = await lefevre.deposit(**meta)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "DocumentError",
        "BAD_USER_INPUT",
        field,
    )


async def test_only_a_professional_holds_a_document_back_from_the_patient(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await patient(make, http)
    refused = await camille.deposit(hiddenFromPatient=True)
    assert refused["field"] == "hiddenFromPatient"
    own = await camille.deposited(title="Mon ordonnance scannée")
    assert own["author"]["kind"] == "patient"


async def test_a_professional_outside_the_care_team_neither_deposits_nor_reads(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    moreau = await professional(make, http, MOREAU_RPPS)
    refused = await moreau.deposit()
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "patientId")
    answer = await moreau.post(f'{{ patient(id: "{CAMILLE}") {{ documents {{ totalCount }} }} }}')
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_token_without_the_documents_scope_gets_no_document(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await patient(make, http, "profile.identity:read")
    answer = await camille.post(f'{{ patient(id: "{CAMILLE}") {{ documents {{ totalCount }} }} }}')
    assert answer["data"]["patient"]["documents"] is None
    assert answer["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
