"""Who is asking: the actor a verified access token stands for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ActorKind(StrEnum):
    PATIENT = "patient"  # the holder of a space (or a legal representative acting for them)
    PROFESSIONAL = "professional"  # a health professional, through their practice software
    APP = "app"  # a catalogue app acting for the patient who paired it
    OPERATOR = "operator"  # the insurer, catalogue administrators, support: client credentials


@dataclass(frozen=True, slots=True)
class Actor:
    """The subject of a request, as its access token says.

    ``id`` is the patient's or professional's id; for an app it is the patient it acts for; for
    an operator it is the client id.
    """

    kind: ActorKind
    id: str
    client_id: str
    scopes: frozenset[str]
    token_id: str | None = None
    rpps: str | None = None
    profession_code: str | None = None
    expires_at: datetime | None = None  # when the token stops being valid (long-lived sockets)

    def missing_scopes(self, required: Iterable[str]) -> list[str]:
        return [scope for scope in required if scope not in self.scopes]
