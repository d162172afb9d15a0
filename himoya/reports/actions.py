"""Writes of intake: every channel files reports through ``submit_report``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from himoya.audit.log import audit_entry
from himoya.audit.models import Action
from himoya.cases.models import Case, deadline_for
from himoya.hashes import intake as picture_intake
from himoya.lib import codes
from himoya.lib.rows import insert_rows
from himoya.links import folding
from himoya.reference.models import HarmCategory, Region, Urgency
from himoya.reports import known
from himoya.reports.models import AgeGroup, Attachment, Report
from himoya.reports.validation import CheckedImage
from himoya.triage.tasks import triage_reports


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


@dataclass(frozen=True)
class Prepared:
    """A new report with what is settled before its transaction: its code, its first
    urgency, its pictures' matches against the hash lists and its links' keys (the costly
    parts, done by the caller, not by the writer that stores many reports at once)."""

    new: NewReport
    code: str
    urgency: str
    pictures: list = field(default_factory=list)
    links: list = field(default_factory=list)  # folding.found_links

    @property
    def keep_apart(self) -> bool:
        """A child asking for help now, a picture on a hash list or a restricted harm keeps a
        case of its own: a case with the same link is only suggested."""
        new = self.new
        return new.needs_help_now or picture_intake.any_match(self.pictures) or bool(new.harm and new.harm.restricted)


def prepare(new: NewReport) -> Prepared:
    """Outside any transaction: a code, the links, and pictures fingerprinted and matched
    against hash lists before anything else reads them."""
    pictures = picture_intake.check_pictures([image.data for image in new.images])
    urgency = Urgency.P1 if picture_intake.any_match(pictures) else initial_urgency(new)
    return Prepared(
        new=new,
        code=codes.new_code(),
        urgency=urgency,
        pictures=pictures,
        links=folding.found_links(new.narrative, new.links),
    )


def submit_report(new: NewReport) -> Submission:
    """Open a case for a new report (or join the open case that holds its link, see
    ``himoya.links.folding``) and store it, its attachments and the audit rows at once."""
    return store_reports([prepare(new)])[0]


def store_reports(batch: list[Prepared]) -> list[Submission]:
    """Store prepared reports in one transaction, as ``submit_report`` would one after
    another: a report folds into the case an earlier one of the batch opened. One
    transaction for many reports is what lets intake keep up with a crowd
    (``himoya.reports.intake``): rows of a kind go in together, and one triage task takes
    the batch. All are stored, or none."""
    submissions: list[Submission] = []
    with transaction.atomic():
        # Every link of the batch locked at once, in one order (PostgreSQL; see folding.lock).
        folding.lock(sorted({key for item in batch for key in folding.certain_keys(item.links)}))
        for run in _runs(batch):
            submissions += _store_run(run)
        # Triage runs in the worker and then announces the cases to consoles.
        _enqueue_on_commit(triage_reports, [submission.report.pk for submission in submissions])
    return submissions


def _runs(batch: list[Prepared]):
    """The batch in order, cut where a report shares a link key with an earlier one of its
    run: within a run no report's fold depends on another's, so a run is decided and stored
    at once, and the next run sees it stored."""
    run: list[Prepared] = []
    seen: set[tuple[str, str]] = set()
    for item in batch:
        keys = folding.key_set(item.links)
        if keys & seen:
            yield run
            run, seen = [], set()
        run.append(item)
        seen |= keys
    if run:
        yield run


def _label(report: Report) -> str:
    if report.entered_by_id:
        return ""
    return f"partner:{report.partner}" if report.partner_id else "reporter"


def _store_run(run: list[Prepared]) -> list[Submission]:
    folds = folding.decide([(item.links, item.keep_apart) for item in run])
    cases = [fold.case or _new_case(item) for item, fold in zip(run, folds, strict=True)]
    insert_rows([case for case, fold in zip(cases, folds, strict=True) if fold.case is None], returning=True)
    reports = [
        Report(
            case=case,
            code_digest=codes.digest(item.code),
            channel=item.new.channel,
            language=item.new.language,
            narrative=item.new.narrative,
            links=item.new.links,
            harm=item.new.harm,
            age_group=item.new.age_group,
            reporter_role=item.new.reporter_role,
            region=item.new.region,
            contact=item.new.contact or None,
            needs_help_now=item.new.needs_help_now,
            partner=item.new.partner,
            partner_reference=item.new.partner_reference,
            entered_by=item.new.entered_by,
        )
        for item, case in zip(run, cases, strict=True)
    ]
    insert_rows(reports, returning=True)
    for item, report, case in zip(run, reports, cases, strict=True):
        if item.new.images:
            _store_pictures(item, report, case)
    insert_rows(
        [
            audit_entry(
                Action.REPORT_SUBMITTED,
                actor=item.new.entered_by,
                label=_label(report),
                case=case,
                report=report.pk,
                channel=report.channel,
                attachments=len(item.new.images),
            )
            for item, report, case in zip(run, reports, cases, strict=True)
        ]
    )
    folding.record(folds, reports)
    return [
        Submission(report=report, case=case, code=item.code)
        for item, report, case in zip(run, reports, cases, strict=True)
    ]


def _new_case(item: Prepared) -> Case:
    new = item.new
    harm = new.harm or known.harms.get("other") or HarmCategory.objects.get(code="other")
    case = Case(urgency=item.urgency, harm=harm, language=new.language, channel=new.channel, region=new.region)
    case.deadline = deadline_for(item.urgency, case.opened_at)
    return case


def _store_pictures(item: Prepared, report: Report, case: Case) -> None:
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
        for image in item.new.images
    )
    picture_intake.record(attachments, item.pictures, case=case)


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
