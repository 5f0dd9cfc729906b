"""What an agenda event is made of, checked: its kind, texts, timing and recurrence.

A timed event has a ``start`` (and an ``end``, else it lasts no time: a reminder); an all-day
event has a first ``date`` (and a last ``end_date``, inclusive). A start without an offset is a
wall-clock time in the event's ``time_zone`` (Europe/Paris unless said otherwise); one with an
offset is that instant. Instants are kept in UTC, to the second, beside the zone. A local time
that does not exist (02:30 the night clocks go forward) is read with the offset before the
change, as RFC 5545 does: it becomes 03:30. Every refusal names the input field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from resolvers.agenda.recurrence import Series, normalise, zone
from resolvers.core.errors import InvalidInput

KINDS = ("appointment", "reminder", "vaccination", "examination", "dental", "other")
DEFAULT_ZONE = "Europe/Paris"
MAX_TITLE = 200
MAX_NOTES = 2000
MAX_LOCATION = 300
MAX_DURATION = timedelta(days=31)
MAX_DAYS = 366
MAX_EXCEPTIONS = 500
YEARS = (1900, 2200)


@dataclass(frozen=True)
class EventInput:
    """An event as a client describes it (before any check)."""

    kind: str
    title: str
    start: datetime | None = None
    end: datetime | None = None
    day: date | None = None  # all-day events: the first day (`date`)
    last_day: date | None = None  # and the last one, inclusive (`endDate`)
    time_zone: str = DEFAULT_ZONE
    recurrence: str | None = None
    exceptions: tuple[datetime, ...] = ()
    notes: str | None = None
    location: str | None = None
    hidden_from_professionals: bool = False
    for_practice: bool = False


@dataclass(frozen=True)
class Timing:
    """When an event happens, as stored."""

    start: datetime  # UTC
    end: datetime  # UTC
    time_zone: str
    all_day: bool
    rrule: str | None
    exdates: list[datetime] = field(default_factory=list)
    series_end: datetime | None = None

    def series(self) -> Series:
        return Series.of(
            self.start, self.end, self.time_zone, self.all_day, self.rrule, self.exdates
        )


def text(value: str | None, name: str, limit: int, *, required: bool = False) -> str | None:
    """``value`` stripped; ``None`` when blank (refused when ``required``)."""
    stripped = (value or "").strip()
    if not stripped:
        if required:
            raise InvalidInput(f"{name} is required", field=name)
        return None
    if len(stripped) > limit:
        raise InvalidInput(f"{name} is at most {limit} characters", field=name)
    return stripped


def kind(value: str) -> str:
    if value not in KINDS:
        raise InvalidInput(f"kind is one of {', '.join(KINDS)}", field="kind")
    return value


def instant(value: datetime, tz: ZoneInfo, name: str) -> datetime:
    """``value`` in UTC, to the second; without an offset it is a wall-clock time in ``tz``."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=tz)
    result = aware.astimezone(UTC).replace(microsecond=0)
    if not YEARS[0] <= result.year <= YEARS[1]:
        raise InvalidInput(f"{name} is not between {YEARS[0]} and {YEARS[1]}", field=name)
    return result


def _midnight(day: date, tz: ZoneInfo, name: str) -> datetime:
    return instant(datetime.combine(day, time(), tzinfo=tz), tz, name)


def _timed(given: EventInput, tz: ZoneInfo) -> tuple[datetime, datetime, bool]:
    assert given.start is not None  # noqa: S101 - checked by the caller
    if given.last_day is not None:
        raise InvalidInput("endDate is for all-day events (with date)", field="endDate")
    start = instant(given.start, tz, "start")
    end = start if given.end is None else instant(given.end, tz, "end")
    if end < start:
        raise InvalidInput("end is before start", field="end")
    if end - start > MAX_DURATION:
        raise InvalidInput(f"an event lasts at most {MAX_DURATION.days} days", field="end")
    return start, end, False


def _all_day(given: EventInput, tz: ZoneInfo) -> tuple[datetime, datetime, bool]:
    first = given.day
    assert first is not None  # noqa: S101 - checked by the caller
    if given.end is not None:
        raise InvalidInput("end is for timed events (with start); use endDate", field="end")
    last = given.last_day or first
    if last < first:
        raise InvalidInput("endDate is before date", field="endDate")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"an all-day event lasts at most {MAX_DAYS} days", field="endDate")
    start = _midnight(first, tz, "date")
    return start, _midnight(last + timedelta(days=1), tz, "endDate"), True


def timing(given: EventInput) -> Timing:
    """The checked timing of ``given``: instants, zone, rule and cancelled occurrences."""
    tz = zone(given.time_zone)
    if (given.start is None) == (given.day is None):
        raise InvalidInput("give either start (a timed event) or date (all day)", field="start")
    start, end, all_day = _timed(given, tz) if given.start is not None else _all_day(given, tz)
    rule = normalise(given.recurrence, tz, all_day=all_day) if given.recurrence else None
    plain = Timing(start, end, given.time_zone, all_day, rule)
    series = plain.series()  # parses the rule: refused unless the start is its first occurrence
    exdates = _exceptions(given, tz, series)
    checked = Timing(start, end, given.time_zone, all_day, rule, exdates)
    return Timing(
        start, end, given.time_zone, all_day, rule, exdates, checked.series().series_end()
    )


def _exceptions(given: EventInput, tz: ZoneInfo, series: Series) -> list[datetime]:
    if not given.exceptions:
        return []
    if series.rule is None:
        raise InvalidInput("only a recurring event has exceptions", field="exceptions")
    if len(given.exceptions) > MAX_EXCEPTIONS:
        raise InvalidInput(f"at most {MAX_EXCEPTIONS} exceptions", field="exceptions")
    exdates = sorted({instant(value, tz, "exceptions") for value in given.exceptions})
    for exdate in exdates:
        if not series.has_occurrence(exdate):
            raise InvalidInput(
                f"{exdate.isoformat()} is not the start of an occurrence", field="exceptions"
            )
    return exdates
