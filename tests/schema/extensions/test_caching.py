"""The parse and validation caches are bounded by bytes as well as entries: distinct large
documents (an anonymous client can send them) never make a process hold more than the bound."""

from __future__ import annotations

import gc
import tracemalloc

from schema import SchemaLimits, build_schema
from schema.extensions import caching
from schema.extensions.caching import BoundedCache, DocumentCaches

MIB = 1024 * 1024


def padded(index: int, size: int) -> str:
    """A valid query of about ``size`` bytes, distinct by ``index``: the padding is a comment, so
    the token limit does not refuse it."""
    return f"query Q{index} {{ __typename }}\n#{'x' * size}\n"


def test_entries_and_bytes_both_bound_the_cache() -> None:
    cache: BoundedCache[int] = BoundedCache(max_entries=3, max_bytes=150_000)
    for index in range(10):  # small: the entry bound holds
        cache.get_or_compute(index, "q", lambda i=index: i)  # type: ignore[misc]
    assert len(cache) == 3
    big = "x" * 30_000
    for index in range(10):  # heavy: the byte bound holds
        cache.get_or_compute(("big", index), big + str(index), lambda: 0)
    assert cache.weight <= 150_000
    assert len(cache) == 2  # 2 x (2 x 30 kB + allowance) fit, a third would not
    cache.get_or_compute("huge", "x" * 200_000, lambda: 1)  # heavier than the whole budget
    assert "huge" not in {k for k in cache._lru}
    # the most recent stay, the least recent went
    assert cache.get_or_compute(("big", 9), "", lambda: 99) == 0


def test_a_cached_document_is_parsed_and_validated_once() -> None:
    caches = DocumentCaches.bounded()
    schema = build_schema(SchemaLimits(), caches=caches)
    for _ in range(3):
        result = schema.execute_sync("{ __typename }")
        assert result.errors is None
    assert len(caches.parsed) == 1
    assert len(caches.validated) == 1


def test_distinct_large_documents_do_not_grow_memory_past_the_bound() -> None:
    bound = 4 * MIB
    schema = build_schema(SchemaLimits(), caches=DocumentCaches.bounded(max_bytes=bound))
    size, count = 100_000, 60  # 6 MB of distinct documents: 12 MB held by entries alone
    schema.execute_sync(padded(-1, 10))  # warm up what is built once per schema
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for index in range(count):
            result = schema.execute_sync(padded(index, size))
            assert result.errors is None, result.errors
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = after - before
    # The four caches keyed on a document's text share its one string, and each weighs it twice
    # (text and token values): what stays is the bound, give or take the allowance.
    assert held < bound + MIB, f"{held / MIB:.1f} MiB held"
    assert held > bound // 4, f"{held / MIB:.1f} MiB held"  # the documents were cached at all


def test_the_production_bound_is_bytes_as_well_as_entries() -> None:
    caches = DocumentCaches.bounded()
    for cache in (caches.parsed, caches.validated, caches.costs, caches.malformed_literals):
        assert cache.max_entries == caching.CACHE_ENTRIES
        assert cache._lru.maxsize == caching.CACHE_BYTES <= 64 * MIB
