from __future__ import annotations

import hashlib

from pymongo.database import Database

from api.settings import Settings
from resolvers.core.clock import SystemClock
from resolvers.core.identity import normalize_matricule, normalize_rpps
from resolvers.demo.messages import seed_messages
from resolvers.demo.seed import DOCUMENTS, PATIENTS, PROFESSIONALS, SeedReport, seed_demo, stable_id
from tests.storage.helpers import open_test_stores


async def test_seeding_twice_creates_everything_once(
    settings: Settings, db: Database[dict[str, object]]
) -> None:
    async with open_test_stores(settings) as stores:
        first = await seed_demo(stores, SystemClock())
        second = await seed_demo(stores, SystemClock())
    people = len(PATIENTS) + len(PROFESSIONALS)
    assert first == SeedReport(len(PATIENTS), len(PROFESSIONALS), len(DOCUMENTS), people, 29)
    assert second == SeedReport(0, 0, 0, 0, 0)
    assert db["patients"].count_documents({}) == len(PATIENTS)
    assert db["professionals"].count_documents({}) == len(PROFESSIONALS)
    assert db["documents"].count_documents({}) == len(DOCUMENTS)


async def test_demo_identifiers_are_well_formed(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        await seed_demo(stores, SystemClock())
        patients = await stores.patients.collection.find().to_list()
        professionals = await stores.professionals.collection.find().to_list()
    for patient in patients:
        matricule = patient["ins"]["matricule"]
        assert normalize_matricule(matricule) == matricule
    for professional in professionals:
        assert normalize_rpps(professional["rpps"]) == professional["rpps"]


async def test_every_demo_document_has_its_bytes_under_an_opaque_key(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        await seed_demo(stores, SystemClock())
        documents = await stores.documents.collection.find().to_list()
        patients = {p["_id"]: p async for p in stores.patients.collection.find()}
        for document in documents:
            data = b"".join(
                [chunk async for chunk in await stores.objects.open(document["object_key"])]
            )
            assert len(data) == document["size"]
            assert hashlib.sha256(data).hexdigest() == document["sha256"]
            patient = patients[document["patient_id"]]
            key = document["object_key"]
            assert patient["_id"] not in key
            assert patient["ins"]["matricule"] not in key
            assert patient["identity"]["birth_names"].lower() not in key.lower()
            signature = {"application/pdf": b"%PDF-", "text/xml": b"<?xml", "text/plain": b""}
            assert data.startswith(signature[document["format"]])


async def test_the_demo_conversation_is_written_once_and_shows_the_attachment(
    settings: Settings,
) -> None:
    camille, lefevre = stable_id("patient:camille"), stable_id("professional:lefevre")
    report = stable_id("document:camille-consultation")
    async with open_test_stores(settings) as stores:
        await seed_demo(stores, SystemClock())
        assert await seed_messages(stores, SystemClock(), camille, lefevre, report) == 3
        assert await seed_messages(stores, SystemClock(), camille, lefevre, report) == 0
        [conversation] = await stores.conversations.collection.find().to_list()
        messages = await stores.messages.collection.find().sort("seq", 1).to_list()
    assert conversation["last_seq"] == 3
    assert [m["author"]["id"] for m in messages] == [lefevre, camille, lefevre]
    assert messages[0]["attachments"] == [report]
    assert messages[0]["read_by"][0]["id"] == camille
