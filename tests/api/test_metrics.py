from __future__ import annotations

import httpx
import pytest

from api import metrics as metrics_module
from api.metrics import Metrics
from tests.support import GraphQLClient


async def test_metrics_count_requests_and_operations_by_name(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    await gql.data("query Welcome { service { name } }")
    await gql.post("query Broken { nope }")
    text = (await http.get("/metrics")).text
    assert 'graphql_operations_total{operation="Welcome",outcome="ok",type="query"} 1.0' in text
    assert 'graphql_operations_total{operation="Broken",outcome="error",type="query"} 1.0' in text
    assert 'graphql_operation_duration_seconds_count{operation="Welcome",type="query"} 1.0' in text
    assert 'http_requests_total{method="POST",route="/graphql",status="200"} 2.0' in text


def test_operation_names_cannot_grow_the_label_set_without_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics_module, "MAX_OPERATION_NAMES", 3)
    metrics = Metrics()
    for name in ["A", "B", "C", "D", "E", "bad name!", None, "A"]:
        metrics.record_operation(name=name, kind="query", seconds=0.01, ok=True)
    labels = {
        sample.labels["operation"]
        for family in metrics.registry.collect()
        if family.name == "graphql_operations"
        for sample in family.samples
    }
    assert labels == {"A", "B", "C", "other", "anonymous"}
