"""Signing people in at the authorize step: patients by INS matricule, professionals by RPPS.

Failures say nothing about which part was wrong (no account enumeration) and take as long as a
success: an unknown login is checked against a decoy Argon2 hash. Repeated failures stop the
source they come from and slow the login down, but never lock it (``resolvers/core/guessing.py``): a
stranger failing on purpose must not keep a person out, nor learn that the account exists.
"""

from __future__ import annotations

from resolvers.accounts.passwords import MIN_LENGTH, hash_password, verify_password
from resolvers.accounts.refusals import AccountsRefusal
from resolvers.core import guessing
from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError, InvalidInput
from resolvers.core.identity import normalize_matricule, normalize_rpps
from storage.logins import LoginDoc, login_id
from storage.stores import Stores


class InvalidCredentials(DomainError):
    code = AccountsRefusal.INVALID_CREDENTIALS

    def __init__(self) -> None:
        super().__init__("Identifiant ou mot de passe incorrect.")


class LoginLocked(DomainError):
    code = AccountsRefusal.LOGIN_LOCKED

    def __init__(self) -> None:  # said of the source, never of an account
        super().__init__("Trop de tentatives : réessayez dans quelques minutes.")


def normalize_login(kind: ActorKind, login: str) -> str:
    if kind is ActorKind.PATIENT:
        return normalize_matricule(login, field="login")
    if kind is ActorKind.PROFESSIONAL:
        return normalize_rpps(login, field="login")
    raise InvalidInput("only patients and professionals sign in with a password", field="kind")


async def authenticate(  # noqa: PLR0917 - the form's fields and where they came from
    stores: Stores,
    clock: Clock,
    kind: ActorKind,
    login: str,
    password: str,
    sources: guessing.Sources,
) -> str:
    """The user id for these credentials; ``InvalidCredentials`` or ``LoginLocked`` (this source
    failed too often) otherwise, the same whether or not the account exists."""
    try:
        account = login_id(kind, normalize_login(kind, login))
    except InvalidInput:
        account = login_id(kind, login.strip())
    policy = guessing.LOGIN
    if not await guessing.before_attempt(stores, clock, policy, sources, account):
        raise LoginLocked
    doc = await stores.logins.get(account)
    # a decoy hash when there is no such login: the same work, so the same time
    if not await verify_password(doc["password_hash"] if doc else None, password) or doc is None:
        await guessing.failed(stores, clock, policy, sources, account)
        raise InvalidCredentials
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
