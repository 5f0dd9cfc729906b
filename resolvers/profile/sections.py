"""The medical profile's sections (R1111-27, R1111-42, L1111-15): reading and changing entries.

The holder (or their legal representative) reads and changes every section. A professional
allowed to see the patient reads the sections their scopes open and adds entries to the medical
ones (history, treatments, allergies, family history, vaccinations), which they may then correct
or remove; contacts, the care team and advance directives are the holder's own declarations.
Every change keeps who made it and when, on the entry and in the append-only history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from resolvers.access.guard import open_patient
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.core.pagination import Counted, decode_cursor, page_size
from storage.ids import new_id
from storage.patients import PatientDoc
from storage.profile import AuthorDoc, ChangeDoc, EntryDoc, Section
from storage.stores import Stores

MAX_ENTRIES = 500
MAX_TEXT = 2000
MEDICAL: frozenset[Section] = frozenset(
    {"history", "treatments", "allergies", "family-history", "vaccinations"}
)
SINGLE: frozenset[Section] = frozenset({"directives"})  # one entry, replaced when set again
UNIQUE_FLAGS = {"contacts": ("trusted_person", True), "care-team": ("role", "primary_physician")}

Check = Callable[[str, Any], Any]


def _text(required: bool = False, limit: int = MAX_TEXT) -> Check:
    def check(name: str, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise InvalidInput(f"{name} is required", field=name)
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidInput(f"{name} is text of at most {limit} characters", field=name)
        return value.strip()

    return check


def _date(required: bool = False) -> Check:
    def check(name: str, value: Any) -> Any:
        if value is None:
            if required:
                raise InvalidInput(f"{name} is required", field=name)
            return None
        day = value if isinstance(value, date) else None
        if day is None:
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise InvalidInput(f"{name} is not a date", field=name) from None
        if day.year < 1890 or day > date.today().replace(year=date.today().year + 1):
            raise InvalidInput(f"{name} is an impossible date", field=name)
        return day.isoformat()

    return check


def _choice(*options: str, required: bool = False) -> Check:
    def check(name: str, value: Any) -> Any:
        if value is None and not required:
            return None
        if value not in options:
            raise InvalidInput(f"{name} is one of {', '.join(options)}", field=name)
        return value

    return check


def _flag(name: str, value: Any) -> Any:
    return bool(value)


FIELDS: dict[Section, dict[str, Check]] = {
    "history": {
        "kind": _choice("medical", "surgical", required=True),
        "label": _text(required=True, limit=300),
        "since": _date(),
        "notes": _text(),
    },
    "treatments": {
        "name": _text(required=True, limit=300),
        "dosage": _text(limit=300),
        "started_on": _date(),
        "ended_on": _date(),
        "notes": _text(),
    },
    "allergies": {
        "substance": _text(required=True, limit=300),
        "reaction": _text(limit=300),
        "severity": _choice("mild", "moderate", "severe"),
        "notes": _text(),
    },
    "family-history": {
        "relation": _text(required=True, limit=100),
        "condition": _text(required=True, limit=300),
        "notes": _text(),
    },
    "vaccinations": {
        "vaccine": _text(required=True, limit=300),
        "date": _date(required=True),
        "dose": _text(limit=100),
        "lot": _text(limit=100),
        "notes": _text(),
    },
    "directives": {
        "text": _text(limit=20_000),
        "organ_donation": _choice("consents", "refuses", "undecided", required=True),
    },
    "contacts": {
        "name": _text(required=True, limit=200),
        "relation": _text(limit=100),
        "phone": _text(limit=40),
        "email": _text(limit=254),
        "trusted_person": _flag,
    },
    "care-team": {
        "professional_id": _text(required=True, limit=64),
        "role": _choice("primary_physician", "follows", required=True),
    },
}


def validate(section: Section, data: dict[str, Any]) -> dict[str, Any]:
    spec = FIELDS[section]
    unknown = set(data) - set(spec)
    if unknown:
        raise InvalidInput(
            f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    return {name: check(name, data.get(name)) for name, check in spec.items()}


async def readable_patient(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, action: str
) -> PatientDoc:
    """The patient, if the actor may read their data (traced as ``action``)."""
    patient, _ = await open_patient(stores, clock, actor, patient_id, action)
    return patient


async def writable_patient(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    action: str,
    *,
    target: tuple[str, str] | None = None,
    trace_allowed: bool = True,
) -> PatientDoc:
    """A readable patient whose space is open: a closed space is an archive, read-only."""
    patient, _ = await open_patient(
        stores, clock, actor, patient_id, action, write=True, target=target,
        trace_allowed=trace_allowed,
    )  # fmt: skip
    return patient


def _may_change(actor: Actor, section: Section, holder_side: bool) -> None:
    if holder_side:
        return
    if actor.kind is ActorKind.PROFESSIONAL and section in MEDICAL:
        return
    raise Forbidden(f"Only the holder changes the {section} section.")


def holder_side(actor: Actor) -> bool:
    """The holder, or a representative or app acting for them (access already checked)."""
    return actor.kind in (ActorKind.PATIENT, ActorKind.APP)


async def add_entry(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    *,
    section: Section,
    data: dict[str, Any],
) -> EntryDoc:
    await writable_patient(stores, clock, actor, patient_id, "profile.entry_added")
    _may_change(actor, section, holder_side(actor))
    clean = validate(section, data)
    if section == "care-team" and await stores.professionals.get(clean["professional_id"]) is None:
        raise InvalidInput("no professional with this id in the directory", field="professionalId")
    now = clock.now()
    author = await author_of(stores, actor)
    if section in SINGLE and (existing := await stores.profile_entries.of(patient_id, section)):
        return await _change(stores, clock, author, existing[0], clean)
    if await stores.profile_entries.count_in(patient_id, section) >= MAX_ENTRIES:
        raise InvalidInput(f"a section holds at most {MAX_ENTRIES} entries", field="section")
    await _keep_unique(stores, clock, author, patient_id, section=section, clean=clean)
    entry: EntryDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "section": section,
        "data": clean,
        "created_by": author,
        "created_at": now,
        "updated_by": author,
        "updated_at": now,
        "deleted_at": None,
    }
    await stores.profile_entries.insert(entry)
    await record_change(
        stores,
        at=now,
        patient_id=patient_id,
        target="entry",
        target_id=entry["_id"],
        section=section,
        action="added",
        by=author,
        data=clean,
    )
    return entry


async def _keep_unique(
    stores: Stores,
    clock: Clock,
    author: AuthorDoc,
    patient_id: str,
    *,
    section: Section,
    clean: dict[str, Any],
) -> None:
    """One trusted person, one primary physician: a new one takes over from the previous."""
    if section not in UNIQUE_FLAGS:
        return
    name, value = UNIQUE_FLAGS[section]
    if clean.get(name) != value:
        return
    for other in await stores.profile_entries.of(patient_id, section):
        if other["data"].get(name) == value:
            demoted = {**other["data"], name: False if name == "trusted_person" else "follows"}
            await _change(stores, clock, author, other, demoted)


async def _change(
    stores: Stores, clock: Clock, author: AuthorDoc, entry: EntryDoc, clean: dict[str, Any]
) -> EntryDoc:
    now = clock.now()
    updated = await stores.profile_entries.update(
        entry["_id"], entry["patient_id"], {"data": clean, "updated_by": author, "updated_at": now}
    )
    if updated is None:
        raise NotFound("No such entry.", field="entryId")
    await record_change(
        stores,
        at=now,
        patient_id=entry["patient_id"],
        target="entry",
        target_id=entry["_id"],
        section=entry["section"],
        action="changed",
        by=author,
        data=clean,
    )
    return updated


async def _own_entry(  # noqa: PLR0917 - internal
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, entry_id: str, action: str
) -> EntryDoc:
    await writable_patient(
        stores, clock, actor, patient_id, action, target=("profile_entry", entry_id)
    )
    entry = await stores.profile_entries.get(entry_id)
    if entry is None or entry["patient_id"] != patient_id or entry["deleted_at"] is not None:
        raise NotFound("No such entry.", field="entryId")
    on_holder_side = holder_side(actor)
    _may_change(actor, entry["section"], on_holder_side)
    if not on_holder_side and entry["created_by"]["id"] != actor.id:
        raise Forbidden("A professional corrects or removes only the entries they added.")
    return entry


async def update_entry(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    *,
    entry_id: str,
    data: dict[str, Any],
) -> EntryDoc:
    entry = await _own_entry(stores, clock, actor, patient_id, entry_id, "profile.entry_changed")
    clean = validate(entry["section"], {**entry["data"], **data})
    author = await author_of(stores, actor)
    await _keep_unique(stores, clock, author, patient_id, section=entry["section"], clean=clean)
    return await _change(stores, clock, author, entry, clean)


async def remove_entry(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, entry_id: str
) -> None:
    entry = await _own_entry(stores, clock, actor, patient_id, entry_id, "profile.entry_removed")
    now = clock.now()
    await stores.profile_entries.update(entry_id, patient_id, {"deleted_at": now})
    await record_change(
        stores,
        at=now,
        patient_id=patient_id,
        target="entry",
        target_id=entry_id,
        section=entry["section"],
        action="removed",
        by=await author_of(stores, actor),
        data=entry["data"],
    )


async def record_change(
    stores: Stores,
    *,
    at: datetime,
    patient_id: str,
    target: str,
    target_id: str,
    section: str,
    action: str,
    by: AuthorDoc,
    data: dict[str, Any],
) -> None:
    await stores.profile_changes.insert(
        {
            "_id": new_id(),
            "patient_id": patient_id,
            "target": target,
            "target_id": target_id,
            "section": section,
            "action": action,  # type: ignore[typeddict-item]
            "by": by,
            "at": at,
            "data": data,
        }
    )


async def changes(
    stores: Stores, patient_id: str, sections: list[str], first: int | None, after: str | None
) -> Counted[ChangeDoc]:
    """The history of changes to the ``sections`` given (those the token's scopes open)."""
    query: dict[str, Any] = {"patient_id": patient_id, "section": {"$in": sections}}
    repo = stores.profile_changes
    page = await repo.find_page(
        query, sort_key="at", first=page_size(first), after=decode_cursor(after)
    )
    return page, lambda: repo.count(query)


async def entries_of(
    stores: Stores, patient_id: str, sections: list[Section]
) -> dict[Section, list[EntryDoc]]:
    """The entries of several sections of one patient, in one query."""
    return await stores.profile_entries.of_sections(patient_id, sections)
