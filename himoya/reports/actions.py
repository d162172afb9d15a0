"""Writes of intake: every channel files reports through ``submit_report``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.models import Case, deadline_for
from himoya.hashes import intake as picture_intake
from himoya.lib import codes
from himoya.links import folding
from himoya.reference.models import HarmCategory, Region, Urgency
from himoya.reports import known
from himoya.reports.models import AgeGroup, Attachment, Report
from himoya.reports.validation import CheckedImage
from himoya.triage.tasks import triage_report


@dataclass
class NewReport:
    """A report that has passed validation (see ``himoya.reports.validation``)."""

    channel: str
    language: str
    narrative: str
    links: list[str] = field(default_factory=list)
    harm: HarmCategory | None = None
    age_group: str = AgeGroup.UNKNOWN
    reporter_role: str = ""
    region: Region | None = None
    contact: str | None = None
    needs_help_now: bool = False
    images: list[CheckedImage] = field(default_factory=list)
    partner: object | None = None
    partner_reference: str = ""
    entered_by: object | None = None


@dataclass(frozen=True)
class Submission:
    report: Report
    case: Case
    code: str  # the reporter's case code: show it once, it is not stored


def initial_urgency(new: NewReport) -> str:
    """Urgency before triage: the harm's default, raised to P1 when help is needed now."""
    if new.needs_help_now:
        return Urgency.P1
    if new.harm is not None:
        return new.harm.default_urgency
    return Urgency.P3


def submit_report(new: NewReport) -> Submission:
    """Open a case for a new report (or join the open case that holds its link, see
    ``himoya.links.folding``) and store it, its attachments and the audit rows at once."""
    code = codes.new_code()
    urgency = initial_urgency(new)
    # Pictures are fingerprinted and matched against hash lists before anything else reads them.
    pictures = picture_intake.check_pictures([image.data for image in new.images])
    if picture_intake.any_match(pictures):
        urgency = Urgency.P1
    with transaction.atomic():
        # A child asking for help now, a picture on a hash list or a restricted harm keeps a case of
        # its own: a case with the same link is only suggested.
        keep_apart = new.needs_help_now or picture_intake.any_match(pictures) or bool(new.harm and new.harm.restricted)
        fold = folding.decide(new.narrative, new.links, keep_apart=keep_apart)
        case = fold.case
        if case is None:
            harm = new.harm or known.harms.get("other") or HarmCategory.objects.get(code="other")
            case = Case(
                urgency=urgency,
                harm=harm,
                language=new.language,
                channel=new.channel,
                region=new.region,
            )
            case.deadline = deadline_for(urgency, case.opened_at)
            case.save()
        report = Report.objects.create(
            case=case,
            code_digest=codes.digest(code),
            channel=new.channel,
            language=new.language,
            narrative=new.narrative,
            links=new.links,
            harm=new.harm,
            age_group=new.age_group,
            reporter_role=new.reporter_role,
            region=new.region,
            contact=new.contact or None,
            needs_help_now=new.needs_help_now,
            partner=new.partner,
            partner_reference=new.partner_reference,
            entered_by=new.entered_by,
        )
        attachments = Attachment.objects.bulk_create(
            Attachment(
                report=report,
                content_type=image.content_type,
                size=len(image.data),
                width=image.width,
                height=image.height,
                sha256=hashlib.sha256(image.data).hexdigest(),
                data=image.data,
            )
            for image in new.images
        )
        picture_intake.record(attachments, pictures, case=case)
        label = f"partner:{new.partner}" if new.partner else "reporter"
        log(
            Action.REPORT_SUBMITTED,
            actor=new.entered_by,
            label="" if new.entered_by else label,
            case=case,
            report=report.pk,
            channel=new.channel,
            attachments=len(new.images),
        )
        folding.record(fold, report)
        # Triage runs in the worker and then announces the case to consoles.
        _enqueue_on_commit(triage_report, report.pk)
    return Submission(report=report, case=case, code=code)


def _enqueue_on_commit(task, *args) -> None:
    """Queue ``task`` so that it runs only if the current transaction commits.

    With the database task backend on the same database the task's row is simply written in
    this transaction: it commits with the report or not at all, and the worker cannot see it
    before. That spares each report a second write transaction, which on SQLite means a
    second turn at the one write lock. Any other backend is called once the transaction
    has committed.
    """
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS:
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
