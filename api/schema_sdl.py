"""The schema as SDL, directives included, at a stable URL (``/graphql/schema.graphql``).

Codegen tools and editors read it without running an introspection query, and it carries what
introspection cannot: which fields use ``@requiresScopes``. It follows the introspection policy
(``GRAPHQL_INTROSPECTION``): open, for callers with a valid token, or not served at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.auth import actor_of
from schema.extensions.introspection import IntrospectionPolicy

SDL_PATH = "/graphql/schema.graphql"


def sdl_endpoint(
    schema: strawberry.Schema, policy: IntrospectionPolicy
) -> Callable[[Request], Awaitable[Response]]:
    sdl = str(schema)  # printed once: the schema does not change while the app runs

    async def endpoint(request: Request) -> Response:
        if policy == "off":
            return PlainTextResponse("Not Found", status_code=404)
        if policy == "authenticated" and actor_of(request) is None:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "A bearer token is required."},
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="espace-sante"'},
            )
        return PlainTextResponse(
            sdl,
            media_type="text/plain; charset=utf-8",
            headers={"cache-control": "no-cache", "content-disposition": "inline"},
        )

    return endpoint
