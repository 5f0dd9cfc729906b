"""Access tokens for development, minted from the command line for a given actor.

They are ordinary tokens (signed, in the allow-list, revocable) issued to a ``dev-cli`` client
created on first use; disabling that client revokes them all.
"""

from __future__ import annotations

from datetime import timedelta

from api.oauth.keys import KeyRing
from api.oauth.tokens import Subject, allow_list_entry, sign_access_token
from resolvers.access.scopes import SCOPES, allowed_for, parse_scopes
from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.core.identity import normalize_matricule, normalize_rpps
from storage.oauth_clients import OAuthClientDoc
from storage.stores import Stores

DEV_CLIENT_ID = "dev-cli"
MAX_LIFETIME = timedelta(hours=24)


async def _dev_client(stores: Stores, clock: Clock) -> OAuthClientDoc:
    now = clock.now()
    doc: OAuthClientDoc = {
        "_id": DEV_CLIENT_ID,
        "name": "Development tokens (espace-sante dev-token)",
        "kind": "frontend",
        "secret_hash": None,
        "redirect_uris": [],
        "grant_types": [],
        "scopes": [scope.name for scope in SCOPES],
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    await stores.oauth_clients.insert_if_missing(doc)
    found = await stores.oauth_clients.get(DEV_CLIENT_ID)
    if found is None or found["disabled"]:
        raise Forbidden("the dev-cli client is disabled")
    return found


async def _subject(stores: Stores, kind: ActorKind, login: str | None) -> Subject:
    if kind is ActorKind.OPERATOR:
        return Subject(ActorKind.OPERATOR, DEV_CLIENT_ID)
    if login is None:
        raise InvalidInput("a patient needs an INS, a professional an RPPS", field="login")
    if kind is ActorKind.PROFESSIONAL:
        pro = await stores.professionals.by_rpps(normalize_rpps(login, field="login"))
        if pro is None:
            raise NotFound("no professional with this RPPS", field="login")
        return Subject(kind, pro["_id"], rpps=pro["rpps"], profession_code=pro["profession_code"])
    patient = await stores.patients.by_ins(normalize_matricule(login, field="login"))
    if patient is None:
        raise NotFound("no patient with this INS", field="login")
    return Subject(kind, patient["_id"])


async def issue_dev_token(
    stores: Stores,
    keyring: KeyRing,
    clock: Clock,
    *,
    issuer: str,
    audience: str,
    kind: ActorKind,
    login: str | None,
    scope: str,
    lifetime: timedelta,
) -> str:
    if not timedelta(seconds=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidInput("the lifetime is between 1 second and 24 hours", field="ttl")
    names = parse_scopes(scope)
    beyond = [name for name in names if name not in allowed_for(kind)]
    if beyond:
        raise InvalidInput(f"not available to a {kind.value}: {' '.join(beyond)}", field="scope")
    await _dev_client(stores, clock)
    subject = await _subject(stores, kind, login)
    await keyring.fresh()
    token, claims = sign_access_token(
        keyring,
        issuer=issuer,
        audience=audience,
        client_id=DEV_CLIENT_ID,
        subject=subject,
        scope=" ".join(names),
        now=clock.now(),
        lifetime=lifetime,
    )
    await stores.access_tokens.insert(allow_list_entry(claims, None))
    return token
