"""The XDM import all or nothing, against real servers failing at each write step in turn: S3
stopped after the first document's bytes, MongoDB stopped before the commit, a validator refusing
the access-history traces inside the commit, the importing process killed (SIGKILL) mid-upload.
Each time: no document and no trace in MongoDB (counted), no object in S3 once ``reconcile``
ran; and running the import again completes it."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pymongo import MongoClient
from starlette.applications import Starlette

from api.embedded.stack import EmbeddedStack
from resolvers.documents.legacy_import import ImportReport, import_archive
from resolvers.documents.reconcile import reconcile
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm.archive import XdmDocument, read_archive
from storage.audit import VALIDATOR
from storage.stores import Stores
from tests.api.cli.test_oauth import environment
from tests.api.documents.xdm_import_support import Written, written
from tests.api.documents_support import stores_of
from tests.generators.ans_xdm import build
from tests.support import FakeClock

NAMES = ("CNAM-HR_2021.01_sans-info.xml", "CARD-F-PRC-AVK_2022.01.xml", "AVC-PAVC_2022.01.xml")
N = len(NAMES)
# the checks read each document twice (its hash, its head); then upload number k is this call
UPLOAD = 2 * N


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("xdm")) / "dmp.zip"
    path.write_bytes(build(NAMES)[0])
    return path


def _db(own_stack: EmbeddedStack) -> Iterator[MongoClient[dict[str, object]]]:
    uri = own_stack.settings.mongodb_uri
    assert uri is not None
    client: MongoClient[dict[str, object]] = MongoClient(uri.get_secret_value())
    with client:
        yield client


@pytest.fixture(autouse=True)
async def forget_imports(app: Starlette) -> AsyncIterator[None]:
    """The module shares one database: each test starts without imported documents."""
    yield
    stores = stores_of(app)
    async for doc in stores.documents.collection.find({"legacy_key": {"$exists": True}}):
        await stores.objects.delete(doc["object_key"])
    await stores.documents.collection.delete_many({"legacy_key": {"$exists": True}})
    await stores.access_events.collection.delete_many({"action": "document.imported"})


async def _import(
    stores: Stores, path: Path, at_call: int = 0, fault: Callable[[], None] = lambda: None
) -> ImportReport:
    """Import ``path``, running ``fault`` when the archive is read for the ``at_call``-th time."""
    with read_archive(path, strict=False) as archive:
        original, calls = archive.chunks, [0]

        def chunks(document: XdmDocument, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
            calls[0] += 1
            if calls[0] == at_call:
                fault()
            return original(document, chunk_size)

        archive.chunks = chunks  # type: ignore[method-assign]
        return await import_archive(stores, FakeClock(datetime.now(UTC)), DocumentConfig(), archive)


async def _settled(stores: Stores) -> Written:
    """What is written, once MongoDB answers again (the driver reconnects on its schedule)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return await written(stores)
        except Exception:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.3)


async def _nothing_left(stores: Stores, before: Written) -> None:
    after = await _settled(stores)
    assert (after.documents, after.traces) == (before.documents, before.traces)
    later = FakeClock(datetime.now(UTC) + timedelta(days=1))
    await reconcile(stores, later, grace=timedelta(0))  # objects without a record
    assert await written(stores) == before


async def _rerun_completes(stores: Stores, path: Path, before: Written) -> None:
    report = await _import(stores, path)
    assert (report.imported, report.already_there) == (N, 0)
    after = await written(stores)
    assert after == Written(before.documents + N, before.traces + N, before.objects + N)


async def test_s3_gone_after_the_first_document_leaves_nothing_and_a_rerun_completes(
    app: Starlette, own_stack: EmbeddedStack, archive_path: Path
) -> None:
    stores = stores_of(app)
    before = await written(stores)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the store raises
            await _import(stores, archive_path, UPLOAD + 2, lambda: own_stack.stop_server("s3"))
    finally:
        await asyncio.to_thread(own_stack.start_server, "s3")
    await _nothing_left(stores, before)
    await _rerun_completes(stores, archive_path, before)


async def test_mongodb_gone_before_the_commit_leaves_nothing_and_a_rerun_completes(
    app: Starlette, own_stack: EmbeddedStack, archive_path: Path
) -> None:
    stores = stores_of(app)
    before = await written(stores)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the driver raises
            await _import(
                stores, archive_path, UPLOAD + N, lambda: own_stack.stop_server("mongodb")
            )
    finally:
        await asyncio.to_thread(own_stack.start_server, "mongodb")
    await _nothing_left(stores, before)
    await _rerun_completes(stores, archive_path, before)


async def test_a_validator_refusing_the_traces_rolls_the_records_back(
    app: Starlette, own_stack: EmbeddedStack, archive_path: Path
) -> None:
    stores = stores_of(app)
    before = await written(stores)
    refuse = {"$jsonSchema": {"properties": {"action": {"not": {"enum": ["document.imported"]}}}}}
    for client in _db(own_stack):
        client[own_stack.settings.mongodb_database].command(
            "collMod", "access_events", validator=refuse
        )
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the validator's WriteError
            await _import(stores, archive_path)
        # the records were inserted first, in the same transaction: none of them is left
        assert await written(stores) == before
    finally:
        for client in _db(own_stack):
            client[own_stack.settings.mongodb_database].command(
                "collMod", "access_events", validator=VALIDATOR
            )
    await _rerun_completes(stores, archive_path, before)


async def test_a_killed_import_leaves_nothing_once_reconciled_and_a_rerun_completes(
    app: Starlette, own_stack: EmbeddedStack, archive_path: Path
) -> None:
    stores = stores_of(app)
    before = await written(stores)
    env = {**os.environ, **environment(own_stack.settings)}
    killed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.api.faults.kill_import", str(archive_path), "3", env=env
    )
    assert await killed.wait() == -9  # SIGKILL: no cleanup ran
    orphans = await written(stores)
    assert orphans.objects == before.objects + 2  # two documents' bytes, without a record
    await _nothing_left(stores, before)
    await _rerun_completes(stores, archive_path, before)
