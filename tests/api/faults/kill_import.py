"""Run an XDM import and kill the process (SIGKILL: no cleanup, no finally) when the import
starts uploading document number ``KILL_AT`` — what a crashed or killed importer leaves behind.

``python -m tests.api.faults.kill_import ARCHIVE KILL_AT``, with the stack's environment."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from api.cli.support import running_stack, with_stores
from resolvers.core.clock import SystemClock
from resolvers.documents.legacy_import import import_archive
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm.archive import XdmDocument, read_archive
from storage.stores import Stores


def main(path: Path, kill_at: int) -> None:
    with running_stack() as settings, read_archive(path, strict=False) as archive:
        original = archive.chunks
        calls = [0]
        # the checks read each document twice (its hash, its head), then the upload once more
        kill_call = 2 * len(archive.documents) + kill_at

        def chunks(document: XdmDocument, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
            calls[0] += 1
            if calls[0] == kill_call:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(document, chunk_size)

        archive.chunks = chunks  # type: ignore[method-assign]

        async def run(stores: Stores) -> None:
            await import_archive(stores, SystemClock(), DocumentConfig(), archive)

        with_stores(settings, run)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
    sys.exit(3)  # reaching here means the kill point was never reached
