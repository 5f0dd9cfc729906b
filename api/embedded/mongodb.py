"""The embedded MongoDB-compatible server: SecantusDB (``secantusd-py``), GPL-2.0, executed and
never imported."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from api.embedded.credentials import Credentials
from api.embedded.processes import (
    START_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    EmbeddedStackError,
    Server,
    ServerFactory,
    find_executable,
    free_ports,
)

MONGODB_USER = "espace-sante"


def start_mongodb(root: Path, creds: Credentials, servers: ServerFactory) -> str:
    """Start SecantusDB with ``--auth``; the first time for this data directory, create the
    user first (it has no localhost exception). Returns the URI with the credentials."""
    storage = root / "mongodb"
    storage.mkdir(parents=True, exist_ok=True)
    port = free_ports(1)[0]
    argv = [
        find_executable("secantusd-py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
    ]
    marker = storage / ".espace-sante-user"
    if not marker.exists():
        plain = f"mongodb://127.0.0.1:{port}/?retryWrites=false"
        init = servers("mongodb-init", argv, lambda s: wait_for_mongodb(plain, s))
        init.spawn(root)
        with mongodb_client(plain, init) as client:
            with contextlib.suppress(PyMongoError):  # left over by an interrupted init
                client.admin.command("dropUser", MONGODB_USER)
            client.admin.command(
                "createUser", MONGODB_USER, pwd=creds.mongodb_password, roles=["root"]
            )
        init.signal(signal.SIGTERM)
        init.wait_stopped(time.monotonic() + STOP_TIMEOUT_SECONDS)
        marker.write_text("created\n")
    uri = (
        f"mongodb://{MONGODB_USER}:{creds.mongodb_password}@127.0.0.1:{port}/"
        "?authSource=admin&retryWrites=false"
    )
    server = servers("mongodb", [*argv, "--auth"], lambda s: wait_for_mongodb(uri, s))
    server.spawn(root)
    server.wait_ready(server)
    return uri


@contextlib.contextmanager
def mongodb_client(uri: str, server: Server) -> Iterator[MongoClient[dict[str, object]]]:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=250, connectTimeoutMS=250
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            server.check_alive()
            try:
                client.admin.command("ping")
                break
            except PyMongoError as exc:
                if time.monotonic() > deadline:
                    raise EmbeddedStackError(f"embedded MongoDB did not answer: {exc}") from exc
                time.sleep(0.05)
        yield client
    finally:
        client.close()


def wait_for_mongodb(uri: str, server: Server) -> None:
    with mongodb_client(uri, server):
        pass
