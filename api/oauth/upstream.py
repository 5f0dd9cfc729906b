"""Professionals signing in through an upstream OpenID Connect provider (Pro Santé Connect).

Authlib's Starlette client does the OpenID Connect part (discovery, state, nonce, PKCE, ID token
verification); this module maps the provider's RPPS claim to a known professional and signs
them in. An unknown RPPS is refused: professionals come from the directory, not from sign-in.
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from api.oauth.pages import Explanation, error_page
from api.oauth.routes import sign_in
from api.services import Services
from resolvers.core.actors import ActorKind


class UpstreamAuthenticator:
    label = "Pro Santé Connect"
    start_path = "/oauth/psc/login"
    callback_path = "/oauth/psc/callback"

    def __init__(
        self,
        services: Services,
        *,
        public_base_url: str,
        metadata_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
        rpps_claim: str,
    ) -> None:
        self.services = services
        self.callback_url = public_base_url + self.callback_path
        self.rpps_claim = rpps_claim
        oauth = OAuth()
        oauth.register(
            "upstream",
            server_metadata_url=metadata_url,
            client_id=client_id,
            client_secret=client_secret,
            client_kwargs={"scope": scope, "code_challenge_method": "S256"},
        )
        self.client = oauth.create_client("upstream")  # type: ignore[no-untyped-call]

    def routes(self) -> list[BaseRoute]:
        return [Route(self.start_path, self.start), Route(self.callback_path, self.callback)]

    async def start(self, request: Request) -> Response:
        response: Response = await self.client.authorize_redirect(request, self.callback_url)
        return response

    async def callback(self, request: Request) -> Response:
        try:
            token = await self.client.authorize_access_token(request)
            claims = dict(token.get("userinfo") or {})
            if self.rpps_claim not in claims:
                claims.update(await self.client.userinfo(token=token))
        except OAuthError as error:
            failed = Explanation(
                "La connexion par Pro Santé Connect a échoué",
                "Pro Santé Connect n'a pas confirmé votre identité.",
                "Recommencez la connexion. Si le problème continue, connectez-vous avec votre "
                "carte CPS ou e-CPS depuis un autre poste, ou contactez le support.",
                str(error.error),
            )
            return error_page(request, failed, status=401)
        rpps = str(claims.get(self.rpps_claim, ""))
        if len(rpps) == 12 and rpps.startswith("8"):  # national id: "8" then the RPPS number
            rpps = rpps[1:]
        professional = await self.services.running.stores.professionals.by_rpps(rpps)
        if professional is None:
            unknown = Explanation(
                "Votre compte professionnel n'est pas connu",
                "Pro Santé Connect vous a bien identifié, mais votre numéro RPPS n'est pas "
                "enregistré dans Mon espace santé.",
                "Vérifiez auprès de l'Ordre ou de l'ARS que votre inscription au RPPS est à "
                "jour, puis recommencez.",
                "unknown_professional",
            )
            return error_page(request, unknown, status=403)
        return sign_in(
            request,
            ActorKind.PROFESSIONAL,
            professional["_id"],
            int(self.services.clock.now().timestamp()),
        )
