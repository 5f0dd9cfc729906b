"""OAuth error responses by the book: every one carries an ``error_description``.

RFC 6749 §5.2 makes the description optional, but a developer facing a bare ``invalid_grant``
has nothing to go on. Authlib raises several errors without one (``InvalidGrantError()``,
``UnsupportedGrantTypeError``, the revocation endpoint's ``InvalidRequestError``…); the server
fills them in from this table before answering. The text is for developers: English, and ASCII
only (the RFC's character set for the field). What people read is in ``api.oauth.pages``.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error

DEFAULT_DESCRIPTIONS: dict[str, str] = {
    "invalid_request": "The request is missing a parameter or is malformed.",
    "invalid_client": "Client authentication failed, or the client is unknown.",
    "invalid_grant": (
        "The authorization code or refresh token is invalid, expired, revoked, already used, "
        "or was issued to another client."
    ),
    "unauthorized_client": "The client is not allowed to use this grant type.",
    "unsupported_grant_type": "This grant type is not supported.",
    "invalid_scope": "The requested scope is invalid, unknown, or exceeds what was granted.",
    "unsupported_response_type": "Only response_type=code is supported.",
    "access_denied": "The person or the server denied the request.",
    "unsupported_token_type": "This token type cannot be revoked.",
    "server_error": "The server could not complete the request.",
}


def describe(error: OAuth2Error) -> OAuth2Error:
    """``error``, with a description if it had none (its own, where Authlib computes one)."""
    if not error.description:
        own = error.get_error_description()
        error.description = own or DEFAULT_DESCRIPTIONS.get(
            str(error.error), "The request could not be completed."
        )
    return error
