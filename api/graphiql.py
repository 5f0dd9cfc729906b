"""GraphiQL, served by the API itself with its assets installed from the npm registry.

No CDN: a health API's developer page should not load scripts from third parties, and the
strict Content-Security-Policy below holds only because every script comes from this origin.
Assets live in ``static/graphiql/node_modules`` (``make assets`` installs them with ``npm ci``).
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from resolvers.accounts.clients import GRAPHIQL_CLIENT_ID, graphiql_scopes
from resolvers.core.actors import ActorKind

STATIC = Path(__file__).parent / "static" / "graphiql"
NODE_MODULES = STATIC / "node_modules"

# Public name → file, from the project (``app.js``, ``page.css``) or an npm package.
ASSETS: dict[str, Path] = {
    "app.js": STATIC / "app.js",
    "session.js": STATIC / "session.js",
    "page.css": STATIC / "page.css",
    "react.production.min.js": NODE_MODULES / "react/umd/react.production.min.js",
    "react-dom.production.min.js": NODE_MODULES / "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": NODE_MODULES / "graphiql/graphiql.min.js",
    "graphiql.min.css": NODE_MODULES / "graphiql/graphiql.min.css",
    "explorer.umd.js": NODE_MODULES / "@graphiql/plugin-explorer/dist/index.umd.js",
    "explorer.css": NODE_MODULES / "@graphiql/plugin-explorer/dist/style.css",
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # GraphiQL's editors set inline styles
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

MISSING_ASSETS_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<title>GraphiQL assets missing</title><h1>GraphiQL assets are not installed</h1>
<p>Run <code>make assets</code> (or <code>make run</code>, which does it) and reload.
The API itself works: POST GraphQL requests to this URL.</p></html>"""


def assets_installed() -> bool:
    return all(path.is_file() for path in ASSETS.values())


@cache
def _page() -> str:
    """The page, told which client it signs in with and the scopes it asks for each kind of
    person (data attributes: the CSP forbids inline scripts)."""
    values = {
        "client_id": GRAPHIQL_CLIENT_ID,
        "scopes_patient": " ".join(graphiql_scopes(ActorKind.PATIENT)),
        "scopes_professional": " ".join(graphiql_scopes(ActorKind.PROFESSIONAL)),
    }
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", escape(value))
    return page


def graphiql_page() -> Response:
    headers = {"content-security-policy": CONTENT_SECURITY_POLICY}
    if not assets_installed():
        return HTMLResponse(MISSING_ASSETS_PAGE, status_code=503, headers=headers)
    return HTMLResponse(_page(), headers=headers)


async def asset(request: Request) -> Response:
    path = ASSETS.get(request.path_params["name"])
    if path is None or not path.is_file():
        return PlainTextResponse("Not Found", status_code=404)
    media_type = "text/javascript" if path.suffix == ".js" else "text/css"
    return FileResponse(
        path,
        media_type=f"{media_type}; charset=utf-8",
        headers={"cache-control": "public, max-age=3600"},
    )
