"""Writes to hash lists. Each checks the user's permission, writes, and records the audit
row in the same transaction; every change also tells the processes to refresh their index."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.hashes import csvio, index, rescan
from himoya.hashes.models import BankedHash, BankImport, HashBank, ImageHash, ViewingPreference
from himoya.lib.imports import ImportProgress, ImportStatus
from himoya.triage.engine.images import fingerprint

BANK_FIELDS = ("name", "source", "harm", "never_show", "max_distance", "min_quality", "enabled")
ERRORS_KEPT = 200
_INSERT_BATCH = 5000


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def create_bank(user, **fields) -> HashBank:
    """A new list; ``fields`` are :data:`BANK_FIELDS` (validated by the caller's form)."""
    _require(user, "hashes.add_hashbank")
    with transaction.atomic():
        bank = HashBank.objects.create(**{k: fields[k] for k in BANK_FIELDS if k in fields})
        log(Action.HASH_BANK_CHANGED, actor=user, bank=bank.pk, created=True)
        index.banks_changed()
    return bank


def change_bank(user, bank: HashBank, **fields) -> HashBank:
    """Change a list's settings; only the fields that differ are recorded."""
    _require(user, "hashes.change_hashbank")
    changed = [k for k in BANK_FIELDS if k in fields and getattr(bank, k) != fields[k]]
    if not changed:
        return bank
    with transaction.atomic():
        for key in changed:
            setattr(bank, key, fields[key])
        bank.save(update_fields=[*changed, "updated_at"])
        log(Action.HASH_BANK_CHANGED, actor=user, bank=bank.pk, fields=sorted(changed))
        index.banks_changed()
        rescan.schedule(bank)
    return bank


def start_import(user, bank: HashBank, *, file_name: str, data: bytes) -> BankImport:
    """Keep an uploaded file and have the worker check and apply it (see :func:`run_import`)."""
    from himoya.hashes.tasks import import_hashes

    _require(user, "hashes.change_hashbank")
    with transaction.atomic():
        job = BankImport.objects.create(bank=bank, requested_by=user, file_name=file_name[:200], data=data)
        transaction.on_commit(lambda: import_hashes.enqueue(job.pk))
    return job


def run_import(job: BankImport, progress=lambda p: None) -> BankImport:
    """Check every row of an uploaded file, then apply it whole, or nothing if any row is bad.

    Hashes already on the list are counted and left as they are, so a file can be imported
    again after a fix. ``progress(ImportProgress)`` is called as the work goes on.
    """
    BankImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    progress(ImportProgress("checking", 0, 0))
    parsed = csvio.parse(bytes(job.data))
    job.rows = len(parsed.lines) + parsed.not_positive + len(parsed.errors)
    job.not_positive = parsed.not_positive
    job.error_count = len(parsed.errors)
    job.errors = [error.to_dict() for error in parsed.errors[:ERRORS_KEPT]]
    if parsed.errors:
        return _finish(job, ImportStatus.REFUSED)
    with transaction.atomic():
        bank = HashBank.objects.select_for_update().get(pk=job.bank_id)
        newest_before = BankedHash.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        existing = set(bank.hashes.values_list("pdq", flat=True).iterator(chunk_size=20_000))
        existing = {bytes(value) for value in existing}
        rows = []
        total = len(parsed.labels)
        now = timezone.now()
        for position, label in enumerate(parsed.labels):
            pdq = parsed.hashes[position].tobytes()
            if pdq in existing:
                job.already_listed += 1
                continue
            rows.append(BankedHash(bank=bank, pdq=pdq, label=label, added_by=job.requested_by, added_at=now))
            if len(rows) == _INSERT_BATCH:
                BankedHash.objects.bulk_create(rows)
                rows = []
                progress(ImportProgress("saving", position + 1, total))
        BankedHash.objects.bulk_create(rows)
        job.added = total - job.already_listed
        log(
            Action.HASH_BANK_IMPORTED,
            actor=job.requested_by,
            bank=bank.pk,
            bank_import=job.pk,
            added=job.added,
            already_listed=job.already_listed,
            not_positive=job.not_positive,
            form=parsed.form,
        )
        index.banks_changed()
        rescan.schedule(bank, after_hash_id=newest_before)
        return _finish(job, ImportStatus.DONE)


def _finish(job: BankImport, status: str) -> BankImport:
    job.status = status
    job.data = b""
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "data",
            "finished_at",
            "rows",
            "added",
            "already_listed",
            "not_positive",
            "error_count",
            "errors",
        ]
    )
    return job


def export_rows(user, bank: HashBank):
    """``(pdq, label)`` of every hash on the list, oldest first, read in chunks. Taking a
    copy of a list is audited."""
    _require(user, "hashes.view_hashbank")
    with transaction.atomic():
        log(Action.HASH_BANK_EXPORTED, actor=user, bank=bank.pk)
    return bank.hashes.order_by("id").values_list("pdq", "label").iterator(chunk_size=20_000)


def bank_attachment(user, attachment, bank: HashBank, *, label: str = "") -> BankedHash:
    """Add a case's picture to a list, so the next copy is recognised at intake.

    Needs the ``hashes.bank_attachment`` permission (supervisors) and the right to work the
    case. If the list never shows its pictures, this one is quarantined from now on too.
    """
    case = attachment.report.case
    _require(user, "hashes.bank_attachment")
    if not can_work(user, case):
        raise PermissionDenied
    label = label.strip()[: csvio.LABEL_MAX_CHARS]
    with transaction.atomic():
        image_hash = ImageHash.objects.select_for_update().filter(attachment=attachment).first()
        if image_hash is None:
            image_hash = record_fingerprint(attachment)
        pdq = bytes(image_hash.pdq)
        if image_hash.quality < bank.min_quality:
            raise ValidationError(
                _(
                    "This picture is too plain to be recognised reliably (quality %(quality)s; "
                    "this list needs at least %(min)s)."
                )
                % {"quality": image_hash.quality, "min": bank.min_quality},
                code="low_quality",
            )
        if bank.hashes.filter(pdq=pdq).exists():
            raise ValidationError(
                _("This picture is already on the list “%(bank)s”.") % {"bank": bank.name}, code="listed"
            )
        row = BankedHash.objects.create(bank=bank, pdq=pdq, label=label, added_by=user, added_from=attachment)
        log(Action.ATTACHMENT_BANKED, actor=user, case=case, attachment=attachment.pk, bank=bank.pk)
        if bank.never_show and not image_hash.quarantined:
            image_hash.quarantined = True
            image_hash.save(update_fields=["quarantined"])
            log(Action.ATTACHMENT_QUARANTINED, actor=user, case=case, attachment=attachment.pk, bank=bank.pk)
        index.banks_changed()
        # Earlier copies of the picture, in this case or others, are found in the background.
        rescan.schedule(bank, after_hash_id=row.pk - 1)
    return row


def record_fingerprint(attachment) -> ImageHash:
    """Fingerprint a stored picture that has none (one filed before hashing existed)."""
    found = fingerprint(bytes(attachment.data))
    return ImageHash.objects.create(
        attachment=attachment,
        pdq=found.pdq,
        quality=found.quality,
        md5=found.md5,
        sha256=found.sha256,
        frames=found.frames,
    )


def save_viewing_preference(user, *, blur: bool, greyscale: bool) -> ViewingPreference:
    """A member of staff's own picture settings (their own choice: not case data, not audited)."""
    preference, _created = ViewingPreference.objects.update_or_create(
        user=user, defaults={"blur": blur, "greyscale": greyscale}
    )
    return preference


def viewing_preference(user) -> ViewingPreference:
    """The user's settings, or the safe defaults (blurred, greyscale) if never set."""
    return ViewingPreference.objects.filter(user=user).first() or ViewingPreference(user=user)
