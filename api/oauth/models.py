"""Authlib's model interfaces over our stored documents."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from api.oauth.tokens import Subject
from resolvers.accounts.passwords import verify_password_blocking
from storage.oauth_clients import OAuthClientDoc
from storage.oauth_grants import AuthorizationCodeDoc, RefreshTokenDoc

CONFIDENTIAL_AUTH = ("client_secret_basic", "client_secret_post")


@dataclass
class Client(ClientMixin):
    doc: OAuthClientDoc

    @property
    def confidential(self) -> bool:
        return self.doc["secret_hash"] is not None

    def get_client_id(self) -> str:
        return self.doc["_id"]

    # The stubs say ``str``; Authlib itself handles ``None`` (no default: ask for one).
    def get_default_redirect_uri(self) -> str | None:  # type: ignore[override]
        uris = self.doc["redirect_uris"]
        return uris[0] if len(uris) == 1 else None

    # ``None`` means refused (Authlib raises invalid_scope); the stubs omit it.
    def get_allowed_scope(self, scope: Collection[str] | str | None) -> str | None:  # type: ignore[override]
        """The scope asked for, or ``None`` (refused) when it asks for more than allowed."""
        requested = scope_to_list(scope) or []
        if any(name not in self.doc["scopes"] for name in requested):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.doc["redirect_uris"]

    def check_client_secret(self, client_secret: str) -> bool:
        """Argon2 verification (Authlib runs this in its worker thread)."""
        return verify_password_blocking(self.doc["secret_hash"], client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.confidential:
            return method in CONFIDENTIAL_AUTH
        # public clients authenticate with nothing, and may not introspect
        return method == "none" and endpoint in ("token", "revocation")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.doc["grant_types"]

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.doc["grant_types"]


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    doc: AuthorizationCodeDoc

    @property
    def code_challenge(self) -> str | None:
        return self.doc["code_challenge"]

    @property
    def code_challenge_method(self) -> str | None:
        return self.doc["code_challenge_method"]

    def get_redirect_uri(self) -> str | None:  # type: ignore[override]  # None: none was sent
        return self.doc["redirect_uri"]

    def get_scope(self) -> str:
        return self.doc["scope"]

    def get_nonce(self) -> str | None:
        return self.doc["nonce"]

    def get_auth_time(self) -> int:
        return self.doc["auth_time"]

    def get_acr(self) -> str | None:  # type: ignore[override]  # optional claim
        return None

    def get_amr(self) -> list[str] | None:  # type: ignore[override]  # optional claim
        return None


@dataclass
class RefreshToken(TokenMixin):
    doc: RefreshTokenDoc
    now: datetime

    def check_client(self, client: ClientMixin) -> bool:
        return bool(self.doc["client_id"] == client.get_client_id())

    def get_scope(self) -> str:
        return self.doc["scope"]

    def get_expires_in(self) -> int:
        return int((self.doc["expires_at"] - self.doc["issued_at"]).total_seconds())

    def is_expired(self) -> bool:
        return self.doc["expires_at"] <= self.now

    def is_revoked(self) -> bool:
        return self.doc["revoked_at"] is not None or self.doc["rotated_at"] is not None

    def get_user(self) -> None:
        return None


@dataclass
class AccessTokenRecord(TokenMixin):
    """A verified access token, for revocation and introspection."""

    claims: dict[str, object]
    revoked: bool
    now: datetime

    def check_client(self, client: ClientMixin) -> bool:
        return bool(self.claims["client_id"] == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def is_expired(self) -> bool:
        return int(str(self.claims["exp"])) <= int(self.now.timestamp())

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass(frozen=True)
class User:
    """The person an authorization is for (Authlib's "user")."""

    subject: Subject

    def get_user_id(self) -> str:
        return self.subject.id
