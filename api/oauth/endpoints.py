"""Token revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc7009 import RevocationEndpoint as BaseRevocation
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as BaseIntrospection
from joserfc import jwt
from joserfc.errors import JoseError

from api.oauth.keys import ALGORITHM
from api.oauth.models import AccessTokenRecord, Client, RefreshToken

if TYPE_CHECKING:
    from api.oauth.server import OAuthServer


def _find_token(
    server: OAuthServer, token: str, hint: str | None
) -> RefreshToken | AccessTokenRecord | None:
    """A refresh token we issued, or an access token we signed (expired or not)."""
    now = server.now()
    if hint != "access_token":
        doc = server.call(server.stores.refresh_tokens.by_token, token)
        if doc is not None:
            return RefreshToken(doc, now)
    try:
        decoded = jwt.decode(token, server.keyring.ring.public, algorithms=[ALGORITHM])
    except (JoseError, ValueError):
        return None
    claims = decoded.claims
    active = server.call(server.stores.access_tokens.is_active, str(claims.get("jti")), now)
    return AccessTokenRecord(claims, revoked=not active, now=now)


class RevocationEndpoint(BaseRevocation):
    """Revoking a refresh token revokes its whole family, access tokens included (RFC 7009
    §2.1); revoking an access token revokes that token. Unknown tokens still get 200."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    server: OAuthServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _find_token(self.server, token_string, token_type_hint)

    def revoke_token(self, token: RefreshToken | AccessTokenRecord, request: Any) -> None:
        if isinstance(token, RefreshToken):
            self.server.revoke_family(token.doc["family_id"])
        else:
            self.server.call(
                self.server.stores.access_tokens.revoke, str(token.claims["jti"]), self.server.now()
            )


class IntrospectionEndpoint(BaseIntrospection):
    """For confidential clients only, about the tokens issued to them."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012
    server: OAuthServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _find_token(self.server, token_string, token_type_hint)

    def check_permission(self, token: Any, client: Client, request: Any) -> bool:
        return bool(token.check_client(client))

    def introspect_token(self, token: RefreshToken | AccessTokenRecord) -> dict[str, Any]:
        if isinstance(token, RefreshToken):
            doc = token.doc
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": doc["client_id"],
                "scope": doc["scope"],
                "sub": doc["user_id"],
                "iss": self.server.issuer,
                "exp": int(doc["expires_at"].timestamp()),
                "iat": int(doc["issued_at"].timestamp()),
            }
        claims = token.claims
        return {
            "active": True,
            "token_type": "Bearer",
            **{
                key: claims[key]
                for key in ("client_id", "scope", "sub", "aud", "iss", "exp", "iat", "jti")
                if key in claims
            },
        }
