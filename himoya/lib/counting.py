"""Counting events in a shared cache (rate limits, flood limits, version counters)."""

from __future__ import annotations


def count(cache, key: str, timeout: float | None) -> int:
    """Add one to the counter ``key`` and return its new value.

    A missing counter starts at 1 and lives ``timeout`` seconds (None: until evicted). The
    increment is atomic on Redis and within one process on the local-memory cache.
    """
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1
