"""The base every collection's repository builds on.

A repository owns one collection: its name, its indexes and its validator are declared on the
class, next to the queries that need them, and ``ensure`` applies them idempotently (at start-up
and by ``espace-sante create-indexes``). Queries return plain documents typed as ``TypedDict``s:
no ODM layer sits between the resolvers and PyMongo.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid

from storage.outage import guarded

DocT = TypeVar("DocT", bound=Mapping[str, Any])
Filter = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Keyset:
    """Where a page starts: the sort value and the id of the last item already seen."""

    value: Any
    id: str


@dataclass(frozen=True, slots=True)
class Page(Generic[DocT]):
    items: list[DocT]
    has_next: bool


class Repository(Generic[DocT]):
    """One collection. Subclasses set ``name`` and may declare ``indexes`` and ``validator``."""

    name: ClassVar[str]
    indexes: ClassVar[Sequence[IndexModel]] = ()
    validator: ClassVar[Mapping[str, Any] | None] = None

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        # Guarded: a connection error surfaces as ``StoreUnavailable`` (see storage.outage).
        self.collection = cast("AsyncCollection[DocT]", guarded(db.get_collection(self.name)))

    @classmethod
    async def ensure(cls, db: AsyncDatabase[Any]) -> None:
        """Create the collection, its validator and its indexes; a no-op when they exist."""
        if cls.validator is not None:
            try:
                await db.create_collection(cls.name, validator=cls.validator)
            except CollectionInvalid:  # exists already: bring its validator up to date
                await db.command("collMod", cls.name, validator=cls.validator)
        if cls.indexes:
            await db.get_collection(cls.name).create_indexes(list(cls.indexes))

    async def get(self, id_: str) -> DocT | None:
        return await self.collection.find_one({"_id": id_})

    async def get_many(self, ids: Sequence[str]) -> list[DocT | None]:
        """Documents for ``ids`` in the same order, ``None`` where missing (for DataLoaders)."""
        found = {doc["_id"]: doc async for doc in self.collection.find({"_id": {"$in": list(ids)}})}
        return [found.get(id_) for id_ in ids]

    async def insert(self, doc: DocT) -> None:
        await self.collection.insert_one(doc)

    async def insert_if_missing(self, doc: DocT) -> bool:
        """Insert ``doc`` unless its ``_id`` exists already; ``True`` when it was inserted."""
        result = await self.collection.update_one(
            {"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True
        )
        return result.upserted_id is not None

    async def delete(self, id_: str) -> None:
        await self.collection.delete_one({"_id": id_})

    async def delete_where(self, filter_: Filter) -> int:
        """Delete every document matching ``filter_``; how many went."""
        result = await self.collection.delete_many(filter_)
        return result.deleted_count

    def stream_where(
        self, filter_: Filter, fields: Sequence[str] | None = None
    ) -> AsyncIterator[DocT]:
        """Every document matching ``filter_`` (only ``fields`` and the id when given), streamed."""
        projection = dict.fromkeys(fields, 1) if fields is not None else None
        return aiter(self.collection.find(filter_, projection))

    async def ids_where(self, filter_: Filter) -> list[str]:
        """The ids of the documents matching ``filter_``."""
        return [doc["_id"] async for doc in self.collection.find(filter_, {"_id": 1})]

    async def list_where(
        self, filter_: Filter, *, oldest_first_by: str | None = None
    ) -> list[DocT]:
        """Every document matching ``filter_`` (a filter the rules built), in one list; in
        ascending ``oldest_first_by`` order when given."""
        cursor = self.collection.find(filter_)
        if oldest_first_by is not None:
            cursor = cursor.sort(oldest_first_by, ASCENDING)
        return await cursor.to_list()

    async def exists(self, filter_: Filter) -> bool:
        return await self.collection.find_one(filter_, {"_id": 1}) is not None

    async def count(self, filter_: Filter) -> int:
        return await self.collection.count_documents(filter_)

    async def find_page(
        self,
        filter_: Filter,
        *,
        sort_key: str,
        first: int,
        after: Keyset | None = None,
        descending: bool = True,
        projection: Mapping[str, Any] | None = None,
    ) -> Page[DocT]:
        """One page of a keyset (seek) pagination ordered by ``sort_key`` then ``_id``.

        Seeking from the last item seen, rather than skipping, keeps every page as cheap as the
        first and stays stable while documents are inserted.
        """
        direction = DESCENDING if descending else ASCENDING
        query: dict[str, Any] = dict(filter_)
        if after is not None:
            op = "$lt" if descending else "$gt"
            seek = {
                "$or": [
                    {sort_key: {op: after.value}},
                    {sort_key: after.value, "_id": {op: after.id}},
                ]
            }
            query = {"$and": [query, seek]} if query else seek
        cursor = (
            self.collection.find(query, projection)
            .sort([(sort_key, direction), ("_id", direction)])
            .limit(first + 1)
        )
        items = await cursor.to_list(first + 1)
        return Page(items=items[:first], has_next=len(items) > first)
