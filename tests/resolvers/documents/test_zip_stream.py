"""The streamed ZIP: bytes leave as each chunk is compressed (nothing is held whole), ZIP64
where a member's size needs it, and the result is a ZIP the standard library reads back."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import AsyncIterator

from resolvers.documents._zip_stream import ZipStream

MiB = 1024 * 1024


async def _chunks(data: bytes, size: int = MiB) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_each_chunk_leaves_before_the_next_is_read() -> None:
    data = b"%PDF-1.7\n" + os.urandom(16 * MiB)  # incompressible: output as large as input
    stream, pieces = ZipStream(), []
    member = stream.member("DOC.PDF", _chunks(data), size=len(data), media_type="application/pdf")
    async for out in member:
        pieces.append(out)
    archive = b"".join(pieces) + stream.close()
    assert len(pieces) >= 16  # one out per chunk in
    assert max(len(piece) for piece in pieces) < 2 * MiB  # never the member whole
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.read("DOC.PDF") == data


async def test_a_member_larger_than_4_gib_is_written_with_zip64() -> None:
    stream = ZipStream()
    head = b"".join(
        [
            out
            async for out in stream.member(
                "BIG.PDF", _chunks(b"x" * 10), size=5 * 1024**3, media_type="application/pdf"
            )
        ]
    )
    archive = head + stream.close()
    name_length, extra_length = struct.unpack("<HH", archive[26:30])
    extra = archive[30 + name_length : 30 + name_length + extra_length]
    assert extra[:2] == b"\x01\x00"  # the ZIP64 extended information field (APPNOTE 4.5.3)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.read("BIG.PDF") == b"x" * 10
