"""Who exports a space, by which path: readers x paths, each answer and each trace it leaves.

Only the holder and a legal representative export, and only what they read (a representative
never gets what is hidden from representatives). The link works for its patient and its actor,
until it expires; every other attempt looks like "not found" and is traced as denied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.documents.export_support import EXPORT, download, members, request_export
from tests.api.documents_support import CAMILLE, DOCS, MOREAU_RPPS, Caller, minor_with_a_parent
from tests.oauth_support import PATIENT_INS
from tests.tokens import TokenFactory, seed, token_factory

JEAN_INS = "162058002108831"  # another demo patient (resolvers/demo/seed.py)


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


def _events(db: Database[dict[str, Any]], action: str, since: int = 0) -> list[tuple[str, str]]:
    """(actor kind, outcome) of the export events, from the ``since``-th on."""
    found = db["access_events"].find({"action": action, "target_type": "space_export"})
    events = [(event["actor"]["kind"], event["outcome"]) for event in found.sort("at", 1)]
    return events[since:]


@dataclass(frozen=True)
class Reader:
    name: str
    kind: ActorKind | None  # None: no token at all
    login: str | None
    code: str | None  # the mutation's refusal code; None when it answers a link
    traced: list[tuple[str, str]]  # (actor kind, outcome) of "space.export_requested"


READERS = [
    Reader("the patient", ActorKind.PATIENT, PATIENT_INS, None, [("patient", "allowed")]),
    Reader("her primary physician", ActorKind.PROFESSIONAL, "10001234565", "FORBIDDEN",
           [("professional", "denied")]),
    Reader("a professional with no access", ActorKind.PROFESSIONAL, MOREAU_RPPS, "NOT_FOUND",
           [("professional", "denied")]),
    Reader("an app she paired", ActorKind.APP, PATIENT_INS, "FORBIDDEN", [("app", "denied")]),
    Reader("another patient", ActorKind.PATIENT, JEAN_INS, "NOT_FOUND", [("patient", "denied")]),
    Reader("nobody", None, None, "UNAUTHENTICATED", []),
]  # fmt: skip


async def test_only_the_holder_side_requests_an_export(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    for reader in READERS:  # one app for the whole table: each row reads its own events
        await _request_as(make, http, db, reader)


async def _request_as(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]], reader: Reader
) -> None:
    since = len(_events(db, "space.export_requested"))
    headers = {}
    if reader.kind is not None:
        headers = {"authorization": f"Bearer {await make(reader.kind, reader.login, DOCS)}"}
    response = await http.post(
        "/graphql", json={"query": EXPORT, "variables": {"p": CAMILLE}}, headers=headers
    )
    body = response.json()
    if reader.code == "UNAUTHENTICATED":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    else:
        result = body["data"]["requestSpaceExport"]
        assert result.get("code") == reader.code, (reader.name, result)
        assert (result["__typename"] == "SpaceExport") is (reader.code is None)
    assert _events(db, "space.export_requested", since) == reader.traced, reader.name


@dataclass(frozen=True)
class Path:
    name: str
    with_key: bool
    token_of: str | None  # whose bearer token goes with the request
    expired: bool
    status: int
    traced: list[tuple[str, str]]  # (actor kind, outcome) of "space.export_downloaded"


PATHS = [
    Path("URL with her token", False, "camille", False, 200, [("patient", "allowed")]),
    Path("presigned link", True, None, False, 200, [("patient", "allowed")]),
    Path("URL with another patient's token", False, "jean", False, 404, [("patient", "denied")]),
    Path("URL with her physician's token", False, "lefevre", False, 404,
         [("professional", "denied")]),
    Path("URL with her app's token", False, "app", False, 404, [("app", "denied")]),
    Path("URL without token or key", False, None, False, 401, []),
    Path("expired presigned link", True, None, True, 404, [("patient", "denied")]),
    Path("expired link with her token", False, "camille", True, 404, [("patient", "denied")]),
]  # fmt: skip


async def test_the_link_works_for_its_actor_until_it_expires(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    camille = Caller(http, await make(ActorKind.PATIENT, PATIENT_INS, DOCS))
    tokens = {
        "camille": camille.token,
        "jean": await make(ActorKind.PATIENT, JEAN_INS, DOCS),
        "lefevre": await make(ActorKind.PROFESSIONAL, "10001234565", DOCS),
        "app": await make(ActorKind.APP, PATIENT_INS, DOCS),
    }
    for path in PATHS:  # one app for the whole table: each row has its own export
        await _download_by(camille, tokens, db, path)


async def _download_by(
    camille: Caller, tokens: dict[str, str], db: Database[dict[str, Any]], path: Path
) -> None:
    link = await request_export(camille)
    since = len(_events(db, "space.export_downloaded"))
    if path.expired:
        past = datetime.now(UTC) - timedelta(seconds=1)
        db["space_exports"].update_one({"_id": link["exportId"]}, {"$set": {"expires_at": past}})
    headers = {}
    if path.token_of is not None:
        headers = {"authorization": f"Bearer {tokens[path.token_of]}"}
    url = link["url"] if path.with_key else link["apiUrl"]
    response = await download(camille.http, url, headers)
    assert response.status_code == path.status, (path.name, response.text)
    if path.status == 200:
        assert len(members(response.content)) == link["documentCount"] + 3
    else:
        assert b"IHE_XDM" not in response.content
    assert _events(db, "space.export_downloaded", since) == path.traced, path.name


async def test_a_guessed_key_finds_nothing(make: TokenFactory, http: httpx.AsyncClient) -> None:
    camille = Caller(http, await make(ActorKind.PATIENT, PATIENT_INS, DOCS))
    link = await request_export(camille)
    response = await download(http, link["url"][:-4] + "AAAA")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_representative_exports_what_representatives_see_while_they_are_one(
    app: Starlette, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    await seed(app)
    make = token_factory(app)
    family = await minor_with_a_parent(make, app, http)
    parent, child, minor, lefevre = family.parent, family.child, family.minor, family.lefevre
    await lefevre.deposited(patient_id=child["_id"], title="Vaccinations")
    await lefevre.deposited(
        patient_id=child["_id"], title="Consultation confidentielle", hiddenFromRepresentatives=True
    )
    mother = Caller(http, await make(ActorKind.PATIENT, parent["ins"]["matricule"], DOCS))
    theirs = await request_export(mother, child["_id"])
    own = await request_export(minor, child["_id"])
    assert (theirs["documentCount"], own["documentCount"]) == (1, 2)
    index = members((await download(http, theirs["url"])).content)["INDEX.HTM"]
    assert b"Vaccinations" in index
    assert b"Consultation confidentielle" not in index
    own_index = members((await download(http, own["url"])).content)["INDEX.HTM"]
    assert b"Consultation confidentielle" in own_index
    # one link, one actor: the minor's own token does not open the parent's export
    crossed = await download(http, theirs["apiUrl"], minor.headers)
    assert crossed.status_code == 404
    # the child comes of age: the parent's link stops at once, and the attempt is traced
    db["patients"].update_one(
        {"_id": child["_id"]}, {"$set": {"identity.birth_date": "2000-01-01"}}
    )
    refused = await download(http, theirs["url"])
    assert refused.status_code == 404
    assert _events(db, "space.export_downloaded")[-1] == ("patient", "denied")
