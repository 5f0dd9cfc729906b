"""The embedded stack: credentials enforced, data kept across restarts, nothing started idly."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from minio.error import S3Error
from pydantic import SecretStr
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from api.embedded.stack import EmbeddedStack
from api.settings import Settings


def test_credentials_are_private_to_the_user(stack: EmbeddedStack) -> None:
    mode = (stack.root / "credentials.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE((stack.root / "s3-identities.json").stat().st_mode) == 0o600


def test_mongodb_refuses_clients_without_the_password(stack_settings: Settings) -> None:
    assert stack_settings.mongodb_uri is not None
    uri = stack_settings.mongodb_uri.get_secret_value()
    anonymous = "mongodb://" + uri.split("@", 1)[1]
    client: MongoClient[dict[str, object]] = MongoClient(anonymous, serverSelectionTimeoutMS=2000)
    try:
        with pytest.raises(OperationFailure, match="requires authentication"):
            client["any"]["thing"].find_one()
    finally:
        client.close()


def test_s3_refuses_requests_signed_with_another_secret(stack_settings: Settings) -> None:
    assert stack_settings.s3_endpoint is not None
    intruder = Minio(
        stack_settings.s3_endpoint,
        access_key=stack_settings.s3_access_key,
        secret_key="not-the-secret",
        secure=False,
    )
    with pytest.raises(S3Error):
        intruder.list_buckets()


def test_data_and_credentials_survive_a_restart(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path)
    with EmbeddedStack(base) as first:
        assert first.mongodb_uri is not None
        client: MongoClient[dict[str, Any]] = MongoClient(first.mongodb_uri.get_secret_value())
        with client:
            client["keep"]["notes"].insert_one({"_id": "n1", "text": "still here"})
    with EmbeddedStack(base) as second:
        assert second.mongodb_uri is not None
        client = MongoClient(second.mongodb_uri.get_secret_value())
        with client:
            assert client["keep"]["notes"].find_one({"_id": "n1"}) == {
                "_id": "n1",
                "text": "still here",
            }
        assert second.s3_secret_key == first.s3_secret_key


def test_configured_stores_are_used_as_they_are(tmp_path: Path) -> None:
    configured = Settings(
        data_dir=tmp_path,
        mongodb_uri=SecretStr("mongodb://db.example:27017/"),
        s3_endpoint="s3.example:9000",
        s3_access_key="key",
        s3_secret_key=SecretStr("secret"),
        oauth_keys_secret=SecretStr("keys"),
        session_secret=SecretStr("session"),
        smtp_host="smtp.example",
    )
    stack = EmbeddedStack(configured)
    assert stack.start() is configured
    assert stack.servers == {}
    assert not (tmp_path / "credentials.json").exists()
