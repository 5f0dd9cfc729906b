"""A ZIP archive written while it is read: the standard library's ``zipfile`` on an unseekable
sink, each member's bytes going out as soon as they are compressed.

On a stream it cannot seek back into, ``zipfile`` writes every member with a data descriptor
(sizes and CRC after the data) and ZIP64 records where sizes or offsets need them, so nothing is
held but the compressor's window and the chunk in hand: memory stays flat whatever the archive's
size. Compression runs in a worker thread (zlib releases the GIL), never on the event loop.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import IO, Protocol, cast

import anyio.to_thread

# Formats that are already compressed gain nothing from a strong deflate: the fastest level.
_COMPRESSED = {"application/pdf", "image/jpeg", "image/png"}


class Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...


class _Sink:
    """An unseekable, write-only file collecting what ``zipfile`` writes until taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the parts are taken by the stream."""

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


class ZipStream:
    """Members added one at a time; every method returns the archive's bytes produced so far."""

    def __init__(self) -> None:
        self._sink = _Sink()
        # ``zipfile`` wraps an object without ``tell``/``seek`` and writes in streaming mode
        self._zip = zipfile.ZipFile(cast("IO[bytes]", self._sink), mode="w")

    def _info(self, name: str, size: int, media_type: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        # ``compress_level`` from Python 3.13; 3.11 reads this private attribute
        info._compresslevel = 1 if media_type in _COMPRESSED else 6  # type: ignore[attr-defined]
        info.file_size = size  # only to choose ZIP64 ahead: the real size is counted
        info.external_attr = 0o644 << 16
        return info

    async def member(
        self,
        name: str,
        chunks: AsyncIterable[bytes],
        *,
        size: int,
        media_type: str,
        hashes: Sequence[Hash] = (),
    ) -> AsyncIterator[bytes]:
        """Add ``name`` from ``chunks`` (about ``size`` bytes), feeding ``hashes`` on the way;
        yields the archive's bytes."""
        info = self._info(name, size, media_type)
        writer = self._zip.open(info, mode="w")  # ZIP64 header when ``size`` needs it
        try:
            async for chunk in chunks:
                yield await anyio.to_thread.run_sync(self._write, writer, chunk, hashes)
        finally:
            writer.close()  # the data descriptor; on failure the archive is abandoned anyway
        yield self._sink.take()

    def _write(self, writer: IO[bytes], chunk: bytes, hashes: Sequence[Hash]) -> bytes:
        for digest in hashes:  # hashlib lets go of the GIL as zlib does
            digest.update(chunk)
        writer.write(chunk)
        return self._sink.take()

    async def small(self, name: str, data: bytes, media_type: str) -> bytes:
        """Add a member held in memory (README, index, metadata); the bytes it produced."""
        chunks: list[bytes] = []

        async def one() -> AsyncIterator[bytes]:
            yield data

        async for out in self.member(name, one(), size=len(data), media_type=media_type):
            chunks.append(out)
        return b"".join(chunks)

    def close(self) -> bytes:
        """The central directory (ZIP64 end records when needed): the archive's last bytes."""
        self._zip.close()
        return self._sink.take()
