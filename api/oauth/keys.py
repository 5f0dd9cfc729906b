"""The key ring that signs tokens: shared by every replica through MongoDB.

Private keys are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
``OAUTH_KEYS_SECRET``, so a copy of the database alone cannot mint tokens.

Rotation publishes the new key at once but signs with it only ``PUBLISH_AHEAD`` later, when every
replica (and every client caching the JWKS for a few minutes) knows it; the previous keys sign
until then and verify, staying in the JWKS, until every token they signed has expired. Each
replica caches the ring and reloads it every ``REFRESH_SECONDS``, or at once (throttled) when a
token names a key it does not know. A compromised key is rotated with no delay.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import KeySet, RSAKey

from resolvers.core.clock import Clock
from storage.signing_keys import SigningKeyDoc, SigningKeyRepository

ALGORITHM = "RS256"
REFRESH_SECONDS = 60.0
UNKNOWN_KID_RELOAD_SECONDS = 5.0
PUBLISH_AHEAD = timedelta(minutes=10)


def _kek(secret: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"espace-sante oauth signing keys"
    ).derive(secret.encode())
    return AESGCM(derived)


def seal(secret: str, kid: str, private_jwk: dict[str, Any]) -> bytes:
    nonce = os.urandom(12)
    return nonce + _kek(secret).encrypt(nonce, orjson.dumps(private_jwk), kid.encode())


def unseal(secret: str, kid: str, sealed: bytes) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(
        _kek(secret).decrypt(sealed[:12], sealed[12:], kid.encode())
    )
    return data


@dataclass(frozen=True)
class _Ring:
    signing_kid: str
    signing_key: RSAKey
    public: KeySet
    loaded_at: float


class KeyRing:
    def __init__(
        self, repo: SigningKeyRepository, secret: str, clock: Clock, *, retire_after: timedelta
    ) -> None:
        self._repo = repo
        self._secret = secret
        self._clock = clock
        self._retire_after = retire_after
        self._ring: _Ring | None = None
        self._last_forced = 0.0

    async def load(self) -> None:
        """Read the published keys; create the first one when none can sign yet."""
        now = self._clock.now()
        docs = await self._repo.published(now)
        signing = next((doc for doc in docs if doc["not_before"] <= now), None)
        if signing is None:
            await self.rotate(delay=timedelta(0))
            return
        self._install(signing, docs)

    def _install(self, signing: SigningKeyDoc, docs: list[SigningKeyDoc]) -> None:
        private = RSAKey.import_key(
            unseal(self._secret, signing["_id"], signing["private_jwk_sealed"])
        )
        public = KeySet([RSAKey.import_key(doc["public_jwk"]) for doc in docs])
        self._ring = _Ring(signing["_id"], private, public, time.monotonic())

    async def rotate(self, delay: timedelta = PUBLISH_AHEAD) -> str:
        """Create a key that signs from ``delay`` on; the others sign until then and verify
        for ``retire_after`` more. ``delay=0`` replaces a compromised key at once."""
        now = self._clock.now()
        kid = f"{now:%Y%m%d}-{secrets.token_hex(6)}"
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})
        doc: SigningKeyDoc = {
            "_id": kid,
            "alg": ALGORITHM,
            "public_jwk": key.as_dict(private=False),
            "private_jwk_sealed": seal(self._secret, kid, key.as_dict(private=True)),
            "created_at": now,
            "not_before": now + delay,
            "retire_at": None,
        }
        await self._repo.insert(doc)
        await self._repo.retire_all_but(kid, now + delay + self._retire_after)
        await self.load()
        return kid

    async def fresh(self) -> None:
        if self._ring is None or time.monotonic() - self._ring.loaded_at > REFRESH_SECONDS:
            await self.load()

    async def reload_for_unknown_kid(self) -> bool:
        """Reload now unless done in the last few seconds; ``True`` when it reloaded."""
        if time.monotonic() - self._last_forced < UNKNOWN_KID_RELOAD_SECONDS:
            return False
        self._last_forced = time.monotonic()
        await self.load()
        return True

    @property
    def ring(self) -> _Ring:
        if self._ring is None:
            raise RuntimeError("the key ring is not loaded")
        return self._ring

    def jwks(self) -> dict[str, Any]:
        return dict(self.ring.public.as_dict(private=False))
