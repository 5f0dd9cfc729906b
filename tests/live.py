"""The API as its own process (``espace-sante serve``) on a loopback port, for tests and tools that
must meet it the way a client does: the fuzzer, the load test, several replicas at once.

The process uses the test's stores (``Settings.child_environment``: the same database, bucket
and signing-key secret), so tokens minted here with :func:`mint` are valid there.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from urllib.error import URLError

from api.cli.main import seed_demo_data
from api.oauth.dev_tokens import issue_dev_token
from api.oauth.keys import KeyRing
from api.settings import Settings
from api.stores_config import open_stores
from resolvers.core.actors import ActorKind
from resolvers.core.clock import SystemClock

START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def api_process(
    settings: Settings, *, env: Mapping[str, str] | None = None, log: Path | None = None
) -> Iterator[str]:
    """``espace-sante serve`` answering at the URL yielded; stopped (SIGTERM) on the way out.

    ``env`` adds or overrides settings (``RATE_LIMIT_PER_PERSON``…); ``log`` receives the
    process's stderr (its JSON logs), which are discarded otherwise.
    """
    port = free_port()
    command = Path(sys.executable).with_name("espace-sante")
    environment = {
        **os.environ,
        **settings.child_environment(),
        "LOG_LEVEL": "WARNING",
        "BACKGROUND_WORKERS": "false",
        **(env or {}),
    }
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(log.open("ab")) if log else subprocess.DEVNULL
        process = subprocess.Popen(
            [str(command), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(f"{url}/healthz", process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API process exited while starting ({process.returncode})")
        with (
            contextlib.suppress(URLError, ConnectionError),
            urllib.request.urlopen(url, timeout=1) as answer,  # noqa: S310 - loopback
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the API process did not become ready")


async def seed(settings: Settings) -> None:
    """The demo data set, in the stores the process uses."""
    stores = open_stores(settings)
    try:
        await stores.prepare()
        await seed_demo_data(stores)
    finally:
        await stores.close()


async def mint(
    settings: Settings,
    kind: ActorKind,
    login: str | None,
    scope: str,
    lifetime: timedelta = timedelta(minutes=30),
) -> str:
    """A real access token (signed with the stores' key, allow-listed) for an actor."""
    assert settings.oauth_keys_secret is not None
    stores = open_stores(settings)
    try:
        keyring = KeyRing(
            stores.signing_keys,
            settings.oauth_keys_secret.get_secret_value(),
            SystemClock(),
            retire_after=timedelta(hours=1),
        )
        await keyring.load()
        return await issue_dev_token(
            stores,
            keyring,
            SystemClock(),
            issuer=settings.public_base_url,
            audience=settings.audience,
            kind=kind,
            login=login,
            scope=scope,
            lifetime=lifetime,
        )
    finally:
        await stores.close()
