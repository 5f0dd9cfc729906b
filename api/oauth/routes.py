"""The authorization server's HTTP endpoints and sign-in pages.

``/oauth/authorize`` shows the sign-in page (once per short session), then a consent page listing
the scopes in plain words; ``/oauth/token``, ``/oauth/revoke``, ``/oauth/introspect``,
``/oauth/jwks``, ``/oauth/userinfo`` and the two discovery documents complete RFC 6749, 7009,
7662, 8414 and OpenID Connect. People sign in through pluggable authenticators: the password
form here, and an upstream OpenID Connect provider (``api.oauth.upstream``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from authlib.oauth2 import OAuth2Error
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from api.oauth import pages
from api.oauth.models import User
from api.oauth.pages import error_page, page_csp, render
from api.oauth.server import OAuthResponse, OAuthServer, RequestData
from api.oauth.tokens import AccessTokenVerifier, InvalidToken
from api.services import Services
from resolvers.access.scopes import BY_NAME, SCOPES
from resolvers.accounts import logins
from resolvers.catalogue.pairings import referenced_app
from resolvers.core import guessing
from resolvers.core.actors import ActorKind
from resolvers.core.errors import DomainError


class Authenticator(Protocol):
    """Another way to sign in, offered as a link on the sign-in page."""

    label: str
    start_path: str

    def routes(self) -> list[BaseRoute]: ...


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def csrf_ok(request: Request, form_value: object) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and secrets.compare_digest(str(expected), str(form_value or ""))


def sign_in(request: Request, kind: ActorKind, user_id: str, now: int) -> RedirectResponse:
    """Remember who signed in, and go back to the authorization request that asked for it."""
    request.session["user"] = {"kind": kind.value, "id": user_id, "auth_time": now}
    query = str(request.session.pop("next", ""))
    return RedirectResponse(
        f"/oauth/authorize?{query}" if query else "/oauth/login", status_code=303
    )


def to_response(result: OAuthResponse) -> Response:
    headers = dict(result.headers)
    if isinstance(result.body, dict):
        headers.pop("Content-Type", None)
        return JSONResponse(result.body, status_code=result.status, headers=headers)
    return Response(result.body, status_code=result.status, headers=headers)


class OAuthRoutes:
    def __init__(
        self,
        services: Services,
        *,
        public_base_url: str,
        professional_password_login: bool,
        authenticators: list[Authenticator],
    ) -> None:
        self.services = services
        self.base = public_base_url
        self.professional_password_login = professional_password_login
        self.authenticators = authenticators

    @property
    def server(self) -> OAuthServer:
        return self.services.running.oauth

    @property
    def verifier(self) -> AccessTokenVerifier:
        return self.services.running.verifier

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route("/oauth/authorize", self.authorize, methods=["GET", "POST"]),
            Route("/oauth/login", self.login, methods=["GET", "POST"]),
            Route("/oauth/logout", self.logout, methods=["POST"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
            Route("/oauth/introspect", self.introspect, methods=["POST"]),
            Route("/oauth/jwks", self.jwks),
            Route("/oauth/userinfo", self.userinfo, methods=["GET", "POST"]),
            Route("/oauth/static/oauth.css", pages.stylesheet),
            Route("/.well-known/oauth-authorization-server", self.server_metadata),
            Route("/.well-known/openid-configuration", self.openid_configuration),
        ]
        for authenticator in self.authenticators:
            routes += authenticator.routes()
        return routes

    # -- the authorization endpoint -------------------------------------------------------------

    async def _session_user(self, request: Request) -> User | None:
        raw = request.session.get("user")
        if not isinstance(raw, dict):
            return None
        return await self.server.user(
            str(raw.get("kind")), str(raw.get("id")), int(raw.get("auth_time", 0))
        )

    async def authorize(self, request: Request) -> Response:
        data = await RequestData.read(request, self.base)
        user = await self._session_user(request)
        try:
            grant = await self.server.run(self.server.get_consent_grant, data, end_user=user)
        except OAuth2Error as error:
            return self._authorization_error(request, error)
        if request.method == "POST":
            form = dict(data.form)
            if not csrf_ok(request, form.get("csrf")) or user is None:
                return error_page(request, pages.SESSION_EXPIRED, status=403)
            approved = form.get("decision") == "approve"
            result = await self.server.run(
                self.server.authorization_response, data, user if approved else None, grant
            )
            return to_response(result)
        if user is None or grant.prompt == "login":
            request.session.pop("user", None)
            request.session["next"] = request.url.query
            return RedirectResponse("/oauth/login", status_code=303)
        client = grant.client
        redirect = urlsplit(grant.redirect_uri or "")
        requested = (grant.request.scope or "").split()
        context: dict[str, Any] = {
            "client_name": client.doc["name"],
            "user_label": await self._label(user),
            "scopes": [BY_NAME[name].consent for name in requested],
            "days": self._consent_days(client.doc["grant_types"]),
            "query": request.url.query,
            "csrf": csrf_token(request),
        }
        template = "consent.html"
        if client.doc["kind"] == "app":  # pairing: the app's terms, each category in plain words
            app = await referenced_app(self.server.stores, client.get_client_id())
            if app is None:
                return error_page(request, pages.NOT_REFERENCED, status=403)
            template = "pairing.html"
            reasons = {c["scope"]: c["justification"] for c in app["categories"]}
            until = self.server.now() + timedelta(days=app["consent_days"])
            context |= {
                "app": app,
                "categories": [
                    (BY_NAME[name].consent, reasons[name]) for name in requested if name in reasons
                ],
                "until": f"{until:%d/%m/%Y}",
            }
        return render(
            request, template, csp=page_csp(f" {redirect.scheme}://{redirect.netloc}"), **context
        )

    def _authorization_error(self, request: Request, error: OAuth2Error) -> Response:
        if error.redirect_uri:  # the client and its redirect URI are known good: tell the client
            return to_response(self.server.error_response(error))
        # never redirect to an unverified URI (RFC 6749 §4.1.2.1): tell the person instead
        return error_page(request, pages.explain(error, list(request.query_params.multi_items())))

    def _consent_days(self, grant_types: list[str]) -> int | None:
        """How long a consent lets the client in: as long as its refresh tokens, if it has any
        (each use extends it); otherwise minutes, until its access token expires."""
        if "refresh_token" not in grant_types:
            return None
        return max(1, self.server.config.refresh_token_lifetime.days)

    async def _label(self, user: User) -> str:
        subject = user.subject
        if subject.kind is ActorKind.PROFESSIONAL:
            pro = await self.server.stores.professionals.get(subject.id)
            return f"{pro['first_name']} {pro['last_name']}" if pro else "vous"
        patient = await self.server.stores.patients.get(subject.id)
        if patient is None:
            return "vous"
        identity = patient["identity"]
        return f"{identity['first_names'][0]} {identity['birth_names']}"

    # -- signing in -------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._login_page(request)
        async with request.form() as form:
            fields = {key: str(value) for key, value in form.items()}
        if not csrf_ok(request, fields.get("csrf")):
            return error_page(request, pages.SESSION_EXPIRED, status=403)
        try:
            kind = ActorKind(fields.get("kind", ""))
            if kind is ActorKind.PROFESSIONAL and not self.professional_password_login:
                raise logins.InvalidCredentials
            user_id = await logins.authenticate(
                self.server.stores,
                self.server.clock,
                kind,
                fields.get("login", ""),
                fields.get("password", ""),
                # the address only: the client_id of an authorization request is anybody's to
                # write, and counting it would let a stranger stop every user of an app
                guessing.Sources(request.client.host if request.client else "unknown"),
            )
        except ValueError:
            return await self._login_page(
                request,
                error="Choisissez patient ou professionnel.",
                status=400,
                login=fields.get("login", ""),
            )
        except DomainError as error:
            return await self._login_page(
                request,
                error=error.message,
                status=401,
                kind=fields.get("kind", "patient"),
                login=fields.get("login", ""),  # kept: only the password is typed again
            )
        return sign_in(request, kind, user_id, int(self.server.now().timestamp()))

    async def _login_page(
        self,
        request: Request,
        error: str | None = None,
        status: int = 200,
        kind: str = "patient",
        login: str = "",
    ) -> Response:
        return render(
            request,
            "login.html",
            status=status,
            error=error,
            kind=kind,
            csrf=csrf_token(request),
            professional_password=self.professional_password_login,
            client_name=await self._asking_client(request),
            login=login,
            other_methods=[{"label": a.label, "url": a.start_path} for a in self.authenticators],
        )

    async def _asking_client(self, request: Request) -> str | None:
        """The name of the application whose authorization request led here, if any."""
        client_id = dict(parse_qsl(str(request.session.get("next", "")))).get("client_id")
        if not client_id:
            return None
        doc = await self.server.stores.oauth_clients.get(client_id)
        return None if doc is None or doc["disabled"] else doc["name"]

    async def logout(self, request: Request) -> Response:
        async with request.form() as form:
            if not csrf_ok(request, form.get("csrf")):
                return error_page(request, pages.SESSION_EXPIRED, status=403)
        next_query = request.session.get("next")
        request.session.clear()
        if next_query:
            request.session["next"] = next_query
        return RedirectResponse("/oauth/login", status_code=303)

    # -- token endpoints ------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        data = await RequestData.read(request, self.base)
        return to_response(await self.server.run(self.server.token_response, data))

    async def revoke(self, request: Request) -> Response:
        data = await RequestData.read(request, self.base)
        return to_response(await self.server.run(self.server.endpoint_response, "revocation", data))

    async def introspect(self, request: Request) -> Response:
        data = await RequestData.read(request, self.base)
        return to_response(
            await self.server.run(self.server.endpoint_response, "introspection", data)
        )

    async def userinfo(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise InvalidToken("a bearer token is required")
            actor = await self.verifier.verify(token)
        except InvalidToken as error:
            return JSONResponse(
                {"error": "invalid_token", "error_description": error.reason},
                status_code=401,
                headers={"www-authenticate": 'Bearer error="invalid_token"'},
            )
        if "openid" not in actor.scopes:
            return JSONResponse(
                {
                    "error": "insufficient_scope",
                    "error_description": "User info needs a token with the openid scope.",
                },
                status_code=403,
                headers={"www-authenticate": 'Bearer error="insufficient_scope"'},
            )
        info: dict[str, Any] = {"sub": actor.id, "mes_kind": actor.kind.value}
        if actor.rpps is not None:
            info["mes_rpps"] = actor.rpps
        return JSONResponse(info)

    # -- keys and discovery ---------------------------------------------------------------------

    async def jwks(self, request: Request) -> Response:
        await self.server.keyring.fresh()
        return JSONResponse(
            self.server.keyring.jwks(), headers={"cache-control": "public, max-age=300"}
        )

    def metadata(self) -> dict[str, Any]:
        base = self.base
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "jwks_uri": f"{base}/oauth/jwks",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "introspection_endpoint": f"{base}/oauth/introspect",
            "scopes_supported": [scope.name for scope in SCOPES],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "code_challenge_methods_supported": ["S256"],
            "service_documentation": f"{base}/graphql",
            "ui_locales_supported": ["fr"],
        }

    async def server_metadata(self, request: Request) -> Response:
        return JSONResponse(self.metadata())

    async def openid_configuration(self, request: Request) -> Response:
        return JSONResponse(
            {
                **self.metadata(),
                "userinfo_endpoint": f"{self.base}/oauth/userinfo",
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "nonce",
                    "mes_kind",
                    "mes_rpps",
                ],
            }
        )
