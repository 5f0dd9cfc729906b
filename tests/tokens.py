"""Access tokens for tests that talk to the app in-process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from starlette.applications import Starlette

from api.oauth.dev_tokens import issue_dev_token
from resolvers.core.actors import ActorKind
from resolvers.demo.seed import seed_demo

TokenFactory = Callable[..., Awaitable[str]]


def token_factory(app: Starlette) -> TokenFactory:
    """``await make(kind, login, scope)``: a real token (signed, allow-listed) for an actor."""

    async def make(
        kind: ActorKind, login: str | None, scope: str, lifetime: timedelta = timedelta(minutes=5)
    ) -> str:
        running = app.state.services.running
        settings = app.state.settings
        return await issue_dev_token(
            running.stores,
            running.keyring,
            app.state.services.clock,
            issuer=settings.public_base_url,
            audience=settings.audience,
            kind=kind,
            login=login,
            scope=scope,
            lifetime=lifetime,
        )

    return make


async def seed(app: Starlette) -> None:
    running = app.state.services.running
    await seed_demo(running.stores, app.state.services.clock)
