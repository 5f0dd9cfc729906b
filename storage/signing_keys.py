"""Keys that sign access and ID tokens, private halves encrypted at rest.

The newest active key signs; keys being retired still verify (and stay in the JWKS) until every
token they signed has expired.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from pymongo import DESCENDING, IndexModel

from storage.repository import Repository


class SigningKeyDoc(TypedDict):
    _id: str  # the kid
    alg: str
    public_jwk: dict[str, Any]
    private_jwk_sealed: bytes  # AES-GCM: 12-byte nonce, then ciphertext and tag
    created_at: datetime
    not_before: datetime  # it signs from then (published earlier, so every replica knows it)
    retire_at: datetime | None  # None until replaced; then the end of its verifying life


class SigningKeyRepository(Repository[SigningKeyDoc]):
    name = "oauth_signing_keys"
    indexes = (IndexModel([("not_before", DESCENDING)], name="newest_first"),)

    async def published(self, now: datetime) -> list[SigningKeyDoc]:
        """Keys that sign, will sign, or still verify: newest first."""
        query = {"$or": [{"retire_at": None}, {"retire_at": {"$gt": now}}]}
        return await self.collection.find(query).sort("not_before", DESCENDING).to_list()

    async def retire_all_but(self, kid: str, retire_at: datetime) -> None:
        await self.collection.update_many(
            {"_id": {"$ne": kid}, "retire_at": None}, {"$set": {"retire_at": retire_at}}
        )
