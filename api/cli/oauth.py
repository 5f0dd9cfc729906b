"""``espace-sante clients …``, ``dev-token`` and ``keys rotate``: the OAuth side of the CLI."""

from __future__ import annotations

from datetime import timedelta

import click

from api.cli.support import fail_on_domain_error, running_stack, with_stores
from api.oauth.dev_tokens import issue_dev_token
from api.oauth.keys import KeyRing
from api.settings import Settings
from resolvers.accounts import clients as client_use_cases
from resolvers.core.actors import ActorKind
from resolvers.core.clock import SystemClock
from storage.stores import Stores


def keyring_for(settings: Settings, stores: Stores) -> KeyRing:
    if settings.oauth_keys_secret is None:
        raise click.ClickException("OAUTH_KEYS_SECRET is not set")
    retire_after = timedelta(seconds=settings.oauth_access_token_ttl_seconds + 900)
    return KeyRing(
        stores.signing_keys,
        settings.oauth_keys_secret.get_secret_value(),
        SystemClock(),
        retire_after=retire_after,
    )


@click.group()
def clients() -> None:
    """Register, list and disable OAuth clients."""


@clients.command("register")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(client_use_cases.KINDS), required=True)
@click.option("--scope", "scopes", required=True, help="Space-separated scopes it may receive.")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    required=True,
    type=click.Choice(client_use_cases.GRANT_TYPES),
)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--public", is_flag=True, help="No secret: PKCE only (browser and mobile apps).")
def register(
    *,
    name: str,
    kind: str,
    scopes: str,
    grants: tuple[str, ...],
    redirect_uris: tuple[str, ...],
    public: bool,
) -> None:
    """Register a client; its secret is printed once and never stored in clear."""
    with running_stack() as settings, fail_on_domain_error():
        registered = with_stores(
            settings,
            lambda stores: client_use_cases.register_client(
                stores,
                SystemClock(),
                name=name,
                kind=kind,  # type: ignore[arg-type]
                scopes=scopes,
                grant_types=list(grants),
                redirect_uris=list(redirect_uris),
                confidential=not public,
            ),
        )
    click.echo(f"client_id: {registered.client_id}")
    if registered.client_secret is not None:
        click.echo(f"client_secret: {registered.client_secret}")


@clients.command("list")
def list_clients() -> None:
    """One line a client: id, kind, state, name, grants, scopes."""

    async def listing(stores: Stores) -> list[str]:
        return [
            f"{doc['_id']}\t{doc['kind']}\t{'disabled' if doc['disabled'] else 'active'}\t"
            f"{doc['name']}\t{','.join(doc['grant_types'])}\t{' '.join(doc['scopes'])}"
            for doc in await client_use_cases.all_clients(stores)
        ]

    with running_stack() as settings:
        for line in with_stores(settings, listing):
            click.echo(line)


@clients.command("disable")
@click.argument("client_id")
def disable(client_id: str) -> None:
    """Refuse the client from now on and revoke every token it holds."""
    with running_stack() as settings, fail_on_domain_error():
        with_stores(
            settings,
            lambda stores: client_use_cases.disable_client(stores, SystemClock(), client_id),
        )
    click.echo(f"disabled: {client_id}")


@click.command("dev-token")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in ActorKind if k is not ActorKind.APP]),
    required=True,
)
@click.option("--login", help="INS matricule of a patient, or RPPS of a professional.")
@click.option("--scope", required=True, help="Space-separated scopes.")
@click.option("--ttl", type=int, default=3600, show_default=True, help="Lifetime in seconds.")
def dev_token(kind: str, login: str | None, scope: str, ttl: int) -> None:
    """Print an access token for an actor (development: paste it in GraphiQL's headers)."""
    with running_stack() as settings, fail_on_domain_error():

        async def issue(stores: Stores) -> str:
            keyring = keyring_for(settings, stores)
            await keyring.load()
            return await issue_dev_token(
                stores,
                keyring,
                SystemClock(),
                issuer=settings.public_base_url,
                audience=settings.audience,
                kind=ActorKind(kind),
                login=login,
                scope=scope,
                lifetime=timedelta(seconds=ttl),
            )

        click.echo(with_stores(settings, issue))


@click.group()
def keys() -> None:
    """Token-signing keys."""


@keys.command("rotate")
@click.option(
    "--now",
    "immediately",
    is_flag=True,
    help="Sign with the new key at once (a compromised key), without waiting.",
)
def rotate(*, immediately: bool) -> None:
    """Publish a new signing key: it signs once every replica knows it, and the previous keys
    verify until the tokens they signed expire."""
    with running_stack() as settings:

        async def do_rotate(stores: Stores) -> str:
            ring = keyring_for(settings, stores)
            return await (ring.rotate(delay=timedelta(0)) if immediately else ring.rotate())

        click.echo(f"new signing key: {with_stores(settings, do_rotate)}")
