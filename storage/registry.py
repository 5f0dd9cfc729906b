"""Every repository of the service, so start-up and ``create-indexes`` prepare them all."""

from __future__ import annotations

from typing import Any

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
from storage.outbox import OutboxRepository
from storage.patients import PatientRepository
from storage.professionals import ProfessionalRepository
from storage.profile import ChangeRepository, EntryRepository, MeasurementRepository
from storage.provisioning import BatchRepository, RejectionRepository
from storage.rate_limits import RateWindowRepository
from storage.repository import Repository
from storage.representations import RepresentationRepository
from storage.signing_keys import SigningKeyRepository

REPOSITORIES: tuple[type[Repository[Any]], ...] = (
    PatientRepository,
    ProfessionalRepository,
    DocumentRepository,
    ExportRepository,
    AuthorisationRepository,
    EmergencyAccessRepository,
    AccessEventRepository,
    LoginRepository,
    OAuthClientRepository,
    AuthorizationCodeRepository,
    RefreshTokenRepository,
    AccessTokenRepository,
    SigningKeyRepository,
    RepresentationRepository,
    OutboxRepository,
    BatchRepository,
    RejectionRepository,
    EntryRepository,
    MeasurementRepository,
    ChangeRepository,
    ConversationRepository,
    MessageRepository,
    ReceiptRepository,
    CatalogueRepository,
    PairingRepository,
    AgendaEventRepository,
    AgendaPreferencesRepository,
    AgendaFeedRepository,
    RateWindowRepository,
)


async def ensure_collections(db: AsyncDatabase[Any]) -> list[str]:
    """Create every collection's validator and indexes; returns the collection names."""
    for repository in REPOSITORIES:
        await repository.ensure(db)
    return [repository.name for repository in REPOSITORIES]
