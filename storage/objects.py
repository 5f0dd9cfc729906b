"""Document bytes in S3-compatible object storage, over the ``minio`` SDK.

The SDK is blocking, so every call runs in a worker thread (bounded by a limiter of its own so a
burst of transfers cannot starve the rest of the service of threads). Transfers stream: uploads
read an async iterator, prefetched a few blocks ahead, from the worker thread
(``storage.object_streams``); downloads hand chunks back one at a time; neither ever holds a
whole object in memory. The SHA-256 and the size are computed while the bytes go through.

Every object is written with server-side encryption (SSE-S3 by default, SSE-C when configured).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Literal, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
import urllib3
from minio import Minio
from minio.error import S3Error, ServerError
from minio.sse import Sse, SseCustomerKey, SseS3
from minio.sseconfig import Rule, SSEConfig

from storage.errors import ObjectNotFound, StoreUnavailable
from storage.object_streams import ChunkReader, Prefetch

T = TypeVar("T")
PART_SIZE = 5 * 1024 * 1024  # S3's smallest part: the SDK holds about two parts at once
CHUNK_SIZE = 256 * 1024
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}


@dataclass(frozen=True, slots=True)
class ObjectStoreConfig:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str = "us-east-1"
    sse: Literal["s3", "c", "none"] = "s3"
    sse_c_key: bytes | None = None
    timeout_seconds: float = 10.0
    max_concurrency: int = 32


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    etag: str


@dataclass(frozen=True, slots=True)
class ListedObject:
    key: str
    size: int
    last_modified: datetime | None


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str
    etag: str


class ObjectStore:
    """One bucket of an S3-compatible server."""

    def __init__(self, config: ObjectStoreConfig) -> None:
        self.config = config
        self.bucket = config.bucket
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=config.timeout_seconds, read=config.timeout_seconds),
            # S3 asks clients to retry 500 and 503; urllib3 retries idempotent requests only.
            # A read timeout is not retried: a server that slow would only double the wait.
            retries=urllib3.Retry(
                total=3,
                read=0,
                backoff_factor=0.2,
                status_forcelist=(500, 502, 503, 504),
                raise_on_status=False,
            ),
            maxsize=config.max_concurrency,
        )
        self._client = Minio(
            config.endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            secure=config.secure,
            region=config.region,
            http_client=self._http,
        )
        self._limiter = anyio.CapacityLimiter(config.max_concurrency)
        self._ssec = (
            SseCustomerKey(config.sse_c_key)
            if config.sse == "c" and config.sse_c_key is not None
            else None
        )
        self._sse: Sse | None = self._ssec or (SseS3() if config.sse == "s3" else None)

    async def _run(self, func: Callable[[], T], *, abandon_on_cancel: bool = False) -> T:
        try:
            return await anyio.to_thread.run_sync(
                func, limiter=self._limiter, abandon_on_cancel=abandon_on_cancel
            )
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable("s3", type(exc).__name__, timed_out=_timed_out(exc)) from exc
        except ServerError as exc:  # a 5xx the retries did not get past
            raise StoreUnavailable("s3", f"HTTP {exc.status_code}") from exc
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                raise ObjectNotFound(exc.object_name or "") from exc
            if exc.code in {"ServiceUnavailable", "SlowDown", "InternalError"}:
                raise StoreUnavailable("s3", exc.code) from exc
            raise

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the bucket answers.

        A caller's timeout returns at once: the probe's thread is left to finish on its own.
        """
        exists = await self._run(
            lambda: self._client.bucket_exists(self.bucket), abandon_on_cancel=True
        )
        if not exists:
            raise StoreUnavailable("s3", f"bucket {self.bucket!r} does not exist")

    async def ensure_bucket(self) -> None:
        """Create the bucket if missing; with SSE-S3, make it the bucket's default encryption.

        The default covers objects written without the header too (presigned uploads), so
        nothing in the bucket is ever stored in clear.
        """
        if not await self._run(lambda: self._client.bucket_exists(self.bucket)):
            await self._run(lambda: self._client.make_bucket(self.bucket))
        if self.config.sse == "s3":
            current = await self._run(lambda: self._client.get_bucket_encryption(self.bucket))
            if current is None or current.rule.sse_algorithm != "AES256":
                await self._run(
                    lambda: self._client.set_bucket_encryption(
                        self.bucket, SSEConfig(Rule.new_sse_s3_rule())
                    )
                )

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str,
        length: int | None = None,
        max_size: int | None = None,
    ) -> StoredObject:
        """Stream ``chunks`` into ``key``; nothing is left behind if the stream fails midway.

        Raises ``ObjectTooLarge`` past ``max_size`` (the partial upload is aborted).
        """
        source = Prefetch(chunks)
        reader = ChunkReader(source, max_size)

        def upload() -> str:
            result = self._client.put_object(
                self.bucket,
                key,
                reader,  # type: ignore[arg-type]  # duck-typed read()
                length=-1 if length is None else length,
                part_size=PART_SIZE,
                num_parallel_uploads=1,  # the SDK queues parts unbounded: one at a time
                content_type=content_type,
                sse=self._sse,
            )
            return str(result.etag)

        try:
            etag = await self._run(upload)
        finally:
            await source.close()
        return StoredObject(key=key, size=reader.size, sha256=reader.digest.hexdigest(), etag=etag)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> StoredObject:
        async def one_chunk() -> AsyncIterator[bytes]:
            yield data

        return await self.put(key, one_chunk(), content_type=content_type, length=len(data))

    async def stat(self, key: str) -> ObjectInfo | None:
        try:
            stat = await self._run(
                lambda: self._client.stat_object(self.bucket, key, ssec=self._ssec)
            )
        except ObjectNotFound:
            return None
        return ObjectInfo(
            key=key,
            size=int(stat.size or 0),
            content_type=str(stat.content_type or "application/octet-stream"),
            etag=str(stat.etag or ""),
        )

    async def open(
        self, key: str, chunk_size: int = CHUNK_SIZE, offset: int = 0
    ) -> AsyncIterator[bytes]:
        """The bytes of ``key`` from ``offset``, one chunk at a time; raises ``ObjectNotFound``
        before any."""
        response = await self._run(
            lambda: self._client.get_object(self.bucket, key, offset=offset, ssec=self._ssec)
        )
        return self._iterate(response, chunk_size)

    async def _iterate(
        self, response: urllib3.BaseHTTPResponse, chunk_size: int
    ) -> AsyncIterator[bytes]:
        try:
            while chunk := await self._run(lambda: response.read(chunk_size)):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def listing(self, prefix: str, page: int = 1000) -> AsyncIterator[list[ListedObject]]:
        """Every object under ``prefix``, a page at a time (the listing is never held whole)."""
        found = self._client.list_objects(self.bucket, prefix=prefix, recursive=True)

        def next_page() -> list[ListedObject]:
            return [
                ListedObject(str(o.object_name), int(o.size or 0), o.last_modified)
                for o in islice(found, page)
            ]

        while batch := await self._run(next_page):
            yield batch

    async def delete(self, key: str) -> None:
        await self._run(lambda: self._client.remove_object(self.bucket, key))

    async def presigned_get_url(self, key: str, expires: timedelta) -> str:
        if self._ssec is not None:
            raise ValueError("presigned GET is not possible with SSE-C: stream through the API")
        return await self._run(
            lambda: self._client.presigned_get_object(self.bucket, key, expires=expires)
        )

    async def presigned_put_url(self, key: str, expires: timedelta) -> str:
        return await self._run(
            lambda: self._client.presigned_put_object(self.bucket, key, expires=expires)
        )

    def close(self) -> None:
        self._http.clear()


def _timed_out(exc: urllib3.exceptions.HTTPError) -> bool:
    """Whether urllib3 gave up waiting (directly, or as the reason its retries ended)."""
    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    return isinstance(reason, urllib3.exceptions.TimeoutError)
