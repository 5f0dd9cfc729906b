"""The root types: each domain contributes its fields by inheritance."""

from __future__ import annotations

import strawberry

from schema.people import PeopleQuery
from schema.service import ServiceQuery, ServiceSubscription
from schema.terminology import TerminologyQuery


@strawberry.type
class Query(ServiceQuery, TerminologyQuery, PeopleQuery):
    pass


@strawberry.type
class Subscription(ServiceSubscription):
    pass
