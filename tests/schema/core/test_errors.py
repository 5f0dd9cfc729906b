"""Error presentation, on a small schema whose resolvers fail in each way a real one can."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from pymongo.errors import ServerSelectionTimeoutError

from resolvers.core.errors import InvalidInput, NotFound
from schema import ServiceSchema
from schema.core.errors import ErrorPresenter
from storage.errors import StoreUnavailable


@dataclass
class FakeContext:
    request_id: str


@strawberry.type
class Query:
    @strawberry.field
    def bug(self) -> str:
        raise RuntimeError("secret internal detail: /srv/db password=hunter2")

    @strawberry.field
    def bad_input(self) -> str:
        raise InvalidInput("first must be between 1 and 100", field="first")

    @strawberry.field
    def missing(self) -> str | None:
        raise NotFound("no such document")

    @strawberry.field
    def s3_down(self) -> str:
        raise StoreUnavailable("s3", "ConnectTimeoutError")

    @strawberry.field
    def mongodb_down(self) -> str:
        # as storage raises it: translated, the driver's error (with its address) chained
        cause = ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")
        raise StoreUnavailable("mongodb", "ServerSelectionTimeoutError") from cause

    @strawberry.field
    def fine(self, count: int = 1) -> int:
        return count


schema = ServiceSchema(query=Query, extensions=[ErrorPresenter])


async def run(query: str, variables: dict[str, Any] | None = None) -> Any:
    return await schema.execute(
        query, variable_values=variables, context_value=FakeContext(request_id="req-123")
    )


async def test_a_bug_is_masked_behind_the_request_id_and_logged_in_full(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        result = await run("{ bug fine }")
    assert result.data is None  # non-null field: the error propagates to the root
    [error] = result.errors
    assert "secret" not in error.message
    assert "hunter2" not in error.message
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    [logged] = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "graphql.internal_error"
    ]
    assert "hunter2" in str(logged["exc_info"])  # the full cause, for support only
    assert logged["path"] == ["bug"]


async def test_domain_errors_keep_their_message_code_and_field() -> None:
    result = await run("{ badInput }")
    [error] = result.errors
    assert error.message == "first must be between 1 and 100"
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": "first"}


async def test_a_nullable_failing_field_leaves_the_rest_of_the_answer() -> None:
    result = await run("{ missing fine }")
    assert result.data == {"missing": None, "fine": 1}
    assert [e.extensions["code"] for e in result.errors] == ["NOT_FOUND"]


@pytest.mark.parametrize("field", ["s3Down", "mongodbDown"])
async def test_an_unreachable_store_says_unavailable_without_detail(field: str) -> None:
    result = await run(f"{{ {field} }}")
    [error] = result.errors
    assert error.extensions == {"code": "SERVICE_UNAVAILABLE", "requestId": "req-123"}
    assert "127.0.0.1" not in error.message
    assert "Timeout" not in error.message


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ fine(", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { fine(count: $n) }", {"n": "three"}, "BAD_USER_INPUT"),
        ("query($n: Int!) { fine(count: $n) }", {}, "BAD_USER_INPUT"),
        ("query($n: String) { fine(count: $n) }", {}, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_request_errors_are_shown_with_a_code(
    query: str, variables: dict[str, Any] | None, code: str
) -> None:
    result = await run(query, variables)
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors] == [code]
    assert "requestId" not in result.errors[0].extensions
