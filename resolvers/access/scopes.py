"""The one vocabulary of OAuth scopes: what each lets a client read or do, and who may hold it.

Clients are registered with a subset; tokens carry the subset a person consented to; schema
fields declare the scopes they need (``@requiresScopes``). ``docs/scopes.md`` is generated from
the schema, with these descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from resolvers.core.actors import ActorKind
from resolvers.core.errors import InvalidInput

PATIENT, PROFESSIONAL, APP, OPERATOR = (
    ActorKind.PATIENT,
    ActorKind.PROFESSIONAL,
    ActorKind.APP,
    ActorKind.OPERATOR,
)
PEOPLE = frozenset({PATIENT, PROFESSIONAL})


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    description: str  # for integrators (English)
    consent: str  # for the person asked to consent (French, plain words)
    kinds: frozenset[ActorKind]  # the actors whose tokens may carry it


def _profile(section: str, description: str, consent: str) -> Scope:
    return Scope(
        f"profile.{section}:read",
        f"Read the medical profile's {description}.",
        f"Lire {consent} de votre profil médical",
        PEOPLE,
    )


SCOPES: tuple[Scope, ...] = (
    Scope(
        "openid",
        "Sign the person in with OpenID Connect (an ID token).",
        "Vous identifier",
        PEOPLE | {APP},
    ),
    _profile("identity", "identity: INS and the five identity traits", "votre identité (INS)"),
    _profile("history", "medical and surgical history", "vos antécédents médicaux et chirurgicaux"),
    _profile("treatments", "treatments", "vos traitements"),
    _profile("allergies", "allergies", "vos allergies"),
    _profile("family-history", "family history", "vos antécédents familiaux"),
    _profile("vaccinations", "vaccinations", "vos vaccinations"),
    _profile(
        "directives",
        "advance directives and organ-donation choice",
        "vos directives anticipées et votre choix sur le don d'organes",
    ),
    _profile(
        "contacts",
        "people to contact, the trusted person among them",
        "vos contacts et votre personne de confiance",
    ),
    _profile(
        "care-team",
        "professionals who follow the patient, the primary physician first",
        "les professionnels qui vous suivent",
    ),
    Scope(
        "space:manage",
        "Read the space's state and run it: close, reopen, request its deletion, contest a "
        "suspension.",
        "Gérer votre profil Mon espace santé (fermeture, réouverture, suppression)",
        frozenset({PATIENT}),
    ),
    Scope(
        "profile:write",
        "Add or change entries of the medical profile.",
        "Compléter votre profil médical",
        PEOPLE,
    ),
    Scope(
        "measurements:read",
        "Read measurements (weight, blood pressure, glycaemia…).",
        "Lire vos mesures de santé",
        PEOPLE | {APP},
    ),
    Scope(
        "measurements:write",
        "Record measurements.",
        "Enregistrer des mesures de santé",
        PEOPLE | {APP},
    ),
    Scope(
        "documents:read",
        "Read health documents and their metadata.",
        "Lire vos documents de santé",
        PEOPLE | {APP},
    ),
    Scope(
        "documents:write",
        "Deposit, replace, hide or delete health documents.",
        "Ajouter ou modifier vos documents de santé",
        PEOPLE | {APP},
    ),
    Scope("messages:read", "Read secure conversations.", "Lire votre messagerie de santé", PEOPLE),
    Scope(
        "messages:write",
        "Start conversations and send messages.",
        "Envoyer des messages de santé",
        PEOPLE,
    ),
    Scope("agenda:read", "Read agenda events.", "Lire votre agenda de santé", PEOPLE | {APP}),
    Scope(
        "agenda:write",
        "Add and change agenda events.",
        "Ajouter des événements à votre agenda",
        PEOPLE | {APP},
    ),
    Scope(
        "audit:read",
        "Read the access history the actor is allowed to see.",
        "Consulter l'historique des accès",
        PEOPLE | {OPERATOR},
    ),
    Scope(
        "emergency",
        "Declare an emergency access (break-glass) to a patient's record.",
        "Accéder au dossier en cas d'urgence",
        frozenset({PROFESSIONAL}),
    ),
    Scope(
        "patients:find",
        "Find a patient by INS (whether a space exists, its state, the caller's standing and "
        "next actions) and list one's own patients.",
        "Retrouver vos patients par leur INS et en tenir la liste",
        frozenset({PROFESSIONAL, OPERATOR}),
    ),
    Scope(
        "provisioning",
        "Provision patient spaces from beneficiary files (the insurer).",
        "Ouvrir des espaces",
        frozenset({OPERATOR}),
    ),
    Scope(
        "catalogue:admin",
        "Reference, change and withdraw catalogue apps.",
        "Administrer le catalogue",
        frozenset({OPERATOR}),
    ),
    Scope(
        "admin",
        "Administer the service: clients, accounts, support operations.",
        "Administrer le service",
        frozenset({OPERATOR}),
    ),
)

BY_NAME: dict[str, Scope] = {scope.name: scope for scope in SCOPES}


def parse_scopes(value: str | Iterable[str], *, field: str = "scope") -> list[str]:
    """Scope names from a space-separated string or a list; unknown names are refused."""
    names = value.split() if isinstance(value, str) else list(value)
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise InvalidInput(f"unknown scope(s): {', '.join(unknown)}", field=field)
    return list(dict.fromkeys(names))


def allowed_for(kind: ActorKind) -> frozenset[str]:
    return frozenset(scope.name for scope in SCOPES if kind in scope.kinds)
