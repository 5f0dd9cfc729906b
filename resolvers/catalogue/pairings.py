"""Pairing (appariement): a patient lets a referenced app act for them, within the data
categories they consented to, until the consent ends, is revoked, or the app is withdrawn.

The authorization server records the consent when the patient approves (``record_consent``)
and checks it again whenever the app asks for a token (``check_active``). Ending a pairing
revokes every token the app holds for that patient: their next request is refused, on every
replica.
"""

from __future__ import annotations

from datetime import timedelta

from resolvers.access.guard import open_patient
from resolvers.access.policy import Relation
from resolvers.catalogue.apps import DATA_SCOPES
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, NotFound
from storage.catalogue import CatalogueAppDoc, PairingDoc
from storage.stores import Stores

HIDDEN = "No pairing with this id is visible to you."


async def referenced_app(stores: Stores, client_id: str) -> CatalogueAppDoc | None:
    """The catalogue entry of an app client, if it is referenced (pairable) now."""
    app = await stores.catalogue.by_client(client_id)
    return app if app is not None and app["status"] == "referenced" else None


async def record_consent(
    stores: Stores, clock: Clock, patient_id: str, client_id: str, scopes: list[str]
) -> PairingDoc | None:
    """The patient approved: what (the data categories granted), when, until when."""
    app = await referenced_app(stores, client_id)
    if app is None:
        return None
    now = clock.now()
    doc: PairingDoc = {
        "_id": f"{patient_id}:{app['_id']}",
        "patient_id": patient_id,
        "app_id": app["_id"],
        "client_id": client_id,
        "scopes": [scope for scope in scopes if scope in DATA_SCOPES],
        "consented_at": now,
        "expires_at": now + timedelta(days=app["consent_days"]),
        "revoked_at": None,
        "revoked_because": None,
    }
    await stores.pairings.consent(doc)
    patient = Actor(ActorKind.PATIENT, patient_id, client_id, frozenset())
    await trace(
        stores, clock, patient, patient_id=patient_id, action="pairing.consented",
        target=("pairing", doc["_id"]),
    )  # fmt: skip
    return doc


async def check_active(stores: Stores, clock: Clock, patient_id: str, client_id: str) -> bool:
    """Whether the app may still get tokens for the patient (referenced, paired, in time)."""
    app = await referenced_app(stores, client_id)
    if app is None:
        return False
    return await stores.pairings.active(patient_id, app["_id"], clock.now()) is not None


async def _holder_side(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, action: str
) -> None:
    _, standing = await open_patient(stores, clock, actor, patient_id, action)
    if standing.relation not in (Relation.HOLDER, Relation.REPRESENTATIVE):
        raise Forbidden("Only the patient (or their legal representative) manages pairings.")


async def pairings_of(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str
) -> list[tuple[PairingDoc, CatalogueAppDoc]]:
    """The patient's pairings, the latest consent first, with their apps."""
    await _holder_side(stores, clock, actor, patient_id, "pairings.read")
    pairings = await stores.pairings.of_patient(patient_id)
    apps = await stores.catalogue.get_many([p["app_id"] for p in pairings])
    return [(p, app) for p, app in zip(pairings, apps, strict=True) if app is not None]


async def revoke(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, pairing_id: str
) -> tuple[PairingDoc, CatalogueAppDoc]:
    """End a pairing: the app's tokens for this patient stop working at once."""
    await _holder_side(stores, clock, actor, patient_id, "pairing.revoke")
    pairing = await stores.pairings.get(pairing_id)
    if pairing is None or pairing["patient_id"] != patient_id:
        raise NotFound(HIDDEN, field="pairingId")
    now = clock.now()
    ended = await stores.pairings.revoke(pairing_id, now, "patient") or pairing
    await stores.access_tokens.revoke_for(pairing["client_id"], patient_id, now)
    await stores.refresh_tokens.revoke_for(pairing["client_id"], patient_id, now)
    app = await stores.catalogue.get(pairing["app_id"])
    if app is None:
        raise NotFound(HIDDEN, field="pairingId")
    return ended, app
