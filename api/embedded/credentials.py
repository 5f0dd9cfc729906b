"""The development stack's secrets, generated once per data directory."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Credentials:
    """The development stack's secrets: generated once, kept private to the user (0600)."""

    mongodb_password: str
    s3_secret_key: str
    oauth_keys_secret: str
    session_secret: str

    @classmethod
    def load_or_create(cls, path: Path) -> Credentials:
        raw: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        values = {
            name: raw.get(name) or secrets.token_urlsafe(32)
            for name in ("mongodb_password", "s3_secret_key", "oauth_keys_secret", "session_secret")
        }
        if values != raw:  # new, or written by an older version with fewer secrets
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(values, out)
            path.chmod(0o600)
        return cls(**values)
