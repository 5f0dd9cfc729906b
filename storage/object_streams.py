"""Feeding an async stream of bytes to the blocking S3 SDK, which reads from a worker thread.

A :class:`Prefetch` reads the source on the event loop ahead of the upload, in blocks of about
``BLOCK`` bytes and at most ``DEPTH`` blocks ahead: receiving the next part from the client
overlaps sending the current one to S3, instead of the two taking turns, and the buffer stays
bounded (about 5 MiB per transfer). A :class:`ChunkReader` is the file-like ``read(n)`` the SDK
calls from its thread; it counts, checks the size limit and hashes (hashlib lets go of the GIL,
so the hash runs beside the event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterable

import anyio.from_thread

from storage.errors import ObjectTooLarge

BLOCK = 1024 * 1024
DEPTH = 4
_End = None


class Prefetch:
    """Reads ``chunks`` ahead into a bounded queue; ``next()`` gives blocks, ``None`` at the end,
    and raises what reading the source raised. Create it on the event loop; ``close()`` it."""

    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self._queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(DEPTH)
        self._task = asyncio.get_running_loop().create_task(self._pump(chunks))

    async def _pump(self, chunks: AsyncIterable[bytes]) -> None:
        held: list[bytes] = []
        size = 0
        try:
            async for chunk in chunks:
                held.append(chunk)
                size += len(chunk)
                if size >= BLOCK:
                    await self._queue.put(b"".join(held))
                    held, size = [], 0
            if held:
                await self._queue.put(b"".join(held))
            await self._queue.put(_End)
        except Exception as exc:  # the source failed (client gone…): the reader raises it
            await self._queue.put(exc)

    async def next(self) -> bytes | None:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def close(self) -> None:
        """Stop reading the source (the upload finished or failed)."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class ChunkReader:
    """A file-like ``read(n)`` over a :class:`Prefetch`, for use from an anyio worker thread.

    ``read`` returns what the current block has left (at most ``n`` bytes) rather than filling
    ``n``: the SDK loops until it has a part, and no second copy of the part is built here.
    """

    def __init__(self, source: Prefetch, max_size: int | None) -> None:
        self._source = source
        self._pending = b""
        self._exhausted = False
        self._max_size = max_size
        self.size = 0
        self.digest = hashlib.sha256()

    def _fill(self) -> None:
        while not self._pending and not self._exhausted:
            block = anyio.from_thread.run(self._source.next)
            if block is None:
                self._exhausted = True
                return
            self.size += len(block)
            if self._max_size is not None and self.size > self._max_size:
                raise ObjectTooLarge(self._max_size)
            self.digest.update(block)
            self._pending = block

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            parts = []
            while not self._exhausted or self._pending:
                self._fill()
                parts.append(self._pending)
                self._pending = b""
            return b"".join(parts)
        self._fill()
        if n >= len(self._pending):
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:n], self._pending[n:]
        return out
