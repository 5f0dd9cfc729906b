"""The executor's plain-field path (schema/extensions/executor.py) answers exactly what
graphql-core's own executor answers, errors and their paths included, while skipping its per-field
machinery."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from enum import Enum
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import FieldNode, GraphQLObjectType
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.core.actors import Actor, ActorKind
from schema.core.permissions import scoped
from schema.extensions.executor import ServiceExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    colour: Colour
    at: datetime
    count: int | None

    @strawberry.field
    def shout(self) -> str:  # a resolver among plain fields
        return "hey"


@strawberry.type
class Item:
    id: strawberry.ID
    leaf: Leaf
    maybe: Leaf | None
    leaves: list[Leaf]


AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def leaf(name: str, count: object = 3) -> Leaf:
    value = Leaf(name=name, colour=Colour.BLUE, at=AT, count=None)
    value.count = count  # type: ignore[assignment] # a wrong value, on purpose, in some tests
    return value


def later() -> asyncio.Future[str]:
    ready = asyncio.get_running_loop().create_future()
    ready.set_result("awaited")
    return ready


def items() -> list[Item]:
    broken = leaf("broken")
    broken.name = None  # type: ignore[assignment] # null in a non-null field
    wrong = leaf("wrong", count={"not": "an int"})
    pending = leaf("pending")
    pending.name = later()  # type: ignore[assignment] # an awaitable where a value is expected
    missing = leaf("missing")
    del missing.colour
    return [
        Item(id=strawberry.ID("1"), leaf=leaf("a"), maybe=None, leaves=[leaf("b"), leaf("c")]),
        Item(id=strawberry.ID("2"), leaf=leaf("d"), maybe=broken, leaves=[wrong]),
        Item(id=strawberry.ID("3"), leaf=pending, maybe=missing, leaves=[]),
        Item(id=strawberry.ID("4"), leaf=broken, maybe=leaf("e"), leaves=[leaf("f")]),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return list(items())

    @strawberry.field
    async def later_items(self) -> list[Item | None]:
        await asyncio.sleep(0)
        return list(items())


QUERY = """
fragment Leafy on Leaf { name colour at count shout }
query($ask: Boolean!) {
  items { id leaf { ...Leafy } maybe { ...Leafy } leaves { name count } }
  laterItems { id again: id leaf @include(if: $ask) { name } maybe { colour at } }
}
"""


class Infos:
    """Counts the info objects graphql-core builds: one per field through its own path."""

    built = 0

    def build_resolve_info(
        self,
        field_def: Any,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> Any:
        Infos.built += 1
        return super().build_resolve_info(  # type: ignore[misc]
            field_def, field_nodes, parent_type, path
        )


class CountingOurs(Infos, ServiceExecutor):
    pass


class CountingTheirs(Infos, StrawberryGraphQLCoreExecutionContext):
    pass


def run(executor: type[StrawberryGraphQLCoreExecutionContext]) -> Awaitable[Any]:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)
    return schema.execute(QUERY, variable_values={"ask": True})


def errors_of(result: Any) -> list[tuple[str, list[str | int] | None]]:
    return sorted((e.message, e.path) for e in result.errors or [])


async def test_the_plain_path_answers_what_graphql_core_answers_errors_included() -> None:
    ours, theirs = await run(ServiceExecutor), await run(StrawberryGraphQLCoreExecutionContext)
    assert ours.data == theirs.data
    assert errors_of(ours) == errors_of(theirs)
    assert ours.data is not None
    first = ours.data["items"][0]
    assert first["leaf"] == {
        "name": "a", "colour": "BLUE", "at": AT.isoformat(), "count": 3, "shout": "hey",
    }  # fmt: skip
    assert ours.data["items"][2]["leaf"]["name"] == "awaited"  # an awaitable still awaited


async def test_errors_are_located_and_nulls_propagate_as_the_spec_says() -> None:
    result = await run(ServiceExecutor)
    assert result.data is not None
    by_path = {tuple(e.path or ()): e.message for e in result.errors or []}
    # a null in a non-null leaf nulls its nullable parent (maybe), or the whole item (leaf!)
    assert by_path[("items", 1, "maybe", "name")].startswith("Cannot return null")
    assert result.data["items"][1]["maybe"] is None
    assert ("items", 3, "leaf", "name") in by_path
    assert result.data["items"][3] is None
    # a value that cannot be serialised, and an attribute that is not there
    assert "Int cannot represent" in by_path[("items", 1, "leaves", 0, "count")]
    assert ("items", 2, "maybe", "colour") in by_path
    assert result.data["items"][2]["maybe"] is None


async def test_plain_fields_skip_graphql_cores_per_field_machinery() -> None:
    Infos.built = 0
    await run(CountingTheirs)
    theirs, Infos.built = Infos.built, 0
    await run(CountingOurs)
    # resolvers get an info object (items, laterItems, each `shout`), and so does the
    # awaitable left where a value was expected; the plain fields do not
    assert theirs > 60
    assert Infos.built <= 10


@pytest.mark.parametrize("name", ["leaf", "maybe"])
async def test_a_plain_field_skipped_by_a_directive_is_not_answered(name: str) -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=ServiceExecutor)
    query = "query($ask: Boolean!) { items { id NAME @include(if: $ask) { name } } }"
    query = query.replace("NAME", name)
    result = await schema.execute(query, variable_values={"ask": False})
    assert result.data is not None
    assert result.data["items"] == [{"id": "1"}, {"id": "2"}, {"id": "3"}, {"id": "4"}]


# A resolver-less field guarded by a scope: Strawberry marks it as a default-resolver field,
# like a plain one, yet its permission extension must run (issue 16, item 9).


@strawberry.type
class Guarded:
    code: str | None = strawberry.field(extensions=[scoped("documents:read")])
    leaf: Leaf | None = strawberry.field(extensions=[scoped("documents:read")])
    open: str = "open"


@strawberry.type
class GuardedQuery:
    @strawberry.field
    def guarded(self) -> Guarded:
        return Guarded(code="s3cret", leaf=leaf("hidden"))


def actor(*scopes: str) -> Actor:
    return Actor(ActorKind.PATIENT, "p1", "client", frozenset(scopes))


ANONYMOUS, UNSCOPED, SCOPED = None, actor("profile:read"), actor("documents:read")


@pytest.mark.parametrize(
    ("who", "field", "expected", "code"),
    [
        (ANONYMOUS, "code", None, "UNAUTHENTICATED"),
        (UNSCOPED, "code", None, "INSUFFICIENT_SCOPE"),
        (SCOPED, "code", "s3cret", None),
        (ANONYMOUS, "leaf { name }", None, "UNAUTHENTICATED"),
        (UNSCOPED, "leaf { name }", None, "INSUFFICIENT_SCOPE"),
        (SCOPED, "leaf { name }", {"name": "hidden"}, None),
    ],
)
async def test_a_resolver_less_field_keeps_its_scope_check(
    who: Actor | None, field: str, expected: object, code: str | None
) -> None:
    query = "{ guarded { open " + field + " } }"
    name = field.split(maxsplit=1)[0]
    answers = []
    for executor in (ServiceExecutor, StrawberryGraphQLCoreExecutionContext):
        schema = strawberry.Schema(query=GuardedQuery, execution_context_class=executor)
        context = SimpleNamespace(actor=who)
        answers.append(await schema.execute(query, context_value=context))
    ours, theirs = answers
    assert ours.data == theirs.data == {"guarded": {"open": "open", name: expected}}
    codes = [getattr(error.original_error, "code", None) for error in ours.errors or []]
    assert codes == ([] if code is None else [code])
    assert errors_of(ours) == errors_of(theirs)
