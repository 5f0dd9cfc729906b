"""A patient's export: the space's documents as an IHE XDM archive, requested through GraphQL,
downloaded from its link, and imported into another space without loss (the round trip)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient
from pymongo.database import Database
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.documents.legacy_import import import_archive
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm import metadata as xdm_metadata
from resolvers.documents.xdm.archive import read_archive
from tests.api.documents.export_support import download, local, members, request_export, seed_space
from tests.api.documents_support import CAMILLE, Caller, patient, professional, stores_of
from tests.oauth_support import PATIENT_INS
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

COMPARED = """
query($id: ID!) { patient(id: $id) { documents(first: 100) { edges { node {
  id title format size sha256 confidentialityCodes createdAt serviceStart serviceStop contentPath
  type { code label } classCode { code } author { rpps name profession { code } }
} } } } }
"""


# The importer on main reads the author under a wrong scheme UUID (issue 18), so a conformant
# archive's authors are never read, and an author without RPPS then crashes its write phase.
# Checked: merged with branch xdm-import (its a7b3085), this round trip passes whole.
IMPORTER_AUTHOR_BUG = pytest.mark.xfail(
    getattr(xdm_metadata, "AUTHOR", None) == "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a8d2f",
    reason="the importer's author scheme UUID bug (issue 18, fixed on branch xdm-import)",
    strict=True,
)


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


@pytest.fixture
async def elsewhere(
    settings: Settings, mongo_admin: MongoClient[dict[str, object]]
) -> AsyncIterator[Starlette]:
    """Another instance of the service (its own database), where Camille has a space too."""
    other = settings.model_copy(update={"mongodb_database": f"{settings.mongodb_database}_b"})
    application = create_app(other)
    async with application.router.lifespan_context(application):
        await seed(application)
        yield application
    mongo_admin.drop_database(other.mongodb_database)


async def _documents(caller: Caller) -> dict[str, dict[str, Any]]:
    data = await caller.data(COMPARED, {"id": CAMILLE})
    nodes = [edge["node"] for edge in data["patient"]["documents"]["edges"]]
    return {node["title"]: node for node in nodes}


def _comparable(node: dict[str, Any]) -> dict[str, Any]:
    """What must survive the round trip (ids and deposit times are the new space's own)."""
    kept = {k: v for k, v in node.items() if k not in {"id", "contentPath", "author"}}
    author = node["author"]
    # an XCN separates family and given names: compare the words, not their order
    kept["author"] = {**author, "name": sorted(author["name"].casefold().split())}
    return kept


@IMPORTER_AUTHOR_BUG
async def test_the_export_imports_into_another_space_without_loss(
    make: TokenFactory, http: httpx.AsyncClient, elsewhere: Starlette, tmp_path: Path
) -> None:
    camille = await patient(make, http)
    seeded = await seed_space(await professional(make, http), camille, PATIENT_INS, _oid(http))
    before = await _documents(camille)
    assert set(seeded.kept) <= set(before)
    link = await request_export(camille)
    assert link["__typename"] == "SpaceExport"
    assert link["documentCount"] == len(before)
    response = await download(http, link["apiUrl"], camille.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    files = members(response.content)
    assert {"README.TXT", "INDEX.HTM", "IHE_XDM/SUBSET01/METADATA.XML"} <= set(files)
    for title in seeded.left_out:
        assert title not in before
        assert title.encode() not in files["INDEX.HTM"]
    path = tmp_path / "export.zip"
    path.write_bytes(response.content)

    with read_archive(path) as archive:
        report = await import_archive(stores_of(elsewhere), FakeClock(), DocumentConfig(), archive)
    assert (report.imported, report.already_there) == (len(before), 0)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=elsewhere), base_url="http://testserver"
    ) as other_http:
        there = await patient(token_factory(elsewhere), other_http)
        after = await _documents(there)
        assert set(after) >= set(before)
        for title, node in before.items():
            assert _comparable(after[title]) == _comparable(node), title
            original = await http.get(node["contentPath"], headers=camille.headers)
            copied = await other_http.get(after[title]["contentPath"], headers=there.headers)
            assert copied.content == original.content, title
            assert hashlib.sha256(copied.content).hexdigest() == node["sha256"]
        # importing the same export again adds nothing: each document keeps its uniqueId
        with read_archive(path) as archive:
            again = await import_archive(
                stores_of(elsewhere), FakeClock(), DocumentConfig(), archive
            )
        assert (again.imported, again.already_there) == (0, len(before))


def _oid(http: httpx.AsyncClient) -> str:
    return "1.2.250.1.213.1.4.8"  # the demo patients' INS are NIR (see resolvers/demo/seed.py)


async def test_a_document_whose_bytes_changed_stops_the_archive(
    make: TokenFactory, http: httpx.AsyncClient, live_url: str, db: Database[dict[str, Any]]
) -> None:
    """Over a real connection: the client gets a ZIP cut short, never one that looks whole."""
    camille = await patient(make, http)
    link = await request_export(camille)
    db["documents"].update_one(
        {"patient_id": CAMILLE, "status": "available"}, {"$set": {"sha256": "0" * 64}}
    )
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        received = b""
        with contextlib.suppress(httpx.RemoteProtocolError):  # the body ends mid-way
            async with client.stream("GET", local(link["url"])) as response:
                assert response.status_code == 200  # the headers left before the check
                async for chunk in response.aiter_bytes():
                    received += chunk
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(received))
