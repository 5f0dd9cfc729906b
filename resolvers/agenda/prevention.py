"""Personalised prevention messages (R1111-27 5°b): the forecast entries due today, each with
why it was sent ("Vous avez 25 ans et le rappel dTcaP est recommandé à 25 ans"), by category.

A pure function of the birth date, the day and the patient's choices: a switched-off category
produces nothing, nor does an entry dismissed or already accepted into the agenda.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from resolvers.agenda.schedule import ForecastCalendar, ForecastEntry, age_on, due_on


@dataclass(frozen=True, slots=True)
class PreventionMessage:
    entry: ForecastEntry
    text: str  # what
    reason: str  # why it was sent

    @property
    def id(self) -> str:
        """Stable for as long as the entry is due: clients show each message once."""
        return f"{self.entry.id}:{self.entry.due_from.isoformat()}"


def why(entry: ForecastEntry, birth: date, today: date, first_name: str | None) -> str:
    """Why the message was sent, to the patient (``first_name`` ``None``) or to the parent or
    guardian reading it for them."""
    age = age_on(birth, today).label()
    subject = f"{first_name} a" if first_name else "Vous avez"
    return f"{subject} {age} et {entry.reason}."


def messages(  # noqa: PLR0917 - the facts a message depends on
    birth: date,
    today: date,
    first_name: str | None,
    switched_off: Collection[str],
    settled: Collection[str],
    schedule: ForecastCalendar | None = None,
) -> list[PreventionMessage]:
    """The messages due on ``today``, mandatory ones first. ``settled``: entry ids dismissed or
    accepted into the agenda."""
    due = [
        entry
        for entry in due_on(birth, today, schedule)
        if entry.category not in switched_off and entry.id not in settled
    ]
    due.sort(key=lambda entry: (not entry.mandatory, entry.due_until, entry.id))
    return [
        PreventionMessage(
            entry,
            f"{entry.title} — {entry.when}, avant le {entry.due_until.strftime('%d/%m/%Y')}.",
            why(entry, birth, today, first_name),
        )
        for entry in due
    ]
