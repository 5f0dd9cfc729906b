"""Document bytes through the API, for clients that cannot reach the object store.

- ``GET /documents/{id}/content``: the bytes of a document the token's actor may see
  (``documents:read``), streamed, with ``Content-Length``, an ``ETag`` and a ``Repr-Digest``
  (RFC 9530) carrying the SHA-256; the download is traced.
- ``PUT /documents/uploads/{id}``: the bytes of a requested upload (``documents:write``),
  streamed to the object store and checked as ``confirmDocumentUpload`` would; the answer is
  the document, made.

Both answer errors as GraphQL-shaped JSON with a code, like ``/graphql``.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import quote

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from api.auth import actor_of
from api.services import Services
from resolvers.core.actors import Actor
from resolvers.core.audit import one_attempt
from resolvers.core.errors import DomainError, InsufficientScope, Unauthenticated
from resolvers.documents import reads as document_reads
from resolvers.documents import uploads
from storage.errors import StoreUnavailable

STATUS = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "INSUFFICIENT_SCOPE": 403,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
}
Handler = Callable[[Request], Awaitable[Response]]
EXTENSIONS = {"pdf": "application/pdf", "xml": "text/xml", "jpg": "image/jpeg", "png": "image/png"}


def _error(status: int, message: str, extensions: dict[str, object]) -> Response:
    body = orjson.dumps({"errors": [{"message": message, "extensions": extensions}]})
    return Response(body, status_code=status, media_type="application/json")


def _actor(request: Request, scope: str) -> Actor:
    actor = actor_of(request)
    if actor is None:
        raise Unauthenticated("This route needs an access token.")
    if scope not in actor.scopes:
        raise InsufficientScope([scope])
    return actor


def _filename(title: str, media_type: str) -> str:
    ext = next((e for e, t in EXTENSIONS.items() if t == media_type), "txt")
    return f"{title[:80]}.{ext}"


class DocumentRoutes:
    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self, authenticated: Callable[[ASGIApp], ASGIApp]) -> list[Route]:
        """The routes, each behind ``authenticated`` (the bearer-token middleware)."""

        def endpoint(handler: Handler) -> ASGIApp:
            return authenticated(request_response(self._guarded(handler)))

        return [
            Route("/documents/{document_id}/content", endpoint(self.content), methods=["GET"]),
            Route("/documents/uploads/{document_id}", endpoint(self.upload), methods=["PUT"]),
        ]

    def _guarded(self, handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            try:
                async with one_attempt():  # traced with the outcome it had
                    return await handler(request)
            except DomainError as error:
                extensions = {"code": error.code, **error.extensions()}
                return _error(STATUS.get(error.code, 400), error.message, extensions)
            except ClientDisconnect:
                return Response(status_code=400)  # nobody is listening any more
            except StoreUnavailable:
                return _error(
                    503,
                    "A backing service is temporarily unavailable; please retry shortly.",
                    {"code": "SERVICE_UNAVAILABLE"},
                )

        return run

    async def content(self, request: Request) -> Response:
        actor = _actor(request, "documents:read")
        running, clock = self.services.running, self.services.clock
        doc, chunks = await document_reads.open_content(
            running.stores,
            clock,
            self.services.documents,
            actor,
            request.path_params["document_id"],
        )
        digest = base64.b64encode(bytes.fromhex(doc["sha256"])).decode()
        name = _filename(doc["title"], doc["format"])
        return StreamingResponse(
            chunks,
            media_type=doc["format"],
            headers={
                "content-length": str(doc["size"]),
                "etag": f'"{doc["sha256"]}"',
                "repr-digest": f"sha-256=:{digest}:",
                "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "cache-control": "no-store",
                "x-content-type-options": "nosniff",
            },
        )

    async def upload(self, request: Request) -> Response:
        actor = _actor(request, "documents:write")
        running, clock = self.services.running, self.services.clock

        async def body() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                if chunk:
                    yield chunk

        doc = await uploads.receive_upload(
            running.stores, clock, actor, request.path_params["document_id"], body()
        )
        return Response(
            orjson.dumps(
                {
                    "id": doc["_id"],
                    "size": doc["size"],
                    "sha256": doc["sha256"],
                    "format": doc["format"],
                    "status": "CURRENT",
                }
            ),
            status_code=201,
            media_type="application/json",
        )
