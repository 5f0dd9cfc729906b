"""The catalogue of referenced apps (R1111-38, R1111-39): operators reference, anyone browses.

An app asks for data categories, each a scope an app may hold (the agenda, documents and
measurements: read or write) with the reason it needs it. It is bound to an OAuth client of kind
``app`` made with it, whose allowed scopes are exactly those categories (and ``openid``), so no
token can ever carry more. Its life: draft (invisible, editable) → referenced (listed, pairable;
its terms frozen, since patients consented to them) → withdrawn (final: every pairing ends, the
client is disabled and its tokens revoked at once). A draft may also be withdrawn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from resolvers.access.scopes import APP, BY_NAME
from resolvers.accounts import clients
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from resolvers.core.pagination import decode_cursor, page_size
from resolvers.core.text import prefix_query, search_words
from storage.catalogue import AppStatus, CatalogueAppDoc, CategoryDoc, Domain
from storage.ids import new_id
from storage.repository import Page
from storage.stores import Stores

ADMIN_SCOPE = "catalogue:admin"
DATA_SCOPES = tuple(
    scope.name for scope in BY_NAME.values() if APP in scope.kinds and scope.name != "openid"
)
DOMAINS: tuple[Domain, ...] = get_args(Domain)
NEXT: dict[AppStatus, tuple[AppStatus, ...]] = {
    "draft": ("referenced", "withdrawn"),
    "referenced": ("withdrawn",),
    "withdrawn": (),
}
HIDDEN = "No app with this id is in the catalogue."
LIMITS = {"name": 100, "publisher": 200, "description": 4000, "consentText": 8000}


@dataclass(frozen=True, slots=True)
class AppTerms:
    """What an operator says of an app, unchecked."""

    name: str
    publisher: str
    description: str
    domain: str
    categories: Sequence[tuple[str, str]]  # (scope, justification)
    retention_days: int
    consent_days: int
    consent_text: str
    redirect_uris: Sequence[str] = ()


def _admin(actor: Actor) -> None:
    if actor.kind is not ActorKind.OPERATOR or ADMIN_SCOPE not in actor.scopes:
        raise Forbidden("Only catalogue administrators change the catalogue.")


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{field} is required", field=field)
    if len(value) > LIMITS[field]:
        raise InvalidInput(f"{field} is longer than {LIMITS[field]} characters", field=field)
    return value


def _checked(terms: AppTerms) -> dict[str, Any]:
    if terms.domain not in DOMAINS:
        raise InvalidInput(f"domain must be one of {', '.join(DOMAINS)}", field="domain")
    categories: list[CategoryDoc] = []
    for scope, justification in terms.categories:
        if scope not in DATA_SCOPES:
            raise InvalidInput(
                f"{scope!r} is not a data category an app may ask for ({', '.join(DATA_SCOPES)})",
                field="categories",
            )
        if not justification.strip() or len(justification) > 1000:
            raise InvalidInput("each category needs a justification (≤ 1000)", field="categories")
        categories.append({"scope": scope, "justification": justification.strip()})
    if not categories or len({c["scope"] for c in categories}) != len(categories):
        raise InvalidInput("list each category once, at least one", field="categories")
    for field, value in (
        ("retentionDays", terms.retention_days),
        ("consentDays", terms.consent_days),
    ):
        if not 1 <= value <= 3650:
            raise InvalidInput(f"{field} is between 1 and 3650", field=field)
    name = _text(terms.name, "name")
    publisher = _text(terms.publisher, "publisher")
    description = _text(terms.description, "description")
    return {
        "name": name,
        "publisher": publisher,
        "description": description,
        "domain": terms.domain,
        "categories": categories,
        "retention_days": terms.retention_days,
        "consent_days": terms.consent_days,
        "consent_text": _text(terms.consent_text, "consentText"),
        "search_keys": search_words(f"{name} {publisher} {description}"),
    }


def client_scopes(categories: Sequence[CategoryDoc]) -> str:
    return " ".join(["openid", *(c["scope"] for c in categories)])


async def create_app(
    stores: Stores, clock: Clock, actor: Actor, terms: AppTerms
) -> CatalogueAppDoc:
    """A draft, with its OAuth client (public: PKCE alone, as an installed app)."""
    _admin(actor)
    fields = _checked(terms)
    if not terms.redirect_uris:
        raise InvalidInput("at least one redirect URI", field="redirectUris")
    try:
        registered = await clients.register_client(
            stores, clock, name=fields["name"], kind="app",
            scopes=client_scopes(fields["categories"]),
            grant_types=["authorization_code", "refresh_token"],
            redirect_uris=list(terms.redirect_uris), confidential=False,
        )  # fmt: skip
    except InvalidInput as error:  # the client's field names are the CLI's
        raise InvalidInput(error.message, field="redirectUris") from None
    await stores.oauth_clients.set_disabled(
        registered.client_id, True, clock.now()
    )  # until referenced
    now = clock.now()
    doc: CatalogueAppDoc = {
        "_id": new_id(),
        "client_id": registered.client_id,
        **fields,  # type: ignore[typeddict-item]
        "status": "draft",
        "created_at": now,
        "updated_at": now,
        "referenced_at": None,
        "withdrawn_at": None,
    }
    await stores.catalogue.insert(doc)
    return doc


async def update_app(
    stores: Stores, clock: Clock, actor: Actor, app_id: str, terms: AppTerms
) -> CatalogueAppDoc:
    """A draft's terms; a referenced app's are frozen (patients consented to them)."""
    _admin(actor)
    fields = _checked(terms)
    changed = await stores.catalogue.change(
        app_id, {"status": "draft"}, {**fields, "updated_at": clock.now()}
    )
    if changed is None:
        if await stores.catalogue.get(app_id) is None:
            raise NotFound(HIDDEN, field="id")
        raise Conflict("Only a draft can change: withdraw this app and reference a new one.")
    await stores.oauth_clients.set_scopes(
        changed["client_id"], client_scopes(changed["categories"]).split(), changed["name"]
    )
    return changed


async def set_status(
    stores: Stores, clock: Clock, actor: Actor, app_id: str, status: str
) -> CatalogueAppDoc:
    _admin(actor)
    app = await stores.catalogue.get(app_id)
    if app is None:
        raise NotFound(HIDDEN, field="id")
    if status not in NEXT[app["status"]]:
        raise Conflict(
            f"An app goes from {app['status']} to {' or '.join(NEXT[app['status']]) or 'nowhere'}."
        )
    now = clock.now()
    stamp = {"referenced": "referenced_at", "withdrawn": "withdrawn_at"}[status]
    changed = await stores.catalogue.change(
        app_id, {"status": app["status"]}, {"status": status, stamp: now, "updated_at": now}
    )
    if changed is None:
        raise Conflict("The app changed meanwhile: read it again.")
    if status == "referenced":
        await stores.oauth_clients.set_disabled(app["client_id"], False, now)
    else:  # withdrawn: every pairing ends, and every token with it
        await stores.pairings.revoke_app(app_id, now)
        await clients.disable_client(stores, clock, app["client_id"])
    return changed


async def browse(
    stores: Stores,
    *,
    search: str | None,
    domain: str | None,
    first: int | None,
    after: str | None,
) -> tuple[Page[CatalogueAppDoc], Callable[[], Awaitable[int]]]:
    """The referenced apps, by name; anyone may browse them."""
    size, keyset = page_size(first), decode_cursor(after)
    query: dict[str, Any] = {"status": "referenced"}
    if domain is not None:
        if domain not in DOMAINS:
            raise InvalidInput(f"domain must be one of {', '.join(DOMAINS)}", field="domain")
        query["domain"] = domain
    if search is not None:
        query.update(prefix_query(search, "search_keys", argument="search"))
    page = await stores.catalogue.page(query, size, keyset)

    async def count() -> int:
        return await stores.catalogue.count(query)

    return page, count


async def get_app(stores: Stores, actor: Actor | None, app_id: str) -> CatalogueAppDoc:
    """A referenced app for anyone; drafts and withdrawn apps for administrators only."""
    app = await stores.catalogue.get(app_id)
    admin = actor is not None and actor.kind is ActorKind.OPERATOR and ADMIN_SCOPE in actor.scopes
    if app is None or (app["status"] != "referenced" and not admin):
        raise NotFound(HIDDEN, field="id")
    return app


async def list_all(
    stores: Stores, actor: Actor, status: str | None, first: int | None, after: str | None
) -> tuple[Page[CatalogueAppDoc], Callable[[], Awaitable[int]]]:
    """Every app, drafts and withdrawn included, for administrators."""
    _admin(actor)
    size, keyset = page_size(first), decode_cursor(after)
    query: dict[str, Any] = {} if status is None else {"status": status}
    page = await stores.catalogue.page(query, size, keyset)

    async def count() -> int:
        return await stores.catalogue.count(query)

    return page, count
