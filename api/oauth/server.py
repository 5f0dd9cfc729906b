"""Authlib's authorization server, adapted to Starlette and to asynchronous storage.

Authlib has no Starlette server integration and its server is synchronous. The adapter is thin:

- ``RequestData.read`` reads a Starlette request (query, form, headers) on the event loop and
  rebuilds its URL from ``PUBLIC_BASE_URL``, never from the Host header;
- ``OAuthServer.run`` executes an Authlib entry point in a worker thread, and the grants' storage
  calls come back to the event loop through ``OAuthServer.call``;
- ``handle_response`` returns a plain ``OAuthResponse`` that the routes turn into a Starlette
  response.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import anyio
import anyio.from_thread
import anyio.to_thread
from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from starlette.requests import Request

from api.oauth import grants
from api.oauth.endpoints import IntrospectionEndpoint, RevocationEndpoint
from api.oauth.errors import describe
from api.oauth.keys import KeyRing
from api.oauth.models import Client, User
from api.oauth.tokens import Subject, allow_list_entry, sign_access_token, unverified_claims
from resolvers.access.scopes import SCOPES
from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from storage.ids import new_id
from storage.oauth_grants import RefreshTokenDoc, token_hash
from storage.stores import Stores

T = TypeVar("T")


@dataclass(frozen=True)
class RequestData:
    """What Authlib needs of an HTTP request, read once on the event loop."""

    method: str
    uri: str
    headers: Mapping[str, str]  # case-insensitive (Authlib asks for "Authorization")
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]

    @classmethod
    async def read(cls, request: Request, public_base_url: str) -> RequestData:
        form: list[tuple[str, str]] = []
        if request.method == "POST":
            async with request.form() as parsed:
                form = [(k, v) for k, v in parsed.multi_items() if isinstance(v, str)]
        query = list(request.query_params.multi_items())
        uri = public_base_url + request.url.path
        if request.url.query:
            uri += "?" + request.url.query
        return cls(request.method, uri, request.headers, query, form)


class _Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _OAuth2Request(OAuth2Request):
    def __init__(self, data: RequestData) -> None:
        super().__init__(data.method, data.uri, headers=data.headers)
        self._args: dict[str, str | None] = dict(data.query)
        self._form: dict[str, str] = dict(data.form)
        self.payload = _Payload(data.query + data.form)

    @property
    def args(self) -> dict[str, str | None]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass(frozen=True)
class OAuthResponse:
    status: int
    body: dict[str, Any] | str
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class OAuthConfig:
    issuer: str
    audience: str
    access_token_lifetime: timedelta
    refresh_token_lifetime: timedelta
    id_token_lifetime: timedelta = timedelta(minutes=10)


class OAuthServer(AuthorizationServer):
    def __init__(self, stores: Stores, keyring: KeyRing, clock: Clock, config: OAuthConfig) -> None:
        super().__init__(scopes_supported=[scope.name for scope in SCOPES])
        self.stores = stores
        self.keyring = keyring
        self.clock = clock
        self.config = config
        self.issuer = config.issuer
        self.id_token_lifetime = config.id_token_lifetime
        self._limiter = anyio.CapacityLimiter(16)
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=self._access_token,  # type: ignore[arg-type]
                refresh_token_generator=lambda **_: generate_token(48),
                expires_generator=lambda client, grant_type: int(
                    config.access_token_lifetime.total_seconds()
                ),
            ),
        )
        self.register_grant(
            grants.AuthorizationCodeGrant,
            [
                grants.S256CodeChallenge(required=True),
                grants.OpenIDCodeExtension(self),
            ],
        )
        self.register_grant(grants.RefreshTokenGrant)
        self.register_grant(grants.ClientCredentialsGrant)
        self.register_endpoint(RevocationEndpoint(self))
        self.register_endpoint(IntrospectionEndpoint(self))

    # -- bridging ------------------------------------------------------------------------------

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an Authlib entry point in a worker thread (after making sure keys are fresh)."""
        await self.keyring.fresh()
        return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs), limiter=self._limiter)

    def call(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """From a grant (worker thread): run a storage coroutine on the event loop."""
        return anyio.from_thread.run(func, *args)

    def now(self) -> datetime:
        return self.clock.now()

    # -- typed entry points (Authlib returns whatever ``handle_response`` makes) ----------------

    def token_response(self, data: RequestData) -> OAuthResponse:
        return _response(self.create_token_response(data))

    def authorization_response(
        self, data: RequestData, user: User | None, grant: Any
    ) -> OAuthResponse:
        return _response(self.create_authorization_response(data, grant_user=user, grant=grant))

    def endpoint_response(self, name: str, data: RequestData) -> OAuthResponse:
        return _response(self.create_endpoint_response(name, data))  # type: ignore[no-untyped-call]

    def error_response(self, error: OAuth2Error) -> OAuthResponse:
        status, body, headers = describe(error)()
        return self.handle_response(status, body, headers)

    # -- Authlib's entry points, by the book --------------------------------------------------

    def create_token_response(self, request: Any = None) -> Any:
        """A token request without ``grant_type`` is malformed (``invalid_request``, RFC 6749
        §5.2), not a request for an unsupported grant type (Authlib's answer)."""
        oauth_request = self.create_oauth2_request(request)
        if oauth_request.payload is None or not oauth_request.payload.grant_type:
            missing = InvalidRequestError("Missing 'grant_type' in request.")
            return self.handle_error_response(oauth_request, missing)
        return super().create_token_response(oauth_request)

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Any:
        return super().handle_error_response(request, describe(error))

    # -- Authlib's framework hooks ---------------------------------------------------------------

    def create_oauth2_request(self, request: RequestData | OAuth2Request) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else _OAuth2Request(request)

    def handle_response(
        self, status: int, body: Mapping[str, object] | str, headers: Any
    ) -> OAuthResponse:
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        return OAuthResponse(status, body if isinstance(body, str) else dict(body), pairs)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: nothing listens to them."""

    # ``None`` (unknown or disabled) is how Authlib learns a client is refused.
    def query_client(self, client_id: str) -> Client | None:  # type: ignore[override]
        doc = self.call(self.stores.oauth_clients.get, client_id)
        return None if doc is None or doc["disabled"] else Client(doc)

    # -- users and actors --------------------------------------------------------------------------

    def load_user(self, kind: str, user_id: str, auth_time: int) -> User | None:
        return self.call(self.user, kind, user_id, auth_time)

    async def user(self, kind: str, user_id: str, auth_time: int | None) -> User | None:
        if kind == ActorKind.PATIENT:
            patient = await self.stores.patients.get(user_id)
            return (
                None
                if patient is None
                else User(Subject(ActorKind.PATIENT, user_id, auth_time=auth_time))
            )
        if kind == ActorKind.PROFESSIONAL:
            pro = await self.stores.professionals.get(user_id)
            return (
                None
                if pro is None
                else User(
                    Subject(
                        ActorKind.PROFESSIONAL,
                        user_id,
                        rpps=pro["rpps"],
                        profession_code=pro["profession_code"],
                        auth_time=auth_time,
                    )
                )
            )
        return None

    @staticmethod
    def actor_kind(client: Client, user: User | None) -> ActorKind:
        """Tokens of a catalogue app act for the patient as an app; client credentials are an
        operator's; otherwise the person who signed in."""
        if user is None:
            return ActorKind.OPERATOR
        return ActorKind.APP if client.doc["kind"] == "app" else user.subject.kind

    # -- tokens ---------------------------------------------------------------------------------

    def _access_token(self, client: Client, grant_type: str, user: User | None, scope: str) -> str:
        if user is None:
            subject = Subject(ActorKind.OPERATOR, client.get_client_id())
        else:
            subject = user.subject
            if self.actor_kind(client, user) is ActorKind.APP:
                subject = Subject(ActorKind.APP, user.subject.id, auth_time=user.subject.auth_time)
        token, _ = sign_access_token(
            self.keyring,
            issuer=self.issuer,
            audience=self.config.audience,
            client_id=client.get_client_id(),
            subject=subject,
            scope=scope,
            now=self.now(),
            lifetime=self.config.access_token_lifetime,
        )
        return token

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.call(self._save_token, token, request)

    async def _save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        claims = unverified_claims(token["access_token"])
        family: str | None = None
        if request.refresh_token is not None:
            family = request.refresh_token.doc["family_id"]
        elif request.authorization_code is not None:
            family = new_id()
            await self.stores.oauth_codes.set_family(request.authorization_code.doc["_id"], family)
        client = cast(Client, request.client)
        if "refresh_token" in token:
            user = cast(User, request.user)
            family = family or new_id()
            now = self.now()
            refresh: RefreshTokenDoc = {
                "_id": token_hash(token["refresh_token"]),
                "family_id": family,
                "client_id": client.get_client_id(),
                "user_kind": user.subject.kind.value,
                "user_id": user.subject.id,
                "scope": token.get("scope", ""),
                "auth_time": user.subject.auth_time or 0,
                "issued_at": now,
                "expires_at": now + self.config.refresh_token_lifetime,
                "rotated_at": None,
                "revoked_at": None,
            }
            await self.stores.refresh_tokens.insert(refresh)
        await self.stores.access_tokens.insert(allow_list_entry(claims, family))

    def revoke_family(self, family_id: str) -> None:
        self.call(self.revoke_family_async, family_id)

    async def revoke_family_async(self, family_id: str) -> None:
        now = self.now()
        await self.stores.refresh_tokens.revoke_family(family_id, now)
        await self.stores.access_tokens.revoke_family(family_id, now)

    async def nonce_used(self, client_id: str, nonce: str) -> bool:
        return await self.stores.oauth_codes.nonce_used(client_id, nonce)


def _response(result: object) -> OAuthResponse:
    if not isinstance(result, OAuthResponse):
        raise TypeError(f"expected an OAuthResponse, got {type(result).__name__}")
    return result
