"""Access tokens for benchmark clients: real ones (signed, allow-listed), as the API checks them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from api.cli.oauth import keyring_for
from api.oauth.dev_tokens import issue_dev_token
from api.settings import Settings
from resolvers.core.actors import ActorKind
from resolvers.core.clock import SystemClock
from storage.stores import Stores


async def issue_tokens(
    settings: Settings, stores: Stores, people: Sequence[tuple[ActorKind, str]], scope: str
) -> list[str]:
    """A two-hour token with ``scope`` for each (kind, INS or RPPS), in order."""
    keyring = keyring_for(settings, stores)
    await keyring.load()
    return [
        await issue_dev_token(
            stores,
            keyring,
            SystemClock(),
            issuer=settings.public_base_url,
            audience=settings.audience,
            kind=kind,
            login=login,
            scope=scope,
            lifetime=timedelta(hours=2),
        )
        for kind, login in people
    ]
