"""A patient's export (an IHE XDM ZIP of 200 one-MiB documents) through the API, against a plain
ZIP of the same objects fetched with the ``minio`` SDK, and the server's memory at 50 and 200.

Ours is the whole path: ``requestSpaceExport`` through GraphQL, then ``GET`` of the link from
``espace-sante serve`` (its own process, measured from ``/proc``): the access check and trace,
each object streamed from S3, SHA-1 and SHA-256 on the way, deflate, METADATA.XML last. The
baseline downloads the same objects with the SDK and writes them with ``zipfile`` (same
compression) to a sink, in this process. Memory is flat when the server's peak growth does not
grow with the number of documents.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import urllib3
from minio import Minio

from api.settings import Settings
from api.stores_config import object_store_config, open_stores
from bench.harness import Figure, Section, stopwatch
from bench.server import api_server, free_port, memory_mib, reset_peak
from bench.tokens import issue_tokens
from resolvers.core.actors import ActorKind
from resolvers.core.clock import SystemClock
from resolvers.demo.seed import seed_demo, stable_id
from storage.stores import Stores

PATIENT = stable_id("patient:jean")
PATIENT_INS = "162058002108831"
MiB = 1024 * 1024
SIZE = MiB  # each document
COUNTS = (50, 200)
EXPORT = """mutation($p: ID!) { requestSpaceExport(patientId: $p) {
  __typename ... on SpaceExport { url documentCount } ... on DocumentError { code message } } }"""


async def _add_documents(stores: Stores, upto: int) -> None:
    """Jean's space holds ``upto`` bench documents (PDF-looking, incompressible bytes)."""
    template = await stores.documents.get(stable_id("document:jean-imagerie"))
    assert template is not None
    have = await stores.documents.count({"patient_id": PATIENT, "title": {"$regex": "^Bench"}})
    origin = datetime(2021, 1, 1, tzinfo=UTC)
    for n in range(have, upto):
        data = b"%PDF-1.7\n" + os.urandom(SIZE - 9)
        key = f"bench-export/{n}"
        await stores.objects.put_bytes(key, data, content_type="application/pdf")
        doc_id = stable_id(f"bench-export:{n}")
        record: dict[str, Any] = {
            **template, "_id": doc_id, "set_id": doc_id, "object_key": key,
            "title": f"Bench {n}", "created_at": origin + timedelta(days=n), "size": SIZE,
            "sha256": hashlib.sha256(data).hexdigest(), "deposited_at": origin,
        }  # fmt: skip
        await stores.documents.collection.insert_one(record)  # type: ignore[arg-type]


async def _prepare(settings: Settings, upto: int) -> tuple[str, list[str]]:
    """A token for Jean, and the object keys of every document he exports."""
    stores = open_stores(settings)
    try:
        await stores.prepare()
        await seed_demo(stores, SystemClock())
        await _add_documents(stores, upto)
        [token] = await issue_tokens(
            settings, stores, [(ActorKind.PATIENT, PATIENT_INS)], "documents:read"
        )
        query = {"patient_id": PATIENT, "status": "available", "hidden_from_patient": False}
        keys = [d["object_key"] async for d in stores.documents.collection.find(query)]
        return token, keys
    finally:
        await stores.close()


def _export(base: str, pid: int, token: str, expected: int) -> tuple[float, float, int]:
    """MiB/s of the download, the server's peak memory growth (MiB), the archive's size."""
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=600))
    answer = http.request(
        "POST", f"{base}/graphql", json={"query": EXPORT, "variables": {"p": PATIENT}},
        headers={"authorization": f"Bearer {token}"},
    ).json()["data"]["requestSpaceExport"]  # fmt: skip
    if answer.get("documentCount") != expected:
        raise RuntimeError(f"unexpected export: {answer}")
    link = urlsplit(answer["url"])
    before = memory_mib(pid, "VmRSS")
    reset_peak(pid)
    with tempfile.TemporaryFile() as archive, stopwatch() as elapsed:
        response = http.request(
            "GET", f"{base}{link.path}?{link.query}", preload_content=False
        )  # fmt: skip
        for chunk in response.stream(256 * 1024):
            archive.write(chunk)
        response.release_conn()
        seconds = elapsed()
        growth = memory_mib(pid, "VmHWM") - before
        size = archive.tell()
        archive.seek(0)
        with zipfile.ZipFile(archive) as opened:  # complete, every CRC right
            if opened.testzip() is not None or len(opened.namelist()) != expected + 3:
                raise RuntimeError("the exported archive is broken")
    return expected * SIZE / MiB / seconds, growth, size


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def _baseline(settings: Settings, keys: list[str]) -> tuple[float, float]:
    """MiB/s and this process's peak memory growth of a plain ZIP of the same objects."""
    config = object_store_config(settings)
    raw = Minio(
        config.endpoint, access_key=config.access_key, secret_key=config.secret_key,
        secure=config.secure,
    )  # fmt: skip
    before = memory_mib(os.getpid(), "VmRSS")
    reset_peak(os.getpid())
    with stopwatch() as elapsed, zipfile.ZipFile(_Discard(), "w") as plain:
        for n, key in enumerate(keys):
            response = raw.get_object(config.bucket, key)
            info = zipfile.ZipInfo(f"DOC{n:05d}.PDF")
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = 1  # type: ignore[attr-defined]  # as the export does for PDF
            with plain.open(info, "w") as member:
                for chunk in response.stream(1024 * 1024):
                    member.write(chunk)
            response.close()
            response.release_conn()
        seconds = elapsed()
    return len(keys) * SIZE / MiB / seconds, memory_mib(os.getpid(), "VmHWM") - before


async def run(settings: Settings) -> Section:
    port, results = free_port(), {}
    with api_server(settings, port) as process:
        base = f"http://127.0.0.1:{port}"
        for count in COUNTS:
            token, keys = await _prepare(settings, count)
            ours = await asyncio.to_thread(_export, base, process.pid, token, len(keys))
            plain = await asyncio.to_thread(_baseline, settings, keys)
            again = await asyncio.to_thread(_export, base, process.pid, token, len(keys))
            results[count] = (max(ours[0], again[0]), max(ours[1], again[1]), plain, ours[2])
    few, many = results[COUNTS[0]], results[COUNTS[1]]
    return Section(
        title=f"A patient's export: {COUNTS[1]} documents of 1 MiB as an IHE XDM ZIP, streamed",
        command="python -m bench export",
        figures=[
            Figure(f"throughput, {COUNTS[1]} documents", many[0], many[2][0], "MiB/s", "≥ 0.5×"),
            Figure(
                f"server peak memory growth, {COUNTS[1]} against {COUNTS[0]} documents",
                many[1],
                few[1],
                "MiB",
                "≈ 1× (flat)",
                higher_is_better=False,
            ),
            Figure(
                f"peak memory growth, {COUNTS[1]} documents, ours against the plain ZIP",
                many[1],
                many[2][1],
                "MiB",
                "< 50 MiB",
                higher_is_better=False,
            ),
        ],
        notes=[
            f"Archives of {few[3] / MiB:.0f} MiB ({COUNTS[0]} documents) and {many[3] / MiB:.0f}"
            f" MiB ({COUNTS[1]}): the server's peak growth (VmHWM minus VmRSS before, /proc) was "
            f"{few[1]:.1f} and {many[1]:.1f} MiB. Throughput at {COUNTS[0]}: {few[0]:.1f} MiB/s "
            f"ours, {few[2][0]:.1f} MiB/s plain.",
            "Ours: urllib3 → `espace-sante serve` (its own process) → S3, with the access "
            "check and trace, SHA-1 (for METADATA.XML) and SHA-256 (checked against the record) "
            "of every document, deflate and the metadata. Baseline: the minio SDK fetching the "
            "same objects into `zipfile` (same deflate level) writing to a sink, in the bench "
            "process. Best of two exports; client, API and S3 server share the machine's CPUs.",
        ],
    )
