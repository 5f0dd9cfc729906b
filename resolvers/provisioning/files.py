"""Provisioning from a file the operator holds (``espace-sante provision``): one call that
finds the unfinished batch of the same file, or creates and uploads a new one, then runs it.

Running it again on the same file after an interruption resumes that batch where it stopped
(the file is recognised by its fingerprint), so no space is ever created twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

from resolvers.core.clock import Clock
from resolvers.provisioning.batches import mark_uploaded, new_batch, run_batch
from storage.provisioning import BatchDoc, FileFormat
from storage.stores import Stores


@dataclass(frozen=True, slots=True)
class FileRun:
    batch_id: str
    resumed_from: int | None  # the line an unfinished batch resumed from; None: a new batch
    batch: BatchDoc | None  # as the run left it; None when another runner holds it


async def provision_file(
    stores: Stores,
    clock: Clock,
    fingerprint: str,
    chunks: Callable[[], AsyncIterator[bytes]],
    file_format: FileFormat,
    *,
    created_by: str,
    owner: str,
    lease: timedelta,
) -> FileRun:
    """Resume the unfinished batch of the file with ``fingerprint``, or upload ``chunks()``
    (opened only then) as a new one; run it to its end."""
    batch = await stores.batches.unfinished_by_fingerprint(fingerprint)
    resumed_from = None if batch is None else batch["checkpoint"]["line"]
    if batch is None:
        batch = await new_batch(
            stores, clock, file_format=file_format, created_by=created_by, fingerprint=fingerprint
        )
        await stores.objects.put(batch["object_key"], chunks(), content_type="text/plain")
        await mark_uploaded(stores, batch["_id"], created_by)
    result = await run_batch(stores, clock, owner=owner, lease=lease, batch_id=batch["_id"])
    return FileRun(batch_id=batch["_id"], resumed_from=resumed_from, batch=result.batch)
