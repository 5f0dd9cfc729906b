"""``@refusing``: the refusal becomes the domain's error result, and the traces written during
the mutation keep the outcome it really had (``one_attempt``), on the real MongoDB."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

import pytest
from starlette.applications import Starlette

from resolvers.core.audit import trace
from resolvers.core.errors import DomainError, Forbidden, NotFound
from schema.core.refusals import Refusal, refusing
from storage.audit import AccessEventDoc
from storage.ids import new_id
from storage.profile import AuthorDoc
from storage.stores import Stores
from tests.api.documents_support import stores_of
from tests.support import FakeClock

AUTHOR: AuthorDoc = {
    "kind": "professional",
    "id": "pro-1",
    "client_id": "client-1",
    "name": "Dr Test",
}


class TestError(Refusal):
    __test__ = False  # a result type, not a test class


async def _traces(stores: Stores, patient_id: str) -> list[AccessEventDoc]:
    page = await stores.access_events.page({"patient_id": patient_id}, first=10, after=None)
    return list(page.items)


def _mutation(
    stores: Stores, refusal: DomainError | None
) -> Callable[[str, str], Awaitable[str | TestError]]:
    @refusing(TestError)
    async def mutation(patient_id: str, document_id: str) -> str | TestError:
        await trace(
            stores, FakeClock(), AUTHOR, patient_id=patient_id, action="document.read",
            target=("document", document_id),
        )  # fmt: skip
        if refusal is not None:
            raise refusal
        return "done"

    return mutation


@pytest.mark.parametrize(
    ("refusal", "outcome", "code"),
    [
        (None, "allowed", None),
        (NotFound("No such document."), "denied", "NOT_FOUND"),
        (Forbidden("Not yours."), "denied", "FORBIDDEN"),
    ],
)
async def test_the_traces_keep_the_outcome_the_mutation_had(
    app: Starlette, refusal: DomainError | None, outcome: str, code: str | None
) -> None:
    stores, patient_id = stores_of(app), new_id()
    mutation = _mutation(stores, refusal)
    result = await mutation(patient_id, "doc-1")
    if code is None:
        assert result == "done"
    else:
        assert isinstance(result, TestError)
        assert (result.code, result.field) == (code, None)
    assert [event["outcome"] for event in await _traces(stores, patient_id)] == [outcome]


async def test_an_outage_is_not_a_refusal_result_and_its_traces_say_denied(app: Starlette) -> None:
    stores, patient_id = stores_of(app), new_id()

    @refusing(TestError)
    async def mutation() -> str | TestError:
        await trace(
            stores, FakeClock(), AUTHOR, patient_id=patient_id, action="document.read",
            target=("document", "doc-1"),
        )  # fmt: skip
        raise RuntimeError("MongoDB went away")

    with pytest.raises(RuntimeError):
        await mutation()
    assert [event["outcome"] for event in await _traces(stores, patient_id)] == ["denied"]


def test_strawberry_sees_the_resolvers_own_signature() -> None:
    async def resolver(self: object, patient_id: str, hidden: bool = False) -> str | TestError:
        return patient_id

    wrapped = refusing(TestError)(resolver)
    assert inspect.signature(wrapped) == inspect.signature(resolver)
    assert inspect.iscoroutinefunction(wrapped)
    assert wrapped.__annotations__ == resolver.__annotations__
