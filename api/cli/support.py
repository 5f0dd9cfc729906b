"""What every CLI command shares: settings, the embedded stack, the stores, clean errors."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import click
from pydantic import ValidationError

from api.embedded.stack import EmbeddedStack, EmbeddedStackError
from api.logs import configure_logging
from api.settings import Settings
from api.stores_config import open_stores
from resolvers.core.errors import DomainError
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
    if threading.current_thread() is threading.main_thread():
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


@contextmanager
def fail_on_domain_error() -> Iterator[None]:
    """A refused command prints the reason, not a traceback."""
    try:
        yield
    except DomainError as error:
        where = f" ({error.field})" if error.field else ""
        raise click.ClickException(f"{error.message}{where}") from error
