"""Every operation on a websocket is authorised as an HTTP request with its token would be, now.

A ``graphql-transport-ws`` connection authenticates once, in ``connection_init`` (or with an
``Authorization`` header on the handshake), but may then live for hours. So:

- each ``subscribe`` message (a query, a mutation or a subscription) first runs the very check
  an HTTP request runs (``api.auth.authenticate_bearer``: signature, expiry, the allow-list of
  tokens, which revocation of the token, its family, the pairing, the client or the app empties);
- while operations are open, the token is checked again every ``RECHECK_SECONDS`` and at its
  expiry, so an open subscription learns of a revocation within that time;
- a token no longer good ends the connection: each open operation and the refused one get the
  error an HTTP request gets (``UNAUTHENTICATED``, "Invalid access token: …"), then the socket
  closes with ``4403 Forbidden``, the protocol's code for a connection the server will not serve
  (``4401`` is reserved for subscribing before ``connection_ack``). A client reconnects with a
  fresh token.

The store of revocations not answering is not a revocation: the operation gets
``SERVICE_UNAVAILABLE`` as over HTTP, the connection stays, and the next check decides.

What is not a token matter (a representation that ended, a block, a closed space) is decided
inside each operation by the access policy, as for HTTP; live messaging checks it per event
(``resolvers/messaging/events.py``).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any, cast

from graphql import GraphQLFormattedError
from starlette.authentication import AuthenticationError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)

from api.auth import VerifierUnavailable, authenticate_bearer, refusal_error
from api.oauth.tokens import AccessTokenVerifier
from api.services import Services
from schema.core.context import Context

RECHECK_SECONDS = 5.0
CLOSE_FORBIDDEN = 4403
CLOSE_REASON_BYTES = 123  # RFC 6455 §5.5: a control frame's payload is at most 125 bytes

log = logging.getLogger(__name__)


def bearer_of(context: Context) -> str | None:
    """The ``Authorization`` value the connection authenticated with, if any."""
    params = context.connection_params or {}
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str):
        return header
    return context.request.headers.get("authorization")


class AuthorisedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's ``graphql-transport-ws`` handler, checking the token at each operation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watch: asyncio.Task[None] | None = None
        self._ending = False

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.context.actor is not None:
            self._watch = asyncio.create_task(self._watch_token(), name="ws-token-watch")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self._ending:
            return
        if self.connection_acknowledged and self.context.actor is not None:
            refusal = await self._check()
            if refusal is not None:
                await self._refuse(refusal, message["id"])
                return
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._watch
        await super().shutdown()

    async def _check(self) -> AuthenticationError | None:
        """``None`` when the token is still good (the actor refreshed), else why not."""
        header = bearer_of(self.context)
        if header is None:  # an authenticated connection always has one
            return AuthenticationError("the connection carries no token")
        try:
            self.context.actor = await authenticate_bearer(self._verifier(), header)
        except AuthenticationError as error:
            return error
        return None

    def _verifier(self) -> AccessTokenVerifier:
        services: Services = getattr(self.view, "services")  # noqa: B009 - the app's view
        return services.running.verifier

    async def _refuse(self, refusal: AuthenticationError, refused_id: str | None) -> None:
        """Tell the operations why, then close the connection unless the store was down."""
        error = refusal_error(refusal)
        payload = [cast("GraphQLFormattedError", error)]
        if refused_id is not None:
            await self.send_message(ErrorMessage(id=refused_id, type="error", payload=payload))
        if isinstance(refusal, VerifierUnavailable) or self._ending:  # or already ending
            return
        self._ending = True
        for operation in list(self.operations.values()):
            with suppress(Exception):
                await operation.send_operation_message(
                    ErrorMessage(id=operation.id, type="error", payload=payload)
                )
            if operation.task is not None:
                operation.task.cancel()
        reason = str(error["message"]).encode()[:CLOSE_REASON_BYTES].decode(errors="ignore")
        with suppress(RuntimeError):  # the client may have closed it meanwhile
            await self.websocket.close(code=CLOSE_FORBIDDEN, reason=reason)

    async def _watch_token(self) -> None:
        """While operations are open, check the token every few seconds and at its expiry."""
        try:
            while not self._ending:
                await asyncio.sleep(self._next_check())
                if not self.operations:  # idle: the next operation is checked when it comes
                    continue
                refusal = await self._check()
                if refusal is not None and not isinstance(refusal, VerifierUnavailable):
                    await self._refuse(refusal, None)
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away meanwhile: nothing left to watch
            log.debug("ws.token_watch_ended", exc_info=True)

    def _next_check(self) -> float:
        actor = self.context.actor
        if actor is None or actor.expires_at is None:
            return RECHECK_SECONDS
        until_expiry = (actor.expires_at - self.context.clock.now()).total_seconds()
        if until_expiry <= 0:  # already expired: the next operation, or check, refuses it
            return RECHECK_SECONDS
        return min(RECHECK_SECONDS, until_expiry)
