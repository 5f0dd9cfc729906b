"""The embedded development stack: a MongoDB-compatible server and an S3 server as children.

``SecantusDB`` (``secantusd-py``) speaks the MongoDB wire protocol; ``weed mini`` (SeaweedFS) is a
real S3 server that checks request signatures. Both come with the ``dev`` extra and run as
separate processes (SecantusDB is GPL-2.0: it is executed, never imported).

Both get credentials: SeaweedFS accepts anyone without them, and health data deserves a password
even on a laptop. They are generated once per data directory and kept in ``credentials.json``
(mode 0600). SecantusDB has no localhost exception, so the first start of a data directory runs
it once without ``--auth`` to create the user, then restarts it with ``--auth``.

Children run in their own session (the terminal's Ctrl-C reaches the API first, and the stores
are stopped after it: SIGTERM, then SIGKILL after a grace period) and, on Linux, with
``PR_SET_PDEATHSIG``: they die with this process even when it is killed with SIGKILL, so no
orphan is ever left behind.

Tests use ``stop_server``/``start_server`` (same ports, same data) and ``pause_server``/
``resume_server`` (SIGSTOP: a server that accepts connections but never answers) to inject faults.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

from pydantic import SecretStr

from api.embedded.credentials import Credentials
from api.embedded.mongodb import start_mongodb
from api.embedded.processes import STOP_TIMEOUT_SECONDS, EmbeddedStackError, Server
from api.embedded.s3 import S3_ACCESS_KEY, s3_server
from api.embedded.smtp import start_mail_sink
from api.settings import Settings

__all__ = ["EmbeddedStack", "EmbeddedStackError", "ServerName"]

ServerName = Literal["mongodb", "s3", "smtp"]


@dataclass
class EmbeddedStack:
    """Starts what ``settings`` leaves unconfigured; use as a context manager.

    ``start()`` returns a copy of the settings pointing at the started servers. Stores whose
    address the settings already give are left alone, and with ``STACK=external`` nothing runs.
    """

    settings: Settings
    data_dir: Path | None = None
    servers: dict[str, Server] = field(default_factory=dict)

    def __enter__(self) -> Settings:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root(self) -> Path:
        return (self.data_dir or self.settings.data_dir).resolve()

    def start(self) -> Settings:
        missing = [
            name
            for name in ("oauth_keys_secret", "session_secret")
            if getattr(self.settings, name) is None
        ]
        servers = (
            self.settings.needs_embedded_mongodb
            or self.settings.needs_embedded_s3
            or self.settings.needs_embedded_smtp
        )
        if self.settings.stack == "external" or not (servers or missing):
            return self.settings
        creds = Credentials.load_or_create(self.root / "credentials.json")
        updates: dict[str, object] = {name: SecretStr(getattr(creds, name)) for name in missing}
        try:
            # S3 is spawned first and waited for last, so the two boot side by side.
            if self.settings.needs_embedded_s3:
                s3, endpoint = s3_server(self.root, creds, self.settings.s3_bucket, self._server)
                s3.spawn(self.root)
            if self.settings.needs_embedded_smtp:
                updates.update(
                    smtp_host="127.0.0.1",
                    smtp_port=start_mail_sink(self.root, self._server),
                    smtp_tls="none",
                )
            if self.settings.needs_embedded_mongodb:
                updates["mongodb_uri"] = SecretStr(start_mongodb(self.root, creds, self._server))
                self.servers.pop("mongodb-init", None)  # ran once, to create the user
            if self.settings.needs_embedded_s3:
                s3.wait_ready(s3)
                updates.update(
                    s3_endpoint=endpoint,
                    s3_access_key=S3_ACCESS_KEY,
                    s3_secret_key=SecretStr(creds.s3_secret_key),
                    s3_secure=False,
                )
        except BaseException:
            self.stop()
            raise
        return self.settings.model_copy(update=updates)

    def stop(self) -> None:
        """Stop every child (SIGTERM, then SIGKILL after a grace period), side by side."""
        servers = list(self.servers.values())
        for server in servers:
            server.signal(signal.SIGCONT)  # a paused server cannot handle SIGTERM
            server.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for server in servers:
            server.wait_stopped(deadline)
        self.servers.clear()

    # -- fault injection ----------------------------------------------------------------------

    def stop_server(self, name: ServerName) -> None:
        server = self.servers[name]
        server.signal(signal.SIGCONT)
        server.signal(signal.SIGTERM)
        server.wait_stopped(time.monotonic() + STOP_TIMEOUT_SECONDS)

    def start_server(self, name: ServerName) -> None:
        """Start a stopped server again, on the same ports with the same data."""
        server = self.servers[name]
        server.spawn(self.root)
        server.wait_ready(server)

    def pause_server(self, name: ServerName) -> None:
        self.servers[name].signal(signal.SIGSTOP)

    def resume_server(self, name: ServerName) -> None:
        self.servers[name].signal(signal.SIGCONT)

    # -- the servers (each module in api/embedded/ starts one kind) ---------------------------

    def _server(self, name: str, argv: list[str], wait_ready: Callable[[Server], None]) -> Server:
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        server = Server(name=name, argv=argv, log_path=logs / f"{name}.log", wait_ready=wait_ready)
        self.servers[name] = server
        return server
