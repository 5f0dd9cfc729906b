"""Provisioning through GraphQL: presigned upload, start, follow; only for its client."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from resolvers.provisioning.batches import run_batch
from tests.generators.beneficiaries import csv_file, person
from tests.oauth_support import PATIENT_INS
from tests.support import GraphQLClient
from tests.tokens import seed, token_factory

REQUEST = """mutation { requestProvisioningUpload(format: CSV) {
  ... on ProvisioningUpload { uploadUrl batch { id status } } } }"""
START = """mutation($id: ID!) { startProvisioning(batchId: $id) {
  __typename ... on ProvisioningBatch { status } ... on ProvisioningError { code message } } }"""
FOLLOW = """query($id: ID!) { provisioningBatch(id: $id) {
  status linesRead created existing rejected
  rejections(first: 1) {
    totalCount edges { node { line reason } } pageInfo { hasNextPage endCursor }
  }
} }"""


async def test_the_insurer_uploads_starts_and_follows_a_batch(
    app: Starlette, gql: GraphQLClient
) -> None:
    make = token_factory(app)
    insurer = {"authorization": f"Bearer {await make(ActorKind.OPERATOR, None, 'provisioning')}"}
    requested = await gql.post(REQUEST, headers=insurer)
    upload = requested.data["requestProvisioningUpload"]
    batch_id = upload["batch"]["id"]
    assert upload["batch"]["status"] == "AWAITING_UPLOAD"
    too_early = await gql.post(START, {"id": batch_id}, headers=insurer)
    assert too_early.data["startProvisioning"]["code"] == "BAD_USER_INPUT"
    rng = random.Random(5)
    rows = [person(i, rng) for i in range(40)]
    rows[3] = {**rows[3], "ins": "123"}
    rows[7] = {**rows[7], "birth_date": "31/12/1980"}
    async with httpx.AsyncClient() as direct:  # straight to the object store
        assert (await direct.put(upload["uploadUrl"], content=csv_file(rows))).status_code == 200
    started = await gql.post(START, {"id": batch_id}, headers=insurer)
    assert started.data["startProvisioning"] == {
        "__typename": "ProvisioningBatch",
        "status": "PENDING",
    }
    running = app.state.services.running
    await run_batch(
        running.stores, app.state.services.clock, owner="worker", lease=timedelta(minutes=1)
    )
    followed = await gql.post(FOLLOW, {"id": batch_id}, headers=insurer)
    batch = followed.data["provisioningBatch"]
    assert (
        batch["status"],
        batch["linesRead"],
        batch["created"],
        batch["existing"],
        batch["rejected"],
    ) == ("DONE", 41, 38, 0, 2)
    first = batch["rejections"]
    assert first["totalCount"] == 2
    assert first["edges"][0]["node"]["line"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    after = await gql.post(
        "query($id: ID!, $after: String) { provisioningBatch(id: $id) { rejections(first: 5, "
        "after: $after) { edges { node { line reason } } pageInfo { hasNextPage } } } }",
        {"id": batch_id, "after": first["pageInfo"]["endCursor"]},
        headers=insurer,
    )
    assert after.data["provisioningBatch"]["rejections"] == {
        "edges": [{"node": {"line": 9, "reason": "birth_date is not a date (YYYY-MM-DD)"}}],
        "pageInfo": {"hasNextPage": False},
    }


async def test_batches_are_private_to_their_client_and_need_the_scope(
    app: Starlette, gql: GraphQLClient
) -> None:
    await seed(app)
    make = token_factory(app)
    insurer = {"authorization": f"Bearer {await make(ActorKind.OPERATOR, None, 'provisioning')}"}
    batch_id = (await gql.post(REQUEST, headers=insurer)).data["requestProvisioningUpload"][
        "batch"
    ]["id"]
    patient = {"authorization": "Bearer " + await make(ActorKind.PATIENT, PATIENT_INS, "openid")}
    refused = await gql.post(FOLLOW, {"id": batch_id}, headers=patient)
    assert refused.data == {"provisioningBatch": None}
    assert refused.errors[0]["extensions"]["missingScopes"] == ["provisioning"]
    listed = await gql.post(
        "{ provisioningBatches { totalCount edges { node { id } } } }", headers=insurer
    )
    assert listed.data == {
        "provisioningBatches": {"totalCount": 1, "edges": [{"node": {"id": batch_id}}]}
    }
    bad_cursor = await gql.post(
        '{ provisioningBatches(after: "garbage") { totalCount } }', headers=insurer
    )
    assert bad_cursor.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
