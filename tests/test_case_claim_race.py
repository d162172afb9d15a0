"""Two operators claiming the same case at the same moment: exactly one gets it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from himoya.audit.models import Action, AuditEntry
from himoya.cases.actions import CaseConflict, claim_case
from himoya.cases.models import Case, Status


def _claim(case_pk: int, user, start: threading.Barrier | None) -> str:
    try:
        case = Case.objects.get(pk=case_pk)
        if start is not None:
            start.wait(timeout=10)
        claim_case(case, user)
        return "claimed"
    except CaseConflict:
        return "conflict"


def _race(case_pk: int, users) -> dict[str, str]:
    """Each user claims from their own thread and database connection, released together.

    SQLite's in-memory test database cannot take two writers from two threads, so there
    the claims run one after the other; the guarantee is the same conditional UPDATE.
    """
    if connection.vendor != "postgresql":
        return {user.username: _claim(case_pk, user, None) for user in users}
    start = threading.Barrier(len(users))
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(user):
        try:
            results[user.username] = _claim(case_pk, user, start)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_operators_cannot_both_claim_a_case(operator, operator2, file_report):
    for _round in range(5):
        case = file_report().case
        results = _race(case.pk, [operator, operator2])
        assert sorted(results.values()) == ["claimed", "conflict"], results
        winner = next(name for name, outcome in results.items() if outcome == "claimed")
        case.refresh_from_db()
        assert case.assignee.username == winner
        assert case.status == Status.OPEN
        [entry] = AuditEntry.objects.filter(case=case, action=Action.CASE_CLAIMED)
        assert entry.actor.username == winner


@pytest.mark.django_db
def test_the_second_operator_is_told_someone_else_took_the_case(file_report, operator, operator2, staff_client):
    case = file_report().case
    assert staff_client(operator).post(f"/en/staff/cases/{case.pk}/claim/").status_code == 302
    late = staff_client(operator2)
    response = late.post(f"/en/staff/cases/{case.pk}/claim/", follow=True)
    assert "Someone else has just taken this case." in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == operator
    assert AuditEntry.objects.filter(case=case, action=Action.CASE_CLAIMED).count() == 1


@pytest.mark.django_db
def test_a_closed_case_cannot_be_claimed(file_report, operator):
    from himoya.cases.actions import close_case

    case = file_report().case
    close_case(case, operator, "not_actionable")
    with pytest.raises(CaseConflict):
        claim_case(Case.objects.get(pk=case.pk), operator)


@pytest.mark.django_db
def test_an_anonymous_claim_changes_nothing(file_report):
    case = file_report().case
    assert Client().post(f"/en/staff/cases/{case.pk}/claim/").status_code == 302
    case.refresh_from_db()
    assert case.assignee is None
