"""Password hashing (Argon2id, argon2-cffi's defaults), run off the event loop: each hash costs
tens of milliseconds of CPU by design."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when a login does not exist, so that the answer takes as long either way.
_DECOY = _hasher.hash("decoy password, never matches anything a person could type")

MIN_LENGTH = 12


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def verify_password_blocking(password_hash: str | None, password: str) -> bool:
    """For code already running in a worker thread; ``None`` is checked against a decoy."""
    try:
        return _hasher.verify(password_hash or _DECOY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await anyio.to_thread.run_sync(verify_password_blocking, password_hash, password)
