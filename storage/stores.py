"""The two stores a process talks to, opened once and shared by every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, TypeAlias, TypeVar, get_type_hints

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from storage.access import AuthorisationRepository, EmergencyAccessRepository
from storage.agenda import AgendaEventRepository, AgendaFeedRepository, AgendaPreferencesRepository
from storage.audit import AccessEventRepository
from storage.catalogue import CatalogueRepository, PairingRepository
from storage.documents import DocumentRepository
from storage.errors import AlreadyStored
from storage.exports import ExportRepository
from storage.logins import LoginRepository
from storage.messages import ConversationRepository, MessageRepository, ReceiptRepository
from storage.news_events import NewsEventRepository
from storage.news_leases import NewsLeaseRepository
from storage.news_preferences import NewsPreferenceRepository
from storage.oauth_clients import OAuthClientRepository
from storage.oauth_grants import (
    AccessTokenRepository,
    AuthorizationCodeRepository,
    RefreshTokenRepository,
)
from storage.objects import ObjectStore, ObjectStoreConfig
from storage.outage import mongo_outage
from storage.outbox import OutboxRepository
from storage.patients import PatientRepository
from storage.professionals import ProfessionalRepository
from storage.profile import ChangeRepository, EntryRepository, MeasurementRepository
from storage.provisioning import BatchRepository, RejectionRepository
from storage.rate_limits import RateWindowRepository
from storage.registry import ensure_collections
from storage.repository import Repository
from storage.representations import RepresentationRepository
from storage.signing_keys import SigningKeyRepository

# A transaction's session, as the use cases name it (they never import the driver).
Session: TypeAlias = AsyncClientSession

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MongoConfig:
    uri: str
    database: str
    timeout_ms: int = 5000
    app_name: str = "espace-sante"


@dataclass
class Stores:
    """The MongoDB client and database, the object store, and a repository per collection."""

    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    objects: ObjectStore
    patients: PatientRepository = field(init=False)
    professionals: ProfessionalRepository = field(init=False)
    documents: DocumentRepository = field(init=False)
    space_exports: ExportRepository = field(init=False)
    authorisations: AuthorisationRepository = field(init=False)
    emergency_accesses: EmergencyAccessRepository = field(init=False)
    access_events: AccessEventRepository = field(init=False)
    logins: LoginRepository = field(init=False)
    oauth_clients: OAuthClientRepository = field(init=False)
    oauth_codes: AuthorizationCodeRepository = field(init=False)
    refresh_tokens: RefreshTokenRepository = field(init=False)
    access_tokens: AccessTokenRepository = field(init=False)
    signing_keys: SigningKeyRepository = field(init=False)
    representations: RepresentationRepository = field(init=False)
    outbox: OutboxRepository = field(init=False)
    news_events: NewsEventRepository = field(init=False)
    news_leases: NewsLeaseRepository = field(init=False)
    news_preferences: NewsPreferenceRepository = field(init=False)
    batches: BatchRepository = field(init=False)
    rejections: RejectionRepository = field(init=False)
    profile_entries: EntryRepository = field(init=False)
    measurements: MeasurementRepository = field(init=False)
    profile_changes: ChangeRepository = field(init=False)
    conversations: ConversationRepository = field(init=False)
    messages: MessageRepository = field(init=False)
    receipts: ReceiptRepository = field(init=False)
    catalogue: CatalogueRepository = field(init=False)
    pairings: PairingRepository = field(init=False)
    agenda_events: AgendaEventRepository = field(init=False)
    agenda_preferences: AgendaPreferencesRepository = field(init=False)
    agenda_feeds: AgendaFeedRepository = field(init=False)
    rate_windows: RateWindowRepository = field(init=False)

    def __post_init__(self) -> None:
        # The fields above are THE list of repositories: each is built from its declared type.
        for name, repository in _repository_fields().items():
            setattr(self, name, repository(self.db))

    @classmethod
    def connect(cls, mongo: MongoConfig, objects: ObjectStoreConfig) -> Stores:
        """Create the clients; nothing is contacted until the first operation."""
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongo.uri,
            appname=mongo.app_name,
            tz_aware=True,
            serverSelectionTimeoutMS=mongo.timeout_ms,
            connectTimeoutMS=mongo.timeout_ms,
        )
        return cls(client=client, db=client[mongo.database], objects=ObjectStore(objects))

    async def prepare(self) -> list[str]:
        """Make sure collections, validators, indexes and the bucket exist (idempotent)."""
        with mongo_outage():
            names = await ensure_collections(self.db, repositories())
        await self.objects.ensure_bucket()
        return names

    async def in_transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run ``work`` in one multi-document transaction: all its writes land, or none.

        PyMongo retries it on transient errors (another writer, a primary election), so ``work``
        must be safe to run again."""
        with mongo_outage():  # what the retries did not get past (see storage.outage)
            async with self.client.start_session() as session:
                return await session.with_transaction(work)

    async def insert_together(
        self, batches: Sequence[tuple[Repository[Any], Sequence[Mapping[str, Any]]]]
    ) -> None:
        """Insert every batch in one transaction, in ONE attempt: unlike :meth:`in_transaction`,
        which retries a transient error (MongoDB gone) for two minutes, for work that is simply
        run again when it fails. ``AlreadyStored`` when a record is there already."""
        try:
            with mongo_outage():
                async with (
                    self.client.start_session() as session,
                    await session.start_transaction(),
                ):
                    for repository, docs in batches:
                        await repository.collection.insert_many(list(docs), session=session)
        except (BulkWriteError, DuplicateKeyError) as exc:
            raise AlreadyStored(str(exc)) from exc

    async def ping_mongodb(self) -> None:
        with mongo_outage():
            await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()
        self.objects.close()


@cache
def _repository_fields() -> dict[str, type[Repository[Any]]]:
    hints = get_type_hints(Stores)
    return {
        f.name: hints[f.name]
        for f in fields(Stores)
        if not f.init and isinstance(hints[f.name], type) and issubclass(hints[f.name], Repository)
    }


def repositories() -> tuple[type[Repository[Any]], ...]:
    """Every repository of the service, in the order :class:`Stores` declares them."""
    return tuple(_repository_fields().values())
