"""GraphQL over HTTP and websockets at ``/graphql``: Strawberry's ASGI view, tuned.

- Media types per the GraphQL-over-HTTP spec: a client that accepts
  ``application/graphql-response+json`` gets it, with 4xx statuses for requests that could not
  be executed; others get ``application/json`` (always 200 once the request is well-formed).
- Requests the view refuses (bad JSON, GET mutations…) get a GraphQL-shaped JSON error with a
  code, not plain text.
- orjson for encoding and decoding; GraphiQL from local assets (``api.graphiql``).
- Subscriptions over ``graphql-transport-ws`` only (the legacy ``graphql-ws`` is deprecated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.authentication import AuthenticationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from api.auth import actor_of, authenticate_bearer, refusal_error
from api.graphiql import graphiql_page
from api.services import Services
from api.ws_auth import AuthorisedTransportWSHandler, bearer_of
from resolvers.core.cases import UseCases
from schema import ServiceSchema
from schema.core.context import Context

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"


def preferred_media_type(accept: str) -> str:
    """``application/graphql-response+json`` when the client accepts it at least as much as JSON."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        weights[media.lower()] = max(quality, weights.get(media.lower(), 0.0))
    if weights.get(GRAPHQL_RESPONSE_JSON, 0.0) > 0 and weights[
        GRAPHQL_RESPONSE_JSON
    ] >= weights.get(APPLICATION_JSON, 0.0):
        return GRAPHQL_RESPONSE_JSON
    return APPLICATION_JSON


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class CodedHTTPException(HTTPException):
    """A refusal of the whole request with its own ``extensions.code``."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every message as a text frame: browser clients (graphql-ws) reject binary ones,
    which Strawberry would send for a JSON encoder that returns bytes, as orjson does."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLApp(GraphQL[Context, None]):
    """The ``/graphql`` endpoint."""

    websocket_adapter_class = TextWebSocketAdapter
    graphql_transport_ws_handler_class = AuthorisedTransportWSHandler

    def __init__(
        self, schema: ServiceSchema, *, services: Services, allowed_origins: Sequence[str] = ()
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=allowed_origins,
            multipart_uploads_enabled=True,  # only with a preflight header: see __call__
        )
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        if not _preflighted(request):
            response = Response(
                error_body(
                    "A multipart request must carry a GraphQL-Preflight (or "
                    "Apollo-Require-Preflight) header",
                    "CSRF_PREFLIGHT_REQUIRED",
                ),
                status_code=400,
                media_type=APPLICATION_JSON,
            )
            await response(scope, receive, send)
            return
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = self._refusal(request, exc)
        await response(scope, receive, send)

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: GraphQLRequestProtocol
    ) -> None:
        """Batching is off: one operation per request keeps the cost limit and the rate limits
        meaningful (a batch would multiply both); a client sends one document asking for
        everything it needs instead."""
        raise CodedHTTPException(
            400,
            "Batched requests are not accepted: send one operation per request",
            "BATCHING_NOT_SUPPORTED",
        )

    def _refusal(self, request: Request, exc: HTTPException) -> Response:
        if isinstance(exc, CodedHTTPException):
            return Response(
                error_body(exc.reason, exc.code),
                status_code=exc.status_code,
                media_type=APPLICATION_JSON,
            )
        if exc.status_code == 405:
            return Response(
                error_body(exc.reason, "METHOD_NOT_ALLOWED"),
                status_code=405,
                media_type=APPLICATION_JSON,
                headers={"allow": "POST"},
            )
        return Response(
            error_body(exc.reason, "BAD_REQUEST"),
            status_code=exc.status_code,
            media_type=APPLICATION_JSON,
        )

    async def execute_single(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries over GET, queries and mutations over POST; subscriptions only on websockets.

        (Strawberry would also run subscriptions over plain HTTP, for transports not enabled
        here, and answer them with a null.)
        """
        get = request_adapter.method == "GET"
        allowed = {OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if get:  # GraphQL-over-HTTP: 405 with an Allow header
                raise HTTPException(405, "Only queries may be sent with GET: use POST") from exc
            raise HTTPException(
                400, "Subscriptions are served over websockets (graphql-transport-ws)"
            ) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        cases = UseCases(
            self.services.running.stores,
            self.services.clock,
            self.services.documents,
            # read at each call: a websocket learns its actor after its context is made
            actor_of=lambda: context.actor,
        )
        context = Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            cases=cases,
            clock=self.services.clock,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            actor=actor_of(request),
            hub=self.services.running.hub,
        )
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Websocket clients authenticate in ``connection_init``: ``{"Authorization": "Bearer
        …"}`` (or with a header on the handshake). A bad token closes the socket with 4403.
        Each operation afterwards is checked again (``api/ws_auth.py``)."""
        header = bearer_of(context)
        if header is not None and context.actor is None:
            try:
                context.actor = await authenticate_bearer(self.services.running.verifier, header)
            except AuthenticationError as error:
                raise ConnectionRejectionError(refusal_error(error)) from error
        return await super().on_ws_connect(context)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = preferred_media_type(request.headers.get("accept", ""))
        return sub_response

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page()

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or APPLICATION_JSON
        status = 200
        if media_type == GRAPHQL_RESPONSE_JSON and isinstance(response_data, dict):
            response_data = _without_data_when_not_executed(response_data)
            if "data" not in response_data:
                status = 400
        response = Response(
            self.encode_json(response_data), status_code=status, media_type=media_type
        )
        response.headers.raw.extend(
            (k, v) for k, v in sub_response.headers.raw if k != b"content-type"
        )
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response


PREFLIGHT_HEADERS = ("graphql-preflight", "apollo-require-preflight", "x-apollo-operation-name")


def _preflighted(request: Request) -> bool:
    """CSRF protection for multipart uploads: a browser sends a form across origins without a
    preflight, but never with a custom header, so a multipart request must carry one."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/"):
        return True
    return any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS)


def _without_data_when_not_executed(response: GraphQLHTTPResponse) -> GraphQLHTTPResponse:
    """Drop ``data: null`` when the operation never ran (every error is a request error).

    A request error (parse, validation, variables) has no ``path``; a field error does, and then
    ``data`` stays, even ``null``, as the spec requires.
    """
    errors: list[Any] = list(response.get("errors") or [])
    if response.get("data") is None and errors and all("path" not in e for e in errors):
        return {k: v for k, v in response.items() if k != "data"}  # type: ignore[return-value]
    return response
