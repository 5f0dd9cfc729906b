"""A 200 MiB document through the API, against the raw ``minio`` SDK to the same server.

Ours is the whole path a client without S3 access takes: ``requestDocumentUpload``, then
``PUT /documents/uploads/{id}`` (the server streams the body to S3, hashing and sniffing it on
the way, and makes the document), then ``GET /documents/{id}/content`` (checked, traced,
streamed back). The server runs as its own process (``espace-sante serve``), so its memory is
measured apart from the client's: its resident set before a transfer against its peak during it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import urllib3
from minio import Minio

from api.cli.oauth import keyring_for
from api.oauth.dev_tokens import issue_dev_token
from api.settings import Settings
from api.stores_config import object_store_config, open_stores
from bench.harness import Figure, Section, stopwatch
from bench.objects import CHUNK, SIZE, MiB, raw_transfer
from bench.server import api_server, free_port, memory_mib, reset_peak
from resolvers.core.actors import ActorKind
from resolvers.core.clock import SystemClock
from resolvers.demo.seed import seed_demo, stable_id

LEFEVRE_RPPS = "10001234565"  # the demo's primary physician of Camille
CAMILLE = stable_id("patient:camille")
REQUEST = """
mutation($p: ID!, $s: Float!, $h: String!) {
  requestDocumentUpload(patientId: $p, contentType: "application/pdf", size: $s, sha256: $h,
    metadata: {typeCode: "11488-4", classCode: "10", title: "Banc d'essai",
               createdAt: "2026-11-03T09:30:00+00:00"}) {
    __typename ... on DocumentUpload { apiUrl } ... on DocumentError { code message }
  }
}
"""


async def _token(settings: Settings) -> str:
    stores = open_stores(settings)
    try:
        await stores.prepare()
        await seed_demo(stores, SystemClock())
        keyring = keyring_for(settings, stores)
        await keyring.load()
        return await issue_dev_token(
            stores,
            keyring,
            SystemClock(),
            issuer=settings.public_base_url,
            audience=settings.audience,
            kind=ActorKind.PROFESSIONAL,
            login=LEFEVRE_RPPS,
            scope="documents:read documents:write",
            lifetime=timedelta(hours=1),
        )
    finally:
        await stores.close()


def _content(block: bytes) -> tuple[bytes, str]:
    """A PDF-looking first chunk (the format is sniffed) and the SHA-256 of the whole."""
    head = b"%PDF-1.7\n" + block[9:]
    digest = hashlib.sha256(head)
    for _ in range(SIZE // CHUNK - 1):
        digest.update(block)
    return head, digest.hexdigest()


def _body(head: bytes, block: bytes) -> Iterator[bytes]:
    yield head
    for _ in range(SIZE // CHUNK - 1):
        yield block


class _Api:
    """The API's HTTP routes through urllib3, the HTTP client the baseline's SDK uses, so that
    the two sides differ by the server in the middle and not by the client library."""

    def __init__(self, base: str, pid: int, token: str) -> None:
        self.base, self.pid = base, pid
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=600))
        self.headers = {"authorization": f"Bearer {token}"}

    def upload(self, head: bytes, block: bytes, sha256: str) -> tuple[str, float, float]:
        """The document's id, MiB/s, and the server's memory growth (MiB) while uploading."""
        answer = self.http.request(
            "POST",
            f"{self.base}/graphql",
            json={"query": REQUEST, "variables": {"p": CAMILLE, "s": SIZE, "h": sha256}},
            headers=self.headers,
        )
        upload = answer.json()["data"]["requestDocumentUpload"]
        if upload["__typename"] != "DocumentUpload":
            raise RuntimeError(f"upload refused: {upload}")
        path = urlsplit(upload["apiUrl"]).path
        before = memory_mib(self.pid, "VmRSS")
        reset_peak(self.pid)
        with stopwatch() as elapsed:
            response = self.http.request(
                "PUT",
                f"{self.base}{path}",
                body=_body(head, block),
                headers={**self.headers, "content-length": str(SIZE)},
                chunked=False,
            )
        seconds = elapsed()
        if response.status != 201:
            raise RuntimeError(f"upload failed: {response.status} {response.data!r}")
        growth = memory_mib(self.pid, "VmHWM") - before
        return response.json()["id"], SIZE / MiB / seconds, growth

    def download(self, document_id: str) -> tuple[float, float]:
        """MiB/s, and the server's memory growth (MiB) while streaming the content."""
        before = memory_mib(self.pid, "VmRSS")
        reset_peak(self.pid)
        received = 0
        with stopwatch() as elapsed:
            response = self.http.request(
                "GET",
                f"{self.base}/documents/{document_id}/content",
                headers=self.headers,
                preload_content=False,
            )
            for chunk in response.stream(256 * 1024):
                received += len(chunk)
            response.release_conn()
        seconds = elapsed()
        if received != SIZE:
            raise RuntimeError(f"downloaded {received} bytes of {SIZE}")
        return SIZE / MiB / seconds, memory_mib(self.pid, "VmHWM") - before


async def run(settings: Settings) -> Section:
    block = os.urandom(CHUNK)
    head, sha256 = _content(block)
    token = await _token(settings)
    config = object_store_config(settings)
    raw = Minio(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
    )
    port = free_port()
    with api_server(settings, port) as process:
        api = _Api(f"http://127.0.0.1:{port}", process.pid, token)
        ups, downs, growths = [], [], []
        for _ in range(2):  # alternate, so that neither side always runs on a warmer server
            document_id, up, up_growth = await asyncio.to_thread(api.upload, head, block, sha256)
            down, down_growth = await asyncio.to_thread(api.download, document_id)
            ups.append(up)
            downs.append(down)
            growths += [up_growth, down_growth]
            raw_up, raw_down = await asyncio.to_thread(raw_transfer, raw, config.bucket, block)
            ups.append(raw_up)
            downs.append(raw_down)
    raw.remove_object(config.bucket, "bench/raw")
    mib = SIZE / MiB
    return Section(
        title=f"A {mib:.0f} MiB document through the API (PUT upload route, GET content route)",
        command="make bench",
        figures=[
            Figure("upload throughput", max(ups[0::2]), max(ups[1::2]), "MiB/s", "≥ 0.8×"),
            Figure("download throughput", max(downs[0::2]), max(downs[1::2]), "MiB/s", "≥ 0.8×"),
        ],
        notes=[
            f"API server memory growth (peak resident set during a transfer minus the resident "
            f"set before it, /proc): upload {max(growths[0::2]):.1f} MiB, download "
            f"{max(growths[1::2]):.1f} MiB, for a {mib:.0f} MiB document. Goal: under 50 MiB.",
            "Ours: urllib3 → `espace-sante serve` (uvicorn, its own process) → S3, with the "
            "access check, SHA-256, format sniffing and the audit trace on the way. Baseline: the "
            "raw minio SDK straight to the same S3 server (SSE-S3, 5 MiB parts). Best of two "
            "alternating runs each; client, API and S3 server share the machine's CPUs.",
        ],
    )
