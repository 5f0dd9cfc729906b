"""``GET /exports/{id}/archive.zip``: a space's export (``requestSpaceExport``), streamed as an
IHE XDM ZIP, with the requester's bearer token (``documents:read``) or with the link's ``key``.

No ``Content-Length``: the archive is compressed as it goes (chunked transfer). Refusals are the
same GraphQL-shaped JSON as the document routes; an unknown, expired, or someone else's export is
a 404 alike. The key travels in the query string, which the access log never writes.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from api.auth import actor_of
from api.documents_http import DocumentRoutes
from resolvers.core.errors import InsufficientScope
from resolvers.documents.xdm import export as xdm_export

ARCHIVE_PATH = f"{xdm_export.PATH}{{export_id}}/{xdm_export.ARCHIVE}"


class ExportRoutes(DocumentRoutes):
    """Shares the document routes' error handling."""

    def routes(self, authenticated: Callable[[ASGIApp], ASGIApp]) -> list[Route]:
        endpoint = authenticated(request_response(self._guarded(self.archive)))
        return [Route(ARCHIVE_PATH, endpoint, methods=["GET"])]

    async def archive(self, request: Request) -> Response:
        key = request.query_params.get("key")
        actor = None if key is not None else actor_of(request)
        if actor is not None and xdm_export.SCOPE not in actor.scopes:
            raise InsufficientScope([xdm_export.SCOPE])
        opened = await xdm_export.open_export(
            self.services.running.stores,
            self.services.clock,
            self.services.documents,
            request.path_params["export_id"],
            actor=actor,
            key=key,
        )
        return StreamingResponse(
            opened.chunks,
            media_type="application/zip",
            headers={
                "content-disposition": f'attachment; filename="{opened.filename}"',
                "cache-control": "no-store",
                "x-content-type-options": "nosniff",
            },
        )
