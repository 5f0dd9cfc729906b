"""``GET /agenda/feed/{secret}.ics``: a patient's agenda as an iCalendar feed (RFC 5545), for
calendar apps, which subscribe to a URL and cannot send a token: the secret in the URL is the
credential (see ``resolvers/agenda/feed.py``).

An unknown or revoked secret, or a space that is not open, answers a bare 404: nothing tells
a guessed URL from a revoked one. The access log shows the path without the secret.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.services import Services
from resolvers.agenda import feed as agenda_feed
from storage.errors import StoreUnavailable

FEED_PREFIX = agenda_feed.PATH


class AgendaFeedRoutes:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.domain = urlsplit(services.settings.public_base_url).hostname or "localhost"

    def routes(self) -> list[Route]:
        return [Route(f"{FEED_PREFIX}{{secret}}{agenda_feed.SUFFIX}", self.feed, methods=["GET"])]

    async def feed(self, request: Request) -> Response:
        stores = self.services.running.stores
        try:
            body = await agenda_feed.fetch_feed(
                stores, self.services.clock, request.path_params["secret"], domain=self.domain
            )
        except StoreUnavailable:
            return PlainTextResponse("Service temporarily unavailable", status_code=503)
        if body is None:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "content-disposition": 'inline; filename="agenda.ics"',
                "cache-control": "private, no-store",
            },
        )
