"""Pictures at intake: fingerprinted and matched before anything else reads them.

``submit_report`` calls :func:`check_pictures` before it opens its transaction (hashing
takes milliseconds per picture and must not hold the database's write lock), creates the
case with :func:`initial_urgency` in mind, and calls :func:`record` inside its transaction
once the attachments exist, so fingerprints, quarantine, matches and audit rows are
written with the report or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.hashes.matching import Found, find_matches
from himoya.hashes.models import ImageHash, Match
from himoya.triage.engine.images import Fingerprint, fingerprint


@dataclass(frozen=True)
class CheckedPicture:
    fingerprint: Fingerprint
    matches: list[Found]

    @property
    def quarantine(self) -> bool:
        return any(found.bank.never_show for found in self.matches)


def check_pictures(data: Sequence[bytes]) -> list[CheckedPicture]:
    """Fingerprint each picture (already validated) and find the lists it matches."""
    pictures = []
    for item in data:
        found = fingerprint(item)
        pictures.append(CheckedPicture(found, find_matches(found.pdq, found.quality)))
    return pictures


def any_match(pictures: Sequence[CheckedPicture]) -> bool:
    return any(picture.matches for picture in pictures)


def record(attachments: Sequence, pictures: Sequence[CheckedPicture], *, case) -> None:
    """Store fingerprints and matches of newly created attachments. Call inside the
    transaction that created them, with ``pictures`` in the same order."""
    ImageHash.objects.bulk_create(
        ImageHash(
            attachment=attachment,
            pdq=picture.fingerprint.pdq,
            quality=picture.fingerprint.quality,
            md5=picture.fingerprint.md5,
            sha256=picture.fingerprint.sha256,
            frames=picture.fingerprint.frames,
            quarantined=picture.quarantine,
        )
        for attachment, picture in zip(attachments, pictures, strict=True)
    )
    Match.objects.bulk_create(
        Match(attachment=attachment, bank=found.bank, banked_hash=found.banked_hash, distance=found.distance)
        for attachment, picture in zip(attachments, pictures, strict=True)
        for found in picture.matches
    )
    for attachment, picture in zip(attachments, pictures, strict=True):
        if picture.quarantine:
            banks = [found.bank.pk for found in picture.matches if found.bank.never_show]
            log(Action.ATTACHMENT_QUARANTINED, label="system", case=case, attachment=attachment.pk, banks=banks)


def report_matches(reports) -> list[Match]:
    """The hash matches of the pictures of ``reports`` (a list or a query of reports), for
    triage, nearest first; each carries its ``report_id``."""
    return list(
        Match.objects.filter(attachment__report__in=reports)
        .annotate(report_id=F("attachment__report_id"))
        .select_related("bank", "bank__harm")
        .order_by("distance", "id")
    )
