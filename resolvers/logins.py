"""Signing people in at the authorize step: patients by INS matricule, professionals by RPPS.

Failures say nothing about which part was wrong (no account enumeration), take as long as a
success, and lock the login for a while after repeated attempts.
"""

from __future__ import annotations

from datetime import timedelta

from resolvers.actors import ActorKind
from resolvers.clock import Clock
from resolvers.errors import DomainError, InvalidInput
from resolvers.identity import normalize_matricule, normalize_rpps
from resolvers.passwords import MIN_LENGTH, hash_password, verify_password
from storage.logins import LoginDoc, login_id
from storage.stores import Stores

LOCK_AFTER_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("Identifiant ou mot de passe incorrect.")


class LoginLocked(DomainError):
    code = "LOGIN_LOCKED"

    def __init__(self) -> None:
        super().__init__("Trop de tentatives : réessayez dans quelques minutes.")


def normalize_login(kind: ActorKind, login: str) -> str:
    if kind is ActorKind.PATIENT:
        return normalize_matricule(login, field="login")
    if kind is ActorKind.PROFESSIONAL:
        return normalize_rpps(login, field="login")
    raise InvalidInput("only patients and professionals sign in with a password", field="kind")


async def authenticate(
    stores: Stores, clock: Clock, kind: ActorKind, login: str, password: str
) -> str:
    """The user id for these credentials; ``InvalidCredentials`` or ``LoginLocked`` otherwise."""
    try:
        normalized = normalize_login(kind, login)
    except InvalidInput:
        await verify_password(None, password)
        raise InvalidCredentials from None
    doc = await stores.logins.get(login_id(kind, normalized))
    now = clock.now()
    if doc is not None and doc["locked_until"] is not None and doc["locked_until"] > now:
        raise LoginLocked
    if not await verify_password(doc["password_hash"] if doc else None, password) or doc is None:
        if doc is not None:
            await stores.logins.record_failure(doc["_id"], LOCK_AFTER_FAILURES, now + LOCK_DURATION)
        raise InvalidCredentials
    await stores.logins.record_success(doc["_id"])
    return doc["user_id"]


async def set_password(
    stores: Stores, clock: Clock, kind: ActorKind, *, login: str, user_id: str, password: str
) -> None:
    """Create or replace the credentials of a person (activation, or the demo data set)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_LENGTH} characters", field="password")
    await set_password_hash(
        stores,
        clock,
        kind,
        login=login,
        user_id=user_id,
        password_hash=await hash_password(password),
    )


async def set_password_hash(
    stores: Stores,
    clock: Clock,
    kind: ActorKind,
    *,
    login: str,
    user_id: str,
    password_hash: str,
) -> None:
    """Store credentials whose password was hashed already."""
    normalized = normalize_login(kind, login)
    now = clock.now()
    doc: LoginDoc = {
        "_id": login_id(kind, normalized),
        "kind": kind.value,
        "login": normalized,
        "user_id": user_id,
        "password_hash": password_hash,
        "failed_attempts": 0,
        "locked_until": None,
        "created_at": now,
        "updated_at": now,
    }
    await stores.logins.set_password(doc)
