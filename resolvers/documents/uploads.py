"""Requested uploads: the client PUTs a document's bytes straight to S3 (or to the API's upload
route), then confirms; size, hash and format are checked before the record exists for anyone.
The writes follow the deposit's order (``resolvers.documents.deposit``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import datetime

from resolvers.access.authorship import same_author
from resolvers.access.guard import UNKNOWN, as_if_hidden
from resolvers.core.actors import Actor
from resolvers.core.audit import refusals_traced
from resolvers.core.clock import Clock
from resolvers.core.errors import InvalidInput, NotFound
from resolvers.documents._formats import HEAD_SIZE, check_format, declared_format
from resolvers.documents.deposit import Measured, finish, pending_record, store_bytes
from resolvers.documents.rules import DocumentConfig, MetadataInput, check_metadata
from resolvers.profile.sections import writable_patient
from storage.documents import DocumentDoc
from storage.stores import Stores

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class RequestedUpload:
    record: DocumentDoc
    s3_url: str | None  # None with SSE-C: the bytes must go through the API
    api_url: str
    expires_at: datetime


async def request_upload(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    *,
    patient_id: str,
    metadata: MetadataInput,
    content_type: str,
    size: int,
    sha256: str,
    replaces: str | None = None,
) -> RequestedUpload:
    """Step one of a large deposit: a pending record and where to PUT the bytes."""
    await writable_patient(stores, clock, actor, patient_id, "document.upload_requested")
    checked = check_metadata(metadata, actor, clock.now())
    declared = declared_format(content_type)
    if not 1 <= size <= config.max_bytes:
        raise InvalidInput(f"size must be between 1 and {config.max_bytes} bytes", field="size")
    digest = sha256.lower()
    if not _SHA256.match(digest):
        raise InvalidInput("sha256 is 64 hexadecimal characters", field="sha256")
    record = await pending_record(
        stores, clock, config, actor, patient_id=patient_id, metadata=checked, replaces=replaces
    )
    record["expected"] = {"size": size, "sha256": digest, "format": declared}
    await stores.documents.insert(record)
    s3_url = None
    if stores.objects.config.sse != "c":
        s3_url = await stores.objects.presigned_put_url(record["object_key"], config.upload_ttl)
    assert record["expires_at"] is not None  # noqa: S101 - set by _pending
    return RequestedUpload(
        record=record,
        s3_url=s3_url,
        api_url=f"{config.public_base_url}/documents/uploads/{record['_id']}",
        expires_at=record["expires_at"],
    )


async def requested(
    stores: Stores, clock: Clock, actor: Actor, document_id: str, action: str = "document.deposited"
) -> DocumentDoc:
    """A pending upload the actor requested (an app: through the same OAuth client), still
    open. Anyone else's, like an unknown id, is ``NotFound`` and traced as a denied attempt."""
    record = await stores.documents.open_upload(document_id)
    expires_at = record["expires_at"] if record else None
    mine = record is not None and same_author(actor, record["author"])
    if record is None or not mine or expires_at is None or expires_at <= clock.now():
        patient_id = record["patient_id"] if record else UNKNOWN
        await as_if_hidden(stores, clock, actor, patient_id, action, ("document", document_id))
        raise NotFound("No open upload with this id is yours.", field="documentId")
    return record


def check_expected(record: DocumentDoc, measured: Measured) -> None:
    expected = record["expected"]
    assert expected is not None  # noqa: S101 - only requested uploads get here
    if measured.size != expected["size"]:
        raise InvalidInput(
            f"the upload is {measured.size} bytes, not the {expected['size']} announced",
            field="size",
        )
    if measured.sha256 != expected["sha256"]:
        raise InvalidInput("the upload's SHA-256 is not the one announced", field="sha256")


async def _measure_stored(stores: Stores, record: DocumentDoc) -> Measured:
    expected = record["expected"]
    assert expected is not None  # noqa: S101
    info = await stores.objects.stat(record["object_key"])
    if info is None:
        raise InvalidInput("nothing was uploaded for this document yet", field="documentId")
    if info.size != expected["size"]:
        return Measured(info.size, "", "")
    digest, head = hashlib.sha256(), b""
    async for chunk in await stores.objects.open(record["object_key"]):
        digest.update(chunk)
        head += chunk[: HEAD_SIZE - len(head)]
    measured = Measured(info.size, digest.hexdigest(), "")
    if measured.sha256 == expected["sha256"]:
        return Measured(info.size, measured.sha256, check_format(head, expected["format"]))
    return measured


async def confirm_upload(
    stores: Stores, clock: Clock, actor: Actor, document_id: str
) -> DocumentDoc:
    """Step two: check what was PUT to S3 (size, SHA-256, format); refused bytes are removed."""
    record = await requested(stores, clock, actor, document_id)
    target = ("document", document_id)
    await writable_patient(
        stores, clock, actor, record["patient_id"], "document.deposited", target=target,
        trace_allowed=False,
    )  # fmt: skip
    async with refusals_traced(
        stores, clock, actor, patient_id=record["patient_id"], action="document.deposited",
        target=target,
    ):  # fmt: skip
        try:
            measured = await _measure_stored(stores, record)
            check_expected(record, measured)
        except InvalidInput as refused:
            if refused.field != "documentId":  # bytes were there, and wrong: remove them
                await stores.objects.delete(record["object_key"])
            raise
        return await finish(stores, clock, record, measured)


async def receive_upload(
    stores: Stores, clock: Clock, actor: Actor, document_id: str, chunks: AsyncIterable[bytes]
) -> DocumentDoc:
    """The API's upload route, for clients that cannot reach S3: stream, check, confirm."""
    record = await requested(stores, clock, actor, document_id)
    target = ("document", document_id)
    await writable_patient(
        stores, clock, actor, record["patient_id"], "document.deposited", target=target,
        trace_allowed=False,
    )  # fmt: skip
    async with refusals_traced(
        stores, clock, actor, patient_id=record["patient_id"], action="document.deposited",
        target=target,
    ):  # fmt: skip
        return await _receive(stores, clock, record, chunks)


async def _receive(
    stores: Stores, clock: Clock, record: DocumentDoc, chunks: AsyncIterable[bytes]
) -> DocumentDoc:
    expected = record["expected"]
    assert expected is not None  # noqa: S101
    try:
        measured = await store_bytes(stores, record, chunks, expected["format"], expected["size"])
        check_expected(record, measured)
    except InvalidInput as refused:
        await stores.objects.delete(record["object_key"])
        if refused.field == "file" and "larger than" in refused.message:
            raise InvalidInput(
                f"the upload is larger than the {expected['size']} bytes announced", field="size"
            ) from None
        raise
    return await finish(stores, clock, record, measured)
