"""A catalogue app as an operator references it, for the catalogue and pairing tests."""

from __future__ import annotations

from tests.oauth_support import CALLBACK

APP_INPUT = {
    "name": "GlycoSuivi",
    "publisher": "Santé Numérique SAS",
    "description": "Suivi de la glycémie et des comptes rendus de diabétologie.",
    "domain": "MEDICAL_FOLLOW_UP",
    "categories": [
        {"scope": "documents:read", "justification": "Afficher vos comptes rendus."},
        {"scope": "measurements:read", "justification": "Tracer vos courbes de glycémie."},
        {"scope": "measurements:write", "justification": "Enregistrer les mesures du capteur."},
        {"scope": "agenda:read", "justification": "Vous rappeler vos rendez-vous."},
        {"scope": "agenda:write", "justification": "Noter vos contrôles de glycémie."},
    ],
    "retentionDays": 90,
    "consentDays": 365,
    "consentText": "Vos données restent hébergées en France chez un hébergeur certifié HDS.",
    "redirectUris": [CALLBACK],
}
CREATE = """
mutation($input: CatalogueAppInput!) { createCatalogueApp(input: $input) {
  __typename ... on CatalogueAppCreated { app { id clientId status } }
  ... on CatalogueError { code field message } } }
"""
STATUS = """
mutation($id: ID!, $status: CatalogueStatus!) { setCatalogueAppStatus(id: $id, status: $status) {
  __typename ... on CatalogueApp { status } ... on CatalogueError { code message } } }
"""
