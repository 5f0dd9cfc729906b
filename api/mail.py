"""Sending email over SMTP (aiosmtplib), for the notification outbox."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from api.settings import Settings
from resolvers.spaces.notifications import Message

TIMEOUT_SECONDS = 30.0
MESSAGE_ID_DOMAIN = "monespacesante.example"


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        if settings.smtp_host is None:
            raise RuntimeError("SMTP_HOST is not set (the embedded stack sets one)")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username
        self.password = (
            settings.smtp_password.get_secret_value() if settings.smtp_password else None
        )
        self.tls = settings.smtp_tls
        self.sender = settings.smtp_from

    async def send(self, to: str, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        # a deterministic Message-ID when the message has one: a batch sent again after a crash
        # is recognisably the same email (resolvers/spaces/news.py)
        email["Message-ID"] = (
            f"<{message.message_id}@{MESSAGE_ID_DOMAIN}>"
            if message.message_id
            else make_msgid(domain=MESSAGE_ID_DOMAIN)
        )
        email.set_content(message.body)
        await aiosmtplib.send(
            email,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.tls == "tls",
            start_tls=self.tls == "starttls",
            timeout=TIMEOUT_SECONDS,
        )
