"""One patient's forecast calendar and prevention messages, and the patient's choices about them.

- The forecast (entries due in a period, each proposed, accepted or dismissed) is read by
  whoever reads the agenda.
- Prevention messages are the patient's: the holder, a legal representative (the message then
  names the child or the protected adult) and an app acting for the patient read them.
- Accepting an entry (it becomes an agenda event, the actor its author) and dismissing one are
  choices of the patient's side (holder, representative, paired app); switching a prevention
  category off or on is the holder's (or representative's) alone.

Every read and choice is traced, refusals included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from resolvers.access.guard import open_patient
from resolvers.access.policy import Relation, Standing
from resolvers.agenda import events as agenda
from resolvers.agenda.prevention import PreventionMessage, messages
from resolvers.agenda.rules import DEFAULT_ZONE, EventInput
from resolvers.agenda.schedule import CATEGORIES, ForecastEntry, entry, forecast
from resolvers.core.actors import Actor
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from storage.agenda import EventDoc, PreferencesDoc
from storage.patients import PatientDoc
from storage.stores import Stores

PATIENT_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE, Relation.APP)
HOLDER_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)
MAX_SPAN = timedelta(days=366 * 20)
PARIS = ZoneInfo("Europe/Paris")
Status = Literal["proposed", "accepted", "dismissed"]


def today(clock: Clock) -> date:
    """The day it is for the patient (Europe/Paris), which ages and due dates count in."""
    return clock.now().astimezone(PARIS).date()


def _birth(patient: PatientDoc) -> date:
    return date.fromisoformat(patient["identity"]["birth_date"])


@dataclass(frozen=True, slots=True)
class Proposal:
    entry: ForecastEntry
    status: Status
    event_id: str | None  # the event it was accepted as


async def _opened(  # noqa: PLR0917 - the access's facts
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    action: str,
    relations: tuple[Relation, ...] | None,
    *,
    write: bool = False,
) -> tuple[PatientDoc, Standing]:
    """The patient, if the actor may read the agenda and stands in one of ``relations``."""
    target = ("agenda", patient_id)
    patient, standing = await open_patient(
        stores, clock, actor, patient_id, action, write=write, target=target,
        trace_allowed=False,
    )  # fmt: skip
    allowed = relations is None or standing.relation in relations
    await trace(
        stores, clock, actor, patient_id=patient_id, action=action, target=target,
        outcome="allowed" if allowed else "denied", emergency=standing.emergency,
    )  # fmt: skip
    if not allowed:
        raise Forbidden("This is the patient's own choice or message.")
    return patient, standing


async def _settled(stores: Stores, patient_id: str) -> tuple[PreferencesDoc, dict[str, str]]:
    return (
        await stores.agenda_preferences.of(patient_id),
        await stores.agenda_events.accepted_entries(patient_id),
    )


async def forecast_of(  # noqa: PLR0917 - a period's arguments
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    since: date | None,
    until: date | None,
) -> list[Proposal]:
    """Entries due at some point in [since, until) (default: from a year ago to two years on)."""
    day = today(clock)
    start = since or day - relativedelta(years=1)
    end = until or day + relativedelta(years=2)
    if end <= start:
        raise InvalidInput("to is not after from", field="to")
    if end - start > MAX_SPAN:
        raise InvalidInput("a forecast spans at most 20 years", field="to")
    patient, _ = await _opened(stores, clock, actor, patient_id, "agenda.forecast_read", None)
    preferences, accepted = await _settled(stores, patient_id)
    dismissed = set(preferences["dismissed"])
    proposals = []
    for found in forecast(_birth(patient), since=start, until=end):
        status: Status = "proposed"
        if found.id in accepted:
            status = "accepted"
        elif found.id in dismissed:
            status = "dismissed"
        proposals.append(Proposal(found, status, accepted.get(found.id)))
    return proposals


async def prevention_of(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, categories: list[str] | None
) -> list[PreventionMessage]:
    """The prevention messages due today, in the categories the patient left on."""
    patient, standing = await _opened(
        stores, clock, actor, patient_id, "agenda.prevention_read", PATIENT_SIDE
    )
    preferences, accepted = await _settled(stores, patient_id)
    named = patient["identity"]["first_names"][0] if patient["identity"]["first_names"] else None
    first_name = named if standing.relation is Relation.REPRESENTATIVE else None
    found = messages(
        _birth(patient), today(clock), first_name, set(preferences["prevention_off"]),
        set(preferences["dismissed"]) | set(accepted),
    )  # fmt: skip
    return [m for m in found if not categories or m.entry.category in categories]


async def preferences_of(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str
) -> PreferencesDoc:
    await _opened(stores, clock, actor, patient_id, "agenda.preferences_read", PATIENT_SIDE)
    return await stores.agenda_preferences.of(patient_id)


async def set_prevention(  # noqa: PLR0917 - the choice
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, category: str, enabled: bool
) -> PreferencesDoc:
    """Switch a category of prevention messages on or off."""
    if category not in CATEGORIES:
        raise InvalidInput(f"category is one of {', '.join(CATEGORIES)}", field="category")
    await _opened(stores, clock, actor, patient_id, "agenda.preferences_changed", HOLDER_SIDE,
                  write=True)  # fmt: skip
    change = {"prevention_off": [category]}
    repo, now = stores.agenda_preferences, clock.now()
    if enabled:
        return await repo.change(patient_id, now, remove=change)
    return await repo.change(patient_id, now, add=change)


async def _entry(patient: PatientDoc, entry_id: str) -> ForecastEntry:
    found = entry(_birth(patient), entry_id)
    if found is None:
        raise NotFound("No forecast entry with this id.", field="entryId")
    return found


async def dismiss(  # noqa: PLR0917 - the choice
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, entry_id: str, dismissed: bool
) -> PreferencesDoc:
    """Dismiss a forecast entry (no message, shown as dismissed), or take it back."""
    action = "agenda.forecast_dismissed" if dismissed else "agenda.forecast_restored"
    patient, _ = await _opened(stores, clock, actor, patient_id, action, PATIENT_SIDE,
                               write=True)  # fmt: skip
    found = await _entry(patient, entry_id)
    change = {"dismissed": [found.id]}
    repo, now = stores.agenda_preferences, clock.now()
    if dismissed:
        return await repo.change(patient_id, now, add=change)
    return await repo.change(patient_id, now, remove=change)


@dataclass(frozen=True)
class Acceptance:
    """When and where the patient plans it; without ``start``, an all-day event on the day the
    entry is due (today, if that day is past)."""

    start: datetime | None = None
    end: datetime | None = None
    time_zone: str = DEFAULT_ZONE
    location: str | None = None
    notes: str | None = None


async def accept(  # noqa: PLR0917 - the choice
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    entry_id: str,
    plan: Acceptance,
) -> EventDoc:
    """The forecast entry, as an event of the agenda (refused if it is one already)."""
    patient, _ = await _opened(stores, clock, actor, patient_id, "agenda.forecast_accepted",
                               PATIENT_SIDE, write=True)  # fmt: skip
    found = await _entry(patient, entry_id)
    if found.id in await stores.agenda_events.accepted_entries(patient_id):
        raise Conflict("This entry is in the agenda already.", field="entryId")
    notes = plan.notes or f"{found.when} : {found.reason}. Source : {found.source.title}"
    given = EventInput(
        kind=found.event_kind, title=found.title, start=plan.start, end=plan.end,
        day=None if plan.start else max(found.due_from, today(clock)),
        time_zone=plan.time_zone, location=plan.location, notes=notes[:2000],
    )  # fmt: skip
    doc = await agenda.add_event(stores, clock, actor, patient_id, given, forecast_entry=found.id)
    await stores.agenda_preferences.change(
        patient_id, clock.now(), remove={"dismissed": [found.id]}
    )
    return doc
