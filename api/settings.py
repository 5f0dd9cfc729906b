"""Service settings, read from environment variables.

Every field here is documented in the README's configuration table (a test keeps the two in
step). Names are the upper-case field names, without prefix: ``MONGODB_URI``, ``S3_BUCKET``…
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from resolvers.access.matrix import AccessMatrixError, load_matrix
from resolvers.documents.rules import DocumentConfig

StackMode = Literal["embedded", "external"]
SseMode = Literal["s3", "c", "none"]
IntrospectionMode = Literal["auto", "on", "authenticated", "off"]


class Settings(BaseSettings):
    """Configuration of one service process.

    With ``STACK=embedded`` (the default) the service starts its own development MongoDB and S3
    servers for any store whose address is not given; with ``STACK=external`` both addresses are
    required and nothing is started.
    """

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, validate_default=True
    )

    stack: StackMode = Field("embedded", description="`embedded` or `external` stores.")
    data_dir: Path = Field(
        Path(".data"), description="Where the embedded stack keeps its data and logs."
    )

    mongodb_uri: SecretStr | None = Field(
        None, description="MongoDB connection string; unset starts the embedded server."
    )
    mongodb_database: str = Field("espace_sante", description="MongoDB database name.")
    mongodb_timeout_ms: int = Field(
        5000, ge=100, description="Server selection and connect timeout, in milliseconds."
    )

    s3_endpoint: str | None = Field(
        None, description="S3 `host:port`; unset starts the embedded server."
    )
    s3_access_key: str | None = Field(None, description="S3 access key.")
    s3_secret_key: SecretStr | None = Field(None, description="S3 secret key.")
    s3_bucket: str = Field("espace-sante-documents", description="Bucket holding document bytes.")
    s3_secure: bool = Field(False, description="Use TLS (https) to reach S3.")
    s3_region: str = Field("us-east-1", description="S3 region used for request signing.")
    s3_sse: SseMode = Field(
        "s3", description="Server-side encryption: `s3` (SSE-S3), `c` (SSE-C) or `none`."
    )
    s3_sse_c_key: SecretStr | None = Field(
        None, description="Base64 of the 32-byte SSE-C key (required when `S3_SSE=c`)."
    )
    s3_timeout_seconds: float = Field(
        10.0, gt=0, description="Connect and read timeout for each S3 request."
    )

    host: str = Field("127.0.0.1", description="Address `serve` listens on.")
    port: int = Field(8000, ge=0, le=65535, description="Port `serve` listens on.")
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL clients use to reach this service."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Minimum level of the JSON logs."
    )
    log_format: Literal["json", "console"] = Field(
        "json", description="`json` (one object a line) or `console` (for humans)."
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Comma-separated browser origins allowed by CORS."
    )

    oauth_access_token_ttl_seconds: int = Field(
        600, ge=10, le=3600, description="Lifetime of access tokens (JWT), in seconds."
    )
    oauth_refresh_token_ttl_seconds: int = Field(
        2_592_000, ge=60, description="Lifetime of refresh tokens, in seconds (30 days)."
    )
    oauth_keys_secret: SecretStr | None = Field(
        None, description="Seals the token-signing keys stored in MongoDB (required when external)."
    )
    session_secret: SecretStr | None = Field(
        None, description="Signs the sign-in session cookie (required when external)."
    )
    professional_password_login: bool = Field(
        True, description="Let professionals sign in with RPPS and password (development)."
    )
    psc_metadata_url: str | None = Field(
        None, description="OpenID configuration URL of Pro Santé Connect (enables it)."
    )
    psc_client_id: str | None = Field(None, description="Client id at Pro Santé Connect.")
    psc_client_secret: SecretStr | None = Field(
        None, description="Client secret at Pro Santé Connect."
    )
    psc_scope: str = Field("openid scope_all", description="Scopes asked of Pro Santé Connect.")
    psc_rpps_claim: str = Field(
        "SubjectNameID", description="Claim carrying the RPPS (a leading `8` is dropped)."
    )

    smtp_host: str | None = Field(
        None, description="SMTP server for emails; unset starts a development mail sink."
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(None, description="SMTP user, if the server needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        "none", description="`none`, `starttls` or `tls` (implicit TLS)."
    )
    smtp_from: str = Field(
        "Mon espace santé <ne-pas-repondre@monespacesante.example>",
        description="Sender of the emails.",
    )
    background_workers: bool = Field(
        True, description="Run due transitions, emails and provisioning inside `serve`."
    )
    due_interval_seconds: float = Field(
        60.0, gt=0, description="How often the workers look for due work, in seconds."
    )
    notification_batch_seconds: float = Field(
        300.0,
        ge=0,
        description="Batching window of the patients' news emails: a patient's news waits this "
        "long after its first event, then goes out as one email (docs/notifications.md).",
    )
    provisioning_lease_seconds: int = Field(
        60, ge=1, description="A provisioning runner's lease; another resumes after it lapses."
    )

    document_max_bytes: int = Field(
        512 * 1024 * 1024, ge=1024, description="Largest document accepted, in bytes."
    )
    document_multipart_max_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        description="Largest document sent with a GraphQL multipart upload (larger ones: a "
        "requested upload).",
    )
    document_url_ttl_seconds: int = Field(
        300, ge=10, le=3600, description="Lifetime of a presigned download URL."
    )
    document_upload_ttl_seconds: int = Field(
        3600, ge=60, le=7 * 24 * 3600, description="Time to PUT and confirm a requested upload."
    )
    document_purge_delay_days: int = Field(
        30, ge=0, description="Days a deleted document stays archived before its bytes are purged."
    )
    access_matrix_path: Path | None = Field(
        None,
        description="TOML file replacing the default access matrix (profession × document type; "
        "see docs/access-matrix.md). Checked at start-up.",
    )
    emergency_access_hours: int = Field(
        4, ge=1, le=72, description="How long an emergency (break-glass) access lasts, in hours."
    )
    graphql_max_depth: int = Field(12, ge=1, description="Deepest selection allowed.")
    graphql_max_aliases: int = Field(30, ge=1, description="Most aliases in one document.")
    graphql_max_tokens: int = Field(5000, ge=10, description="Most tokens in one document.")
    graphql_max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest JSON body accepted at `/graphql`."
    )
    graphql_max_cost: int = Field(
        20_000,
        ge=1,
        description="Highest query cost: each field resolution counts 1, multiplied by the page "
        "sizes (`first`) above it (see docs/security.md).",
    )
    graphql_introspection: IntrospectionMode = Field(
        "auto",
        description="`on`, `authenticated` (callers with a valid token), `off`; `auto`: `on` "
        "with the embedded stack, `authenticated` with `STACK=external`.",
    )
    rate_limit_window_seconds: int = Field(
        60, ge=1, le=3600, description="Length of a rate-limit window, in seconds."
    )
    rate_limit_per_client: int = Field(
        30_000, ge=0, description="Requests per window for one OAuth client (0: no limit)."
    )
    rate_limit_per_person: int = Field(
        3_000,
        ge=0,
        description="Requests per window for one person (patient, professional), whatever the "
        "client (0: no limit).",
    )
    rate_limit_per_anonymous_ip: int = Field(
        1_200, ge=0, description="Requests per window without a token, per address (0: no limit)."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("access_matrix_path")
    @classmethod
    def _check_matrix(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                load_matrix(value)
            except AccessMatrixError as exc:
                raise ValueError(str(exc)) from exc
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.stack == "external" and (self.mongodb_uri is None or self.s3_endpoint is None):
            raise ValueError("STACK=external needs both MONGODB_URI and S3_ENDPOINT")
        if self.stack == "external" and (
            self.oauth_keys_secret is None or self.session_secret is None
        ):
            raise ValueError("STACK=external needs OAUTH_KEYS_SECRET and SESSION_SECRET")
        if self.psc_metadata_url is not None and (
            self.psc_client_id is None or self.psc_client_secret is None
        ):
            raise ValueError("PSC_METADATA_URL needs PSC_CLIENT_ID and PSC_CLIENT_SECRET")
        if self.s3_endpoint is not None and (
            self.s3_access_key is None or self.s3_secret_key is None
        ):
            raise ValueError("S3_ENDPOINT needs S3_ACCESS_KEY and S3_SECRET_KEY")
        if self.s3_sse == "c":
            self.sse_c_key_bytes()  # validates the key now rather than at the first upload
        return self

    def sse_c_key_bytes(self) -> bytes:
        """The decoded SSE-C key; raises ``ValueError`` when absent or not 32 bytes."""
        if self.s3_sse_c_key is None:
            raise ValueError("S3_SSE=c needs S3_SSE_C_KEY")
        try:
            key = base64.b64decode(self.s3_sse_c_key.get_secret_value(), validate=True)
        except binascii.Error as exc:
            raise ValueError("S3_SSE_C_KEY is not valid base64") from exc
        if len(key) != 32:
            raise ValueError("S3_SSE_C_KEY must decode to 32 bytes")
        return key

    def document_config(self) -> DocumentConfig:
        return DocumentConfig(
            max_bytes=self.document_max_bytes,
            multipart_max_bytes=min(self.document_multipart_max_bytes, self.document_max_bytes),
            url_ttl=timedelta(seconds=self.document_url_ttl_seconds),
            upload_ttl=timedelta(seconds=self.document_upload_ttl_seconds),
            purge_delay=timedelta(days=self.document_purge_delay_days),
            matrix=load_matrix(self.access_matrix_path),
            emergency_duration=timedelta(hours=self.emergency_access_hours),
            public_base_url=self.public_base_url,
        )

    def child_environment(self) -> dict[str, str]:
        """Environment variables that make another process use these very stores and keys
        (``STACK=external``): for a CLI command or a second server beside this one."""
        required = {
            "MONGODB_URI": self.mongodb_uri,
            "S3_SECRET_KEY": self.s3_secret_key,
            "OAUTH_KEYS_SECRET": self.oauth_keys_secret,
            "SESSION_SECRET": self.session_secret,
        }
        missing = [name for name, value in required.items() if value is None]
        if missing or self.s3_endpoint is None:
            raise ValueError(f"settings not resolved yet: {', '.join(missing) or 'S3_ENDPOINT'}")
        secrets = {name: v.get_secret_value() for name, v in required.items() if v is not None}
        return {
            "STACK": "external",
            "MONGODB_DATABASE": self.mongodb_database,
            "S3_ENDPOINT": str(self.s3_endpoint),
            "S3_ACCESS_KEY": str(self.s3_access_key),
            "S3_BUCKET": self.s3_bucket,
            "S3_SSE": self.s3_sse,
            "S3_SECURE": str(self.s3_secure).lower(),
            "PUBLIC_BASE_URL": self.public_base_url,
            "SMTP_PORT": str(self.smtp_port),
            "SMTP_TLS": self.smtp_tls,
            **({"SMTP_HOST": self.smtp_host} if self.smtp_host else {}),
            **secrets,
            **({"S3_SSE_C_KEY": self.s3_sse_c_key.get_secret_value()} if self.s3_sse_c_key else {}),
        }

    @property
    def introspection(self) -> Literal["on", "authenticated", "off"]:
        """Who may introspect the schema, ``auto`` resolved: open while developing, for
        authenticated callers only in production (``STACK=external``)."""
        if self.graphql_introspection == "auto":
            return "on" if self.stack == "embedded" else "authenticated"
        return self.graphql_introspection

    @property
    def audience(self) -> str:
        """The ``aud`` of access tokens for this API: its GraphQL endpoint."""
        return f"{self.public_base_url}/graphql"

    @property
    def needs_embedded_smtp(self) -> bool:
        return self.stack == "embedded" and self.smtp_host is None

    @property
    def needs_embedded_mongodb(self) -> bool:
        return self.stack == "embedded" and self.mongodb_uri is None

    @property
    def needs_embedded_s3(self) -> bool:
        return self.stack == "embedded" and self.s3_endpoint is None


def settings_table() -> str:
    """The README's configuration table, generated from the fields above."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is None or default == ():
            shown = "(unset)"
        elif isinstance(default, bool):
            shown = f"`{str(default).lower()}`"
        else:
            shown = f"`{default}`"
        rows.append(f"| `{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover - `python -m api.settings` prints the table
    print(settings_table())
