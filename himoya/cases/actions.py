"""Every change to a case, by anyone and through any channel, goes through these.

Each function checks first, then writes, then records an audit row in the same
transaction. Views, the API, the bot and management commands all call these.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.models import URGENCY_ORDER, Case, Note, Outcome, Status
from himoya.cases.tasks import announce_case


class CaseConflict(Exception):
    """The case changed under the caller (for example, someone else claimed it)."""


class CaseRefused(Exception):
    """The case is not in a state that allows the action. ``str()`` is a translated message for staff."""


# What a merged case hands to the case it is merged into: everything hanging off it except
# its own audit trail, which stays where it happened, and the suggestions that it may be a
# duplicate, which the merge settles (``_settle_possible_duplicates``).
# tests/test_merge_split.py fails when a new relation to Case is in none of these, so each
# new one is decided here.
MOVED_ON_MERGE = ("reports", "messages", "notes", "signals", "corrections", "referrals", "merged_cases")
KEPT_ON_MERGE = ("audit_entries",)
SETTLED_ON_MERGE = ("possible_duplicates",)


def _check_can_work(user, case: Case) -> None:
    if not can_work(user, case):
        raise PermissionDenied


def view_case(case: Case, user) -> None:
    """Record that ``user`` opened the case. Call whenever case data is shown to staff."""
    with transaction.atomic():
        log(Action.CASE_VIEWED, actor=user, case=case)


def view_queue(user, page: str, filters: dict) -> None:
    """Record that ``user`` opened a list of cases (``page``: "queue" or "shift") and with
    which filters. The live redraws that follow are not recorded again."""
    shown = {name: str(value)[:60] for name, value in filters.items()}
    with transaction.atomic():
        log(Action.QUEUE_VIEWED, actor=user, page=page, filters=shown)


def claim_case(case: Case, user) -> Case:
    """Make ``user`` the case's assignee; raises CaseConflict if someone holds it already.

    The conditional UPDATE makes two simultaneous claims safe: exactly one matches.
    """
    _check_can_work(user, case)
    with transaction.atomic():
        taken = Case.objects.filter(pk=case.pk, assignee__isnull=True).exclude(status=Status.CLOSED)
        if not taken.update(assignee=user, status=Status.OPEN, updated_at=timezone.now()):
            raise CaseConflict("the case is already held by someone or is closed")
        log(Action.CASE_CLAIMED, actor=user, case=case)
    case.refresh_from_db()
    transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return case


def release_case(case: Case, user) -> Case:
    _check_can_work(user, case)
    if case.assignee_id != user.pk and not user.has_perm("cases.assign_case"):
        raise PermissionDenied
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assignee=None, updated_at=timezone.now())
        log(Action.CASE_RELEASED, actor=user, case=case)
    case.refresh_from_db()
    transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return case


def assign_case(case: Case, user, assignee) -> Case:
    """A supervisor hands the case to ``assignee`` (who must be able to work it)."""
    if not user.has_perm("cases.assign_case"):
        raise PermissionDenied
    if not can_work(assignee, case):
        raise PermissionDenied
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assignee=assignee, status=Status.OPEN, updated_at=timezone.now())
        log(Action.CASE_ASSIGNED, actor=user, case=case, assignee=assignee.pk)
    case.refresh_from_db()
    transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return case


def add_note(case: Case, user, text: str) -> Note:
    _check_can_work(user, case)
    with transaction.atomic():
        note = Note.objects.create(case=case, author=user, text=text)
        log(Action.NOTE_ADDED, actor=user, case=case, note=note.pk)
    return note


def close_case(case: Case, user, outcome: str) -> Case:
    _check_can_work(user, case)
    if outcome not in Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    with transaction.atomic():
        case.status = Status.CLOSED
        case.outcome = outcome
        case.closed_at = timezone.now()
        case.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
        log(Action.CASE_CLOSED, actor=user, case=case, outcome=outcome)
    transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return case


def reopen_case(case: Case, user=None) -> Case:
    """Reopen a closed case; with no ``user`` it is the reporter writing again.

    A merged case stays closed: its reports and conversations live on in the case it was merged into.
    """
    if user is not None:
        _check_can_work(user, case)
    check_not_merged(case)
    with transaction.atomic():
        case.status = Status.OPEN
        case.outcome = ""
        case.closed_at = None
        case.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
        log(Action.CASE_REOPENED, actor=user, label="" if user else "reporter", case=case)
    transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return case


def view_attachment(case: Case, user, attachment) -> None:
    with transaction.atomic():
        log(Action.ATTACHMENT_VIEWED, actor=user, case=case, attachment=attachment.pk)


def check_not_merged(case: Case) -> None:
    """Refuse work on a merged case: it is closed for good, its reports live in another case."""
    if case.merged_into_id is not None:
        raise CaseRefused(
            _("This case was merged into %(ref)s. Work on that case.") % {"ref": f"#{case.merged_into_id}"}
        )


def set_outcome(case: Case, user, outcome: str) -> Case:
    """Change the outcome of a closed case (an open case gets its outcome when it is closed).

    The audit row keeps the new outcome and the one it replaces.
    """
    _check_can_work(user, case)
    if outcome not in Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    check_not_merged(case)
    if case.status != Status.CLOSED:
        raise CaseRefused(_("Only a closed case has an outcome to change. Close the case to set one."))
    previous = case.outcome
    if outcome == previous:
        return case
    with transaction.atomic():
        case.outcome = outcome
        case.save(update_fields=["outcome", "updated_at"])
        log(Action.CASE_OUTCOME_CHANGED, actor=user, case=case, outcome=outcome, previous=previous)
    transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return case


def _more_urgent(a: str, b: str) -> str:
    return a if URGENCY_ORDER.index(a) <= URGENCY_ORDER.index(b) else b


def merge_cases(case: Case, other: Case, user, *, survivor: Case | None = None) -> Case:
    """Fold two cases about the same harm into one; returns the case that survives.

    ``survivor`` is one of the two (default: the older). Reports, with their codes and
    conversations, and everything else in ``MOVED_ON_MERGE`` move to it, so every reporter
    keeps reaching their own conversation. The survivor takes the more urgent urgency and
    the earlier deadline, and a restricted harm if either case had one, so no report is
    shown more widely than before. The other case is closed as a duplicate pointing to the
    survivor. Both cases record the merge.
    """
    if case.pk == other.pk:
        raise CaseRefused(_("A case cannot be merged with itself."))
    _check_can_work(user, case)
    _check_can_work(user, other)
    if survivor is None:
        survivor = min(case, other, key=lambda c: (c.opened_at, c.pk))
    elif survivor.pk not in (case.pk, other.pk):
        raise ValueError("the survivor must be one of the two cases")
    merged_pk = other.pk if survivor.pk == case.pk else case.pk
    with transaction.atomic():
        # Both rows locked in a fixed order, then read again: what was checked still holds.
        locked = {
            c.pk: c
            for c in Case.objects.select_for_update(of=("self",))
            .select_related("harm")
            .filter(pk__in=[case.pk, other.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise CaseRefused(_("One of the cases no longer exists."))
        keep, gone = locked[survivor.pk], locked[merged_pk]
        for row in (keep, gone):
            check_not_merged(row)
        reports = list(gone.reports.values_list("pk", flat=True))
        for name in MOVED_ON_MERGE:
            field = Case._meta.get_field(name).field
            getattr(gone, name).all().update(**{field.name: keep})
        _settle_possible_duplicates(keep, gone)
        reopened = keep.status == Status.CLOSED and gone.status != Status.CLOSED
        _absorb(keep, gone, reopened=reopened)
        gone.status = Status.CLOSED
        gone.outcome = Outcome.DUPLICATE
        gone.closed_at = timezone.now()
        gone.merged_into = keep
        gone.save(update_fields=["status", "outcome", "closed_at", "merged_into", "updated_at"])
        log(Action.CASE_MERGED, actor=user, case=keep, merged=gone.pk, reports=reports, reopened=reopened)
        log(Action.CASE_MERGED, actor=user, case=gone, into=keep.pk, reports=reports)
    for pk in (keep.pk, gone.pk):
        transaction.on_commit(lambda pk=pk: announce_case.enqueue(pk))
    return keep


def _settle_possible_duplicates(keep: Case, gone: Case) -> None:
    """Suggestions that ``gone`` may duplicate another case: the one between the two merged
    cases is answered and goes; the others now concern ``keep``, which holds the reports
    they were about, unless ``keep`` has the same suggestion already.
    """
    from himoya.links.models import PossibleDuplicate

    pairs = {
        frozenset(pair)
        for pair in PossibleDuplicate.objects.filter(Q(case=keep) | Q(other=keep)).values_list("case_id", "other_id")
    }
    for row in PossibleDuplicate.objects.filter(Q(case=gone) | Q(other=gone)):
        third = row.other_id if row.case_id == gone.pk else row.case_id
        if third == keep.pk or frozenset((keep.pk, third)) in pairs:
            row.delete()
            continue
        if row.case_id == gone.pk:
            row.case = keep
        else:
            row.other = keep
        row.save(update_fields=["case", "other"])
        pairs.add(frozenset((keep.pk, third)))


def _absorb(keep: Case, gone: Case, *, reopened: bool) -> None:
    """The surviving case's own fields after taking in ``gone``. Call inside the merge's transaction."""
    keep.urgency = _more_urgent(keep.urgency, gone.urgency)
    keep.deadline = min(keep.deadline, gone.deadline)
    keep.opened_at = min(keep.opened_at, gone.opened_at)
    if gone.harm.restricted and not keep.harm.restricted:
        keep.harm = gone.harm
    keep.triage_overridden = keep.triage_overridden or gone.triage_overridden
    responses = [at for at in (keep.first_response_at, gone.first_response_at) if at is not None]
    keep.first_response_at = min(responses, default=None)
    keep.assignee_id = keep.assignee_id or gone.assignee_id
    if reopened:
        keep.status, keep.outcome, keep.closed_at = Status.OPEN, "", None
    elif keep.status == Status.NEW and gone.status == Status.OPEN:
        keep.status = Status.OPEN
    keep.save(
        update_fields=[
            "urgency",
            "deadline",
            "opened_at",
            "harm",
            "triage_overridden",
            "first_response_at",
            "assignee",
            "status",
            "outcome",
            "closed_at",
            "updated_at",
        ]
    )


def split_report(report, user) -> Case:
    """Move one report of a case that holds several into a new case of its own; returns it.

    The report's reporter keeps their code (it belongs to the report) and their
    conversation and triage signals go with it. Notes, corrections and referrals stay: they
    were written about the case as it was. The new case starts with the old one's harm,
    urgency and deadline, so nothing becomes less urgent or less restricted by moving;
    correct them on the new case if they differ.
    """
    from himoya.conversations.models import Message
    from himoya.reports.models import Report
    from himoya.triage.models import Signal

    case = Case.objects.select_related("harm").get(reports=report)
    _check_can_work(user, case)
    check_not_merged(case)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.case_id != case.pk:
            raise CaseRefused(_("That report has just moved to another case."))
        if case.reports.count() < 2:
            raise CaseRefused(_("This is the case's only report, so there is nothing to split it from."))
        new = Case.objects.create(
            harm=case.harm,
            urgency=case.urgency,
            deadline=case.deadline,
            language=report.language,
            channel=report.channel,
            region=report.region,
            opened_at=report.received_at,
        )
        Report.objects.filter(pk=report.pk).update(case=new)
        Message.objects.filter(report=report).update(case=new)
        Signal.objects.filter(Q(report=report) | Q(message__report=report)).update(case=new)
        case.save(update_fields=["updated_at"])
        log(Action.REPORT_SPLIT, actor=user, case=case, report=report.pk, new_case=new.pk)
        log(Action.REPORT_SPLIT, actor=user, case=new, report=report.pk, from_case=case.pk)
    for pk in (case.pk, new.pk):
        transaction.on_commit(lambda pk=pk: announce_case.enqueue(pk))
    return new
