"""Driving the OAuth flows in tests: a live server on a known port, clients, a scripted browser."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.accounts import clients
from resolvers.core.clock import Clock, SystemClock
from resolvers.demo.seed import DEMO_PATIENT_PASSWORD, DEMO_PROFESSIONAL_PASSWORD, seed_demo
from tests.storage.helpers import open_test_stores
from tests.support import serve_app

PATIENT_INS = "285034410912329"  # Camille MARTIN in the demo set
PROFESSIONAL_RPPS = "10001234565"  # Dr Sophie Lefèvre in the demo set
CALLBACK = "http://127.0.0.1:9/callback"  # never contacted: the test reads the redirect


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Live:
    url: str
    settings: Settings
    app: Starlette

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"


@contextlib.asynccontextmanager
async def live_server(
    settings: Settings,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    clock: Clock | None = None,
    **overrides: Any,
) -> AsyncIterator[Live]:
    """The app on a real port, with ``PUBLIC_BASE_URL`` pointing at it (as ``host``), demo
    data loaded; on ``clock`` when given (a test moving time)."""
    port = port or free_port()
    configured = settings.model_copy(
        update={"public_base_url": f"http://{host}:{port}", **overrides}
    )
    async with open_test_stores(configured) as stores:
        await seed_demo(stores, SystemClock())
        await clients.register_graphiql_client(stores, SystemClock(), configured.public_base_url)
    app = create_app(configured, clock=clock)
    async with serve_app(app, port=port):
        yield Live(configured.public_base_url, configured, app)


async def register(settings: Settings, **kwargs: Any) -> clients.Registered:
    async with open_test_stores(settings) as stores:
        return await clients.register_client(stores, SystemClock(), **kwargs)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def form_field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


class Browser:
    """A person's browser: follows the sign-in and consent pages like a human would."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, follow_redirects=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def sign_in(self, kind: str, login: str, password: str) -> httpx.Response:
        page = await self.http.get("/oauth/login")
        return await self.http.post(
            "/oauth/login",
            data={
                "csrf": form_field(page.text, "csrf"),
                "kind": kind,
                "login": login,
                "password": password,
            },
        )

    async def authorize(
        self,
        params: dict[str, str],
        *,
        kind: str = "patient",
        login: str = PATIENT_INS,
        password: str | None = None,
        decision: str = "approve",
    ) -> httpx.Response:
        """Run /oauth/authorize to its end; the last response (a redirect to the client, or an
        error page) is returned."""
        response = await self.http.get("/oauth/authorize", params=params)
        if response.status_code == 303 and response.headers["location"] == "/oauth/login":
            secret = password or (
                DEMO_PATIENT_PASSWORD if kind == "patient" else DEMO_PROFESSIONAL_PASSWORD
            )
            signed = await self.sign_in(kind, login, secret)
            assert signed.status_code == 303, signed.text
            response = await self.http.get(signed.headers["location"])
        if response.status_code != 200 or "Autoriser" not in response.text:
            return response
        action = re.search(r'<form method="post" action="([^"]+)"', response.text)
        assert action
        return await self.http.post(
            action.group(1).replace("&amp;", "&"),
            data={"csrf": form_field(response.text, "csrf"), "decision": decision},
        )


async def graphql(
    net: httpx.AsyncClient, live: Live, query: str, token: str | None = None
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await net.post(live.graphql, json={"query": query}, headers=headers)


def code_request(client_id: str, challenge: str, scope: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code in (302, 303), (response.status_code, response.text[:300])
    location = response.headers["location"]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
