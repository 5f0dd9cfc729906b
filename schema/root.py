"""The root types: each domain contributes its fields by inheritance."""

from __future__ import annotations

import strawberry

from schema.access import AccessMutations, AccessQuery
from schema.agenda import AgendaQuery
from schema.agenda_mutations import AgendaMutations
from schema.catalogue import CatalogueMutations, CatalogueQuery
from schema.document_mutations import DocumentMutations
from schema.documents import DocumentQuery
from schema.export_mutations import ExportMutations
from schema.messaging import MessagingQuery
from schema.messaging_events import MessagingSubscription
from schema.messaging_mutations import MessagingMutations
from schema.people import PeopleQuery
from schema.profile import MeasurementTypesQuery
from schema.profile_mutations import ProfileMutations
from schema.provisioning import ProvisioningMutations, ProvisioningQuery
from schema.service import ServiceQuery, ServiceSubscription
from schema.spaces import SpaceMutations
from schema.terminology import TerminologyQuery


@strawberry.type
class Query(
    ServiceQuery,
    TerminologyQuery,
    PeopleQuery,
    ProvisioningQuery,
    MeasurementTypesQuery,
    DocumentQuery,
    AccessQuery,
    MessagingQuery,
    CatalogueQuery,
    AgendaQuery,
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
):
    pass


@strawberry.type
class Subscription(ServiceSubscription, MessagingSubscription):
    pass
