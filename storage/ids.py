"""Identifiers of stored records."""

from __future__ import annotations

from bson import ObjectId


def new_id() -> str:
    """A new record id: 24 hex characters, unique, and increasing with time of creation."""
    return str(ObjectId())
