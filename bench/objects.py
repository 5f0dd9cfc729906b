"""Object store transfer: ``storage.ObjectStore`` against the raw ``minio`` SDK, same server.

Ours streams an async iterator into S3 from a worker thread (hashing as it goes) and streams
back in chunks; the baseline hands the SDK a file-like object of the same bytes and reads the
response straight through. Both go to the same bucket of the same server, one after the other.
"""

from __future__ import annotations

import asyncio
import io
import os
import tracemalloc
from collections.abc import AsyncIterator
from typing import BinaryIO, cast

from minio import Minio
from minio.sse import SseS3

from api.settings import Settings
from api.stores_config import object_store_config
from bench.harness import Figure, Section, stopwatch
from storage.objects import ObjectStore

MiB = 1024 * 1024
SIZE = int(os.environ.get("BENCH_OBJECT_MIB", "200")) * MiB
CHUNK = MiB


class Pattern(io.RawIOBase):
    """``size`` bytes of a repeated block, readable like a file, never held whole."""

    def __init__(self, size: int, block: bytes) -> None:
        self.left = size
        self.block = block

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = (self.block * (n // len(self.block) + 1))[:n]
        self.left -= n
        return out


async def _chunks(size: int, block: bytes) -> AsyncIterator[bytes]:
    left = size
    while left:
        part = block[: min(len(block), left)]
        left -= len(part)
        yield part


async def _ours(store: ObjectStore, block: bytes) -> tuple[float, float]:
    with stopwatch() as elapsed:
        await store.put("bench/ours", _chunks(SIZE, block), content_type="application/pdf")
    up = SIZE / MiB / elapsed()
    with stopwatch() as elapsed:
        async for _chunk in await store.open("bench/ours"):
            pass
    return up, SIZE / MiB / elapsed()


async def _ours_memory(store: ObjectStore, block: bytes) -> tuple[float, float]:
    """Peak Python heap of each direction (measured apart: tracemalloc slows what it watches)."""
    tracemalloc.start()
    try:
        await store.put("bench/mem", _chunks(SIZE, block), content_type="application/pdf")
        _, up_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        async for _chunk in await store.open("bench/mem"):
            pass
        _, down_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    await store.delete("bench/mem")
    return up_peak / MiB, down_peak / MiB


def raw_transfer(raw: Minio, bucket: str, block: bytes) -> tuple[float, float]:
    """The baseline: upload then download MiB/s of the raw SDK, SSE-S3, 5 MiB parts."""
    with stopwatch() as elapsed:
        raw.put_object(
            bucket,
            "bench/raw",
            cast("BinaryIO", Pattern(SIZE, block)),
            length=SIZE,
            part_size=5 * MiB,
            num_parallel_uploads=1,
            sse=SseS3(),
        )
    up = SIZE / MiB / elapsed()
    with stopwatch() as elapsed:
        response = raw.get_object(bucket, "bench/raw")
        for _chunk in response.stream(256 * 1024):
            pass
        response.close()
        response.release_conn()
    return up, SIZE / MiB / elapsed()


async def run(settings: Settings) -> Section:
    block = os.urandom(CHUNK)
    config = object_store_config(settings)
    store = ObjectStore(config)
    raw = Minio(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
    )
    await store.ensure_bucket()
    # alternate, so that neither side always runs on a warmer server
    ours_up, ours_down = await _ours(store, block)
    raw_up, raw_down = await asyncio.to_thread(raw_transfer, raw, config.bucket, block)
    ours_up2, ours_down2 = await _ours(store, block)
    raw_up2, raw_down2 = await asyncio.to_thread(raw_transfer, raw, config.bucket, block)
    up_peak, down_peak = await _ours_memory(store, block)
    await store.delete("bench/ours")
    raw.remove_object(config.bucket, "bench/raw")
    store.close()
    mib = SIZE / MiB
    return Section(
        title=f"Object store transfer ({mib:.0f} MiB), storage layer only",
        command="make bench",
        figures=[
            Figure(
                "upload throughput", max(ours_up, ours_up2), max(raw_up, raw_up2), "MiB/s", "≥ 0.8×"
            ),
            Figure(
                "download throughput",
                max(ours_down, ours_down2),
                max(raw_down, raw_down2),
                "MiB/s",
                "≥ 0.8×",
            ),
        ],
        notes=[
            f"Python heap peak while streaming: {up_peak:.1f} MiB up, {down_peak:.1f} MiB down "
            f"(tracemalloc, in a separate run; the object is {mib:.0f} MiB).",
            "Both sides use SSE-S3 and 5 MiB parts; ours also computes the SHA-256 while "
            "streaming and crosses from the event loop to a worker thread for every chunk. "
            "Best of two alternating runs each.",
        ],
    )
