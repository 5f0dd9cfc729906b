"""A patient's choice of news (emails telling her something new is in her space): read and set
per channel and per kind, by the holder or a legal representative (docs/notifications.md)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from resolvers.spaces import news_choices
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import refusing
from schema.spaces.types import SpaceError


@strawberry.enum(description="How news reaches the patient. Email only today; SMS or push later.")
class NotificationChannel(Enum):
    EMAIL = "email"


@strawberry.enum(description="What the patient is told of (never what it is: no health data).")
class NotificationKind(Enum):
    DOCUMENT = "document"
    MESSAGE = "message"
    EMERGENCY_ACCESS = "emergency_access"
    DOCUMENT_RELEASED = "document_released"


@strawberry.type(description="Whether one kind of news is sent on one channel (default: on).")
class NotificationPreference:
    channel: NotificationChannel
    kind: NotificationKind
    enabled: bool


@strawberry.type(description="The patient's choices after the change.")
class NotificationPreferences:
    patient_id: strawberry.ID
    preferences: list[NotificationPreference]


NotificationPreferencesResult: TypeAlias = Annotated[
    NotificationPreferences | SpaceError, strawberry.union("NotificationPreferencesResult")
]


def _listed(choices: list[news_choices.Choice]) -> list[NotificationPreference]:
    return [
        NotificationPreference(
            channel=NotificationChannel(c.channel), kind=NotificationKind(c.kind), enabled=c.enabled
        )
        for c in choices
    ]


@strawberry.type
class NewsQuery:
    @strawberry.field(
        extensions=[scoped("space:manage")],
        description="The news the patient chose to receive, per channel and kind.",
    )
    async def notification_preferences(
        self, info: Info, patient_id: strawberry.ID
    ) -> list[NotificationPreference] | None:
        return _listed(await info.context.cases.run(news_choices.choices, patient_id))


@strawberry.type
class NewsMutations:
    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="Turn one kind of news on or off on one channel.",
    )
    @refusing(SpaceError)
    async def set_notification_preference(
        self,
        info: Info,
        patient_id: strawberry.ID,
        channel: NotificationChannel,
        kind: NotificationKind,
        enabled: bool,
    ) -> NotificationPreferencesResult | None:
        choices = await info.context.cases.run(
            news_choices.choose, patient_id, channel.value, kind.value, enabled
        )
        return NotificationPreferences(patient_id=patient_id, preferences=_listed(choices))
