"""Structured logs: JSON lines with the request id, and nothing secret in them."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from api.logs import configure_logging
from tests.support import GraphQLClient


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    yield stream
    configure_logging("WARNING", "console")


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_request_logs_one_json_access_line_with_its_request_id(
    json_logs: io.StringIO, gql: GraphQLClient
) -> None:
    response = await gql.post(
        "query Welcome { service { name } }", headers={"x-request-id": "req-0123456789"}
    )
    access = [line for line in lines(json_logs) if line["event"] == "http.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == response.headers["x-request-id"] == "req-0123456789"
    assert (line["method"], line["path"], line["status"], line["operation"]) == (
        "POST",
        "/graphql",
        200,
        "Welcome",
    )
    assert line["level"] == "info"
    assert "timestamp" in line
    assert line["duration_ms"] >= 0


async def test_query_strings_never_reach_the_access_log(
    json_logs: io.StringIO, gql: GraphQLClient
) -> None:
    await gql.http.get(
        "/graphql",
        params={"query": "{ service { name } }", "variables": '{"ins": "255081416802538"}'},
    )
    text = json.dumps(lines(json_logs))
    assert "255081416802538" not in text
    assert "variables" not in text


def test_secrets_are_redacted_by_key_and_by_shape(json_logs: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.info(
        "login",
        password="hunter2",
        authorization="Bearer abc.def.ghi",
        nested={"client_secret": "s3cr3t", "note": "ins 2 55 08 14 168 025 38 seen"},
        detail="token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl sent",
    )
    [line] = [entry for entry in lines(json_logs) if entry["event"] == "login"]
    text = json.dumps(line)
    for secret in ("hunter2", "abc.def.ghi", "s3cr3t", "168 025", "eyJhbGci"):
        assert secret not in text, secret
    assert line["password"] == "[redacted]"
    assert line["nested"]["client_secret"] == "[redacted]"


def test_tracebacks_are_structured_without_local_variables(
    json_logs: io.StringIO,
) -> None:
    def fail() -> None:
        token = "local-secret-value"
        raise RuntimeError("boom " + token[:0])

    try:
        fail()
    except RuntimeError:
        structlog.get_logger("test").exception("failed")
    [line] = [entry for entry in lines(json_logs) if entry["event"] == "failed"]
    assert line["exception"][0]["exc_type"] == "RuntimeError"
    assert "local-secret-value" not in json.dumps(line)
