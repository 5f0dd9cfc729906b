"""The stores' configuration, from the settings."""

from __future__ import annotations

from api.settings import Settings
from storage.objects import ObjectStoreConfig
from storage.stores import MongoConfig, Stores


def mongo_config(settings: Settings) -> MongoConfig:
    if settings.mongodb_uri is None:
        raise RuntimeError("MONGODB_URI is not set (start the embedded stack first)")
    return MongoConfig(
        uri=settings.mongodb_uri.get_secret_value(),
        database=settings.mongodb_database,
        timeout_ms=settings.mongodb_timeout_ms,
    )


def object_store_config(settings: Settings) -> ObjectStoreConfig:
    if (
        settings.s3_endpoint is None
        or settings.s3_access_key is None
        or settings.s3_secret_key is None
    ):
        raise RuntimeError("S3_ENDPOINT is not set (start the embedded stack first)")
    return ObjectStoreConfig(
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        sse=settings.s3_sse,
        sse_c_key=settings.sse_c_key_bytes() if settings.s3_sse == "c" else None,
        timeout_seconds=settings.s3_timeout_seconds,
    )


def open_stores(settings: Settings) -> Stores:
    return Stores.connect(mongo_config(settings), object_store_config(settings))
