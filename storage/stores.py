"""The two stores a process talks to, opened once and shared by every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from storage.access import AuthorisationRepository, EmergencyAccessRepository
from storage.agenda import AgendaEventRepository, AgendaFeedRepository, AgendaPreferencesRepository
from storage.audit import AccessEventRepository
from storage.catalogue import CatalogueRepository, PairingRepository
from storage.documents import DocumentRepository
from storage.exports import ExportRepository
from storage.logins import LoginRepository
from storage.messages import ConversationRepository, MessageRepository, ReceiptRepository
from storage.oauth_clients import OAuthClientRepository
from storage.oauth_grants import (
    AccessTokenRepository,
    AuthorizationCodeRepository,
    RefreshTokenRepository,
)
from storage.objects import ObjectStore, ObjectStoreConfig
from storage.outbox import OutboxRepository
from storage.patients import PatientRepository
from storage.professionals import ProfessionalRepository
from storage.profile import ChangeRepository, EntryRepository, MeasurementRepository
from storage.provisioning import BatchRepository, RejectionRepository
from storage.rate_limits import RateWindowRepository
from storage.registry import ensure_collections
from storage.representations import RepresentationRepository
from storage.signing_keys import SigningKeyRepository

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
        self.patients = PatientRepository(self.db)
        self.professionals = ProfessionalRepository(self.db)
        self.documents = DocumentRepository(self.db)
        self.space_exports = ExportRepository(self.db)
        self.authorisations = AuthorisationRepository(self.db)
        self.emergency_accesses = EmergencyAccessRepository(self.db)
        self.access_events = AccessEventRepository(self.db)
        self.logins = LoginRepository(self.db)
        self.oauth_clients = OAuthClientRepository(self.db)
        self.oauth_codes = AuthorizationCodeRepository(self.db)
        self.refresh_tokens = RefreshTokenRepository(self.db)
        self.access_tokens = AccessTokenRepository(self.db)
        self.signing_keys = SigningKeyRepository(self.db)
        self.representations = RepresentationRepository(self.db)
        self.outbox = OutboxRepository(self.db)
        self.batches = BatchRepository(self.db)
        self.rejections = RejectionRepository(self.db)
        self.profile_entries = EntryRepository(self.db)
        self.measurements = MeasurementRepository(self.db)
        self.profile_changes = ChangeRepository(self.db)
        self.conversations = ConversationRepository(self.db)
        self.messages = MessageRepository(self.db)
        self.receipts = ReceiptRepository(self.db)
        self.catalogue = CatalogueRepository(self.db)
        self.pairings = PairingRepository(self.db)
        self.agenda_events = AgendaEventRepository(self.db)
        self.agenda_preferences = AgendaPreferencesRepository(self.db)
        self.agenda_feeds = AgendaFeedRepository(self.db)
        self.rate_windows = RateWindowRepository(self.db)

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
        names = await ensure_collections(self.db)
        await self.objects.ensure_bucket()
        return names

    async def in_transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run ``work`` in one multi-document transaction: all its writes land, or none.

        PyMongo retries it on transient errors (another writer, a primary election), so ``work``
        must be safe to run again."""
        async with self.client.start_session() as session:
            return await session.with_transaction(work)

    async def ping_mongodb(self) -> None:
        await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()
        self.objects.close()
