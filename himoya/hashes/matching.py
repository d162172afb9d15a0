"""Which lists a picture's fingerprint matches."""

from __future__ import annotations

from dataclasses import dataclass

from himoya.hashes import index
from himoya.hashes.models import BankedHash, HashBank
from himoya.triage.engine.hashindex import MAX_RADIUS
from himoya.triage.engine.images import distance


@dataclass(frozen=True, slots=True)
class Found:
    """The nearest listed hash of one list, for one picture."""

    bank: HashBank
    banked_hash: BankedHash
    distance: int


def find_matches(pdq: bytes, quality: int) -> list[Found]:
    """The lists in use that ``pdq`` matches under each list's own distance and quality
    settings, nearest hash per list, nearest list first. Exact: see :mod:`.index`."""
    banks = {bank.pk: bank for bank in HashBank.objects.filter(enabled=True, min_quality__lte=quality)}
    if not banks:
        return []
    radius = min(max(bank.max_distance for bank in banks.values()), MAX_RADIUS)
    loaded = index.current()
    newer = list(_newer_than(loaded.watermark, banks, limit=index.DELTA_LIMIT + 1))
    if len(newer) > index.DELTA_LIMIT:
        loaded = index.fresh()
        newer = list(_newer_than(loaded.watermark, banks, limit=None))
    candidate_ids = {pk for pk, _d in loaded.index.search(pdq, radius)}
    candidate_ids.update(pk for pk, stored in newer if distance(pdq, bytes(stored)) <= radius)
    if not candidate_ids:
        return []
    best: dict[int, Found] = {}
    for row in BankedHash.objects.filter(pk__in=candidate_ids, bank_id__in=banks):
        bank = banks[row.bank_id]
        found = distance(pdq, bytes(row.pdq))
        if found <= bank.max_distance and (row.bank_id not in best or found < best[row.bank_id].distance):
            best[row.bank_id] = Found(bank=bank, banked_hash=row, distance=found)
    return sorted(best.values(), key=lambda f: (f.distance, f.bank.name))


def _newer_than(watermark: int, banks, *, limit: int | None):
    rows = BankedHash.objects.filter(pk__gt=watermark, bank_id__in=banks).order_by("pk").values_list("pk", "pdq")
    return rows if limit is None else rows[:limit]
