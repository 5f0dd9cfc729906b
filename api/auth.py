"""Bearer-token authentication for the API (RFC 6750), as a Starlette authentication backend.

A request without ``Authorization`` goes on anonymously: public fields answer, protected ones
say ``UNAUTHENTICATED``. A request with a token that cannot be accepted (bad signature, expired,
revoked, another audience…) is refused whole with 401 and ``WWW-Authenticate``, because the
client believes it is authenticated and must learn that it is not.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import Response

from api.oauth.tokens import AccessTokenVerifier, InvalidToken
from resolvers.core.actors import Actor
from storage.errors import StoreUnavailable

REALM = "espace-sante"


class ActorUser(BaseUser):
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"{self.actor.kind.value}:{self.actor.id}"


class BearerBackend(AuthenticationBackend):
    def __init__(self, verifier: Callable[[], AccessTokenVerifier]) -> None:
        self._verifier = verifier

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is None:
            return None
        actor = await authenticate_bearer(self._verifier(), header)
        return AuthCredentials(sorted(actor.scopes)), ActorUser(actor)


async def authenticate_bearer(verifier: AccessTokenVerifier, header: str) -> Actor:
    """The actor of an ``Authorization: Bearer …`` value, at this moment.

    The one check every path makes: each HTTP request, and each operation on a websocket
    (``api/ws_auth.py``), so the two cannot drift. ``AuthenticationError`` when the token cannot
    be accepted, ``VerifierUnavailable`` when the store of revocations did not answer.
    """
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
    try:
        return await verifier.verify(token.strip())
    except InvalidToken as error:
        raise AuthenticationError(error.reason) from error
    except StoreUnavailable as error:
        raise VerifierUnavailable(error.store) from error


def actor_of(conn: HTTPConnection) -> Actor | None:
    user = conn.scope.get("user")
    return user.actor if isinstance(user, ActorUser) else None


class VerifierUnavailable(AuthenticationError):
    """The token could not be checked: the store of revocations did not answer."""


def refusal_error(error: AuthenticationError) -> dict[str, object]:
    """The GraphQL error telling a client why its token was not accepted (HTTP and websockets)."""
    if isinstance(error, VerifierUnavailable):
        return {
            "message": "A backing service is temporarily unavailable; please retry shortly.",
            "extensions": {"code": "SERVICE_UNAVAILABLE"},
        }
    reason = str(error).replace('"', "'")
    return {"message": f"Invalid access token: {reason}", "extensions": {"code": "UNAUTHENTICATED"}}


def refuse(conn: HTTPConnection, error: AuthenticationError) -> Response:
    body = orjson.dumps({"errors": [refusal_error(error)]})
    if isinstance(error, VerifierUnavailable):
        return Response(
            body, status_code=503, media_type="application/json", headers={"retry-after": "5"}
        )
    reason = str(error).replace('"', "'")
    return Response(
        body,
        status_code=401,
        media_type="application/json",
        headers={
            "www-authenticate": (
                f'Bearer realm="{REALM}", error="invalid_token", error_description="{reason}"'
            )
        },
    )
