"""The service's own fields, and the example subscription."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import strawberry

from resolvers.core import service
from schema.core.context import Info


@strawberry.type(description="This API: its name and version.")
class ServiceInfo:
    name: str
    version: str


@strawberry.type
class ServiceQuery:
    @strawberry.field(description="Name and version of the API answering.")
    def service(self) -> ServiceInfo:
        info = service.service_info()
        return ServiceInfo(name=info.name, version=info.version)


@strawberry.type
class ServiceSubscription:
    @strawberry.subscription(
        description=(
            "The server's time (UTC) every `intervalSeconds`, `count` times or until the client "
            "stops. An example of live delivery over `graphql-transport-ws`."
        )
    )
    async def clock(
        self, info: Info, interval_seconds: float = 1.0, count: int | None = None
    ) -> AsyncIterator[datetime]:
        return service.ticks(info.context.clock, interval_seconds, count)
