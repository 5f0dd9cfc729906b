"""The pages people see during sign-in: rendering, their CSP, and errors told in French.

Authlib's error texts are for developers (English, RFC 6749 §5.2); a person who lands on an
error page instead reads what happened and what to do, in plain French. Each OAuth error that
can reach a person (those that cannot be sent back to the client, RFC 6749 §4.1.2.1) maps to
an :class:`Explanation`; the code stays on the page as a reference for the support desk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authlib.oauth2 import OAuth2Error
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
STYLESHEET = HERE / "static" / "oauth.css"


@dataclass(frozen=True)
class Explanation:
    title: str  # what happened, as a heading
    what: str  # why, in a sentence or two
    todo: str  # what the person can do now
    code: str | None = None  # the OAuth error, for the support desk


RETRY_FROM_APP = (
    "Retournez sur l'application ou le site qui vous a envoyé ici et recommencez. Si le "
    "problème continue, contactez son éditeur. Votre espace n'a pas été ouvert et aucune "
    "donnée n'a été transmise."
)

UNKNOWN_CLIENT = Explanation(
    "Cette application n'est pas reconnue",
    "L'application qui vous a envoyé ici n'est pas, ou plus, autorisée à se connecter à "
    "Mon espace santé.",
    RETRY_FROM_APP,
    "invalid_client",
)
NAMELESS_CLIENT = Explanation(
    "L'application ne s'est pas présentée",
    "La demande de connexion ne dit pas quelle application la fait : elle ne peut pas aboutir.",
    RETRY_FROM_APP,
    "invalid_client",
)
BAD_REDIRECT = Explanation(
    "L'adresse de retour n'est pas reconnue",
    "Après votre connexion, vous auriez été renvoyé vers une adresse que cette application n'a "
    "pas déclarée. Pour vous protéger, la demande est arrêtée ici.",
    "Ne saisissez pas vos identifiants. Retournez sur le site de l'application en tapant son "
    "adresse vous-même, puis recommencez. Si le problème continue, contactez son éditeur.",
    "invalid_request",
)
MALFORMED = Explanation(
    "La demande de connexion est incomplète",
    "L'application qui vous a envoyé ici a fait une demande que Mon espace santé ne peut pas "
    "traiter.",
    RETRY_FROM_APP,
    "invalid_request",
)
SESSION_EXPIRED = Explanation(
    "Votre session a expiré",
    "Pour votre sécurité, la page que vous avez envoyée n'est plus valable (elle a été ouverte "
    "il y a trop longtemps, ou dans un autre onglet).",
    "Retournez sur l'application et recommencez la connexion depuis le début.",
)
NOT_REFERENCED = Explanation(
    "Cette application n'est plus référencée",
    "L'État a retiré cette application du catalogue : elle ne peut plus accéder aux espaces santé.",
    "Vous n'avez rien à faire : aucune donnée ne lui a été transmise.",
)


def explain(error: OAuth2Error, query: Sequence[tuple[str, str]]) -> Explanation:
    """The French explanation of an authorization request that cannot go back to its client.

    Only errors raised before the redirect URI is known good reach a person (Authlib's
    authorization code grant): no or an unknown client, a redirect URI missing or not
    registered, a repeated parameter, an unknown ``response_type``.
    """
    names = Counter(name for name, _ in query)
    if error.error == "invalid_client":
        return UNKNOWN_CLIENT if names["client_id"] else NAMELESS_CLIENT
    repeated = any(count > 1 for count in names.values())
    if error.error == "invalid_request" and not repeated:
        return BAD_REDIRECT  # the one invalid_request raised before the redirect URI is checked
    return Explanation(MALFORMED.title, MALFORMED.what, MALFORMED.todo, str(error.error))


def page_csp(form_targets: str = "") -> str:
    # form-action also governs the redirect that follows a form post (Chrome): the consent form
    # must be allowed to land on the client's redirect URI.
    return (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self'{form_targets}"
    )


def render(
    request: Request, template: str, status: int = 200, csp: str = "", **context: Any
) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    response.headers["content-security-policy"] = csp or page_csp()
    return response


def error_page(request: Request, explanation: Explanation, status: int = 400) -> Response:
    return render(request, "error.html", status=status, error=explanation)


async def stylesheet(request: Request) -> Response:
    """The pages' one stylesheet, served by the service itself (no CDN, no web font)."""
    return Response(
        STYLESHEET.read_bytes(),
        media_type="text/css; charset=utf-8",
        headers={"cache-control": "public, max-age=3600"},
    )
