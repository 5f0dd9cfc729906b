"""A legal representative reads a minor's documents, except those hidden from representatives
(INVISIBLE_REPRESENTANTS_LEGAUX): set at deposit by the professional, or later by the minor."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.documents_support import DOCS, Caller, minor_with_a_parent
from tests.tokens import seed, token_factory

ONE = "query($id: ID!) { document(id: $id) { id title } }"


async def test_a_parent_never_sees_what_is_hidden_from_representatives(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    await seed(app)
    make = token_factory(app)
    family = await minor_with_a_parent(make, app, http)
    parent, child, minor, lefevre = family.parent, family.child, family.minor, family.lefevre
    await lefevre.deposited(patient_id=child["_id"], title="Vaccinations")
    secret = await lefevre.deposited(
        patient_id=child["_id"], title="Consultation confidentielle", hiddenFromRepresentatives=True
    )
    assert secret["hiddenFromRepresentatives"] is True
    own = await minor.deposited(patient_id=child["_id"], title="Mon journal")
    mother = Caller(http, await make(ActorKind.PATIENT, parent["ins"]["matricule"], DOCS))

    assert await mother.titles(child["_id"]) == ["Mon journal", "Vaccinations"]
    assert (await mother.documents(child["_id"]))["totalCount"] == 2
    # the minor hides one more; the parent loses it at once, and cannot undo it
    hidden = await minor.mutate(
        "hideDocumentFromRepresentatives",
        "documentId: $documentId, hidden: $hidden",
        {"documentId": own["id"], "hidden": True},
    )
    assert hidden["document"]["hiddenFromRepresentatives"] is True
    assert await mother.titles(child["_id"]) == ["Vaccinations"]
    assert (await mother.documents(child["_id"]))["totalCount"] == 1
    undo = await mother.post(
        "mutation($d: ID!) { hideDocumentFromRepresentatives(documentId: $d, hidden: false) "
        "{ __typename ... on DocumentError { code } } }",
        {"d": own["id"]},
    )
    assert undo["data"]["hideDocumentFromRepresentatives"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    for document_id in (secret["id"], own["id"]):
        by_id = await mother.post(ONE, {"id": document_id})
        assert by_id["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        content = await http.get(f"/documents/{document_id}/content", headers=mother.headers)
        assert content.status_code == 404
    # the minor and the author still see all three
    assert len(await minor.titles(child["_id"])) == 3
    assert "Consultation confidentielle" in await lefevre.titles(child["_id"])
