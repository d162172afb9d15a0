"""Pictures already stored that a list now matches.

Intake checks each picture against the lists as they are when it arrives. When a list
gains hashes (a supervisor banks a picture, a file is imported) or its settings change, the
pictures already stored are checked against it too, in the task worker: a match is recorded
as at intake, a never-show list quarantines the picture from then on, and the report is
triaged again, so an open case becomes P1 with the list named in its reasons.
"""

from __future__ import annotations

from django.db import transaction

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.hashes.models import BankedHash, HashBank, ImageHash, Match
from himoya.reports.models import Attachment
from himoya.triage.engine.hashindex import MAX_RADIUS, HashIndex


def schedule(bank: HashBank, after_hash_id: int = 0) -> None:
    """Have the worker check stored pictures against ``bank``'s hashes newer than
    ``after_hash_id`` (0: all of them) once the current transaction commits."""
    from himoya.hashes.tasks import match_stored_pictures

    transaction.on_commit(lambda: match_stored_pictures.enqueue(bank.pk, after_hash_id))


def match_stored_pictures(bank_id: int, after_hash_id: int = 0) -> int:
    """Check every stored picture not yet matched to the list; returns how many now match."""
    from himoya.cases.models import Status
    from himoya.triage.tasks import triage_report

    bank = HashBank.objects.filter(pk=bank_id, enabled=True).first()
    if bank is None:
        return 0
    listed = list(BankedHash.objects.filter(bank=bank, pk__gt=after_hash_id).values_list("pk", "pdq"))
    if not listed:
        return 0
    found = HashIndex.build([bytes(pdq) for _pk, pdq in listed], [pk for pk, _pdq in listed])
    radius = min(bank.max_distance, MAX_RADIUS)
    stored = (
        ImageHash.objects.filter(quality__gte=bank.min_quality)
        .exclude(attachment__hash_matches__bank=bank)
        .values_list("attachment_id", "pdq")
    )
    matched = 0
    for attachment_id, pdq in stored.iterator(chunk_size=2000):
        hits = found.search(bytes(pdq), radius)
        if not hits:
            continue
        banked_id, distance = hits[0]
        with transaction.atomic():
            attachment = Attachment.objects.select_related("report__case").get(pk=attachment_id)
            case = attachment.report.case
            Match.objects.create(attachment=attachment, bank=bank, banked_hash_id=banked_id, distance=distance)
            if bank.never_show and ImageHash.objects.filter(attachment=attachment, quarantined=False).update(
                quarantined=True
            ):
                log(Action.ATTACHMENT_QUARANTINED, label="system", case=case, attachment=attachment_id, banks=[bank.pk])
            if case.status != Status.CLOSED:
                report_id = attachment.report_id
                transaction.on_commit(lambda report_id=report_id: triage_report.enqueue(report_id))
        matched += 1
    return matched
