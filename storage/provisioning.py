"""Provisioning batches (beneficiary files from the insurer) and the lines they refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal, TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import BulkWriteError

from storage.repository import Repository

BatchStatus = Literal["awaiting_upload", "pending", "running", "done", "failed"]
FileFormat = Literal["csv", "ndjson"]


class CheckpointDoc(TypedDict):
    line: int  # lines fully handled (the header included)
    offset: int  # byte offset where the next line starts


class BatchDoc(TypedDict):
    _id: str
    status: BatchStatus
    format: FileFormat
    object_key: str  # the uploaded file, in the object store
    fingerprint: str | None  # SHA-256 of the file, when known (the CLI resumes by it)
    size: int | None
    columns: list[str] | None  # the CSV header, once read
    created_by: str  # client id
    checkpoint: CheckpointDoc
    lease_owner: str | None
    lease_until: datetime | None
    created: int  # spaces created by this batch
    existing: int  # people who already had a space
    rejected: int  # lines refused
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class RejectionDoc(TypedDict):
    _id: str  # "<batch id>:<line>": recording a line twice keeps one
    batch_id: str
    line: int
    reason: str


class BatchRepository(Repository[BatchDoc]):
    name = "provisioning_batches"
    indexes = (
        IndexModel([("status", ASCENDING), ("lease_until", ASCENDING)], name="runnable"),
        IndexModel([("fingerprint", ASCENDING), ("status", ASCENDING)], name="fingerprint"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest"),
    )

    async def claim(
        self, owner: str, now: datetime, lease_until: datetime, batch_id: str | None = None
    ) -> BatchDoc | None:
        """Take a batch to run: pending, or running under a lease that ran out (its runner
        died). Only one runner at a time holds a batch."""
        query: dict[str, object] = {
            "$or": [
                {"status": "pending"},
                {"status": "running", "lease_until": {"$lte": now}},
            ]
        }
        if batch_id is not None:
            query = {"_id": batch_id, **query}
        return await self.collection.find_one_and_update(
            query,
            {
                "$set": {"status": "running", "lease_owner": owner, "lease_until": lease_until},
                "$min": {"started_at": now},
            },
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def checkpoint(
        self,
        batch_id: str,
        owner: str,
        checkpoint: CheckpointDoc,
        lease_until: datetime,
        counts: Mapping[str, int],
    ) -> bool:
        """Record progress, add the chunk's counts and extend the lease, in one update;
        ``False`` when the lease was lost (and then nothing is recorded)."""
        result = await self.collection.update_one(
            {"_id": batch_id, "lease_owner": owner, "status": "running"},
            {
                "$set": {"checkpoint": checkpoint, "lease_until": lease_until},
                "$inc": dict(counts),
            },
        )
        return result.matched_count == 1

    async def finish(self, batch_id: str, owner: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": batch_id, "lease_owner": owner},
            {
                "$set": {
                    "status": "done",
                    "finished_at": now,
                    "lease_owner": None,
                    "lease_until": None,
                }
            },
        )

    async def fail(self, batch_id: str, owner: str, error: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": batch_id, "lease_owner": owner},
            {
                "$set": {
                    "status": "failed",
                    "finished_at": now,
                    "error": error,
                    "lease_owner": None,
                    "lease_until": None,
                }
            },
        )

    async def set_columns(self, batch_id: str, columns: list[str]) -> None:
        await self.collection.update_one({"_id": batch_id}, {"$set": {"columns": columns}})

    async def mark_uploaded(self, batch_id: str, size: int) -> None:
        await self.collection.update_one(
            {"_id": batch_id, "status": "awaiting_upload"},
            {"$set": {"status": "pending", "size": size}},
        )

    async def unfinished_by_fingerprint(self, fingerprint: str) -> BatchDoc | None:
        return await self.collection.find_one(
            {"fingerprint": fingerprint, "status": {"$in": ["pending", "running"]}}
        )


class RejectionRepository(Repository[RejectionDoc]):
    name = "provisioning_rejections"
    indexes = (IndexModel([("batch_id", ASCENDING), ("line", ASCENDING)], name="batch_line"),)

    async def record(self, docs: list[RejectionDoc]) -> None:
        if not docs:
            return
        try:
            await self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            if any(e["code"] != 11000 for e in error.details["writeErrors"]):
                raise
