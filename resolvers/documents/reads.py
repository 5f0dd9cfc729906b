"""Reading documents: lists and counts with the visibility rules inside the query, one document,
its versions, and its bytes (a presigned URL or a stream), each access to the bytes traced."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers.access.guard import open_document, open_patient
from resolvers.access.policy import document_decision, document_filter, standing_of
from resolvers.core.actors import Actor
from resolvers.core.clock import Clock
from resolvers.core.errors import InvalidInput
from resolvers.core.identity import normalize_rpps
from resolvers.core.pagination import decode_cursor, page_size
from resolvers.core.request_memo import once
from resolvers.documents.rules import DocumentConfig
from storage.documents import DocumentDoc
from storage.repository import Page
from storage.stores import Stores

SORT_KEY = "created_at"


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    type_codes: list[str] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    author_rpps: str | None = None

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.type_codes is not None:
            query["type.code"] = {"$in": self.type_codes}
        if self.created_from is not None or self.created_to is not None:
            if self.created_from and self.created_to and self.created_to < self.created_from:
                raise InvalidInput("createdTo is before createdFrom", field="createdTo")
            bounds: dict[str, datetime] = {}
            if self.created_from is not None:
                bounds["$gte"] = self.created_from
            if self.created_to is not None:
                bounds["$lte"] = self.created_to
            query["created_at"] = bounds
        if self.author_rpps is not None:
            # a wrong RPPS is a mistake to tell, not a filter that silently matches nothing
            query["author.rpps"] = normalize_rpps(self.author_rpps, field="authorRpps")
        return query


async def _visible_query(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    *,
    action: str,
) -> dict[str, Any]:
    _, standing = await open_patient(
        stores, clock, actor, patient_id, action, target=("documents", patient_id)
    )
    return {"patient_id": patient_id, **_and(document_filter(standing, actor, config.matrix))}


def _and(part: dict[str, Any]) -> dict[str, Any]:
    return {"$and": [part]} if "$or" in part else part


async def list_documents(  # noqa: PLR0917 - a connection's arguments
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    filters: DocumentFilter,
    *,
    first: int | None,
    after: str | None,
) -> tuple[Page[DocumentDoc], Callable[[], Awaitable[int]]]:
    """Current documents newest first (by the act's date), and how to count them all."""
    size = page_size(first)
    keyset = decode_cursor(after)
    query = await _visible_query(
        stores, clock, config, actor, patient_id, action="documents.listed"
    )
    query["status"] = "available"
    query.update(filters.query())
    page = await stores.documents.find_page(query, sort_key=SORT_KEY, first=size, after=keyset)

    async def count() -> int:
        return await stores.documents.count(query)

    return page, count


async def get_document(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    document_id: str,
    *,
    action: str = "document.read",
) -> DocumentDoc:
    """A document the actor may see, current or replaced; the same error whether it is hidden
    or does not exist. Traced as ``action``."""
    doc, _ = await open_document(stores, clock, config.matrix, actor, document_id, action)
    return doc


async def versions(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, doc: DocumentDoc
) -> list[DocumentDoc]:
    """Every version of ``doc`` the actor may see, newest first (part of reading ``doc``)."""
    patient = await stores.patients.get(doc["patient_id"])
    if patient is None:
        return []
    standing = await standing_of(stores, clock, actor, patient)
    query = _and(document_filter(standing, actor, config.matrix))
    query["status"] = {"$in": ["available", "replaced"]}
    return await stores.documents.versions(doc["set_id"], query)


async def visible_version(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> bool:
    """Whether the actor may see ``document_id`` (another version of a document they read), so
    that a link between versions never names one they may not see (part of reading the
    document they read: not traced again)."""
    other = await stores.documents.get(document_id)
    if other is None or other["status"] not in ("available", "replaced"):
        return False
    patient_id = other["patient_id"]
    patient = await once(("patient", patient_id), lambda: stores.patients.get(patient_id))
    if patient is None:
        return False
    standing = await once(
        ("standing", actor, patient_id), lambda: standing_of(stores, clock, actor, patient)
    )
    return document_decision(standing, actor, config.matrix, other).allowed


@dataclass(frozen=True, slots=True)
class DownloadUrl:
    url: str
    expires_at: datetime


async def download_url(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> DownloadUrl:
    """A short-lived URL to the bytes, issued after the access check and traced.

    With SSE-C the object store cannot serve a presigned URL: the URL is the API's own route.
    """
    doc = await get_document(
        stores, clock, config, actor, document_id, action="document.url_issued"
    )
    now = clock.now()
    if stores.objects.config.sse == "c":
        url = f"{config.public_base_url}/documents/{doc['_id']}/content"
    else:
        url = await stores.objects.presigned_get_url(doc["object_key"], config.url_ttl)
    return DownloadUrl(url=url, expires_at=now + config.url_ttl)


DOWNLOAD_CHUNK = 1024 * 1024  # fewer, larger hops from the S3 thread to the response


async def open_content(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> tuple[DocumentDoc, AsyncIterator[bytes]]:
    """The bytes of a document the actor may see, streamed; the download is traced."""
    doc = await get_document(
        stores, clock, config, actor, document_id, action="document.downloaded"
    )
    return doc, await stores.objects.open(doc["object_key"], chunk_size=DOWNLOAD_CHUNK)
