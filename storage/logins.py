"""Credentials people sign in with at the authorize step (patients: INS; professionals: RPPS)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, IndexModel

from storage.repository import Repository


class LoginDoc(TypedDict):
    _id: str  # "<kind>:<login>", e.g. "patient:255081416802538"
    kind: str
    login: str
    user_id: str
    password_hash: str  # argon2
    # no longer read: failures are counted per source and account in rate_windows, and no login
    # is ever locked (resolvers/core/guessing.py); kept so that stored documents keep their shape
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime


def login_id(kind: str, login: str) -> str:
    return f"{kind}:{login}"


class LoginRepository(Repository[LoginDoc]):
    name = "logins"
    indexes = (IndexModel([("user_id", ASCENDING)], name="user"),)

    async def set_password(self, doc: LoginDoc) -> None:
        await self.collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
