"""What the app opens when it starts and closes when it stops, shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from api.oauth.keys import KeyRing
from api.oauth.server import OAuthConfig, OAuthServer
from api.oauth.tokens import AccessTokenVerifier
from api.settings import Settings
from api.stores_config import open_stores
from resolvers.core.clock import Clock
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging.hub import MessageHub
from storage.message_feed import open_feed
from storage.stores import Stores


@dataclass
class Running:
    stores: Stores
    keyring: KeyRing
    oauth: OAuthServer
    verifier: AccessTokenVerifier
    hub: MessageHub


@dataclass
class Services:
    """Filled by the app's lifespan; handlers reach the stores and the OAuth server through it."""

    settings: Settings
    clock: Clock
    _running: Running | None = field(default=None, init=False)

    @cached_property
    def documents(self) -> DocumentConfig:
        return self.settings.document_config()

    @property
    def running(self) -> Running:
        if self._running is None:
            raise RuntimeError("the app has not started")
        return self._running

    async def start(self) -> Running:
        settings = self.settings
        stores = open_stores(settings)
        try:
            await stores.prepare()
            if settings.oauth_keys_secret is None:
                raise RuntimeError("OAUTH_KEYS_SECRET is not set")
            access_lifetime = timedelta(seconds=settings.oauth_access_token_ttl_seconds)
            config = OAuthConfig(
                issuer=settings.public_base_url,
                audience=settings.audience,
                access_token_lifetime=access_lifetime,
                refresh_token_lifetime=timedelta(seconds=settings.oauth_refresh_token_ttl_seconds),
            )
            keyring = KeyRing(
                stores.signing_keys,
                settings.oauth_keys_secret.get_secret_value(),
                self.clock,
                # a retired key verifies until the last token it signed has expired
                retire_after=access_lifetime + config.id_token_lifetime + timedelta(minutes=5),
            )
            await keyring.load()
        except BaseException:
            await stores.close()
            raise
        self._running = Running(
            stores=stores,
            keyring=keyring,
            oauth=OAuthServer(stores, keyring, self.clock, config),
            verifier=AccessTokenVerifier(
                keyring,
                stores.access_tokens,
                self.clock,
                issuer=config.issuer,
                audience=config.audience,
            ),
            hub=MessageHub(lambda after: open_feed(stores.db, after=after)),
        )
        return self._running

    async def stop(self) -> None:
        if self._running is not None:
            await self._running.hub.close()
            await self._running.stores.close()
            self._running = None
