"""Provisioning: a generated beneficiary file through the whole batch job, against a raw
``insert_many`` of the same documents into the same server.

Ours reads the CSV from the object store as a stream, parses and checks each line (INS key,
traits), builds the space with its opening date and notice, writes chunks with unordered bulk
inserts and checkpoints after each. The baseline builds the very same documents beforehand (not
timed) and only inserts them, chunk by chunk, into an identically prepared collection (same
validator, same indexes) of another database on the same server.

Each side runs in its own fresh process, so that its peak resident memory is its own; ours runs
twice, on a tenth of the file then on all of it, to show that memory does not grow with the file.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection

from api.settings import Settings
from api.stores_config import open_stores
from bench.harness import Figure, Section, stopwatch
from resolvers.core.clock import SystemClock
from resolvers.provisioning import batches as provisioning
from resolvers.provisioning._lines import parse_csv
from storage.registry import ensure_collections
from storage.stores import repositories
from tests.generators.beneficiaries import HEADER, csv_lines

LINES = int(os.environ.get("BENCH_PROVISIONING_LINES", "1000000"))
UPLOAD_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Run:
    lines: int
    seconds: float
    rss_start_mib: float
    rss_peak_mib: float
    created: int

    @property
    def per_second(self) -> float:
        return self.lines / self.seconds


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _file(lines: int) -> AsyncIterator[bytes]:
    buffer: list[str] = []
    size = 0
    for line in csv_lines(lines):
        buffer.append(line)
        size += len(line)
        if size >= UPLOAD_CHUNK:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


async def _ours(settings: Settings, lines: int) -> Run:
    stores = open_stores(settings)
    await stores.prepare()
    clock = SystemClock()
    batch = await provisioning.new_batch(stores, clock, file_format="csv", created_by="bench")
    await stores.objects.put(batch["object_key"], _file(lines), content_type="text/csv")
    await provisioning.mark_uploaded(stores, batch["_id"], "bench")
    start_rss = _rss_mib()
    with stopwatch() as elapsed:
        result = await provisioning.run_batch(
            stores, clock, owner="bench", lease=timedelta(hours=1), batch_id=batch["_id"]
        )
    seconds = elapsed()
    if not result.finished or result.batch is None:
        raise RuntimeError("the batch did not finish")
    await stores.objects.delete(batch["object_key"])
    await stores.close()
    return Run(lines, seconds, start_rss, _peak_mib(), result.batch["created"])


async def _baseline(settings: Settings, lines: int) -> Run:
    stores = open_stores(settings)
    await ensure_collections(stores.db, repositories())
    collection = stores.db["patients"]
    now = datetime.now(UTC)
    start_rss = _rss_mib()
    generated = csv_lines(lines)
    next(generated)  # the header
    inserting, created = 0.0, 0
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(generated, start=2):
        chunk.append((number, line.rstrip("\n")))
        if len(chunk) == provisioning.CHUNK_LINES or number == lines + 1:
            seconds, inserted = await _insert(collection, chunk, now)
            inserting, created, chunk = inserting + seconds, created + inserted, []
    await stores.close()
    return Run(lines, inserting, start_rss, _peak_mib(), created)


async def _insert(
    collection: AsyncCollection[dict[str, Any]], chunk: list[tuple[int, str]], now: datetime
) -> tuple[float, int]:
    docs = [
        provisioning.space_of(parse_csv(HEADER, line), "baseline", number, now)
        for number, line in chunk
    ]
    with stopwatch() as elapsed:
        result = await collection.insert_many(cast("list[dict[str, Any]]", docs), ordered=False)
    return elapsed(), len(result.inserted_ids)


def _child(kind: str, settings: Settings, lines: int) -> Run:
    work = _ours if kind == "ours" else _baseline
    return asyncio.run(work(settings, lines))


def _in_fresh_process(kind: str, settings: Settings, lines: int, database: str) -> Run:
    fresh = settings.model_copy(update={"mongodb_database": database})
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_child, (kind, fresh, lines))


async def run(settings: Settings) -> Section:
    small = await asyncio.to_thread(
        _in_fresh_process, "ours", settings, LINES // 10, "bench_provisioning_small"
    )
    ours = await asyncio.to_thread(_in_fresh_process, "ours", settings, LINES, "bench_provisioning")
    raw = await asyncio.to_thread(
        _in_fresh_process, "baseline", settings, LINES, "bench_provisioning_raw"
    )
    if not ours.created == raw.created == LINES:
        raise RuntimeError(f"created {ours.created} and {raw.created} of {LINES}")
    return Section(
        title=f"Provisioning {LINES:,} beneficiary lines (CSV), batch job against raw insert_many",
        command="make bench",
        figures=[
            Figure("throughput", ours.per_second, raw.per_second, "lines/s", "≥ 0.7×"),
            Figure(
                "peak resident memory",
                ours.rss_peak_mib,
                raw.rss_peak_mib,
                "MiB",
                "< 200 MiB, flat",
                higher_is_better=False,
            ),
        ],
        notes=[
            f"Ours took {ours.seconds:.0f} s for {LINES:,} lines; the baseline spent "
            f"{raw.seconds:.0f} s inside insert_many (building its documents is not timed).",
            f"Peak resident memory of the job's process: {small.rss_peak_mib:.0f} MiB for "
            f"{small.lines:,} lines, {ours.rss_peak_mib:.0f} MiB for {ours.lines:,} "
            f"(it started the run at {ours.rss_start_mib:.0f} MiB, the interpreter and "
            "libraries loaded): memory does not grow with the file.",
            "Each side runs in a fresh process against its own database on the same embedded "
            "MongoDB (SecantusDB), with the same validator and indexes (unique INS included).",
        ],
    )
