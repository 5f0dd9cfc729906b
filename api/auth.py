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
from resolvers.actors import Actor
from storage.errors import unavailable_store

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
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
        try:
            actor = await self._verifier().verify(token.strip())
        except InvalidToken as error:
            raise AuthenticationError(error.reason) from error
        except Exception as error:
            if unavailable_store(error) is None:
                raise
            raise VerifierUnavailable(str(unavailable_store(error))) from error
        return AuthCredentials(sorted(actor.scopes)), ActorUser(actor)


def actor_of(conn: HTTPConnection) -> Actor | None:
    user = conn.scope.get("user")
    return user.actor if isinstance(user, ActorUser) else None


class VerifierUnavailable(AuthenticationError):
    """The token could not be checked: the store of revocations did not answer."""


def refuse(conn: HTTPConnection, error: AuthenticationError) -> Response:
    if isinstance(error, VerifierUnavailable):
        body = orjson.dumps(
            {
                "errors": [
                    {
                        "message": "A backing service is temporarily unavailable; "
                        "please retry shortly.",
                        "extensions": {"code": "SERVICE_UNAVAILABLE"},
                    }
                ]
            }
        )
        return Response(
            body, status_code=503, media_type="application/json", headers={"retry-after": "5"}
        )
    reason = str(error).replace('"', "'")
    body = orjson.dumps(
        {
            "errors": [
                {
                    "message": f"Invalid access token: {reason}",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        }
    )
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
