"""The embedded mail sink: aiosmtpd, keeping every message in a Maildir."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from api.embedded.processes import (
    START_TIMEOUT_SECONDS,
    EmbeddedStackError,
    Server,
    ServerFactory,
    free_ports,
)


def start_mail_sink(root: Path, servers: ServerFactory) -> int:
    """A development SMTP server that keeps every message in ``mail/`` (a Maildir)."""
    port = free_ports(1)[0]
    maildir = root / "mail"
    argv = [
        sys.executable,
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        f"127.0.0.1:{port}",
        "-c",
        "aiosmtpd.handlers.Mailbox",
        str(maildir),
    ]
    server = servers("smtp", argv, lambda s: wait_for_port(port, s))
    server.spawn(root)
    server.wait_ready(server)
    return port


def wait_for_port(port: int, server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        server.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise EmbeddedStackError(f"embedded mail sink did not answer: {exc}") from exc
            time.sleep(0.05)
