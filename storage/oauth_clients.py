"""OAuth clients: who may ask for tokens, how, for what, and where codes may be sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, TypedDict

from pymongo import ASCENDING, IndexModel

from storage.repository import Repository

ClientKind = Literal["app", "practice_software", "partner", "frontend"]


class OAuthClientDoc(TypedDict):
    _id: str  # the client_id
    name: str
    kind: ClientKind
    secret_hash: str | None  # argon2 hash; None for public clients (PKCE only)
    redirect_uris: list[str]  # matched exactly
    grant_types: list[str]
    scopes: list[str]  # the most this client may ever be granted
    disabled: bool
    created_at: datetime
    updated_at: datetime


class OAuthClientRepository(Repository[OAuthClientDoc]):
    name = "oauth_clients"
    indexes = (IndexModel([("name", ASCENDING)], name="name"),)

    async def list_all(self) -> list[OAuthClientDoc]:
        return await self.collection.find().sort("created_at", ASCENDING).to_list()

    async def put(self, doc: OAuthClientDoc) -> None:
        """Write the client whole, created or replaced (a client the service defines itself)."""
        await self.collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def set_scopes(self, client_id: str, scopes: Sequence[str], name: str) -> None:
        """The client of a catalogue app follows its terms: the scopes and name it shows."""
        await self.collection.update_one(
            {"_id": client_id}, {"$set": {"scopes": list(scopes), "name": name}}
        )

    async def set_disabled(self, client_id: str, disabled: bool, now: datetime) -> bool:
        result = await self.collection.update_one(
            {"_id": client_id}, {"$set": {"disabled": disabled, "updated_at": now}}
        )
        return result.matched_count == 1
