"""What every resolver receives besides its arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from resolvers.clock import Clock
from storage.stores import Stores


@dataclass(slots=True)
class Context:
    """Built per HTTP request, or once per websocket connection."""

    request: Request | WebSocket
    response: Response | None
    stores: Stores
    clock: Clock
    request_id: str
    operation_name: str | None = field(default=None)


Info: TypeAlias = StrawberryInfo[Context, None]
