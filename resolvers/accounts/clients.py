"""Registering OAuth clients, and taking them out of service."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from resolvers.access.scopes import allowed_for, parse_scopes
from resolvers.accounts.passwords import hash_password
from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import InvalidInput, NotFound
from storage.oauth_clients import ClientKind, OAuthClientDoc
from storage.stores import Stores

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
KINDS: tuple[ClientKind, ...] = ("app", "practice_software", "partner", "frontend")


@dataclass(frozen=True)
class Registered:
    client_id: str
    client_secret: str | None  # shown once, never stored in clear


def check_redirect_uri(uri: str) -> str:
    """Absolute https URIs, or http on the loopback interface (RFC 8252 §7.3); no fragment."""
    parts = urlsplit(uri)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if (
        parts.fragment
        or not parts.netloc
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    ):
        raise InvalidInput(f"not an acceptable redirect URI: {uri!r}", field="redirect_uris")
    return uri


async def register_client(
    stores: Stores,
    clock: Clock,
    *,
    name: str,
    kind: ClientKind,
    scopes: str,
    grant_types: list[str],
    redirect_uris: list[str],
    confidential: bool,
) -> Registered:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    unknown = [grant for grant in grant_types if grant not in GRANT_TYPES]
    if unknown or not grant_types:
        raise InvalidInput(
            f"grant types must be among {', '.join(GRANT_TYPES)}", field="grant_types"
        )
    if "client_credentials" in grant_types and not confidential:
        raise InvalidInput("client_credentials needs a confidential client", field="grant_types")
    if "authorization_code" in grant_types and not redirect_uris:
        raise InvalidInput(
            "authorization_code needs at least one redirect URI", field="redirect_uris"
        )
    client_id = f"{kind}-{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32) if confidential else None
    now = clock.now()
    doc: OAuthClientDoc = {
        "_id": client_id,
        "name": name.strip() or client_id,
        "kind": kind,
        "secret_hash": await hash_password(secret) if secret else None,
        "redirect_uris": [check_redirect_uri(uri) for uri in redirect_uris],
        "grant_types": list(dict.fromkeys(grant_types)),
        "scopes": parse_scopes(scopes),
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    await stores.oauth_clients.insert(doc)
    return Registered(client_id, secret)


GRAPHIQL_CLIENT_ID = "graphiql"
GRAPHIQL_PATH = "/graphql"


def graphiql_scopes(kind: ActorKind) -> list[str]:
    """What GraphiQL's sign-in asks for a person of that kind: every scope they may hold."""
    return sorted(allowed_for(kind))


async def register_graphiql_client(stores: Stores, clock: Clock, public_base_url: str) -> str:
    """GraphiQL's own public client (PKCE, no secret, no refresh token: the page keeps its
    access token in memory only), redirecting back to GraphiQL at this service's URL. For
    development: ``seed-demo`` registers it, so the demo people sign in from GraphiQL."""
    now = clock.now()
    scopes = set(graphiql_scopes(ActorKind.PATIENT)) | set(graphiql_scopes(ActorKind.PROFESSIONAL))
    doc: OAuthClientDoc = {
        "_id": GRAPHIQL_CLIENT_ID,
        "name": "GraphiQL (exploration de l'API)",
        "kind": "frontend",
        "secret_hash": None,
        "redirect_uris": [check_redirect_uri(public_base_url.rstrip("/") + GRAPHIQL_PATH)],
        "grant_types": ["authorization_code"],
        "scopes": sorted(scopes),
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    await stores.oauth_clients.put(doc)
    return GRAPHIQL_CLIENT_ID


async def disable_client(stores: Stores, clock: Clock, client_id: str) -> None:
    """Refuse the client from now on, and revoke every token it holds."""
    now = clock.now()
    if not await stores.oauth_clients.set_disabled(client_id, True, now):
        raise NotFound(f"no client {client_id!r}", field="client_id")
    await stores.refresh_tokens.revoke_client(client_id, now)
    await stores.access_tokens.revoke_client(client_id, now)


async def all_clients(stores: Stores) -> list[OAuthClientDoc]:
    """Every registered client, oldest first (the operators' listing)."""
    return await stores.oauth_clients.list_all()
