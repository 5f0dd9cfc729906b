"""Preparing collections: validators and indexes, for the repositories given (all of them are
listed once, as the fields of :class:`storage.stores.Stores`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from storage.repository import Repository


async def ensure_collections(
    db: AsyncDatabase[Any], repositories: Sequence[type[Repository[Any]]]
) -> list[str]:
    """Create every collection's validator and indexes; returns the collection names."""
    for repository in repositories:
        await repository.ensure(db)
    return [repository.name for repository in repositories]
