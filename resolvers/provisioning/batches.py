"""Provisioning spaces from the insurer's beneficiary files, at population scale.

A batch reads its file from the object store as a stream, a chunk of lines at a time, so memory
stays flat whatever the size. Each chunk is written with unordered bulk inserts that let the
unique INS index refuse people who already have a space: running a file twice creates nothing
twice. After each chunk the batch records where it is (line and byte offset) and extends its
lease; a runner that dies leaves the lease to expire, and the next runner resumes from the last
checkpoint, re-reading at most one chunk, which the same index makes harmless. Counts grow with
each checkpoint, in the same update: a re-read chunk recognises the spaces this batch itself
created before it was interrupted, so the counts are exact however many times it was resumed.
"""

from __future__ import annotations

import csv
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError, InvalidInput, NotFound
from resolvers.core.pagination import Counted, decode_cursor, page_size
from resolvers.provisioning._lines import (
    Beneficiary,
    LineRejected,
    check_header,
    parse_csv,
    parse_ndjson,
)
from resolvers.spaces.lifecycle import notice, opening_date
from storage.ids import new_id
from storage.patients import PatientDoc, new_space
from storage.provisioning import BatchDoc, CheckpointDoc, FileFormat, RejectionDoc
from storage.representations import RepresentationDoc
from storage.stores import Stores

CHUNK_LINES = 1000
MAX_LINE_BYTES = 16 * 1024


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{new_id()}"


@dataclass(frozen=True)
class RunResult:
    batch: BatchDoc | None
    finished: bool


async def lines_from(
    chunks: AsyncIterator[bytes], start_offset: int
) -> AsyncIterator[tuple[int, bytes]]:
    """``(offset after the line, line)`` for each line of the stream, without its newline."""
    buffer = b""
    offset = start_offset
    async for chunk in chunks:
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            line, buffer = buffer[:end], buffer[end + 1 :]
            offset += end + 1
            yield offset, line.rstrip(b"\r")
        if len(buffer) > MAX_LINE_BYTES:
            raise InvalidInput(f"a line is longer than {MAX_LINE_BYTES} bytes", field="file")
    if buffer:
        offset += len(buffer)
        yield offset, buffer.rstrip(b"\r")


def space_of(person: Beneficiary, batch_id: str, line: int, now: datetime) -> PatientDoc:
    return {
        "_id": new_id(),
        "ins": {"matricule": person.matricule, "oid": person.oid},
        "identity": person.identity,
        "email": person.email,
        "address": person.address,
        "space": new_space(
            "provisioned",
            opening_date=opening_date(now.date()).isoformat(),
            batch_id=batch_id,
            batch_line=line,
            notices=[notice("provisioning-notice")],
        ),
        "created_at": now,
        "updated_at": now,
    }


async def _write_chunk(
    stores: Stores,
    batch_id: str,
    people: list[tuple[int, Beneficiary]],
    rejections: list[RejectionDoc],
    *,
    after_line: int,
    now: datetime,
) -> dict[str, int]:
    """Write the chunk of lines after ``after_line``: how many spaces it created, how many
    people it found with a space already, and how many lines it rejected."""
    spaces = [space_of(person, batch_id, line, now) for line, person in people]
    existing = await stores.patients.insert_new(spaces)
    # There already because this batch wrote them from these very lines before an interruption:
    # created by this chunk all the same. (An earlier line of the file is a true duplicate.)
    ours = (
        await stores.patients.count(
            {
                "ins.matricule": {"$in": sorted(existing)},
                "space.batch_id": batch_id,
                "space.batch_line": {"$gt": after_line},
            }
        )
        if existing
        else 0
    )
    represented = [
        (space, person)
        for space, (_, person) in zip(spaces, people, strict=True)
        if person.representative_ins is not None
    ]
    if represented:
        ids = {space["ins"]["matricule"]: space["_id"] for space, _ in represented}
        if existing:  # already there: their stored ids, not the ones made for this chunk
            ids.update(await stores.patients.ids_by_ins(sorted(existing)))
        await stores.representations.record(
            [
                RepresentationDoc(
                    _id=f"{ids[person.matricule]}:{person.representative_ins}",
                    represented_id=ids[person.matricule],
                    representative_ins=person.representative_ins or "",
                    relation="guardian" if person.relation == "guardian" else "parent",
                    since=now,
                    ended_at=None,
                )
                for _, person in represented
            ]
        )
    await stores.rejections.record(rejections)
    return {
        "created": len(spaces) - len(existing) + ours,
        "existing": len(existing) - ours,
        "rejected": len(rejections),
    }


async def run_batch(
    stores: Stores, clock: Clock, *, owner: str, lease: timedelta, batch_id: str | None = None
) -> RunResult:
    """Claim a batch (this one, or any runnable) and run it to its end, or until the lease is
    lost. ``finished`` says whether it completed here."""
    now = clock.now()
    batch = await stores.batches.claim(owner, now, now + lease, batch_id)
    if batch is None:
        return RunResult(None, False)
    try:
        finished = await _BatchRun(stores, clock, batch, owner, lease).run()
    except DomainError as error:
        await stores.batches.fail(batch["_id"], owner, error.message, clock.now())
        return RunResult(await stores.batches.get(batch["_id"]), False)
    return RunResult(await stores.batches.get(batch["_id"]), finished)


@dataclass
class _BatchRun:
    stores: Stores
    clock: Clock
    batch: BatchDoc
    owner: str
    lease: timedelta

    async def run(self) -> bool:
        batch = self.batch
        line_no, offset = batch["checkpoint"]["line"], batch["checkpoint"]["offset"]
        columns = batch["columns"] or []
        people: list[tuple[int, Beneficiary]] = []
        rejections: list[RejectionDoc] = []
        stream = await self.stores.objects.open(batch["object_key"], offset=offset)
        async for next_offset, raw in lines_from(stream, offset):
            line_no += 1
            text = raw.decode("utf-8", errors="replace")
            if batch["format"] == "csv" and line_no == 1:
                columns = check_header(next(csv.reader([text]), []))
                await self.stores.batches.set_columns(batch["_id"], columns)
            elif text.strip():
                try:
                    person = (
                        parse_csv(columns, text) if batch["format"] == "csv" else parse_ndjson(text)
                    )
                    people.append((line_no, person))
                except LineRejected as refused:
                    rejections.append(
                        {
                            "_id": f"{batch['_id']}:{line_no}",
                            "batch_id": batch["_id"],
                            "line": line_no,
                            "reason": refused.reason,
                        }
                    )
            if len(people) + len(rejections) >= CHUNK_LINES:
                if not await self.commit(people, rejections, line_no, next_offset):
                    return False
                people, rejections = [], []
            offset = next_offset
        if not await self.commit(people, rejections, line_no, offset):
            return False
        await self.stores.batches.finish(batch["_id"], self.owner, self.clock.now())
        return True

    async def commit(
        self,
        people: list[tuple[int, Beneficiary]],
        rejections: list[RejectionDoc],
        line: int,
        offset: int,
    ) -> bool:
        """Write a chunk, then record the checkpoint; ``False`` when the lease was lost."""
        now = self.clock.now()
        after_line = self.batch["checkpoint"]["line"]
        counts = await _write_chunk(
            self.stores, self.batch["_id"], people, rejections, after_line=after_line, now=now
        )
        checkpoint: CheckpointDoc = {"line": line, "offset": offset}
        self.batch["checkpoint"] = checkpoint
        return await self.stores.batches.checkpoint(
            self.batch["_id"], self.owner, checkpoint, now + self.lease, counts
        )


async def new_batch(
    stores: Stores,
    clock: Clock,
    *,
    file_format: FileFormat,
    created_by: str,
    fingerprint: str | None = None,
) -> BatchDoc:
    batch_id = new_id()
    doc: BatchDoc = {
        "_id": batch_id,
        "status": "awaiting_upload",
        "format": file_format,
        "object_key": f"provisioning/{batch_id}",
        "fingerprint": fingerprint,
        "size": None,
        "columns": None,
        "created_by": created_by,
        "checkpoint": {"line": 0, "offset": 0},
        "lease_owner": None,
        "lease_until": None,
        "created": 0,
        "existing": 0,
        "rejected": 0,
        "created_at": clock.now(),
        "started_at": None,
        "finished_at": None,
        "error": None,
    }
    await stores.batches.insert(doc)
    return doc


async def mark_uploaded(stores: Stores, batch_id: str, created_by: str) -> BatchDoc:
    """The file is in place: the batch can run. Refused if the upload is missing."""
    batch = await stores.batches.get(batch_id)
    if batch is None or batch["created_by"] != created_by:
        raise NotFound("No such provisioning batch.", field="batchId")
    info = await stores.objects.stat(batch["object_key"])
    if info is None:
        raise InvalidInput("Upload the file first (PUT it at the upload URL).", field="batchId")
    await stores.batches.mark_uploaded(batch_id, info.size)
    return {**batch, "status": "pending", "size": info.size}


UPLOAD_URL_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Upload:
    batch: BatchDoc
    url: str  # a presigned PUT of the object store, for the insurer's file
    expires_at: datetime


async def request_upload(
    stores: Stores, clock: Clock, *, file_format: FileFormat, created_by: str
) -> Upload:
    """A new batch of ``created_by`` (an insurer's client), and where to upload its file."""
    batch = await new_batch(stores, clock, file_format=file_format, created_by=created_by)
    url = await stores.objects.presigned_put_url(batch["object_key"], UPLOAD_URL_LIFETIME)
    return Upload(batch, url, clock.now() + UPLOAD_URL_LIFETIME)


async def own_batch(stores: Stores, client_id: str, batch_id: str) -> BatchDoc:
    """A batch of the asking client; others' batches do not exist for it."""
    batch = await stores.batches.get(batch_id)
    if batch is None or batch["created_by"] != client_id:
        raise NotFound("No such provisioning batch.", field="id")
    return batch


async def batches_of(
    stores: Stores, client_id: str, first: int | None, after: str | None
) -> Counted[BatchDoc]:
    """The client's batches, newest first."""
    query = {"created_by": client_id}
    page = await stores.batches.find_page(
        query, sort_key="created_at", first=page_size(first), after=decode_cursor(after)
    )
    return page, lambda: stores.batches.count(query)


async def rejections_of(
    stores: Stores, batch_id: str, first: int | None, after: str | None
) -> Counted[RejectionDoc]:
    """The refused lines of a batch (already opened by :func:`own_batch`), in file order."""
    query = {"batch_id": batch_id}
    page = await stores.rejections.find_page(
        query, sort_key="line", first=page_size(first), after=decode_cursor(after),
        descending=False,
    )  # fmt: skip
    return page, lambda: stores.rejections.count(query)
