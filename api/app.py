"""The ASGI application: routes, middleware, and the stores opened for the app's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route, WebSocketRoute

from api import graphiql
from api.graphql_http import GraphQLApp
from api.health import healthz, readyz
from api.metrics import Metrics
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from api.settings import Settings
from resolvers.clock import Clock, SystemClock
from schema import SchemaLimits, build_schema
from storage.objects import ObjectStoreConfig
from storage.stores import MongoConfig, Stores

log = structlog.get_logger("espace_sante.app")

GRAPHQL_PATH = "/graphql"


def mongo_config(settings: Settings) -> MongoConfig:
    if settings.mongodb_uri is None:
        raise RuntimeError("MONGODB_URI is not set (start the embedded stack first)")
    return MongoConfig(
        uri=settings.mongodb_uri.get_secret_value(),
        database=settings.mongodb_database,
        timeout_ms=settings.mongodb_timeout_ms,
    )


def object_store_config(settings: Settings) -> ObjectStoreConfig:
    if (
        settings.s3_endpoint is None
        or settings.s3_access_key is None
        or settings.s3_secret_key is None
    ):
        raise RuntimeError("S3_ENDPOINT is not set (start the embedded stack first)")
    return ObjectStoreConfig(
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        sse=settings.s3_sse,
        sse_c_key=settings.sse_c_key_bytes() if settings.s3_sse == "c" else None,
        timeout_seconds=settings.s3_timeout_seconds,
    )


def open_stores(settings: Settings) -> Stores:
    return Stores.connect(mongo_config(settings), object_store_config(settings))


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """The service. Stores are opened (and their indexes ensured) when the app starts."""
    clock = clock or SystemClock()
    metrics = Metrics()
    schema = build_schema(
        SchemaLimits(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
        ),
        record=metrics.record_operation,
    )
    graphql_app = GraphQLApp(schema, clock=clock, allowed_origins=settings.cors_origins)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stores = open_stores(settings)
        try:
            collections = await stores.prepare()
            log.info("app.started", collections=len(collections), bucket=settings.s3_bucket)
            app.state.stores = stores
            yield
        finally:
            await stores.close()

    routes = [
        Route(GRAPHQL_PATH, graphql_app, methods=["GET", "POST"]),
        WebSocketRoute(GRAPHQL_PATH, graphql_app),
        Mount(
            "/graphiql/assets",
            app=GZipMiddleware(
                Starlette(routes=[Route("/{name}", graphiql.asset)]), minimum_size=1024
            ),
        ),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics.endpoint),
    ]
    middleware = [
        Middleware(
            RequestContextMiddleware,
            metrics=metrics,
            routes=[GRAPHQL_PATH, "/healthz", "/readyz", "/metrics"],
        ),
        Middleware(
            SecurityHeadersMiddleware, https=settings.public_base_url.startswith("https://")
        ),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "x-request-id"],
            expose_headers=["x-request-id"],
            max_age=600,
        ),
        Middleware(
            BodyLimitMiddleware, limit=settings.graphql_max_body_bytes, paths=[GRAPHQL_PATH]
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    return app
