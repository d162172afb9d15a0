"""The Django-free picture hashing and the hash index: same hashes as python-threatexchange,
copies found, exact radius search at any size, safe to share between threads."""

from __future__ import annotations

import hashlib
import io
import threading

import numpy as np
import pdqhash
import pytest
from PIL import Image

from himoya.triage.engine import images
from himoya.triage.engine.hashindex import MAX_RADIUS, HashIndex
from tests import pictures


def test_the_hex_form_is_the_one_python_threatexchange_writes():
    data = pictures.png(1)
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    bits, quality = pdqhash.compute(rgb)
    # pdq_hasher._pdq_from_numpy_array: the bits as a binary string, read as one number.
    expected = f"{int(''.join(str(b) for b in bits), 2):064x}"
    found = images.fingerprint(data)
    assert found.pdq_hex == expected
    assert found.quality == quality


def test_a_fingerprint_keeps_digests_size_format_and_frames():
    data = pictures.png(3, size=(300, 200))
    found = images.fingerprint(data)
    assert len(found.pdq) == 32
    assert (found.width, found.height, found.format, found.frames) == (300, 200, "PNG", 1)
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert found.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_a_resized_jpeg_copy_is_near_and_another_picture_is_far():
    original = images.fingerprint(pictures.png(5))
    copy = images.fingerprint(pictures.copy_of(5))
    other = images.fingerprint(pictures.png(6))
    assert images.distance(original.pdq, copy.pdq) <= 31
    assert images.distance(original.pdq, other.pdq) > 90
    assert original.quality >= 50 and copy.quality >= 50


def test_a_flat_picture_has_no_quality_to_match_on():
    assert images.fingerprint(pictures.plain_png()).quality < 50


def test_an_animated_gif_is_hashed_on_its_first_frame():
    found = images.fingerprint(pictures.animated_gif(frames=5))
    first = Image.open(io.BytesIO(pictures.animated_gif(frames=5))).convert("RGB")
    assert found.frames == 5
    assert found.pdq == images.pdq_of_image(first)[0]


def test_a_very_large_picture_is_reduced_before_hashing_and_still_matches_its_copy():
    big = pictures.scene(9, size=(4000, 3000))
    small = big.resize((800, 600), Image.Resampling.BILINEAR)
    assert images.distance(images.pdq_of_image(big)[0], images.pdq_of_image(small)[0]) <= 31


def test_undecodable_bytes_raise_value_error():
    with pytest.raises(ValueError):
        images.fingerprint(b"not a picture")


@pytest.mark.parametrize("text, problem", [("ab" * 31, "length"), ("zz" * 32, "hex"), ("", "length")])
def test_parse_hex_says_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        images.parse_hex(text)


def test_a_still_is_a_single_small_frame_without_metadata():
    data = pictures.png_with_script_in_metadata("<script>alert(1)</script>")
    body, content_type = images.still(data, 100)
    assert content_type == "image/jpeg"
    assert b"<script" not in body
    assert max(Image.open(io.BytesIO(body)).size) == 100
    gif_body, _type = images.still(pictures.animated_gif(), 480)
    assert getattr(Image.open(io.BytesIO(gif_body)), "n_frames", 1) == 1


def _random_hashes(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(count, 32), dtype=np.uint8)


def _near(code: np.ndarray, flips: int, rng) -> bytes:
    bits = np.unpackbits(code)
    bits[rng.choice(256, size=flips, replace=False)] ^= 1
    return np.packbits(bits).tobytes()


def _brute_force(hashes: np.ndarray, query: bytes, radius: int) -> list[tuple[int, int]]:
    q = np.frombuffer(query, dtype=np.uint8)
    distances = np.unpackbits(hashes ^ q, axis=1).sum(axis=1)
    return sorted((int(i), int(d)) for i, d in enumerate(distances) if d <= radius)


@pytest.mark.parametrize("radius", [0, 8, 15, 16, 31, 32, 47, 63])
def test_the_index_finds_exactly_what_brute_force_finds(radius):
    hashes = _random_hashes(5000, seed=radius)
    index = HashIndex.build(hashes)
    rng = np.random.default_rng(radius + 1)
    for _ in range(40):
        target = hashes[rng.integers(len(hashes))]
        query = _near(target, int(rng.integers(0, radius + 6)), rng)
        assert sorted(index.search(query, radius)) == _brute_force(hashes, query, radius)


def test_results_are_nearest_first_with_the_callers_ids():
    hashes = _random_hashes(100, seed=1)
    index = HashIndex.build(hashes, ids=[1000 + n for n in range(100)])
    query = hashes[42].tobytes()
    twin = bytearray(query)
    twin[0] ^= 0b111
    both = HashIndex.build(np.vstack([hashes, np.frombuffer(bytes(twin), np.uint8)]), ids=[*range(100), 7])
    assert index.search(query) == [(1042, 0)]
    assert both.search(query) == [(42, 0), (7, 3)]


def test_an_empty_index_finds_nothing_and_bad_queries_are_refused():
    empty = HashIndex.build([])
    assert len(empty) == 0 and empty.search(bytes(32)) == []
    index = HashIndex.build(_random_hashes(10, seed=2))
    with pytest.raises(ValueError):
        index.search(b"short")
    with pytest.raises(ValueError):
        index.search(bytes(32), MAX_RADIUS + 1)
    with pytest.raises(ValueError):
        HashIndex.build([b"too short"])


def test_the_index_arrays_cannot_be_changed_after_building():
    index = HashIndex.build(_random_hashes(10, seed=3))
    with pytest.raises(ValueError):
        index._words[0, 0] = 1


def test_many_threads_can_search_one_index_at_once():
    hashes = _random_hashes(20_000, seed=4)
    index = HashIndex.build(hashes)
    rng = np.random.default_rng(5)
    queries = [_near(hashes[i], 20, rng) for i in rng.integers(0, len(hashes), size=200)]
    expected = [index.search(q) for q in queries]
    results: dict[int, list] = {}

    def work(worker: int) -> None:
        results[worker] = [index.search(q) for q in queries]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(found == expected for found in results.values())
