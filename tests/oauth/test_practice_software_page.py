"""docs/practice-software.md, run: the client registered as the page's command says, a token got
as the page says (authorization code with PKCE, the professional signing in), then each
```graphql block sent with the ```json variables after it, its answer compared with the ```json
answer that follows (``"{{name}}"`` stands for a value the service chose, the same wherever it
is named). The client side uses libraries the server does not: httpx and oauthlib."""

from __future__ import annotations

import json
import re
import shlex
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from oauthlib.oauth2 import WebApplicationClient

from resolvers.demo._files import pdf
from tests.oauth_support import (
    CALLBACK,
    PROFESSIONAL_RPPS,
    Browser,
    Live,
    code_request,
    pkce_pair,
    redirect_params,
    register,
)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "practice-software.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
PLACEHOLDER = re.compile(r"^\{\{(\w+)\}\}$")


def blocks() -> list[tuple[str, str]]:
    return [(lang, body) for lang, body in BLOCK.findall(PAGE.read_text(encoding="utf-8"))]


def registration(command: str) -> dict[str, Any]:
    """The options of the page's ``clients register`` command."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:3] == ["espace-sante", "clients", "register"], words
    options: dict[str, list[str]] = {}
    for name, value in zip(words[3::2], words[4::2], strict=True):
        options.setdefault(name.removeprefix("--"), []).append(value)
    return {
        "name": options["name"][0],
        "kind": options["kind"][0],
        "scopes": options["scope"][0],
        "grant_types": options["grant"],
        # the page's redirect URI is a practice's; the test's browser comes back to its own
        "redirect_uris": [CALLBACK],
        "confidential": True,
    }


def matches(expected: Any, actual: Any, bound: dict[str, Any]) -> bool:
    if isinstance(expected, str) and (found := PLACEHOLDER.match(expected)):
        return bound.setdefault(found.group(1), actual) == actual and actual is not None
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(expected[key], actual[key], bound) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a, bound) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


def filled(variables: Any, bound: dict[str, Any]) -> Any:
    if isinstance(variables, str) and (found := PLACEHOLDER.match(variables)):
        return bound[found.group(1)]
    if isinstance(variables, dict):
        return {key: filled(value, bound) for key, value in variables.items()}
    return variables


async def token_as_the_page_says(
    live: Live, browser: Browser, net: httpx.AsyncClient, options: dict[str, Any]
) -> str:
    client = await register(live.settings, **options)
    verifier, challenge = pkce_pair()
    code = redirect_params(
        await browser.authorize(
            code_request(client.client_id, challenge, options["scopes"]),
            kind="professional",
            login=PROFESSIONAL_RPPS,
        )
    )["code"]
    oauth = WebApplicationClient(client.client_id)
    body = oauth.prepare_request_body(code=code, redirect_uri=CALLBACK, code_verifier=verifier)
    assert client.client_secret is not None
    response = await net.post(
        live.token_url,
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=httpx.BasicAuth(client.client_id, client.client_secret),
    )
    token: str = oauth.parse_request_body_response(response.text)["access_token"]
    return token


async def send(
    net: httpx.AsyncClient, live: Live, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"}
    if "Upload!" not in query:
        answer = await net.post(
            live.graphql, json={"query": query, "variables": variables}, headers=headers
        )
        return dict(answer.json())
    uploads = [name for name, value in variables.items() if value is None]
    operations = {"query": query, "variables": variables}
    mapping = {str(i): [f"variables.{name}"] for i, name in enumerate(uploads)}
    files = {str(i): ("compte-rendu.pdf", pdf("Compte rendu", ["Examen normal."]),
                      "application/pdf") for i in range(len(uploads))}  # fmt: skip
    answer = await net.post(
        live.graphql,
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files=files,
        headers={**headers, "graphql-preflight": "1"},
    )
    return dict(answer.json())


async def test_the_page_runs_as_written(
    live: Live, browser: Browser, net: httpx.AsyncClient
) -> None:
    found = blocks()
    (command,) = [body for lang, body in found if lang == "sh" and "clients register" in body]
    token = await token_as_the_page_says(live, browser, net, registration(command))
    bound: dict[str, Any] = {}
    ran = 0
    for index, (lang, body) in enumerate(found):
        if lang != "graphql":
            continue
        (_, variables), (_, expected) = found[index + 1], found[index + 2]
        answer = await send(net, live, token, body, filled(json.loads(variables), bound))
        assert matches(json.loads(expected), answer, bound), (body, answer)
        ran += 1
    assert ran == 2
    assert set(bound) == {"patientId", "documentId", "actDate", "lateBySeconds"}
    # the act is the page's createdAt (no service stop), and today is after that day: late
    assert datetime.fromisoformat(bound["actDate"]) == datetime.fromisoformat(
        "2026-11-03T09:30:00+01:00"
    )
    assert bound["lateBySeconds"] > 0
