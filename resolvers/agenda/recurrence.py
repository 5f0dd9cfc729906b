"""Recurring events: the RFC 5545 rules the agenda accepts, and their occurrences in a range.

Occurrences are computed in the event's own time zone (python-dateutil over ``zoneinfo``), so a
weekly 09:00 Europe/Paris event stays at 09:00 local time across a daylight-saving change and
its UTC instant moves by an hour. Everything here is pure: no store, no clock.

The accepted grammar is RFC 5545's RRULE restricted to what an agenda needs, so that every rule
has a first occurrence within a few years and expanding one stays cheap:

- ``FREQ`` is DAILY, WEEKLY, MONTHLY or YEARLY (nothing repeats more than daily, apart from at
  most 12 times a day with ``BYHOUR``/``BYMINUTE``);
- parts: ``INTERVAL`` (1–999), ``COUNT`` (1–1000) or ``UNTIL``, ``BYDAY``, ``BYMONTHDAY`` (in
  MONTHLY and YEARLY rules), ``BYMONTH``, ``BYHOUR``, ``BYMINUTE``, ``WKST``; no ``BYSECOND``,
  ``BYYEARDAY``, ``BYWEEKNO``, ``BYSETPOS``: dateutil searches for a rule's next match until
  the year 9999, so rules that may match rarely or never would let a request occupy a server;
- the start must be the rule's first occurrence (RFC 5545 3.8.5.3: DTSTART synchronised);
- ``UNTIL`` is stored in UTC; a date or a local time is read in the event's zone.
"""

from __future__ import annotations

import re
from calendar import isleap, monthrange
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rruleset, rrulestr

from resolvers.core.errors import InvalidInput

FIELD = "recurrence"
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR"}
    | {"BYMINUTE", "WKST"}
)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_COUNT = 1000
MAX_INTERVAL = 999
MAX_PER_DAY = 12
MONTH_LENGTHS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: leap years count
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str, *, field: str = "timeZone") -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Paris``, ``America/Cayenne``…)."""
    if name not in _zone_names():
        raise InvalidInput(f"{name!r} is not an IANA time zone (e.g. Europe/Paris)", field=field)
    return ZoneInfo(name)


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(f"recurrence: {message}", field=FIELD)


def _integers(
    parts: dict[str, str], key: str, low: int, high: int, *, single: bool = False
) -> list[int]:
    if key not in parts:
        return []
    try:
        values = [int(item) for item in parts[key].split(",")]
        if single and len(values) > 1:
            raise ValueError(key)
    except ValueError:
        shape = "an integer" if single else "a comma-separated list of integers"
        raise _invalid(f"{key} is {shape}") from None
    if any(not low <= value <= high or (value == 0 and low < 0) for value in values):
        raise _invalid(f"{key} values are between {low} and {high}")
    return values


def _weekdays(parts: dict[str, str], freq: str, months: list[int]) -> list[int]:
    """The ordinals of ``BYDAY`` (0 where none), once each day is checked."""
    ordinals: list[int] = []
    if "BYDAY" not in parts:
        return ordinals
    for item in parts["BYDAY"].split(","):
        found = _BYDAY.match(item)
        if found is None:
            raise _invalid(f"BYDAY {item!r} is not a weekday (MO…SU, optionally numbered)")
        ordinal = int(found.group(1) or 0)
        limit = 52 if freq == "YEARLY" and not months else 5
        if ordinal and (freq not in ("MONTHLY", "YEARLY") or not 1 <= abs(ordinal) <= limit):
            raise _invalid(f"BYDAY {item!r}: a numbered weekday is ±1 to ±{limit}, in MONTHLY "
                           "or YEARLY rules")  # fmt: skip
        ordinals.append(ordinal)
    return ordinals


def _until(value: str, tz: ZoneInfo) -> str:
    found = _UNTIL.match(value)
    if found is None:
        raise _invalid("UNTIL is a date (20261231) or a date-time (20261231T235959Z)")
    day, time, utc = found.groups()
    try:
        if time is None:  # a date: until the end of that day, in the event's zone
            local = datetime.strptime(day, "%Y%m%d").replace(tzinfo=tz) + timedelta(days=1)
            instant = local.astimezone(UTC) - timedelta(seconds=1)
        else:
            parsed = datetime.strptime(day + time, "%Y%m%d%H%M%S")
            instant = parsed.replace(tzinfo=UTC if utc else tz).astimezone(UTC)
    except ValueError:
        raise _invalid(f"UNTIL {value!r} is not a date") from None
    return instant.strftime("%Y%m%dT%H%M%SZ")


def _split(text: str) -> dict[str, str]:
    raw = text.strip()
    if raw.upper().startswith("RRULE:"):
        raw = raw[len("RRULE:") :]
    if not raw or "\n" in raw or "\r" in raw:
        raise _invalid("one RRULE value is expected, e.g. FREQ=WEEKLY;BYDAY=MO")
    parts: dict[str, str] = {}
    for item in raw.split(";"):
        key, sep, value = item.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value or key in parts:
            raise _invalid(f"{item!r} is not a NAME=value part (once each)")
        parts[key] = value
    unknown = sorted(set(parts) - PARTS)
    if unknown:
        raise _invalid(f"{', '.join(unknown)} is not accepted in an agenda recurrence")
    return parts


def normalise(text: str, tz: ZoneInfo, *, all_day: bool) -> str:
    """The rule, checked against the agenda's grammar, ``FREQ`` first, ``UNTIL`` in UTC."""
    parts = _split(text)
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        raise _invalid(f"FREQ={freq or ''}: an agenda event repeats at most daily "
                       f"({', '.join(FREQUENCIES)})")  # fmt: skip
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid("COUNT and UNTIL cannot both be given (RFC 5545)")
    _integers(parts, "INTERVAL", 1, MAX_INTERVAL, single=True)
    _integers(parts, "COUNT", 1, MAX_COUNT, single=True)
    hours = _integers(parts, "BYHOUR", 0, 23)
    minutes = _integers(parts, "BYMINUTE", 0, 59)
    if all_day and (hours or minutes):
        raise _invalid("an all-day event has no BYHOUR or BYMINUTE")
    if max(len(hours), 1) * max(len(minutes), 1) > MAX_PER_DAY:
        raise _invalid(f"at most {MAX_PER_DAY} times a day (BYHOUR × BYMINUTE)")
    months = _integers(parts, "BYMONTH", 1, 12)
    monthdays = _integers(parts, "BYMONTHDAY", -31, 31)
    ordinals = _weekdays(parts, freq, months)
    if monthdays and freq in ("DAILY", "WEEKLY"):
        raise _invalid("BYMONTHDAY goes with MONTHLY or YEARLY rules")  # WEEKLY: RFC 5545
    if monthdays and any(ordinals):
        raise _invalid("a numbered BYDAY cannot be combined with BYMONTHDAY")
    lengths = [MONTH_LENGTHS[month - 1] for month in months or range(1, 13)]
    if monthdays and not any(abs(day) <= length for day in monthdays for length in lengths):
        raise _invalid("BYMONTHDAY never falls in the months of BYMONTH")
    if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
        raise _invalid("WKST is a weekday (MO…SU)")
    if "UNTIL" in parts:
        parts["UNTIL"] = _until(parts["UNTIL"], tz)
    return ";".join(f"{key}={value}" for key, value in sorted(parts.items(), key=_freq_first))


def _freq_first(item: tuple[str, str]) -> tuple[bool, str]:
    return item[0] != "FREQ", item[0]


def parse(rule: str, local_start: datetime) -> rrule:
    """The dateutil rule of a normalised ``rule`` starting at ``local_start`` (aware, in the
    event's zone); refused unless ``local_start`` is its first occurrence."""
    try:
        parsed = rrulestr(rule, dtstart=local_start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise _invalid(f"not a valid RRULE ({error})") from None
    if not isinstance(parsed, rrule):
        raise _invalid("one RRULE value is expected")
    # checked on the start itself first: dateutil would search for a first match until 9999
    first = next(iter(parsed), None) if _satisfies(_split(rule), local_start) else None
    if first != local_start:
        raise _invalid("the start must be the rule's first occurrence (e.g. a Monday for "
                       "BYDAY=MO)")  # fmt: skip
    return parsed


def _nth(day: int, length: int) -> tuple[int, int]:
    """Which weekday of its month (year) a day is, counted from the start and from the end."""
    return (day - 1) // 7 + 1, -((length - day) // 7 + 1)


def _satisfies(parts: dict[str, str], start: datetime) -> bool:
    """Whether ``start`` passes the rule's BY filters: it is then the rule's first occurrence
    (RFC 5545 3.3.10), found at once; otherwise no search is needed to refuse the rule."""
    month_length = monthrange(start.year, start.month)[1]
    checks: dict[str, Callable[[str], bool]] = {
        "BYMONTH": lambda v: int(v) == start.month,
        "BYMONTHDAY": lambda v: int(v) in (start.day, start.day - month_length - 1),
        "BYHOUR": lambda v: int(v) == start.hour,
        "BYMINUTE": lambda v: int(v) == start.minute,
    }
    for key, check in checks.items():
        if key in parts and not any(check(value) for value in parts[key].split(",")):
            return False
    if "BYDAY" not in parts:
        return True
    in_year = parts["FREQ"] == "YEARLY" and "BYMONTH" not in parts
    year_day = start.timetuple().tm_yday
    year_length = 366 if isleap(start.year) else 365
    nth = _nth(year_day, year_length) if in_year else _nth(start.day, month_length)
    weekday = WEEKDAYS[start.weekday()]
    for item in parts["BYDAY"].split(","):
        found = _BYDAY.match(item)
        if found and found.group(2) == weekday and int(found.group(1) or 0) in (0, *nth):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: datetime  # in the event's zone


@dataclass(frozen=True)
class Series:
    """An event's occurrences: one, or those of its rule less the cancelled ones.

    A timed event's occurrences all last the first one's exact duration; an all-day event's
    last the same number of calendar days (RFC 5545 3.8.5.3)."""

    local_start: datetime  # aware, in the event's zone
    duration: timedelta  # exact (timed events)
    days: int  # calendar days (all-day events)
    all_day: bool
    rule: rrule | None = None
    exdates: tuple[datetime, ...] = ()
    until: datetime | None = None  # the rule's UNTIL
    count: int | None = None  # the rule's COUNT

    @classmethod
    def of(  # noqa: PLR0917 - an event's timing, as stored
        cls,
        start: datetime,
        end: datetime,
        time_zone: str,
        all_day: bool,
        rule: str | None,
        exdates: list[datetime] | tuple[datetime, ...] = (),
    ) -> Series:
        tz = zone(time_zone)
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        days = (local_end.date() - local_start.date()).days
        if not rule:
            return cls(local_start, end - start, days, all_day, None, tuple(exdates))
        parts = _split(rule)
        until = parts.get("UNTIL")
        return cls(
            local_start, end - start, days, all_day, parse(rule, local_start), tuple(exdates),
            datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if until else None,
            int(parts["COUNT"]) if "COUNT" in parts else None,
        )  # fmt: skip

    def end_of(self, local_start: datetime) -> datetime:
        if self.all_day:  # wall-clock arithmetic within one zone: midnight stays midnight
            return (local_start + timedelta(days=self.days)).astimezone(UTC)
        return local_start.astimezone(UTC) + self.duration

    @property
    def span(self) -> timedelta:
        """An upper bound of any occurrence's length."""
        return max(self.duration, timedelta(days=self.days, hours=1))

    def series_end(self) -> datetime | None:
        """An upper bound of the last occurrence's end; ``None`` when the rule never ends."""
        if self.rule is None:
            return self.end_of(self.local_start)
        if self.until is not None:
            return self.until + self.span
        if self.count is not None:
            return self.end_of(list(self.rule)[-1])
        return None

    def _starts(self, after: datetime) -> Iterator[datetime]:
        if self.rule is None:
            if self.local_start >= after:
                yield self.local_start
            return
        rules = rruleset()
        rules.rrule(self.rule)
        for exdate in self.exdates:
            rules.exdate(exdate)
        yield from rules.xafter(after, inc=True)

    def occurrences(self, since: datetime, until: datetime) -> Iterator[Occurrence]:
        """Occurrences that overlap [since, until) (or, lasting no time, start in it), in
        order of start."""
        for local in self._starts(since - self.span):
            start = local.astimezone(UTC)
            if start >= until:
                return
            end = self.end_of(local)
            if end > since or start >= since:
                yield Occurrence(start, end, local)

    def has_occurrence(self, start: datetime) -> bool:
        """Whether an occurrence (cancelled ones excepted) starts at the instant ``start``."""
        return any(o.start == start for o in self.occurrences(start, start + timedelta(seconds=1)))
