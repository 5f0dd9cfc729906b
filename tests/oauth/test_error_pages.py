"""What a person reads when an authorization request cannot go back to its client: each OAuth
error Authlib can raise there, told in French (what happened, what to do), never Authlib's
English sentence; the code stays as a reference for the support desk."""

from __future__ import annotations

import pytest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import errors

from api.oauth.pages import (
    BAD_REDIRECT,
    MALFORMED,
    NAMELESS_CLIENT,
    UNKNOWN_CLIENT,
    Explanation,
    explain,
)

QUERY = [("response_type", "code"), ("client_id", "app-1"), ("redirect_uri", "https://x/cb")]

# (the error as Authlib raises it before the redirect URI is trusted, the request, the page)
CASES = [
    (errors.InvalidClientError(description="The client does not exist on this server."), QUERY,
     UNKNOWN_CLIENT),
    (errors.InvalidClientError(description="Missing 'client_id' parameter."), QUERY[::2],
     NAMELESS_CLIENT),
    (errors.InvalidRequestError("Redirect URI https://x/cb is not supported by client."), QUERY,
     BAD_REDIRECT),
    (errors.InvalidRequestError("Missing 'redirect_uri' in request."), QUERY[:2], BAD_REDIRECT),
    (errors.InvalidRequestError("Multiple 'scope' in request."),
     [*QUERY, ("scope", "a"), ("scope", "b")], MALFORMED),
    (errors.UnsupportedResponseTypeError("response_type=token is not supported"), QUERY,
     MALFORMED),
]  # fmt: skip


@pytest.mark.parametrize(("error", "query", "expected"), CASES, ids=lambda c: str(c)[:40])
def test_each_error_is_told_in_french(
    error: OAuth2Error, query: list[tuple[str, str]], expected: Explanation
) -> None:
    page = explain(error, query)
    assert (page.title, page.what, page.todo) == (expected.title, expected.what, expected.todo)
    assert page.code == error.error  # the reference for the support desk
    text = f"{page.title} {page.what} {page.todo}"
    english = error.description or error.get_error_description()
    assert not english or english not in text  # never the library's sentence
