"""A real SMTP server for a test (aiosmtpd), keeping what it received."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from api.mail import SmtpSender
from api.settings import Settings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content or b""
        raw = content.encode() if isinstance(content, str) else content
        self.raw.append(raw)
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def sender_to(settings: Settings, port: int) -> SmtpSender:
    return SmtpSender(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
