"""Access tokens as signed JWTs (RFC 9068), and their verification into an Actor.

Claims: ``iss``, ``sub``, ``aud``, ``exp``, ``iat``, ``jti``, ``client_id``, ``scope``, and the
private ``mes_kind`` (the actor kind), ``mes_rpps`` and ``mes_profession`` for professionals.
The header carries ``typ: at+jwt`` and the ``kid`` of the signing key. A token is accepted only
if its ``jti`` is in the allow-list and not revoked, so revocation is immediate everywhere.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwt import JWTClaimsRegistry

from api.oauth.keys import ALGORITHM, KeyRing
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from storage.oauth_grants import AccessTokenDoc, AccessTokenRepository

TYP = "at+jwt"
LEEWAY_SECONDS = 5


class InvalidToken(Exception):
    """The bearer token cannot be accepted; ``reason`` is safe to tell the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Subject:
    """What a token is about, besides its client and scopes."""

    kind: ActorKind
    id: str
    rpps: str | None = None
    profession_code: str | None = None
    auth_time: int | None = None


def new_jti() -> str:
    return secrets.token_urlsafe(16)


def sign_access_token(
    ring: KeyRing,
    *,
    issuer: str,
    audience: str,
    client_id: str,
    subject: Subject,
    scope: str,
    now: datetime,
    lifetime: timedelta,
) -> tuple[str, dict[str, Any]]:
    """The compact JWT and its claims."""
    issued = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject.id,
        "aud": audience,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "jti": new_jti(),
        "client_id": client_id,
        "scope": scope,
        "mes_kind": subject.kind.value,
    }
    if subject.rpps is not None:
        claims["mes_rpps"] = subject.rpps
    if subject.profession_code is not None:
        claims["mes_profession"] = subject.profession_code
    if subject.auth_time is not None:
        claims["auth_time"] = subject.auth_time
    key = ring.ring
    header = {"alg": ALGORITHM, "typ": TYP, "kid": key.signing_kid}
    return jwt.encode(header, claims, key.signing_key, algorithms=[ALGORITHM]), claims


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT this server just signed (no verification: for bookkeeping only)."""
    payload = token.split(".")[1]
    data: dict[str, Any] = orjson.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return data


def allow_list_entry(claims: dict[str, Any], family_id: str | None) -> AccessTokenDoc:
    return {
        "_id": claims["jti"],
        "family_id": family_id,
        "client_id": claims["client_id"],
        "subject": claims["sub"],
        "scope": claims["scope"],
        "issued_at": datetime.fromtimestamp(claims["iat"], UTC),
        "expires_at": datetime.fromtimestamp(claims["exp"], UTC),
        "revoked_at": None,
    }


class AccessTokenVerifier:
    """Checks signature, type, issuer, audience, lifetime and revocation; returns the Actor."""

    def __init__(
        self,
        ring: KeyRing,
        tokens: AccessTokenRepository,
        clock: Clock,
        *,
        issuer: str,
        audience: str,
    ) -> None:
        self._ring = ring
        self._tokens = tokens
        self._clock = clock
        self._claims = JWTClaimsRegistry(
            now=lambda: int(self._clock.now().timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            sub={"essential": True},
            client_id={"essential": True},
        )

    async def verify(self, token: str) -> Actor:
        await self._ring.fresh()
        try:
            decoded = self._decode(token)
        except InvalidKeyIdError:
            try:
                if not await self._ring.reload_for_unknown_kid():
                    raise InvalidKeyIdError from None
                decoded = self._decode(token)
            except InvalidKeyIdError:
                raise InvalidToken("the token is signed by an unknown key") from None
        if str(decoded.header.get("typ", "")).lower() not in (TYP, f"application/{TYP}"):
            raise InvalidToken("not an access token")
        try:
            self._claims.validate(decoded.claims)
        except JoseError as exc:
            raise InvalidToken(_describe(exc)) from exc
        claims = decoded.claims
        now = self._clock.now()
        if not await self._tokens.is_active(str(claims["jti"]), now):
            # the allow-list keeps no leeway: a token past its expiry is refused there, and
            # must be told so (a long-lived websocket meets this at every expiry)
            if int(claims["exp"]) <= now.timestamp():
                raise InvalidToken("the token has expired")
            raise InvalidToken("the token was revoked")
        try:
            kind = ActorKind(claims.get("mes_kind", ""))
        except ValueError:
            raise InvalidToken("the token names no known actor") from None
        return Actor(
            kind=kind,
            id=str(claims["sub"]),
            client_id=str(claims["client_id"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            token_id=str(claims["jti"]),
            rpps=claims.get("mes_rpps"),
            profession_code=claims.get("mes_profession"),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )

    def _decode(self, token: str) -> jwt.Token:
        try:
            return jwt.decode(token, self._ring.ring.public, algorithms=[ALGORITHM])
        except InvalidKeyIdError:
            raise
        except (JoseError, ValueError) as exc:
            raise InvalidToken("the token is malformed or its signature is invalid") from exc


def _describe(error: JoseError) -> str:
    name = type(error).__name__
    if name == "ExpiredTokenError":
        return "the token has expired"
    if "aud" in str(error):
        return "the token is not meant for this API (audience)"
    if "iss" in str(error):
        return "the token was issued by another server"
    return "the token's claims are invalid"
