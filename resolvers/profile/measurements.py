"""Measurements: time series with LOINC codes and UCUM units (the measurements guide's
vital-signs profiles), checked for unit and plausibility, queried by type and period."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from resolvers.access.authorship import same_author
from resolvers.access.guard import open_patient
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of, outcome_traced
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.core.pagination import Counted, decode_cursor, page_size
from resolvers.profile.sections import record_change
from storage.ids import new_id
from storage.profile import ComponentDoc, MeasurementDoc
from storage.stores import Stores

FAHRENHEIT = "fahrenheit"
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class MeasurementType:
    code: str
    label: str
    canonical_unit: str
    units: dict[str, str]  # UCUM unit -> factor to the canonical unit, or "fahrenheit"
    minimum: float
    maximum: float
    components: dict[str, str]  # component LOINC code -> label (panels)

    def to_canonical(self, value: float, unit: str) -> float:
        factor = self.units[unit]
        if factor == FAHRENHEIT:
            return (value - 32) * 5 / 9
        return value * float(factor)


@cache
def measurement_types() -> dict[str, MeasurementType]:
    text = files("resolvers").joinpath("data", "measurement-types.csv").read_text("utf-8")
    types = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        units = dict(item.split("=", 1) for item in row["units"].split("|"))
        components = (
            dict(item.split(" ", 1) for item in row["components"].split("|") if item)
            if row["components"]
            else {}
        )
        types[row["code"]] = MeasurementType(
            row["code"],
            row["label"],
            row["canonical_unit"],
            units,
            float(row["minimum"]),
            float(row["maximum"]),
            components,
        )
    return types


def kind_of(code: str) -> MeasurementType:
    found = measurement_types().get(code)
    if found is None:
        raise InvalidInput(f"unknown measurement code {code!r}", field="code")
    return found


def _plausible(kind: MeasurementType, canonical: float, field: str) -> None:
    if not kind.minimum <= canonical <= kind.maximum:
        raise InvalidInput(
            f"{kind.label}: {canonical:g} {kind.canonical_unit} is not plausible "
            f"({kind.minimum:g} to {kind.maximum:g})",
            field=field,
        )


def check(
    code: str, unit: str, value: float | None, components: dict[str, float] | None
) -> tuple[float | None, list[ComponentDoc]]:
    """The canonical value and the components, once the unit and the values are checked."""
    kind = kind_of(code)
    if unit not in kind.units:
        raise InvalidInput(f"{kind.label} is measured in {', '.join(kind.units)}", field="unit")
    if kind.components:
        if value is not None or not components or set(components) != set(kind.components):
            raise InvalidInput(
                f"{kind.label} needs its components "
                f"{', '.join(kind.components)} and no single value",
                field="components",
            )
        parts = []
        for component, amount in components.items():
            _plausible(kind, kind.to_canonical(amount, unit), "components")
            parts.append(ComponentDoc(code=component, value=amount))
        systolic, diastolic = (components.get(c) for c in ("8480-6", "8462-4"))
        if systolic is not None and diastolic is not None and systolic <= diastolic:
            raise InvalidInput("the systolic pressure is above the diastolic", field="components")
        return None, parts
    if value is None or components:
        raise InvalidInput(f"{kind.label} needs a value", field="value")
    canonical = kind.to_canonical(value, unit)
    _plausible(kind, canonical, "value")
    return round(canonical, 4), []


async def record(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    *,
    code: str,
    unit: str,
    value: float | None,
    components: dict[str, float] | None,
    measured_at: datetime,
) -> MeasurementDoc:
    await open_patient(stores, clock, actor, patient_id, "measurement.recorded", write=True)
    canonical, parts = check(code, unit, value, components)
    now = clock.now()
    if measured_at.tzinfo is None:
        raise InvalidInput("measuredAt needs a time zone (or Z)", field="measuredAt")
    if measured_at > now + FUTURE_TOLERANCE:
        raise InvalidInput("measuredAt is in the future", field="measuredAt")
    author = await author_of(stores, actor)
    doc: MeasurementDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "code": code,
        "value": value,
        "unit": unit,
        "canonical_value": canonical,
        "components": parts,
        "measured_at": measured_at,
        "created_by": author,
        "created_at": now,
        "deleted_at": None,
    }
    await stores.measurements.insert(doc)
    await record_change(
        stores,
        at=now,
        patient_id=patient_id,
        target="measurement",
        target_id=doc["_id"],
        section="measurements",
        action="added",
        by=author,
        data={"code": code, "value": value, "unit": unit},
    )
    return doc


async def remove(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, measurement_id: str
) -> None:
    action, target = "measurement.removed", ("measurement", measurement_id)
    _, standing = await open_patient(
        stores, clock, actor, patient_id, action, write=True, target=target, trace_allowed=False
    )
    async with outcome_traced(
        stores, clock, actor, patient_id=patient_id, action=action, target=target,
        emergency=standing.emergency,
    ):  # fmt: skip
        await _remove(stores, clock, actor, patient_id, measurement_id)


async def _remove(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, measurement_id: str
) -> None:
    existing = await stores.measurements.get(measurement_id)
    if existing is None or existing["patient_id"] != patient_id or existing["deleted_at"]:
        raise NotFound("No such measurement.", field="measurementId")
    # the holder side (a person) removes any; an app or a professional only what it recorded
    if actor.kind is not ActorKind.PATIENT and not same_author(actor, existing["created_by"]):
        raise Forbidden("Only the holder or whoever recorded a measurement removes it.")
    now = clock.now()
    if await stores.measurements.remove(measurement_id, patient_id, now) is None:
        raise NotFound("No such measurement.", field="measurementId")
    await record_change(
        stores,
        at=now,
        patient_id=patient_id,
        target="measurement",
        target_id=measurement_id,
        section="measurements",
        action="removed",
        by=await author_of(stores, actor),
        data={"code": existing["code"], "value": existing["value"]},
    )


async def history(  # noqa: PLR0917 - a list's filters and page
    stores: Stores,
    patient_id: str,
    code: str | None,
    since: datetime | None,
    until: datetime | None,
    first: int | None,
    after: str | None,
) -> Counted[MeasurementDoc]:
    """A patient's measurements, newest first, by type and period (the caller's scope checked
    on the field: the profile's parent already opened the patient)."""
    query: dict[str, Any] = {"patient_id": patient_id, "deleted_at": None}
    if code is not None:
        query["code"] = kind_of(code).code
    period = {op: bound for op, bound in (("$gte", since), ("$lt", until)) if bound}
    if period:
        query["measured_at"] = period
    repo = stores.measurements
    page = await repo.find_page(
        query, sort_key="measured_at", first=page_size(first), after=decode_cursor(after)
    )
    return page, lambda: repo.count(query)
