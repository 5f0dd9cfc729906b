"""The CLI's use case: a file is uploaded once, and run again it resumes its unfinished batch
(found by fingerprint) instead of uploading a second copy."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from resolvers.core.clock import SystemClock
from resolvers.provisioning.batches import mark_uploaded, new_batch
from resolvers.provisioning.files import provision_file
from storage.stores import Stores
from tests.generators.beneficiaries import csv_lines

CLOCK = SystemClock()
LEASE = timedelta(minutes=1)


def _chunks(data: bytes, opened: list[bool]) -> Callable[[], AsyncIterator[bytes]]:
    async def chunks() -> AsyncIterator[bytes]:
        opened.append(True)
        yield data

    return chunks


async def test_a_new_file_is_uploaded_then_run(stores: Stores) -> None:
    data = "".join(csv_lines(30)).encode()
    opened: list[bool] = []
    run = await provision_file(
        stores, CLOCK, hashlib.sha256(data).hexdigest(), _chunks(data, opened), "csv",
        created_by="cli", owner="t", lease=LEASE,
    )  # fmt: skip
    assert opened == [True]
    assert run.resumed_from is None
    assert run.batch is not None
    assert (run.batch["status"], run.batch["created"] + run.batch["existing"]) == ("done", 30)


async def test_an_unfinished_batch_of_the_same_file_resumes_without_a_second_upload(
    stores: Stores,
) -> None:
    data = "".join(csv_lines(40, start=1000)).encode()
    digest = hashlib.sha256(data).hexdigest()
    # an earlier run uploaded the file and stopped before running it (killed)
    batch = await new_batch(stores, CLOCK, file_format="csv", created_by="cli", fingerprint=digest)
    await stores.objects.put_bytes(batch["object_key"], data, content_type="text/plain")
    await mark_uploaded(stores, batch["_id"], "cli")
    opened: list[bool] = []
    run = await provision_file(
        stores, CLOCK, digest, _chunks(data, opened), "csv",
        created_by="cli", owner="t", lease=LEASE,
    )  # fmt: skip
    assert opened == []  # the file was not read, let alone uploaded again
    assert (run.batch_id, run.resumed_from) == (batch["_id"], 0)
    assert run.batch is not None
    assert (run.batch["status"], run.batch["created"] + run.batch["existing"]) == ("done", 40)
