"""What every resolver receives besides its arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from resolvers.core.actors import Actor
from resolvers.core.cases import UseCases
from resolvers.core.clock import Clock
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging.hub import MessageHub


@dataclass(slots=True)
class Context:
    """Built per HTTP request, or once per websocket connection.

    No stores here: the schema reaches data only through ``cases``, the use cases bound to this
    request's stores, clock, configuration and actor (``resolvers.core.cases``)."""

    request: Request | WebSocket
    response: Response | None
    cases: UseCases[DocumentConfig]
    clock: Clock
    request_id: str
    actor: Actor | None = None
    operation_name: str | None = field(default=None)
    connection_params: dict[str, object] | None = None  # graphql-transport-ws connection_init
    hub: MessageHub | None = None  # live messaging: this process's change-stream fan-out
    loaders: dict[str, Any] = field(default_factory=dict)  # DataLoaders, made on first use


Info: TypeAlias = StrawberryInfo[Context, None]
