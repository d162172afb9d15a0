"""Benchmark of picture hashing and hash-list lookups, with python-threatexchange beside it.

    .venv/bin/python benchmarks/hashing.py [--sizes 100000,1000000] [--planted 1000]

Prints, in one run, on one core (the process is pinned to a single CPU, with OpenMP and
BLAS held to one thread and faiss told the same):

* PDQ hashes per CPU-second for 1-megapixel pictures (gradient + noise + shapes): from
  decoded pixels (the hash itself) and from JPEG bytes (what intake does: decode, hash,
  MD5 and SHA-256);
* for each bank size, random 256-bit hashes with ``--planted`` near-duplicates planted
  (each query is a listed hash with 0-31 of its bits flipped), plus as many queries that
  match nothing: lookup p50/p99 over all queries at distance <= 31, recall of the planted
  ones (must be 100%), build time and memory, for
  - Himoya's index (``himoya/triage/engine/hashindex.py``),
  - faiss' ``IndexBinaryMultiHash`` (16 tables of 16 bits, one flipped bit), called directly,
  - python-threatexchange's ``PDQIndex`` (the same faiss index behind its own wrapper:
    what HMA uses), called as HMA calls it, one hex hash per query.

Memory: Himoya's figure is the exact size of the index's numpy arrays (``nbytes``); faiss'
is the length of ``faiss.serialize_index_binary`` (its own size, since tracemalloc does not
see C++ allocations). The growth of the process's resident memory while each index was
built is printed beside both, as a cross-check.

Ends with one line of JSON. A figure that could not be measured is null, with the reason
printed above it.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from himoya.triage.engine.hashindex import HashIndex  # noqa: E402
from himoya.triage.engine.images import fingerprint, pdq_of_array  # noqa: E402

RADIUS = 31
SEED = 20240611


def log(message: str) -> None:
    print(message, flush=True)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def pin_to_one_core() -> int:
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})
    return cpu


# --- hashing ------------------------------------------------------------------------


def megapixel_picture(seed: int) -> Image.Image:
    """1000 x 1000: a gradient, noise and a few shapes, so PDQ has detail to work on."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:1000, 0:1000]
    base = np.stack([(x * 255 / 999), (y * 255 / 999), ((x + y) * 127 / 999)], axis=-1)
    noisy = np.clip(base + rng.normal(0, 24, size=base.shape), 0, 255).astype(np.uint8)
    image = Image.fromarray(noisy, "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0, width, height = (int(v) for v in (*rng.integers(0, 900, size=2), *rng.integers(40, 300, size=2)))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        draw.ellipse((x0, y0, x0 + width, y0 + height), fill=colour)
    return image


def measure_hashing(count: int) -> dict:
    pictures = [megapixel_picture(SEED + n) for n in range(count)]
    arrays = [np.asarray(p) for p in pictures]
    jpegs = []
    for picture in pictures:
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=90)
        jpegs.append(buffer.getvalue())
    pdq_of_array(arrays[0])  # warm up
    start = time.process_time()
    rounds = 0
    while time.process_time() - start < 3.0:
        for array in arrays:
            pdq_of_array(array)
        rounds += 1
    per_s = rounds * len(arrays) / (time.process_time() - start)
    start = time.process_time()
    rounds = 0
    while time.process_time() - start < 3.0:
        for data in jpegs:
            fingerprint(data)
        rounds += 1
    from_jpeg = rounds * len(jpegs) / (time.process_time() - start)
    qualities = [pdq_of_array(a)[1] for a in arrays]
    log(f"PDQ on 1-megapixel pictures, one core: {per_s:.1f} hashes/s from pixels, {from_jpeg:.1f}/s from JPEG bytes")
    log(f"  (PDQ quality of these pictures: {min(qualities)}-{max(qualities)})")
    return {"pdq_hashes_per_s": round(per_s, 1), "pdq_from_jpeg_per_s": round(from_jpeg, 1)}


# --- lookups ------------------------------------------------------------------------


def make_bank(size: int, planted: int, seed: int):
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    targets = rng.choice(size, size=planted, replace=False)
    queries = []
    for target in targets:
        bits = np.unpackbits(hashes[target])
        flips = rng.choice(256, size=int(rng.integers(0, RADIUS + 1)), replace=False)
        bits[flips] ^= 1
        queries.append(np.packbits(bits).tobytes())
    misses = [rng.integers(0, 256, size=32, dtype=np.uint8).tobytes() for _ in range(planted)]
    return hashes, [int(t) for t in targets], queries, misses


def time_queries(search, planted: list[bytes], targets: list[int], misses: list[bytes]) -> dict:
    times = []
    found = 0
    order = [(q, t) for q, t in zip(planted, targets, strict=True)] + [(q, None) for q in misses]
    np.random.default_rng(SEED).shuffle(order)
    for query, target in order:
        start = time.perf_counter()
        ids = search(query)
        times.append((time.perf_counter() - start) * 1000)
        if target is not None and target in ids:
            found += 1
    return {
        "p50_ms": round(percentile(times, 50), 3),
        "p99_ms": round(percentile(times, 99), 3),
        "recall": found / len(planted),
    }


def himoya_round(hashes, targets, planted, misses) -> dict:
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = HashIndex.build(hashes)
    built = time.perf_counter() - start
    grew = rss_mb() - before
    result = time_queries(lambda q: {i for i, _d in index.search(q, RADIUS)}, planted, targets, misses)
    result.update(build_s=round(built, 2), index_mb=round(index.nbytes / 1e6, 1), rss_growth_mb=round(grew, 1))
    return result


def faiss_round(hashes, targets, planted, misses) -> dict:
    import faiss

    faiss.omp_set_num_threads(1)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = RADIUS // 16
    index.add(hashes)
    built = time.perf_counter() - start
    grew = rss_mb() - before
    size = len(faiss.serialize_index_binary(index))

    def search(query: bytes) -> set[int]:
        limits, _distances, ids = index.range_search(np.frombuffer(query, dtype=np.uint8).reshape(1, 32), RADIUS + 1)
        return set(ids[limits[0] : limits[1]].tolist())

    result = time_queries(search, planted, targets, misses)
    result.update(build_s=round(built, 2), index_mb=round(size / 1e6, 1), rss_growth_mb=round(grew, 1))
    return result


def threatexchange_round(hashes, targets, planted, misses) -> dict:
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)
    hexes = [row.tobytes().hex() for row in hashes]
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = PDQIndex(entries=((h, n) for n, h in enumerate(hexes)))
    built = time.perf_counter() - start
    grew = rss_mb() - before
    del hexes
    size = len(faiss.serialize_index_binary(index.index.faiss_index))
    result = time_queries(lambda q: {m.metadata for m in index.query(q.hex())}, planted, targets, misses)
    result.update(build_s=round(built, 2), index_mb=round(size / 1e6, 1), rss_growth_mb=round(grew, 1))
    return result


def run_peer(name: str, round_fn, *args) -> dict | None:
    try:
        return round_fn(*args)
    except ImportError as exc:
        log(f"  {name}: not measured ({exc}); install with .venv/bin/pip install -r benchmarks/requirements.txt")
        return None


def describe(name: str, result: dict | None) -> None:
    if result is None:
        return
    log(
        f"  {name:<28} p50 {result['p50_ms']:7.3f} ms  p99 {result['p99_ms']:7.3f} ms"
        f"  recall {result['recall']:.1%}  build {result['build_s']:6.2f} s"
        f"  index {result['index_mb']:7.1f} MB  (RSS +{result['rss_growth_mb']:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="bank sizes, comma-separated")
    parser.add_argument("--planted", type=int, default=1000, help="near-duplicates planted per bank")
    parser.add_argument("--pictures", type=int, default=8, help="1-megapixel pictures to hash")
    args = parser.parse_args()
    cpu = pin_to_one_core()
    log(f"Pinned to CPU {cpu}; load average {os.getloadavg()[0]:.2f} (the machine is shared)")

    figures = measure_hashing(args.pictures)
    by_size: dict[int, dict] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        log(f"\nBank of {size:,} random hashes; {args.planted} planted near-duplicates (0-31 bits), as many misses")
        data = make_bank(size, args.planted, SEED + size)
        rounds = {
            "himoya": himoya_round(*data),
            "faiss": run_peer("faiss IndexBinaryMultiHash", faiss_round, *data),
            "threatexchange": run_peer("threatexchange PDQIndex", threatexchange_round, *data),
        }
        describe("Himoya HashIndex", rounds["himoya"])
        describe("faiss IndexBinaryMultiHash", rounds["faiss"])
        describe("threatexchange PDQIndex", rounds["threatexchange"])
        by_size[size] = rounds
        del data
        gc.collect()

    def pick(size: int, who: str, key: str):
        result = by_size.get(size, {}).get(who)
        return None if result is None else result[key]

    recalls = [r["recall"] for rounds in by_size.values() for r in (rounds["himoya"],)]
    summary = {
        "pdq_hashes_per_s": figures["pdq_hashes_per_s"],
        "pdq_from_jpeg_per_s": figures["pdq_from_jpeg_per_s"],
        "lookup_p50_ms_100k": pick(100_000, "himoya", "p50_ms"),
        "lookup_p99_ms_100k": pick(100_000, "himoya", "p99_ms"),
        "lookup_p50_ms_1m": pick(1_000_000, "himoya", "p50_ms"),
        "lookup_p99_ms_1m": pick(1_000_000, "himoya", "p99_ms"),
        "index_mb_1m": pick(1_000_000, "himoya", "index_mb"),
        "recall": min(recalls) if recalls else None,
        "faiss_lookup_p50_ms_1m": pick(1_000_000, "faiss", "p50_ms"),
        "threatexchange_lookup_p50_ms_1m": pick(1_000_000, "threatexchange", "p50_ms"),
    }
    log("")
    targets = [
        ("lookup p50 at 1M <= 5 ms", summary["lookup_p50_ms_1m"], lambda v: v <= 5),
        ("index at 1M <= 1 GB", summary["index_mb_1m"], lambda v: v <= 1000),
        ("recall 100%", summary["recall"], lambda v: v == 1.0),
        (
            "faster than threatexchange at 1M",
            summary["threatexchange_lookup_p50_ms_1m"],
            lambda v: summary["lookup_p50_ms_1m"] is not None and summary["lookup_p50_ms_1m"] < v,
        ),
    ]
    for name, value, ok in targets:
        log(f"target {name}: {'not measured' if value is None else ('met' if ok(value) else 'MISSED')}")
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
