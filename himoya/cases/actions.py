"""Every change to a case, by anyone and through any channel, goes through these.

Each function checks first, then writes, then records an audit row in the same
transaction. Views, the API, the bot and management commands all call these.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.models import Case, Note, Outcome, Status
from himoya.cases.tasks import announce_case


class CaseConflict(Exception):
    """The case changed under the caller (for example, someone else claimed it)."""


def _check_can_work(user, case: Case) -> None:
    if not can_work(user, case):
        raise PermissionDenied


def view_case(case: Case, user) -> None:
    """Record that ``user`` opened the case. Call whenever case data is shown to staff."""
    with transaction.atomic():
        log(Action.CASE_VIEWED, actor=user, case=case)


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
    """Reopen a closed case; with no ``user`` it is the reporter writing again."""
    if user is not None:
        _check_can_work(user, case)
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
