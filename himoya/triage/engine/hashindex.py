"""Exact radius search over 256-bit PDQ hashes, fast at millions of hashes.

Multi-index hashing (Norouzi et al.), the idea behind faiss' ``IndexBinaryMultiHash``:
the hash is cut into 16 chunks of 16 bits, and each chunk keys a table of the hashes that
have that chunk value. Two hashes within distance ``r`` differ by at most ``r // 16`` bits
in at least one chunk (pigeonhole), so probing every table with the query's chunk and its
variants flipped in up to ``r // 16`` bits finds every hash within ``r``: recall is exact,
not approximate.

What makes it faster than faiss' version (see ``benchmarks/hashing.py``): a table is one
sorted array (a chunk value's hashes are a contiguous run, found through an offsets array)
rather than a hash map, and each run also holds the *other* half (128 bits) of every hash
in it. A candidate further than ``r`` in that half is further than ``r`` overall, and for
unrelated hashes that half alone is almost never within 31 (a chance of about 1e-9), so
nearly every candidate is dismissed from memory already being read, and the full hash is
fetched only for the few true neighbours. All probes of a query run as a handful of numpy
operations, with no Python loop over tables or candidates.

Memory: 16 x (4 + 16) bytes per hash for the tables plus the 32-byte hashes, about
350 MB per million. The arrays are read-only after building, so one index serves any
number of threads without a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

CHUNKS = 16
CHUNK_BITS = 16
BUCKETS = 1 << CHUNK_BITS
HASH_BYTES = 32
MAX_RADIUS = 63  # up to three flipped bits per chunk; beyond that, probing costs more than it saves


def _flip_masks(bits: int) -> np.ndarray:
    masks = [0]
    for n in range(1, bits + 1):
        for positions in combinations(range(CHUNK_BITS), n):
            masks.append(sum(1 << p for p in positions))
    return np.array(masks, dtype=np.int64)


_MASKS = [_flip_masks(n) for n in range(MAX_RADIUS // CHUNKS + 1)]
# Tables 0-7 key on the first 128 bits, so their runs hold the last 128 (words 2-3), and
# the other way round: the half kept beside a chunk never contains that chunk.
_HALF_KEPT = [2] * (CHUNKS // 2) + [0] * (CHUNKS // 2)


class HashIndex:
    """An immutable index of 256-bit hashes, each with an integer id (ids may repeat)."""

    def __init__(self, hashes: np.ndarray, ids: np.ndarray) -> None:
        """``hashes``: ``(n, 32)`` uint8; ``ids``: ``(n,)`` integers. Prefer :meth:`build`."""
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8).reshape(-1, HASH_BYTES)
        count = len(hashes)
        if len(ids) != count:
            raise ValueError("one id per hash")
        if count >= 2**31:
            raise ValueError("at most 2**31 - 1 hashes")
        self._words = hashes.view(np.uint64)  # (n, 4)
        self._ids = np.asarray(ids, dtype=np.int64)
        chunks = hashes.view(">u2")  # (n, 16): chunk values, most significant byte first
        self._rows = np.empty((CHUNKS, count), dtype=np.int32)
        self._halves = np.empty((CHUNKS, count, 2), dtype=np.uint64)
        self._offsets = np.empty((CHUNKS, BUCKETS + 1), dtype=np.int64)
        for table in range(CHUNKS):
            keys = chunks[:, table]
            order = np.argsort(keys, kind="stable")
            self._rows[table] = order
            kept = _HALF_KEPT[table]
            self._halves[table] = self._words[order, kept : kept + 2]
            self._offsets[table, 0] = 0
            np.cumsum(np.bincount(keys, minlength=BUCKETS), out=self._offsets[table, 1:])
        # One flat array each, so a query gathers from every table at once.
        self._offsets += (np.arange(CHUNKS, dtype=np.int64) * count)[:, None]
        self._flat_offsets = self._offsets.reshape(-1)
        self._flat_rows = self._rows.reshape(-1)
        self._flat_halves = self._halves.reshape(-1, 2)
        for array in (self._words, self._ids, self._flat_offsets, self._flat_rows, self._flat_halves):
            array.flags.writeable = False

    @classmethod
    def build(cls, hashes: Sequence[bytes] | np.ndarray, ids: Sequence[int] | np.ndarray | None = None) -> HashIndex:
        """An index of ``hashes`` (32-byte strings or an ``(n, 32)`` array); ids default to positions."""
        if isinstance(hashes, np.ndarray):
            array = hashes
        else:
            array = np.frombuffer(b"".join(hashes), dtype=np.uint8) if len(hashes) else np.empty(0, np.uint8)
            if array.size != len(hashes) * HASH_BYTES:
                raise ValueError("every hash must be 32 bytes")
        array = array.reshape(-1, HASH_BYTES)
        return cls(array, np.arange(len(array)) if ids is None else np.asarray(ids))

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        return sum(a.nbytes for a in (self._words, self._ids, self._rows, self._halves, self._offsets))

    def search(self, query: bytes, radius: int = 31) -> list[tuple[int, int]]:
        """Every ``(id, distance)`` with distance <= ``radius``, nearest first."""
        if len(query) != HASH_BYTES:
            raise ValueError("the query must be 32 bytes")
        if not 0 <= radius <= MAX_RADIUS:
            raise ValueError(f"radius must be 0..{MAX_RADIUS}")
        if not len(self):
            return []
        masks = _MASKS[radius // CHUNKS]
        q = np.frombuffer(query, dtype=np.uint8)
        q_words = q.view(np.uint64)
        q_chunks = q.view(">u2").astype(np.int64)
        probes = ((q_chunks[:, None] ^ masks) + np.arange(CHUNKS, dtype=np.int64)[:, None] * (BUCKETS + 1)).ravel()
        starts = self._flat_offsets[probes]
        lengths = self._flat_offsets[probes + 1] - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1])
        if not total:
            return []
        positions = np.arange(total) + np.repeat(starts - (ends - lengths), lengths)
        halves = self._flat_halves[positions]
        # Probes of tables 0-7 come first and hold the last half; the rest hold the first.
        split = int(ends[len(masks) * CHUNKS // 2 - 1])
        first, last = halves[:split], halves[split:]
        near = np.empty(total, dtype=np.int64)
        near[:split] = np.bitwise_count(first[:, 0] ^ q_words[2]) + np.bitwise_count(first[:, 1] ^ q_words[3])
        near[split:] = np.bitwise_count(last[:, 0] ^ q_words[0]) + np.bitwise_count(last[:, 1] ^ q_words[1])
        candidates = np.unique(self._flat_rows[positions[near <= radius]])
        if not len(candidates):
            return []
        distances = np.bitwise_count(self._words[candidates] ^ q_words).sum(axis=1)
        keep = distances <= radius
        rows, distances = candidates[keep], distances[keep]
        order = np.argsort(distances, kind="stable")
        return [(int(self._ids[r]), int(d)) for r, d in zip(rows[order], distances[order], strict=True)]


EMPTY = HashIndex.build([])
