"""The root types: each domain contributes its fields by inheritance."""

from __future__ import annotations

import strawberry

from schema.access.lookup import LookupQuery
from schema.access.types import AccessMutations, AccessQuery
from schema.accounts.types import PeopleQuery
from schema.agenda.mutations import AgendaMutations
from schema.agenda.types import AgendaQuery
from schema.catalogue.types import CatalogueMutations, CatalogueQuery
from schema.documents.exports import ExportMutations
from schema.documents.mutations import DocumentMutations
from schema.documents.timeliness import DepositFiguresQuery
from schema.documents.types import DocumentQuery
from schema.messaging.mutations import MessagingMutations
from schema.messaging.subscriptions import MessagingSubscription
from schema.messaging.types import MessagingQuery
from schema.profile.mutations import ProfileMutations
from schema.profile.types import MeasurementTypesQuery
from schema.provisioning.types import ProvisioningMutations, ProvisioningQuery
from schema.service.terminology import TerminologyQuery
from schema.service.types import ServiceQuery, ServiceSubscription
from schema.spaces.news import NewsMutations, NewsQuery
from schema.spaces.types import SpaceMutations


@strawberry.type
class Query(
    ServiceQuery,
    TerminologyQuery,
    PeopleQuery,
    ProvisioningQuery,
    MeasurementTypesQuery,
    DocumentQuery,
    DepositFiguresQuery,
    AccessQuery,
    LookupQuery,
    MessagingQuery,
    CatalogueQuery,
    AgendaQuery,
    NewsQuery,
):
    pass


@strawberry.type
class Mutation(
    SpaceMutations,
    ProvisioningMutations,
    ProfileMutations,
    DocumentMutations,
    ExportMutations,
    AccessMutations,
    MessagingMutations,
    CatalogueMutations,
    AgendaMutations,
    NewsMutations,
):
    pass


@strawberry.type
class Subscription(ServiceSubscription, MessagingSubscription):
    pass
