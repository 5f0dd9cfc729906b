"""What the authorization server issued: codes, refresh tokens and the access-token allow-list.

Codes and refresh tokens are stored as SHA-256 hashes (they are long random strings: a fast hash
is enough, and a leaked table gives nothing usable). Every access token's ``jti`` is recorded, so
that revoking one, a whole grant family or a client takes effect on the very next request, on
every replica. Expired entries are removed by TTL indexes; expiry is also checked in code.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, IndexModel, ReturnDocument

from storage.repository import Repository


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AuthorizationCodeDoc(TypedDict):
    _id: str  # sha256 of the code
    client_id: str
    user_kind: str
    user_id: str
    redirect_uri: str | None
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    auth_time: int
    expires_at: datetime
    used_at: datetime | None
    family_id: str | None  # set when tokens were issued for it


class RefreshTokenDoc(TypedDict):
    _id: str  # sha256 of the token
    family_id: str  # shared by every token rotated from the same authorization
    client_id: str
    user_kind: str
    user_id: str
    scope: str
    auth_time: int
    issued_at: datetime
    expires_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None


class AccessTokenDoc(TypedDict):
    _id: str  # the jti
    family_id: str | None
    client_id: str
    subject: str
    scope: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


_TTL = {"expireAfterSeconds": 0}


class AuthorizationCodeRepository(Repository[AuthorizationCodeDoc]):
    name = "oauth_codes"
    indexes = (IndexModel([("expires_at", ASCENDING)], name="ttl", **_TTL),)

    async def consume(self, code: str, now: datetime) -> tuple[AuthorizationCodeDoc | None, bool]:
        """Mark a code used, once: ``(code, True)`` the first time, ``(code, False)`` on reuse."""
        doc = await self.collection.find_one_and_update(
            {"_id": token_hash(code), "used_at": None, "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return doc, True
        return await self.collection.find_one({"_id": token_hash(code)}), False

    async def nonce_used(self, client_id: str, nonce: str) -> bool:
        """Whether an OpenID Connect nonce was already sent by this client (a replay)."""
        found = await self.collection.find_one({"client_id": client_id, "nonce": nonce}, {"_id": 1})
        return found is not None

    async def set_family(self, code_hash: str, family_id: str) -> None:
        await self.collection.update_one({"_id": code_hash}, {"$set": {"family_id": family_id}})


class RefreshTokenRepository(Repository[RefreshTokenDoc]):
    name = "oauth_refresh_tokens"
    indexes = (
        IndexModel([("family_id", ASCENDING)], name="family"),
        IndexModel([("client_id", ASCENDING), ("user_id", ASCENDING)], name="client_user"),
        IndexModel([("expires_at", ASCENDING)], name="ttl", **_TTL),
    )

    async def rotate(self, token: str, now: datetime) -> tuple[RefreshTokenDoc | None, bool]:
        """Use a refresh token, once: ``(doc, True)`` if it was valid, ``(doc, False)`` when it
        exists but was already used, revoked or expired, ``(None, False)`` when unknown."""
        doc = await self.collection.find_one_and_update(
            {
                "_id": token_hash(token),
                "rotated_at": None,
                "revoked_at": None,
                "expires_at": {"$gt": now},
            },
            {"$set": {"rotated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return doc, True
        return await self.collection.find_one({"_id": token_hash(token)}), False

    async def by_token(self, token: str) -> RefreshTokenDoc | None:
        return await self.collection.find_one({"_id": token_hash(token)})

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        await self.collection.update_many(
            {"family_id": family_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )

    async def revoke_client(self, client_id: str, now: datetime) -> None:
        await self.collection.update_many(
            {"client_id": client_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )

    async def revoke_for(self, client_id: str, user_id: str, now: datetime) -> None:
        """Every refresh token the client holds for one person (a pairing that ends)."""
        await self.collection.update_many(
            {"client_id": client_id, "user_id": user_id, "revoked_at": None},
            {"$set": {"revoked_at": now}},
        )


class AccessTokenRepository(Repository[AccessTokenDoc]):
    name = "oauth_access_tokens"
    indexes = (
        IndexModel([("family_id", ASCENDING)], name="family"),
        IndexModel([("client_id", ASCENDING), ("subject", ASCENDING)], name="client_subject"),
        IndexModel([("expires_at", ASCENDING)], name="ttl", **_TTL),
    )

    async def is_active(self, jti: str, now: datetime) -> bool:
        found = await self.collection.find_one(
            {"_id": jti, "revoked_at": None, "expires_at": {"$gt": now}}, {"_id": 1}
        )
        return found is not None

    async def revoke(self, jti: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": jti, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        await self.collection.update_many(
            {"family_id": family_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )

    async def revoke_client(self, client_id: str, now: datetime) -> None:
        await self.collection.update_many(
            {"client_id": client_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )

    async def revoke_for(self, client_id: str, subject: str, now: datetime) -> None:
        """Every access token the client holds for one subject (a pairing that ends)."""
        await self.collection.update_many(
            {"client_id": client_id, "subject": subject, "revoked_at": None},
            {"$set": {"revoked_at": now}},
        )
