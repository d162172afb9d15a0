"""The hash index of this process: built once, rebuilt in the background when lists change.

Lookups are exact whatever state the index is in:

* the index holds every listed hash (of enabled and disabled lists) up to a *watermark*,
  the largest ``BankedHash`` id when it was read. The read holds the table's write lock
  (SQLite's ``BEGIN IMMEDIATE``; a ``SHARE`` lock on PostgreSQL), so no row at or below
  the watermark can commit later: rows added since are exactly those above it;
* a lookup also compares those newer rows one by one (a short indexed query, usually
  empty), and waits for a fresh index only when there are more than :data:`DELTA_LIMIT`;
* every hit is checked against the database (the row still exists, its list is enabled,
  the distance is recomputed from the stored hash), so deleted hashes and disabled lists
  never match, even before the rebuild drops them.

Every change to a list bumps a version counter in the shared cache (on commit); each
process notices it at its next lookup and rebuilds in a background thread, keeping the
old index meanwhile.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from himoya.lib.counting import count
from himoya.triage.engine.hashindex import EMPTY, HashIndex

logger = logging.getLogger(__name__)

_VERSION_KEY = "hashes:index-version"
DELTA_LIMIT = 5000
_LOAD_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class Loaded:
    index: HashIndex
    watermark: int
    version: int


_NOTHING = Loaded(EMPTY, 0, -1)


def banks_changed() -> None:
    """Tell every process that a list changed. Call inside the transaction of the change."""
    transaction.on_commit(lambda: count(cache, _VERSION_KEY, None))


def _version() -> int:
    return int(cache.get(_VERSION_KEY, 0))


def load(version: int) -> Loaded:
    """Read every listed hash and build an index of them."""
    from himoya.hashes.models import BankedHash

    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(BankedHash._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")  # noqa: S608 - the table's own name
        rows = BankedHash.objects.order_by("id")
        total = rows.count()
        hashes = np.empty((total, 32), dtype=np.uint8)
        ids = np.empty(total, dtype=np.int64)
        filled = 0
        for pk, pdq in rows.values_list("id", "pdq").iterator(chunk_size=_LOAD_CHUNK):
            hashes[filled] = np.frombuffer(bytes(pdq), dtype=np.uint8)
            ids[filled] = pk
            filled += 1
    watermark = int(ids[filled - 1]) if filled else 0
    return Loaded(HashIndex(hashes[:filled], ids[:filled]), watermark, version)


class _Holder:
    """One index per process; at most one background rebuild at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._builder: threading.Thread | None = None

    def get(self) -> Loaded:
        """The current index, scheduling a rebuild if a list changed since it was built."""
        version = _version()
        loaded = self._loaded
        if loaded is None or loaded.version != version:
            self._rebuild(version, wait=False)
        return self._loaded or _NOTHING

    def fresh(self) -> Loaded:
        """An index that includes every hash committed now (builds or waits for one)."""
        self._rebuild(_version(), wait=True)
        return self._loaded or _NOTHING

    def join(self) -> None:
        """Wait for a rebuild under way, if any."""
        with self._lock:
            builder = self._builder
        if builder is not None:
            builder.join()

    def reset(self) -> None:
        self.join()
        self._loaded = None

    def _rebuild(self, version: int, *, wait: bool) -> None:
        # A caller inside a transaction may hold SQLite's write lock, which a builder
        # thread would wait for: a caller that must wait builds in its own transaction.
        if not settings.HASH_INDEX_BACKGROUND or (wait and connection.in_atomic_block):
            self._loaded = load(version)
            return
        with self._lock:
            builder = self._builder
            if builder is None or not builder.is_alive():
                builder = threading.Thread(target=self._build, args=(version,), name="hash-index", daemon=True)
                self._builder = builder
                builder.start()
        if wait:
            builder.join()

    def _build(self, version: int) -> None:
        try:
            loaded = load(version)
            self._loaded = loaded
            logger.info("hash index built: %d hashes up to id %d", len(loaded.index), loaded.watermark)
        except Exception:
            logger.exception("hash index could not be built")
        finally:
            connection.close()


_holder = _Holder()


def current() -> Loaded:
    return _holder.get()


def fresh() -> Loaded:
    return _holder.fresh()


def warm(*, wait: bool = False) -> None:
    """Build this process's index ahead of the first lookup (at start); with ``wait``,
    return once it is built."""
    _holder.get()
    if wait:
        _holder.join()


def reset() -> None:
    """Forget this process's index (tests; after restoring a database)."""
    _holder.reset()
