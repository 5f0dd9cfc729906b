"""Credentials people sign in with at the authorize step (patients: INS; professionals: RPPS)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, IndexModel, ReturnDocument

from storage.repository import Repository


class LoginDoc(TypedDict):
    _id: str  # "<kind>:<login>", e.g. "patient:255081416802538"
    kind: str
    login: str
    user_id: str
    password_hash: str  # argon2
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime


def login_id(kind: str, login: str) -> str:
    return f"{kind}:{login}"


class LoginRepository(Repository[LoginDoc]):
    name = "logins"
    indexes = (IndexModel([("user_id", ASCENDING)], name="user"),)

    async def record_failure(self, id_: str, lock_after: int, locked_until: datetime) -> None:
        """Count a failed attempt; lock the login once ``lock_after`` failures are reached."""
        doc = await self.collection.find_one_and_update(
            {"_id": id_}, {"$inc": {"failed_attempts": 1}}, return_document=ReturnDocument.AFTER
        )
        if doc is not None and doc["failed_attempts"] >= lock_after:
            await self.collection.update_one(
                {"_id": id_}, {"$set": {"locked_until": locked_until, "failed_attempts": 0}}
            )

    async def record_success(self, id_: str) -> None:
        await self.collection.update_one(
            {"_id": id_}, {"$set": {"failed_attempts": 0, "locked_until": None}}
        )

    async def set_password(self, doc: LoginDoc) -> None:
        await self.collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
