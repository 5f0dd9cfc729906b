"""The forecast calendar (R1111-27 5°b): the French vaccination schedule, the 20 mandatory
examinations of the child and the dental check-ups, as data (``data/forecast_calendar.toml``),
turned into dated entries from a birth date by pure functions.

Nothing is stored per patient: the entries follow from the birth date and the shipped data, so a
new schedule reaches everyone by a release, and a corrected birth date corrects the forecast.
Only the patient's decisions are stored (entries dismissed, entries accepted as events).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from dateutil.relativedelta import relativedelta

CATEGORIES = ("vaccination", "child-examination", "dental")
EVENT_KINDS = {"vaccination": "vaccination", "child-examination": "examination", "dental": "dental"}
_AGE = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?$")
FIELDS = {"id", "category", "title", "when", "from", "to", "every", "last", "mandatory"}
FIELDS |= {"source", "reason"}


class ForecastCalendarError(ValueError):
    """The calendar data is malformed (a bug of the shipped file, found at load)."""


@dataclass(frozen=True, slots=True, order=True)
class Age:
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Age:
        found = _AGE.match(text)
        if not text or found is None:
            raise ForecastCalendarError(f"{text!r} is not an age (8d, 2w, 11m, 6y, 11y6m)")
        years, months, weeks, days = (int(part or 0) for part in found.groups())
        return cls(years, months, weeks * 7 + days)

    def on(self, birth: date) -> date:
        """The day someone born on ``birth`` reaches this age."""
        return birth + relativedelta(years=self.years, months=self.months, days=self.days)

    def __add__(self, other: Age) -> Age:
        return Age(self.years + other.years, self.months + other.months, self.days + other.days)

    def label(self) -> str:
        """In French, as people say it: 8 jours, 2 mois, 16 mois, 25 ans."""
        if self.years:
            return f"{self.years} ans" + (f" {self.months} mois" if self.months else "")
        if self.months:
            return f"{self.months} mois"
        if self.days >= 14:
            return f"{self.days // 7} semaines"
        return f"{self.days} jour{'s' if self.days > 1 else ''}"


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of the data file: an entry, or a repeated one (``every`` up to ``last``)."""

    id: str
    category: str
    title: str
    when: str
    start: Age
    end: Age
    mandatory: bool
    source: Source
    reason: str
    every: Age | None = None
    last: Age | None = None

    def ages(self) -> Iterator[Age]:
        """The ages each repetition starts at (one when the rule does not repeat)."""
        age = self.start
        yield age
        if self.every is None or self.last is None:
            return
        while (age := age + self.every) <= self.last:
            yield age


@dataclass(frozen=True, slots=True)
class ForecastEntry:
    """A proposal for one person: what, when it is due, and why."""

    id: str  # the rule's id; with "@<age>" for a repetition (influenza@70y)
    category: str
    title: str
    when: str
    age: Age  # when the window opens
    due_from: date
    due_until: date  # exclusive
    mandatory: bool
    source: Source
    reason: str  # completes "Vous avez … et …"

    @property
    def event_kind(self) -> str:
        return EVENT_KINDS[self.category]


@dataclass(frozen=True)
class ForecastCalendar:
    version: str
    rules: tuple[Rule, ...]

    def entries(self, birth: date) -> Iterator[ForecastEntry]:
        """Every entry of a life, rule by rule."""
        for rule in self.rules:
            repeated = rule.every is not None
            length = (rule.start, rule.end)
            for age in rule.ages():
                shift = Age(age.years - length[0].years, age.months - length[0].months,
                            age.days - length[0].days)  # fmt: skip
                suffix = f"@{age.years}y" if repeated else ""
                yield ForecastEntry(
                    id=rule.id + suffix, category=rule.category, title=rule.title,
                    when=rule.when, age=age, due_from=age.on(birth),
                    due_until=(rule.end + shift).on(birth), mandatory=rule.mandatory,
                    source=rule.source, reason=rule.reason.replace("{age}", age.label()),
                )  # fmt: skip


def _rule(raw: dict[str, Any], sources: dict[str, Source], seen: set[str]) -> Rule:
    unknown = set(raw) - FIELDS
    ident = raw.get("id")
    if unknown or not isinstance(ident, str) or not ident or ident in seen or "@" in ident:
        raise ForecastCalendarError(f"entry {ident!r}: a unique id, no unknown field {unknown}")
    seen.add(ident)
    if raw.get("category") not in CATEGORIES or raw.get("source") not in sources:
        raise ForecastCalendarError(f"entry {ident}: unknown category or source")
    texts = [raw.get(key) for key in ("title", "when", "reason")]
    if not all(isinstance(value, str) and value for value in texts):
        raise ForecastCalendarError(f"entry {ident}: title, when and reason are required")
    start, end = Age.parse(str(raw.get("from", ""))), Age.parse(str(raw.get("to", "")))
    every = Age.parse(raw["every"]) if "every" in raw else None
    last = Age.parse(raw["last"]) if "last" in raw else None
    if (every is None) != (last is None) or not isinstance(raw.get("mandatory"), bool):
        raise ForecastCalendarError(f"entry {ident}: every and last go together; mandatory")
    reference = date(2000, 1, 31)  # windows must not be empty, whatever the birth date
    if end.on(reference) <= start.on(reference) or (last is not None and last < start):
        raise ForecastCalendarError(f"entry {ident}: an empty window")
    title, when, reason = (str(value) for value in texts)
    return Rule(ident, raw["category"], title, when, start, end, raw["mandatory"],
                sources[raw["source"]], reason, every, last)  # fmt: skip


def parse_calendar(text: str) -> ForecastCalendar:
    """The calendar in ``text`` (TOML), checked; ``ForecastCalendarError`` otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ForecastCalendarError(f"not TOML: {error}") from error
    sources = {
        key: Source(key, str(value["title"]), str(value["url"]))
        for key, value in data.get("sources", {}).items()
    }
    seen: set[str] = set()
    rules = tuple(_rule(raw, sources, seen) for raw in data.get("entry", []))
    return ForecastCalendar(str(data.get("version", "")), rules)


@cache
def calendar() -> ForecastCalendar:
    """The shipped calendar, loaded once per process."""
    text = files("resolvers").joinpath("data", "forecast_calendar.toml").read_text("utf-8")
    return parse_calendar(text)


def forecast(
    birth: date, *, since: date, until: date, schedule: ForecastCalendar | None = None
) -> list[ForecastEntry]:
    """The entries due at some point in [since, until), by due date then id."""
    entries = (schedule or calendar()).entries(birth)
    chosen = [e for e in entries if e.due_from < until and e.due_until > since]
    return sorted(chosen, key=lambda e: (e.due_from, e.id))


def due_on(birth: date, day: date, schedule: ForecastCalendar | None = None) -> list[ForecastEntry]:
    """The entries whose window contains ``day``."""
    return forecast(birth, since=day, until=day + relativedelta(days=1), schedule=schedule)


def entry(birth: date, entry_id: str) -> ForecastEntry | None:
    """The entry ``entry_id`` of someone born on ``birth``, whenever it is due."""
    return next((e for e in calendar().entries(birth) if e.id == entry_id), None)


def age_on(birth: date, day: date) -> Age:
    """How old someone born on ``birth`` is on ``day``, in the unit people use at that age:
    days then weeks (as days) under 2 months, months under 2 years, years after."""
    delta = relativedelta(day, birth)
    if delta.years >= 2:
        return Age(years=delta.years)
    months = delta.years * 12 + delta.months
    if months >= 2:
        return Age(months=months)
    return Age(days=(day - birth).days)
