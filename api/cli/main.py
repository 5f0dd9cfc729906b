"""``espace-sante``: the service's command line.

Every command reads the settings from the environment, starts the embedded stack when the
settings leave a store unconfigured, and stops it on the way out (Ctrl-C and SIGTERM included).
Later commands (client registration, provisioning, due transitions…) join the ``main`` group.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click
import uvicorn

from api.app import create_app
from api.cli.documents import import_xdm, reconcile_command
from api.cli.oauth import clients, dev_token, keys
from api.cli.spaces import export_postal, provision, run_due_command, send_emails
from api.cli.support import running_stack, with_stores
from resolvers.accounts.clients import register_graphiql_client
from resolvers.core.clock import SystemClock
from resolvers.core.errors import InvalidInput
from resolvers.demo.messages import seed_messages
from resolvers.demo.seed import SeedReport, seed_demo, stable_id
from schema import SchemaLimits, build_schema
from schema.core.scopes_doc import render as render_scopes_doc
from storage.stores import Stores


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
            report = with_stores(
                settings, lambda stores: seed_demo_data(stores, settings.public_base_url)
            )
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


async def seed_demo_data(stores: Stores, public_base_url: str | None = None) -> SeedReport:
    """The demo set, and GraphiQL's sign-in client when the service's URL is known."""
    clock = SystemClock()
    report = await seed_demo(stores, clock)
    if public_base_url is not None:
        try:
            await register_graphiql_client(stores, clock, public_base_url)
        except InvalidInput as refused:  # http on a non-loopback host: no sign-in from GraphiQL
            click.echo(f"GraphiQL's sign-in client not registered: {refused.message}", err=True)
    messages = await seed_messages(
        stores, clock, stable_id("patient:camille"), stable_id("professional:lefevre"),
        stable_id("document:camille-consultation"),
    )  # fmt: skip
    return replace(report, messages=messages)


@main.command(name="seed-demo")
def seed_demo_command() -> None:
    """Load the demo data set (idempotent: a second run creates nothing)."""
    with running_stack() as settings:
        report = with_stores(
            settings, lambda stores: seed_demo_data(stores, settings.public_base_url)
        )
        click.echo(f"created: {report}")


@main.command(name="create-indexes")
def create_indexes() -> None:
    """Create every collection's validator and indexes, and the bucket (idempotent)."""

    async def prepare(stores: Stores) -> list[str]:
        return await stores.prepare()

    with running_stack() as settings:
        names = with_stores(settings, prepare, prepare=False)
        click.echo("ready: " + ", ".join(names))


@main.command(name="scopes-doc")
@click.option(
    "--output", type=click.Path(dir_okay=False), default="docs/scopes.md", show_default=True
)
def scopes_doc(output: str) -> None:
    """Write the scopes table (docs/scopes.md) from the schema."""
    Path(output).write_text(render_scopes_doc(build_schema(SchemaLimits())), encoding="utf-8")
    click.echo(f"written: {output}")


main.add_command(provision)
main.add_command(run_due_command)
main.add_command(send_emails)
main.add_command(export_postal)
main.add_command(clients)
main.add_command(dev_token)
main.add_command(keys)
main.add_command(reconcile_command)
main.add_command(import_xdm)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
