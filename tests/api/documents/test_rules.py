"""Who sees which document, and what happens to documents over time: hidden from professionals
(and who still sees it), held back from the patient (released by hand or by ``run-due``),
versions, deletion by the holder and withdrawal by the author."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from resolvers.spaces.due import run_due
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    Caller,
    add_to_care_team,
    patient,
    professional,
    stores_of,
)
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

ONE = "query($id: ID!) { document(id: $id) { id title status version replacedBy } }"


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def one(caller: Caller, document_id: str) -> dict[str, Any]:
    return await caller.post(ONE, {"id": document_id})


async def test_hidden_from_professionals_except_the_author_the_primary_physician_and_granted(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await patient(make, http, "documents:read documents:write profile:write")
    await add_to_care_team(camille, BENALI)
    lefevre, benali = await professional(make, http), await professional(make, http, BENALI_RPPS)
    by_benali = await benali.deposited(title="Écrit par Benali")
    secret = await lefevre.deposited(title="Masqué")
    masked = await camille.mutate(
        "hideDocumentFromProfessionals",
        "documentId: $documentId, hidden: $hidden",
        {"documentId": secret["id"], "hidden": True},
    )
    assert masked["document"]["confidentialityCodes"] == ["N", "MASQUE_PS"]
    before = (await benali.documents())["totalCount"]
    assert "Masqué" not in await benali.titles()
    assert (await one(benali, secret["id"]))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "Masqué" in await lefevre.titles()  # the primary physician (and author)
    # the author of a masked document still sees it
    await camille.mutate(
        "hideDocumentFromProfessionals",
        "documentId: $documentId, hidden: $hidden",
        {"documentId": by_benali["id"], "hidden": True},
    )
    assert "Écrit par Benali" in await benali.titles()
    assert (await benali.documents())["totalCount"] == before
    # only the patient masks
    refused = await benali.mutate(
        "hideDocumentFromProfessionals",
        "documentId: $documentId, hidden: $hidden",
        {"documentId": by_benali["id"], "hidden": False},
    )
    assert refused["code"] == "FORBIDDEN"
    # the holder grants Benali the right to see hidden documents, then takes it back
    grant = (
        "mutation($p: ID!, $g: Boolean!) { setHiddenDocumentAccess(professionalId: $p, "
        "granted: $g) { __typename ... on HiddenDocumentAccess { granted } } }"
    )
    await camille.data(grant, {"p": BENALI, "g": True})
    assert "Masqué" in await benali.titles()
    assert (await benali.documents())["totalCount"] == before + 1
    await camille.data(grant, {"p": BENALI, "g": False})
    assert "Masqué" not in await benali.titles()


async def test_held_back_from_the_patient_until_released_by_its_author(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    before = (await camille.documents())["totalCount"]
    held = await lefevre.deposited(title="Résultat à annoncer", hiddenFromPatient=True)
    assert held["releaseAt"] is not None
    assert "INVISIBLE_PATIENT" in held["confidentialityCodes"]
    assert "Résultat à annoncer" not in await camille.titles()
    assert (await camille.documents())["totalCount"] == before
    assert (await one(camille, held["id"]))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    released = await lefevre.mutate(
        "releaseDocument", "documentId: $documentId", {"documentId": held["id"]}
    )
    assert released["document"]["hiddenFromPatient"] is False
    assert "Résultat à annoncer" in await camille.titles()


async def test_run_due_tells_the_patient_at_two_weeks_and_shows_the_document_at_a_month(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, db: Database[dict[str, Any]]
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    held = await lefevre.deposited(title="Attend l'annonce", hiddenFromPatient=True)
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    clock.advance(timedelta(days=10))
    assert (await run_due(stores, clock)).counts["documents_patient_told"] == 0
    clock.advance(timedelta(days=5))
    report = await run_due(stores, clock)
    assert report.counts["documents_patient_told"] == 1
    assert report.counts["documents_released"] == 0
    assert (await run_due(stores, clock)).counts["documents_patient_told"] == 0  # once only
    told = db["outbox"].find_one({"patient_id": CAMILLE, "template": "document-waiting"})
    assert told is not None
    assert "Attend l'annonce" not in await camille.titles()
    clock.advance(timedelta(days=16))
    assert (await run_due(stores, clock)).counts["documents_released"] == 1
    assert "Attend l'annonce" in await camille.titles()
    stored = db["documents"].find_one({"_id": held["id"]})
    assert stored is not None
    assert stored["hidden_from_patient"] is False


async def test_a_new_version_replaces_the_previous_one_which_stays_in_the_history(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    first = await lefevre.deposited(title="CR v1")
    second = await lefevre.deposited(title="CR v2", replaces=first["id"])
    assert (second["version"], second["replaces"]) == (2, first["id"])
    titles = await camille.titles()
    assert "CR v2" in titles
    assert "CR v1" not in titles
    old = (await one(camille, first["id"]))["data"]["document"]
    assert (old["status"], old["replacedBy"]) == ("REPLACED", second["id"])
    history = await camille.data(
        "query($id: ID!) { document(id: $id) { versions { title version } } }",
        {"id": second["id"]},
    )
    assert history["document"]["versions"] == [
        {"title": "CR v2", "version": 2},
        {"title": "CR v1", "version": 1},
    ]
    again = await lefevre.deposit(title="CR v2 bis", replaces=first["id"])
    assert (again["code"], again["field"]) == ("NOT_FOUND", "replaces")  # v1 is not current


async def test_only_the_author_deposits_a_new_version(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await patient(make, http, "documents:read documents:write profile:write")
    await add_to_care_team(camille, BENALI)
    first = await (await professional(make, http)).deposited(title="De Lefèvre")
    refused = await (await professional(make, http, BENALI_RPPS)).deposit(replaces=first["id"])
    assert refused["code"] == "FORBIDDEN"


async def test_the_holder_deletes_archived_first_then_purged(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, db: Database[dict[str, Any]]
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    first = await lefevre.deposited(title="À supprimer")
    second = await lefevre.deposited(title="À supprimer v2", replaces=first["id"])
    refused = await lefevre.mutate(
        "deleteDocument", "documentId: $documentId", {"documentId": second["id"]}
    )
    assert refused["code"] == "FORBIDDEN"
    deleted = await camille.mutate(
        "deleteDocument", "documentId: $documentId", {"documentId": second["id"]}
    )
    assert deleted["document"]["status"] == "ARCHIVED"
    assert "À supprimer v2" not in await camille.titles()
    keys = [
        d["object_key"] for d in db["documents"].find({"_id": {"$in": [first["id"], second["id"]]}})
    ]
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    assert all([await stores.objects.stat(key) for key in keys])  # archived: bytes kept
    clock.advance(timedelta(days=31))
    assert (await run_due(stores, clock)).counts["documents_purged"] == 2
    assert db["documents"].count_documents({"_id": {"$in": [first["id"], second["id"]]}}) == 0
    assert [await stores.objects.stat(key) for key in keys] == [None, None]


async def test_the_author_withdraws_with_a_reason(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    doc = await lefevre.deposited(title="Erreur de patient")
    withdraw = "documentId: $documentId, reason: $reason"
    empty = await lefevre.mutate(
        "withdrawDocument", withdraw, {"documentId": doc["id"], "reason": " "}
    )
    assert (empty["code"], empty["field"]) == ("BAD_USER_INPUT", "reason")
    by_patient = await camille.mutate(
        "withdrawDocument", withdraw, {"documentId": doc["id"], "reason": "non"}
    )
    assert by_patient["code"] == "FORBIDDEN"
    done = await lefevre.mutate(
        "withdrawDocument", withdraw, {"documentId": doc["id"], "reason": "Mauvais patient"}
    )
    assert done["document"]["status"] == "WITHDRAWN"
    assert "Erreur de patient" not in await camille.titles()
    assert (await one(camille, doc["id"]))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
