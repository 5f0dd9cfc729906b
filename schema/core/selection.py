"""What a query asks for below a field, so that a parent fetches in one go what its children
will read (instead of a resolver, and a round of awaiting, per item)."""

from __future__ import annotations

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection


def selects(info: Info, name: str) -> bool:
    """Whether a field called ``name`` (its GraphQL name) is asked for anywhere below the
    current field, through fragments too. ``@skip``/``@include`` are not weighed: at worst,
    something is fetched for nothing."""
    pending: list[Selection] = []
    for field in info.selected_fields:
        pending.extend(field.selections)
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        pending.extend(selection.selections)
    return False
