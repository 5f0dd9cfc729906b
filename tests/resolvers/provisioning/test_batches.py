"""Provisioning batches from files in the object store: idempotent, resumable, exact."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from resolvers.core.clock import SystemClock
from resolvers.provisioning.batches import _BatchRun, mark_uploaded, new_batch, run_batch
from storage.provisioning import FileFormat
from storage.stores import Stores
from tests.generators.beneficiaries import csv_file, csv_lines, matricule, ndjson_lines, person

CLOCK = SystemClock()
LEASE = timedelta(minutes=1)


async def upload(stores: Stores, data: bytes, file_format: FileFormat = "csv") -> str:
    batch = await new_batch(stores, CLOCK, file_format=file_format, created_by="insurer")
    await stores.objects.put_bytes(batch["object_key"], data, content_type="text/csv")
    await mark_uploaded(stores, batch["_id"], "insurer")
    return batch["_id"]


async def test_a_file_creates_one_provisioned_space_per_person(stores: Stores) -> None:
    batch_id = await upload(stores, "".join(csv_lines(2500)).encode())
    result = await run_batch(stores, CLOCK, owner="t", lease=LEASE, batch_id=batch_id)
    assert result.finished
    assert result.batch is not None
    assert (result.batch["created"], result.batch["existing"], result.batch["rejected"]) == (
        2500,
        0,
        0,
    )
    assert await stores.patients.count({"space.status": "provisioned"}) == 2500
    one = await stores.patients.by_ins(matricule(7, "M", 1947, 8))
    assert one is not None
    assert one["space"]["notices"][0]["template"] == "provisioning-notice"
    assert one["space"]["opening_date"] == (CLOCK.now().date() + timedelta(weeks=6)).isoformat()


async def test_the_same_file_twice_creates_nothing_twice(stores: Stores) -> None:
    data = "".join(csv_lines(1200)).encode()
    await run_batch(stores, CLOCK, owner="t", lease=LEASE, batch_id=await upload(stores, data))
    again = await run_batch(
        stores, CLOCK, owner="t", lease=LEASE, batch_id=await upload(stores, data)
    )
    assert again.batch is not None
    assert (again.batch["created"], again.batch["existing"]) == (0, 1200)
    assert await stores.patients.count({}) == 1200


async def test_ndjson_files_work_the_same(stores: Stores) -> None:
    batch_id = await upload(stores, "".join(ndjson_lines(300)).encode(), "ndjson")
    result = await run_batch(stores, CLOCK, owner="t", lease=LEASE, batch_id=batch_id)
    assert result.batch is not None
    assert result.batch["created"] == 300


async def test_each_bad_line_is_reported_with_its_number_and_the_batch_goes_on(
    stores: Stores,
) -> None:
    rng = random.Random(3)
    good = [person(i, rng) for i in range(5)]
    bad_key = {**person(10, rng), "ins": person(10, rng)["ins"][:-2] + "00"}
    no_contact = {**person(11, rng), "email": "", "address_line_1": ""}
    wrong_sex = {**person(12, rng), "sex": "F" if person(12, rng)["sex"] == "M" else "M"}
    future = {**person(13, rng), "birth_date": "2999-01-01"}
    rows = [good[0], bad_key, good[1], no_contact, good[2], wrong_sex, good[3], future, good[4]]
    batch_id = await upload(stores, csv_file(rows))
    result = await run_batch(stores, CLOCK, owner="t", lease=LEASE, batch_id=batch_id)
    assert result.batch is not None
    assert (result.batch["created"], result.batch["rejected"]) == (5, 4)
    reasons = {doc["line"]: doc["reason"] async for doc in stores.rejections.collection.find()}
    assert reasons == {
        3: "ins: the INS matricule's key does not match its number",
        5: "neither an email nor a full postal address to notify the person",
        7: "sex does not match the INS",
        9: "birth_date is impossible",
    }


async def test_a_file_without_the_required_columns_fails_the_batch(stores: Stores) -> None:
    batch_id = await upload(stores, b"name,email\nA,a@example.org\n")
    result = await run_batch(stores, CLOCK, owner="t", lease=LEASE, batch_id=batch_id)
    assert not result.finished
    assert result.batch is not None
    assert result.batch["status"] == "failed"
    assert "lacks the column(s): ins" in (result.batch["error"] or "")


async def test_a_batch_resumes_from_its_checkpoint_with_exact_counts(stores: Stores) -> None:
    batch_id = await upload(stores, "".join(csv_lines(3500)).encode())
    # a runner dies after two chunks: simulate it by stopping the stream midway
    first = await stores.batches.claim(
        "dead", CLOCK.now(), CLOCK.now() - timedelta(seconds=1), batch_id
    )
    assert first is not None
    run = _BatchRun(stores, CLOCK, first, "dead", -timedelta(seconds=1))
    original = run.commit
    commits = 0

    async def commit_then_die(*args: object, **kwargs: object) -> bool:
        nonlocal commits
        commits += 1
        if commits == 3:
            raise KeyboardInterrupt  # the process is killed after two checkpoints
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    run.commit = commit_then_die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        await run.run()
    checkpoint = (await stores.batches.get(batch_id))["checkpoint"]  # type: ignore[index]
    assert checkpoint["line"] == 2001
    # its lease has run out: another runner resumes and finishes
    result = await run_batch(stores, CLOCK, owner="next", lease=LEASE)
    assert result.finished
    assert result.batch is not None
    assert (result.batch["created"], result.batch["existing"], result.batch["rejected"]) == (
        3500,
        0,
        0,
    )
    assert await stores.patients.count({}) == 3500


async def test_a_chunk_written_but_not_checkpointed_is_counted_once_when_resumed(
    stores: Stores,
) -> None:
    lines = list(csv_lines(3500))
    # the first person again (a true duplicate), and a line that cannot be read
    batch_id = await upload(stores, "".join([*lines, lines[1], "not,a,person\n"]).encode())
    first = await stores.batches.claim(
        "dead", CLOCK.now(), CLOCK.now() - timedelta(seconds=1), batch_id
    )
    assert first is not None
    original = stores.batches.checkpoint
    checkpoints = 0

    async def die_before_the_third_checkpoint(*args: Any, **kwargs: Any) -> bool:
        nonlocal checkpoints
        checkpoints += 1
        if checkpoints == 3:
            raise KeyboardInterrupt  # killed between writing the chunk and recording it
        return await original(*args, **kwargs)

    stores.batches.checkpoint = die_before_the_third_checkpoint  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        await _BatchRun(stores, CLOCK, first, "dead", -timedelta(seconds=1)).run()
    stores.batches.checkpoint = original  # type: ignore[method-assign]
    assert await stores.patients.count({}) == 3000  # the third chunk is in, unrecorded
    result = await run_batch(stores, CLOCK, owner="next", lease=LEASE)
    assert result.finished
    assert result.batch is not None
    assert (result.batch["created"], result.batch["existing"], result.batch["rejected"]) == (
        3500,
        1,
        1,
    )
    assert await stores.patients.count({}) == 3500


async def test_two_runners_never_hold_the_same_batch(stores: Stores) -> None:
    batch_id = await upload(stores, "".join(csv_lines(10)).encode())
    now = CLOCK.now()
    assert await stores.batches.claim("a", now, now + LEASE, batch_id) is not None
    assert await stores.batches.claim("b", now, now + LEASE, batch_id) is None
