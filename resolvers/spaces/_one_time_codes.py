"""One-time codes people type from a letter or an email (objection, activation).

Ten characters of Crockford's base32 (no I, L, O or U to misread), shown in two groups of five:
50 bits, guessed only by brute force, which the lock-out after a few failures prevents. Stored
as SHA-256 hashes; typed in any case, with or without the dash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum()).translate(_READ_AS)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def matches(stored_hash: str | None, typed: str) -> bool:
    return stored_hash is not None and hmac.compare_digest(stored_hash, code_hash(typed))
