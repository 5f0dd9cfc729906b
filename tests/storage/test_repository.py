from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypedDict

import pytest
from pymongo import ASCENDING, IndexModel
from pymongo.errors import WriteError

from api.settings import Settings
from storage.repository import Keyset, Repository
from storage.stores import repositories
from tests.storage.helpers import open_test_stores


class NoteDoc(TypedDict):
    _id: str
    at: datetime
    text: str


class NoteRepository(Repository[NoteDoc]):
    name = "notes"
    indexes = (IndexModel([("at", ASCENDING)], name="at"),)
    validator: ClassVar[dict[str, Any]] = {
        "$jsonSchema": {"bsonType": "object", "required": ["at", "text"]}
    }


async def test_ensure_is_idempotent_and_creates_declared_indexes(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        await stores.prepare()  # a second time: nothing changes, nothing fails
        for repository in repositories():
            info = await stores.db[repository.name].index_information()
            for index in repository.indexes:
                assert index.document["name"] in info, (repository.name, index.document["name"])


async def test_validator_rejects_malformed_documents(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        await NoteRepository.ensure(stores.db)
        await NoteRepository.ensure(stores.db)
        notes = NoteRepository(stores.db)
        malformed: dict[str, object] = {"_id": "x", "text": "no date"}
        with pytest.raises(WriteError):
            await stores.db[NoteRepository.name].insert_one(malformed)
        assert await notes.count({}) == 0


async def test_get_many_keeps_the_order_asked_and_marks_missing(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        notes = NoteRepository(stores.db)
        now = datetime.now(UTC)
        for id_ in ("a", "b", "c"):
            await notes.insert({"_id": id_, "at": now, "text": id_})
        found = await notes.get_many(["c", "missing", "a"])
    assert [None if doc is None else doc["_id"] for doc in found] == ["c", None, "a"]


async def test_insert_if_missing_says_whether_it_inserted(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        notes = NoteRepository(stores.db)
        doc: NoteDoc = {"_id": "n1", "at": datetime.now(UTC), "text": "first"}
        assert await notes.insert_if_missing(doc) is True
        assert await notes.insert_if_missing({**doc, "text": "second"}) is False
        stored = await notes.get("n1")
    assert stored is not None
    assert stored["text"] == "first"


async def test_keyset_pages_cover_everything_once_newest_first_even_with_ties(
    settings: Settings,
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with open_test_stores(settings) as stores:
        notes = NoteRepository(stores.db)
        # 25 notes on 10 distinct instants: ties must be broken by _id, never skipped.
        for i in range(25):
            await notes.insert(
                {"_id": f"n{i:02d}", "at": start + timedelta(hours=i // 3), "text": str(i)}
            )
        seen: list[str] = []
        after: Keyset | None = None
        while True:
            page = await notes.find_page({}, sort_key="at", first=7, after=after)
            seen += [doc["_id"] for doc in page.items]
            if not page.has_next:
                break
            last = page.items[-1]
            after = Keyset(value=last["at"], id=last["_id"])
    expected = sorted(
        (f"n{i:02d}" for i in range(25)), key=lambda id_: (int(id_[1:]) // 3, id_), reverse=True
    )
    assert seen == expected


async def test_keyset_pages_ascending_with_a_filter(settings: Settings) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with open_test_stores(settings) as stores:
        notes = NoteRepository(stores.db)
        for i in range(10):
            await notes.insert(
                {
                    "_id": f"n{i}",
                    "at": start + timedelta(days=i),
                    "text": "even" if i % 2 == 0 else "odd",
                }
            )
        first = await notes.find_page({"text": "even"}, sort_key="at", first=3, descending=False)
        last = first.items[-1]
        second = await notes.find_page(
            {"text": "even"},
            sort_key="at",
            first=3,
            descending=False,
            after=Keyset(last["at"], last["_id"]),
        )
    assert [d["_id"] for d in first.items] == ["n0", "n2", "n4"]
    assert first.has_next
    assert [d["_id"] for d in second.items] == ["n6", "n8"]
    assert not second.has_next
