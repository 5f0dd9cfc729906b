"""``espace-sante``: the service's command line.

Every command reads the settings from the environment, starts the embedded stack when the
settings leave a store unconfigured, and stops it on the way out (Ctrl-C and SIGTERM included).
Later commands (client registration, provisioning, due transitions…) join the ``main`` group.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import click
import uvicorn
from pydantic import ValidationError

from api.app import create_app, open_stores
from api.embedded import EmbeddedStack, EmbeddedStackError
from api.logs import configure_logging
from api.settings import Settings
from resolvers.clock import SystemClock
from resolvers.demo import SeedReport, seed_demo
from storage.stores import Stores

T = TypeVar("T")


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


@contextmanager
def running_stack() -> Iterator[Settings]:
    """Settings from the environment, with the embedded stack started for what they leave out."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings:\n{exc}") from exc
    configure_logging(settings.log_level, settings.log_format)
    # SIGTERM unwinds like Ctrl-C, so the stack below is stopped in order, never orphaned.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with EmbeddedStack(settings) as resolved:
            yield resolved
    except EmbeddedStackError as exc:
        raise click.ClickException(str(exc)) from exc


def with_stores(
    settings: Settings, work: Callable[[Stores], Awaitable[T]], *, prepare: bool = True
) -> T:
    """Run ``work`` with the stores open (collections and bucket prepared), then close them."""

    async def run() -> T:
        stores = open_stores(settings)
        try:
            if prepare:
                await stores.prepare()
            return await work(stores)
        finally:
            await stores.close()

    return asyncio.run(run())


@click.group()
def main() -> None:
    """Mon espace santé GraphQL API."""


@main.command()
@click.option("--seed-demo/--no-seed-demo", default=False, help="Load the demo data first.")
@click.option("--host", default=None, help="Listen address (default: HOST).")
@click.option("--port", type=int, default=None, help="Listen port (default: PORT).")
def serve(seed_demo: bool, host: str | None, port: int | None) -> None:
    """Serve the API (GraphQL, GraphiQL, health and metrics)."""
    with running_stack() as settings:
        if seed_demo:
            report = with_stores(settings, seed_demo_data)
            click.echo(f"demo data: {report}", err=True)
        host = host or settings.host
        port = settings.port if port is None else port
        app = create_app(settings)
        click.echo(f"GraphiQL: http://{host}:{port}/graphql", err=True)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=10,
            server_header=False,
        )
        uvicorn.Server(config).run()


async def seed_demo_data(stores: Stores) -> SeedReport:
    return await seed_demo(stores, SystemClock())


@main.command(name="seed-demo")
def seed_demo_command() -> None:
    """Load the demo data set (idempotent: a second run creates nothing)."""
    with running_stack() as settings:
        report = with_stores(settings, seed_demo_data)
        click.echo(f"created: {report}")


@main.command(name="create-indexes")
def create_indexes() -> None:
    """Create every collection's validator and indexes, and the bucket (idempotent)."""

    async def prepare(stores: Stores) -> list[str]:
        return await stores.prepare()

    with running_stack() as settings:
        names = with_stores(settings, prepare, prepare=False)
        click.echo("ready: " + ", ".join(names))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
