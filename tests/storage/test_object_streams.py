"""The upload prefetch: it reads ahead of the S3 thread, but never more than a few blocks, and a
failing source fails the upload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from storage.object_streams import BLOCK, DEPTH, Prefetch

CHUNK = 64 * 1024


class Source:
    def __init__(self, size: int, fail_after: int | None = None) -> None:
        self.size, self.fail_after, self.read = size, fail_after, 0

    async def chunks(self) -> AsyncIterator[bytes]:
        while self.read < self.size:
            if self.fail_after is not None and self.read >= self.fail_after:
                raise ConnectionResetError("client gone")
            self.read += CHUNK
            yield b"x" * CHUNK
            await asyncio.sleep(0)


async def test_reads_ahead_in_blocks_but_boundedly() -> None:
    source = Source(64 * BLOCK)
    prefetch = Prefetch(source.chunks())
    await asyncio.sleep(0.2)  # nobody consumes: the pump fills its queue, then waits
    assert DEPTH * BLOCK <= source.read <= (DEPTH + 1) * BLOCK
    total = 0
    while (block := await prefetch.next()) is not None:
        assert len(block) == BLOCK
        total += len(block)
    assert total == 64 * BLOCK
    await prefetch.close()


async def test_a_failing_source_fails_the_reader() -> None:
    prefetch = Prefetch(Source(8 * BLOCK, fail_after=2 * BLOCK).chunks())
    assert await prefetch.next() is not None
    assert await prefetch.next() is not None
    with pytest.raises(ConnectionResetError):
        await prefetch.next()
    await prefetch.close()


async def test_closing_stops_reading_the_source() -> None:
    source = Source(1024 * BLOCK)
    prefetch = Prefetch(source.chunks())
    await prefetch.next()
    await prefetch.close()
    stopped_at = source.read
    await asyncio.sleep(0.05)
    assert source.read == stopped_at < 1024 * BLOCK
