"""The ASGI application: routes, middleware, and the services opened for the app's lifetime."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute, request_response
from starlette.types import ASGIApp

from api import graphiql
from api.agenda_http import FEED_PREFIX, AgendaFeedRoutes
from api.auth import BearerBackend, refuse
from api.documents_http import DocumentRoutes
from api.exports_http import ExportRoutes
from api.graphql_http import GraphQLApp
from api.health import healthz, readyz
from api.metrics import Metrics
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from api.oauth.routes import Authenticator, OAuthRoutes
from api.oauth.upstream import UpstreamAuthenticator
from api.rate_limits import RateLimiter, RateLimitMiddleware, RateLimitPolicy
from api.schema_sdl import SDL_PATH, sdl_endpoint
from api.services import Services
from api.settings import Settings
from api.workers import worker_loops
from resolvers.core.clock import Clock, SystemClock
from schema import SchemaLimits, build_schema

log = structlog.get_logger("espace_sante.app")

GRAPHQL_PATH = "/graphql"
SESSION_MAX_AGE_SECONDS = 15 * 60


def _authenticators(settings: Settings, services: Services) -> list[Authenticator]:
    if settings.psc_metadata_url is None:
        return []
    if settings.psc_client_id is None or settings.psc_client_secret is None:
        raise RuntimeError("PSC_METADATA_URL needs PSC_CLIENT_ID and PSC_CLIENT_SECRET")
    return [
        UpstreamAuthenticator(
            services,
            public_base_url=settings.public_base_url,
            metadata_url=settings.psc_metadata_url,
            client_id=settings.psc_client_id,
            client_secret=settings.psc_client_secret.get_secret_value(),
            scope=settings.psc_scope,
            rpps_claim=settings.psc_rpps_claim,
        )
    ]


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """The service. Stores, keys and the OAuth server are opened when the app starts."""
    if settings.session_secret is None:
        raise RuntimeError("SESSION_SECRET is not set (the embedded stack sets one)")
    services = Services(settings, clock or SystemClock())
    metrics = Metrics()
    schema = build_schema(_limits(settings), record=metrics.record_operation)
    graphql_app = GraphQLApp(schema, services=services, allowed_origins=settings.cors_origins)

    limiter = _limiter(settings, services)

    def authenticated(app: ASGIApp) -> ASGIApp:
        """Bearer authentication, then the rate limits of the actor it found (or the address)."""
        return AuthenticationMiddleware(
            RateLimitMiddleware(app, limiter=limiter),
            backend=BearerBackend(lambda: services.running.verifier),
            on_error=refuse,
        )

    authenticated_graphql = authenticated(graphql_app)
    oauth = OAuthRoutes(
        services,
        public_base_url=settings.public_base_url,
        professional_password_login=settings.professional_password_login,
        authenticators=_authenticators(settings, services),
    )

    routes: list[BaseRoute] = [
        Route(GRAPHQL_PATH, authenticated_graphql, methods=["GET", "POST"]),
        WebSocketRoute(GRAPHQL_PATH, authenticated_graphql),
        Route(
            SDL_PATH,
            authenticated(request_response(sdl_endpoint(schema, settings.introspection))),
            methods=["GET"],
        ),
        *oauth.routes(),
        *DocumentRoutes(services).routes(authenticated),
        *ExportRoutes(services).routes(authenticated),
        *AgendaFeedRoutes(services).routes(),
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
    middleware = _middleware(settings, metrics)
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan(settings, services))
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.services = services
    return app


def _limits(settings: Settings) -> SchemaLimits:
    return SchemaLimits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        max_cost=settings.graphql_max_cost,
        introspection=settings.introspection,
    )


def _limiter(settings: Settings, services: Services) -> RateLimiter:
    return RateLimiter(
        RateLimitPolicy(
            window_seconds=settings.rate_limit_window_seconds,
            per_client=settings.rate_limit_per_client,
            per_person=settings.rate_limit_per_person,
            per_anonymous_ip=settings.rate_limit_per_anonymous_ip,
            store_timeout_seconds=settings.mongodb_timeout_ms / 1000,
        ),
        lambda: services.running.stores.rate_windows,
        services.clock,
    )


def _lifespan(
    settings: Settings, services: Services
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Open the services (and the background workers) for the app's lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        running = await services.start()
        tasks: list[asyncio.Task[None]] = []
        try:
            log.info(
                "app.started",
                bucket=settings.s3_bucket,
                signing_key=running.keyring.ring.signing_kid,
            )
            app.state.stores = running.stores
            if settings.background_workers:
                tasks = [asyncio.create_task(loop()) for loop in worker_loops(services)]
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await services.stop()

    return lifespan


def _middleware(settings: Settings, metrics: Metrics) -> list[Middleware]:
    https = settings.public_base_url.startswith("https://")
    session_secret = settings.session_secret
    if session_secret is None:  # create_app checked it first
        raise RuntimeError("SESSION_SECRET is not set")
    return [
        Middleware(
            RequestContextMiddleware,
            metrics=metrics,
            routes=[
                GRAPHQL_PATH,
                "/healthz",
                "/readyz",
                "/metrics",
                "/oauth/token",
                "/oauth/authorize",
            ],
            secret_prefixes=[FEED_PREFIX],
        ),
        Middleware(SecurityHeadersMiddleware, https=https),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "x-request-id"],
            expose_headers=[
                "x-request-id",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
                "retry-after",
            ],
            max_age=600,
        ),
        # the sign-in session: only what the authorize step needs, for a short while
        Middleware(
            SessionMiddleware,
            secret_key=session_secret.get_secret_value(),
            session_cookie="esante_session",
            path="/oauth",
            max_age=SESSION_MAX_AGE_SECONDS,
            same_site="lax",
            https_only=https,
        ),
        Middleware(
            BodyLimitMiddleware,
            limit=settings.graphql_max_body_bytes,
            multipart_limit=settings.document_config().multipart_max_bytes,
            paths=[
                GRAPHQL_PATH,
                "/oauth/token",
                "/oauth/revoke",
                "/oauth/introspect",
                "/oauth/login",
                "/oauth/authorize",
            ],
        ),
    ]
