"""Structured logs: one JSON object a line, with the request id of the request being served.

Third-party loggers (uvicorn, pymongo…) go through the same formatter. Values under sensitive keys
are replaced, and strings that look like a bearer token or an INS matricule are masked wherever
they appear, so neither reaches the logs even by accident.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import orjson
import structlog
from structlog.types import EventDict, Processor

SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "password",
        "pwd",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "activation_code",
        "client_secret",
        "ins",
        "matricule",
        "nir",
        "cookie",
    }
)
_SECRET_PATTERNS = (
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),  # JWT
    # INS matricule, spaced or not, wherever it stands (even inside an encoded URL)
    re.compile(
        r"(?<![0-9])[1-478]\s?[0-9]{2}\s?[0-9]{2}\s?(?:[0-9]{2}|2[AB])\s?[0-9]{3}\s?"
        r"[0-9]{3}\s?[0-9]{2}(?![0-9])"
    ),
)
REDACTED = "[redacted]"
# A secret's value after its name, as a dict's repr, JSON or a form body shows it (Authlib logs
# "Issue token {'refresh_token': '…'}" at debug level): the name stays, the value goes.
_NAMED_SECRET = re.compile(
    r"(?i)((?:refresh_token|access_token|id_token|client_secret|password|code_verifier|"
    r"activation_code)[\"']?\s?[:=]\s?[\"']?)[^\"'&\s,}]+"
)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        for pattern in _SECRET_PATTERNS:
            value = pattern.sub(REDACTED, value)
        return _NAMED_SECRET.sub(rf"\g<1>{REDACTED}", value)
    if isinstance(value, MutableMapping):
        return {
            k: REDACTED if str(k).lower() in SENSITIVE_KEYS else _scrub(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask sensitive keys and secret-looking strings, at any depth.

    Also drops uvicorn's ``color_message`` (its message again, with terminal colour codes).
    """
    return {
        k: REDACTED if k.lower() in SENSITIVE_KEYS else _scrub(v)
        for k, v in event_dict.items()
        if k != "color_message"
    }


def _dumps(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def configure_logging(level: str = "INFO", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Route structlog and the standard library's loggers to ``stream`` (stderr by default)."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer()
        exceptions: list[Processor] = []
    else:
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
        exceptions = [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *exceptions,
            redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # httpx logs whole URLs at INFO: query strings can carry codes and tokens.
    for noisy in ("pymongo", "urllib3", "asyncio", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.getLogger("uvicorn.access").disabled = True  # the access log is ours (no query string)
    logging.getLogger("uvicorn.error").propagate = True
