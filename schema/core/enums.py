"""Python enums of the use cases, registered once as GraphQL enums."""

from __future__ import annotations

import strawberry

from resolvers.core.actors import ActorKind

strawberry.enum(ActorKind, name="ActorKind", description="What kind of actor a token stands for.")

__all__ = ["ActorKind"]
