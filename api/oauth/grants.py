"""The grants, customised: PKCE with S256 only, refresh-token rotation with reuse detection,
client credentials limited to operator scopes, and OpenID Connect ID tokens.

Grants run in a worker thread (Authlib is synchronous); ``self.server.call`` runs a coroutine of
the storage layer back on the event loop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo

from api.oauth.models import AuthorizationCode, Client, RefreshToken, User
from resolvers.access.scopes import allowed_for
from resolvers.catalogue import pairings
from resolvers.core.actors import ActorKind
from storage.oauth_grants import AuthorizationCodeDoc, token_hash

if TYPE_CHECKING:
    from api.oauth.server import OAuthServer

CODE_LIFETIME = timedelta(minutes=2)


def check_kind_allows(kind: ActorKind, scope: str | None) -> None:
    """Refuse scopes the actor kind may never hold (a patient cannot provision spaces…)."""
    beyond = [name for name in scope_to_list(scope) or [] if name not in allowed_for(kind)]
    if beyond:
        raise InvalidScopeError(f"not available to a {kind.value}: {' '.join(beyond)}")


def paired(server: OAuthServer, client: Any, patient_id: str) -> bool:
    """A catalogue app gets tokens only while the patient's pairing holds (not revoked, not
    expired, the app still referenced); other clients are not paired."""
    if not isinstance(client, Client) or client.doc["kind"] != "app":
        return True
    return bool(
        server.call(
            pairings.check_active, server.stores, server.clock, patient_id, client.get_client_id()
        )
    )


class S256CodeChallenge(CodeChallenge):
    """PKCE for every authorization code, and only with S256 (``plain`` is refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' (S256)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is accepted")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    server: OAuthServer

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        user, client = self.request.user, self.request.client
        if isinstance(user, User) and isinstance(client, Client):
            kind = self.server.actor_kind(client, user)
            if kind is ActorKind.APP and user.subject.kind is not ActorKind.PATIENT:
                raise InvalidRequestError(
                    "only patients pair catalogue apps", redirect_uri=redirect_uri
                )
            try:
                check_kind_allows(kind, self.request.scope)
            except InvalidScopeError as error:
                error.redirect_uri = redirect_uri
                raise
        return redirect_uri

    def save_authorization_code(self, code: str, request: Any) -> None:
        user: User = request.user
        data = request.payload.data
        doc: AuthorizationCodeDoc = {
            "_id": token_hash(code),
            "client_id": request.client.get_client_id(),
            "user_kind": user.subject.kind.value,
            "user_id": user.subject.id,
            "redirect_uri": request.payload.redirect_uri,
            "scope": request.scope or "",
            "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"),
            "nonce": data.get("nonce"),
            "auth_time": user.subject.auth_time or 0,
            "expires_at": self.server.now() + CODE_LIFETIME,
            "used_at": None,
            "family_id": None,
        }
        self.server.call(self.server.stores.oauth_codes.insert, doc)
        if request.client.doc["kind"] == "app":  # the patient's consent is the pairing
            self.server.call(
                pairings.record_consent, self.server.stores, self.server.clock,
                user.subject.id, request.client.get_client_id(), scope_to_list(request.scope) or [],
            )  # fmt: skip

    def query_authorization_code(self, code: str, client: ClientMixin) -> AuthorizationCode | None:
        """The code, consumed; ``None`` makes Authlib answer invalid_grant."""
        doc, first_use = self.server.call(
            self.server.stores.oauth_codes.consume, code, self.server.now()
        )
        if doc is None or doc["client_id"] != client.get_client_id():
            return None
        if not first_use:
            # RFC 6749 §4.1.2: a code used twice revokes what was issued with it
            if doc["family_id"] is not None:
                self.server.revoke_family(doc["family_id"])
            return None
        return AuthorizationCode(doc)

    def delete_authorization_code(self, authorization_code: AuthorizationCodeMixin) -> None:
        """Nothing to do: the code was consumed, atomically, when it was looked up."""

    def authenticate_user(self, authorization_code: AuthorizationCodeMixin) -> User | None:
        doc = cast(AuthorizationCode, authorization_code).doc
        if not paired(self.server, self.request.client, doc["user_id"]):
            return None  # invalid_grant
        return self.server.load_user(doc["user_kind"], doc["user_id"], doc["auth_time"])


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Each refresh token works once and is replaced; presenting a used one again means it
    leaked, so the whole family (every refresh and access token of that authorization) is
    revoked.

    A token is used up only once the request is known good (client, token, scope): a refusal
    for any other reason (an over-broad ``scope``…) leaves it valid, since RFC 6749 §6 replaces
    the refresh token only when a new one is issued."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: OAuthServer

    # ``None`` (unknown, used, revoked or expired) makes Authlib answer invalid_grant.
    def authenticate_refresh_token(  # type: ignore[override]
        self, refresh_token: str
    ) -> RefreshToken | None:
        """Look the token up, without using it up."""
        doc = self.server.call(self.server.stores.refresh_tokens.by_token, refresh_token)
        if doc is None:
            return None
        if doc["rotated_at"] is not None and doc["revoked_at"] is None:
            self.server.revoke_family(doc["family_id"])  # reuse: it leaked
            return None
        token = RefreshToken(doc, self.server.now())
        return None if token.is_revoked() or token.is_expired() else token

    def _validate_token_scope(self, token: TokenMixin) -> None:
        try:
            super()._validate_token_scope(token)  # type: ignore[misc]
        except InvalidScopeError as error:
            error.description = "The requested scope exceeds the scope originally granted."
            raise

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # Now use it up, atomically: of two requests racing with one token, the loser is
        # answered as a reuse (the family is revoked), exactly as if it came second.
        now = self.server.now()
        presented = str(self.request.form.get("refresh_token"))
        doc, valid = self.server.call(self.server.stores.refresh_tokens.rotate, presented, now)
        if doc is None or not valid:
            if doc is not None and doc["rotated_at"] is not None:
                self.server.revoke_family(doc["family_id"])
            raise InvalidGrantError("The refresh token was already used.")
        self.request.refresh_token = RefreshToken(doc, now)

    def authenticate_user(self, refresh_token: TokenMixin) -> User | None:
        doc = cast(RefreshToken, refresh_token).doc
        if not paired(self.server, self.request.client, doc["user_id"]):
            return None  # invalid_grant
        return self.server.load_user(doc["user_kind"], doc["user_id"], doc["auth_time"])

    def revoke_old_credential(self, refresh_token: TokenMixin) -> None:
        """Nothing to do: it was marked used, atomically, when the request was validated."""


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client = cast(Client, self.request.client)
        payload = cast(OAuth2Payload, self.request.payload)
        if client.get_allowed_scope(payload.scope) is None:
            raise InvalidScopeError("the client is not allowed that scope")
        check_kind_allows(ActorKind.OPERATOR, payload.scope)


class OpenIDCodeExtension(OpenIDCode):
    """ID tokens (signed by the same key ring) when the ``openid`` scope is granted."""

    def __init__(self, server: OAuthServer) -> None:
        super().__init__(require_nonce=False)
        self.oauth = server

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return bool(self.oauth.call(self.oauth.nonce_used, request.payload.client_id, nonce))

    def resolve_client_private_key(self, client: Client) -> dict[str, Any]:
        key: dict[str, Any] = self.oauth.keyring.ring.signing_key.as_dict(private=True)
        return key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": self.oauth.keyring.ring.signing_kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(self.oauth.now().timestamp())
        return {
            "iss": self.oauth.issuer,
            "aud": [client.get_client_id()],
            "iat": now,
            "exp": now + int(self.oauth.id_token_lifetime.total_seconds()),
        }

    def generate_user_info(self, user: Any, scope: str) -> UserInfo:
        subject = cast(User, user).subject
        info = UserInfo(sub=subject.id, mes_kind=subject.kind.value)
        if subject.rpps is not None:
            info["mes_rpps"] = subject.rpps
        return info
