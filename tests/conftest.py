"""Fixtures shared by the whole suite.

The embedded stack (real MongoDB-compatible and S3 servers on loopback sockets) starts once per
session; each test gets its own database and bucket, dropped afterwards. With ``STACK=external``
and the store settings in the environment, the same suite runs against real MongoDB and MinIO.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from minio import Minio
from pymongo import MongoClient
from pymongo.database import Database
from starlette.applications import Starlette

from api.app import create_app
from api.embedded.stack import EmbeddedStack
from api.logs import configure_logging
from api.settings import Settings
from api.stores_config import object_store_config
from storage.objects import ObjectStore
from tests.support import GraphQLClient, serve_app


@pytest.fixture(scope="session", autouse=True)
def _logging() -> None:
    """Logs go through the standard library, as in the service, whichever test runs first."""
    configure_logging("WARNING", "console")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    embedded = EmbeddedStack(Settings(), data_dir=tmp_path_factory.mktemp("stack"))
    embedded.settings = embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
def stack_settings(stack: EmbeddedStack) -> Settings:
    return stack.settings


@pytest.fixture(scope="session")
def mongo_admin(stack_settings: Settings) -> Iterator[MongoClient[dict[str, object]]]:
    assert stack_settings.mongodb_uri is not None
    client: MongoClient[dict[str, object]] = MongoClient(
        stack_settings.mongodb_uri.get_secret_value(), tz_aware=True
    )
    yield client
    client.close()


@pytest.fixture
def settings(
    stack_settings: Settings, mongo_admin: MongoClient[dict[str, object]]
) -> Iterator[Settings]:
    """Settings of a fresh database and bucket, removed after the test."""
    with isolated_settings(stack_settings, mongo_admin) as isolated:
        yield isolated


@contextlib.contextmanager
def isolated_settings(
    stack_settings: Settings, mongo_admin: MongoClient[dict[str, object]]
) -> Iterator[Settings]:
    """Settings of a fresh database and bucket, removed on the way out (for a test, or a
    module whose tests share one server)."""
    unique = uuid.uuid4().hex[:12]
    isolated = stack_settings.model_copy(
        update={
            "mongodb_database": f"test_{unique}",
            "s3_bucket": f"test-{unique}",
            # tests run the workers' steps themselves, at the moment they choose
            "background_workers": False,
        }
    )
    yield isolated
    mongo_admin.drop_database(isolated.mongodb_database)
    _remove_bucket(isolated)


def _remove_bucket(settings: Settings) -> None:
    config = object_store_config(settings)
    client = Minio(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
    )
    with contextlib.suppress(Exception):  # best effort: the temporary stack goes away anyway
        if client.bucket_exists(config.bucket):
            for item in client.list_objects(config.bucket, recursive=True):
                if item.object_name is not None:
                    client.remove_object(config.bucket, item.object_name)
            client.remove_bucket(config.bucket)


@pytest.fixture
def db(
    settings: Settings, mongo_admin: MongoClient[dict[str, object]]
) -> Database[dict[str, object]]:
    """The test's database, through a synchronous client, for assertions on what was stored."""
    return mongo_admin[settings.mongodb_database]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def objects(settings: Settings) -> AsyncIterator[ObjectStore]:
    store = ObjectStore(object_store_config(settings))
    await store.ensure_bucket()
    yield store
    store.close()


@pytest.fixture
async def live_url(settings: Settings) -> AsyncIterator[str]:
    """The app served by uvicorn on a real loopback port, in the test's event loop."""
    async with serve_app(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]
