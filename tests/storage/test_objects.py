from __future__ import annotations

import base64
import hashlib
import os
import random
import tracemalloc
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from minio import Minio
from minio.error import S3Error
from pydantic import SecretStr

from api.settings import Settings
from api.stores_config import object_store_config
from storage.errors import ObjectNotFound, ObjectTooLarge
from storage.objects import ObjectStore

MiB = 1024 * 1024


async def chunks(
    total: int, size: int = MiB, *, fail_after: int | None = None
) -> AsyncIterator[bytes]:
    """``total`` pseudo-random bytes in ``size`` chunks, optionally failing after ``fail_after``.

    The same arguments always give the same bytes.
    """
    sent = 0
    block = random.Random(size).randbytes(size)
    while sent < total:
        if fail_after is not None and sent >= fail_after:
            raise ConnectionResetError("client went away")
        part = block[: min(size, total - sent)]
        sent += len(part)
        yield part


def raw_client(settings: Settings) -> Minio:
    config = object_store_config(settings)
    return Minio(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
    )


async def test_streamed_upload_is_hashed_and_reads_back_identical(objects: ObjectStore) -> None:
    digest = hashlib.sha256()
    async for part in chunks(20 * MiB + 123):
        digest.update(part)
    stored = await objects.put("objects/a", chunks(20 * MiB + 123), content_type="application/pdf")
    assert stored.size == 20 * MiB + 123
    assert stored.sha256 == digest.hexdigest()
    back = hashlib.sha256()
    size = 0
    async for part in await objects.open("objects/a"):
        back.update(part)
        size += len(part)
    assert (size, back.hexdigest()) == (stored.size, stored.sha256)
    info = await objects.stat("objects/a")
    assert info is not None
    assert info.size == stored.size
    assert info.content_type == "application/pdf"


async def test_large_objects_stream_without_being_held_in_memory(objects: ObjectStore) -> None:
    total = 48 * MiB
    tracemalloc.start()
    try:
        await objects.put("objects/big", chunks(total), content_type="application/octet-stream")
        async for _ in await objects.open("objects/big"):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < total // 2, f"peak {peak / MiB:.1f} MiB for a {total / MiB:.0f} MiB object"


async def test_every_object_is_encrypted_at_rest_with_sse_s3(
    objects: ObjectStore, settings: Settings
) -> None:
    await objects.put_bytes("objects/enc", b"secret health data", content_type="text/plain")
    stat = raw_client(settings).stat_object(settings.s3_bucket, "objects/enc")
    assert stat.metadata is not None
    assert stat.metadata.get("x-amz-server-side-encryption") == "AES256"


async def test_sse_c_objects_cannot_be_read_without_the_key(settings: Settings) -> None:
    key = os.urandom(32)
    ssec_settings = settings.model_copy(
        update={"s3_sse": "c", "s3_sse_c_key": SecretStr(base64.b64encode(key).decode())}
    )
    store = ObjectStore(object_store_config(ssec_settings))
    try:
        await store.ensure_bucket()
        await store.put_bytes("objects/c", b"customer-keyed bytes", content_type="text/plain")
        data = b"".join([part async for part in await store.open("objects/c")])
        assert data == b"customer-keyed bytes"
        with pytest.raises(S3Error):
            raw_client(settings).get_object(settings.s3_bucket, "objects/c").read()
        with pytest.raises(ValueError, match="SSE-C"):
            await store.presigned_get_url("objects/c", timedelta(minutes=1))
    finally:
        store.close()


async def test_an_upload_that_fails_midway_leaves_nothing(objects: ObjectStore) -> None:
    with pytest.raises(ConnectionResetError):
        await objects.put(
            "objects/cut", chunks(30 * MiB, fail_after=20 * MiB), content_type="application/pdf"
        )
    assert await objects.stat("objects/cut") is None


async def test_an_upload_past_its_limit_is_refused_and_leaves_nothing(objects: ObjectStore) -> None:
    with pytest.raises(ObjectTooLarge):
        await objects.put(
            "objects/huge", chunks(20 * MiB), content_type="application/pdf", max_size=10 * MiB
        )
    assert await objects.stat("objects/huge") is None


async def test_missing_objects_and_deletion(objects: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        await objects.open("objects/none")
    await objects.put_bytes("objects/tmp", b"x", content_type="text/plain")
    await objects.delete("objects/tmp")
    assert await objects.stat("objects/tmp") is None


async def test_presigned_urls_work_for_a_limited_time(
    objects: ObjectStore, settings: Settings
) -> None:
    put_url = await objects.presigned_put_url("objects/presigned", timedelta(minutes=5))
    async with httpx.AsyncClient() as client:
        uploaded = await client.put(put_url, content=b"uploaded directly")
        assert uploaded.status_code == 200
        # no encryption header was sent: the bucket's default encryption applied anyway
        stat = raw_client(settings).stat_object(settings.s3_bucket, "objects/presigned")
        assert stat.metadata is not None
        assert stat.metadata.get("x-amz-server-side-encryption") == "AES256"
        get_url = await objects.presigned_get_url("objects/presigned", timedelta(minutes=5))
        fetched = await client.get(get_url)
        assert fetched.content == b"uploaded directly"
        tampered = await client.get(get_url.replace("X-Amz-Expires=300", "X-Amz-Expires=3000"))
        assert tampered.status_code == 403
