"""A professional's list of 1,000 visible documents out of 10,000, against the same length of
list read by the patient, both through GraphQL on one API process.

Marie-Josée (a demo patient) holds 10,000 documents; 9 in 10 are hidden from professionals
(MASQUE_PS). Dr Benali, in her care team (a physician, not her primary physician), sees the
other 1,000: the access policy works inside the MongoDB query. Each side reads 1,000 documents in
pages of 100; the figure is the time to read them all.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.settings import Settings
from api.stores_config import open_stores
from bench.harness import Figure, Section
from bench.server import api_server, free_port
from bench.tokens import issue_tokens
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import SystemClock
from resolvers.demo.seed import seed_demo, stable_id
from resolvers.profile import sections as profile
from storage.stores import Stores

PATIENT = stable_id("patient:marie-josee")
PATIENT_INS = "248112A00401286"
BENALI = stable_id("professional:benali")
BENALI_RPPS = "10004567896"
TOTAL, VISIBLE, PAGE = 10_000, 1_000, 100
ROUNDS = 5
LIST = """
query($id: ID!, $after: String) { patient(id: $id) { documents(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { id title createdAt type { code } author { name } } }
} } }
"""


async def _prepare(stores: Stores) -> None:
    clock = SystemClock()
    await seed_demo(stores, clock)
    if await stores.documents.count({"patient_id": PATIENT}) >= TOTAL:
        return
    template = await stores.documents.get(stable_id("document:camille-consultation"))
    assert template is not None
    origin = datetime(2020, 1, 1, tzinfo=UTC)
    batch: list[dict[str, Any]] = []
    for n in range(TOTAL):
        doc_id = stable_id(f"bench-list:{n}")
        created = origin + timedelta(hours=4 * n)
        batch.append({
            **template, "_id": doc_id, "set_id": doc_id, "patient_id": PATIENT,
            "object_key": f"bench-list/{n}", "title": f"Document {n}", "created_at": created,
            "deposited_at": created, "hidden_from_professionals": n % 10 != 0,
        })  # fmt: skip
        if len(batch) == 1000:
            await stores.documents.collection.insert_many(batch)  # type: ignore[arg-type]
            batch = []
    holder = Actor(ActorKind.PATIENT, PATIENT, "bench", frozenset())
    await profile.add_entry(
        stores, clock, holder, PATIENT, section="care-team",
        data={"professional_id": BENALI, "role": "follows"},
    )  # fmt: skip


async def _tokens(settings: Settings) -> tuple[str, str]:
    stores = open_stores(settings)
    try:
        await stores.prepare()
        await _prepare(stores)
        people = ((ActorKind.PROFESSIONAL, BENALI_RPPS), (ActorKind.PATIENT, PATIENT_INS))
        made = await issue_tokens(settings, stores, people, "documents:read")
        return made[0], made[1]
    finally:
        await stores.close()


async def _read_all(http: httpx.AsyncClient, token: str) -> tuple[float, int]:
    """Seconds to read 1,000 documents in pages of 100, and how many came."""
    headers, after, seen = {"authorization": f"Bearer {token}"}, None, 0
    started = time.perf_counter()
    while seen < VISIBLE:
        body = await http.post(
            "/graphql", json={"query": LIST, "variables": {"id": PATIENT, "after": after}},
            headers=headers,
        )  # fmt: skip
        page = body.json()["data"]["patient"]["documents"]
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return time.perf_counter() - started, seen


async def run(settings: Settings) -> Section:
    professional, patient = await _tokens(settings)
    port = free_port()
    with api_server(settings, port):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            await _read_all(http, patient)  # warm up both paths
            await _read_all(http, professional)
            ours, base = [], []
            for _ in range(ROUNDS):
                seconds, count = await _read_all(http, professional)
                if count != VISIBLE:
                    raise RuntimeError(f"the professional saw {count} documents, not {VISIBLE}")
                ours.append(seconds * 1000)
                seconds, count = await _read_all(http, patient)
                base.append(seconds * 1000)
    return Section(
        title="A professional's 1,000 visible documents out of 10,000, against the patient's",
        command="make bench (or python -m bench document_list)",
        figures=[
            Figure(
                "1,000 documents in 10 pages",
                statistics.median(ours),
                statistics.median(base),
                "ms",
                "≤ 1.1×",
                False,
            ),
        ],
        notes=[
            f"{TOTAL:,} documents, 9 in 10 hidden from professionals; the professional (care "
            "team, not primary physician) sees the other 1,000, the filter being part of the "
            "MongoDB query; the patient reads her 1,000 latest. Same GraphQL query, same API "
            f"process; median of {ROUNDS} alternating rounds.",
        ],
    )
