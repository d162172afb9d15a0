"""The queue and the shift view cost a fixed, small number of queries, whatever the number of cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from himoya.cases.actions import claim_case
from himoya.cases.models import Case
from himoya.reference.models import Region
from himoya.reports.models import Channel
from himoya.shifts.actions import start_shift

pytestmark = pytest.mark.django_db

# Session, user, permissions, filter choices (harms, regions), the page of rows, the counts,
# the user's shift; for supervisors also the alerts strip; the audit row of a full page load
# (three statements in a test's transaction: savepoint, insert, release).
QUEUE_MAX_QUERIES = 14
SHIFT_VIEW_MAX_QUERIES = 22

HARMS = ["cyberbullying", "grooming", "scam", "sextortion", "csam", None]


def _fill(file_report, holders, count: int) -> None:
    regions = list(Region.objects.all()[:3])
    for n in range(count):
        case = file_report(
            harm=HARMS[n % len(HARMS)],
            language=["en", "ru", "az"][n % 3],
            channel=[Channel.WEB, Channel.TELEGRAM][n % 2],
            region=regions[n % 3],
        ).case
        Case.objects.filter(pk=case.pk).update(
            urgency=f"P{n % 4 + 1}", deadline=timezone.now() + timedelta(minutes=n * 7 - 60)
        )
        if n % 3 == 0:
            claim_case(case, holders[n % len(holders)])


def _answer_some() -> None:
    """Give every other case a first response, for the median."""
    for case in Case.objects.filter(first_response_at__isnull=True).order_by("pk")[::2]:
        Case.objects.filter(pk=case.pk).update(first_response_at=case.opened_at + timedelta(minutes=case.pk))


def _count(client, path: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
        assert response.status_code == 200
    return len(captured)


QUERIES = ["", "who=mine", "who=unassigned&status=new", "harm=scam&language=ru&channel=web&region=AZ-BA&urgency=P1"]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("persona", ["operator", "supervisor"])
def test_the_queue_costs_the_same_few_queries_with_2_or_60_cases(
    query, persona, request, file_report, operator, operator2, supervisor, staff_client
):
    user = request.getfixturevalue(persona)
    start_shift(user)
    client = staff_client(user)
    path = f"/en/staff/cases/?{query}"
    _fill(file_report, [operator, operator2], 2)
    _count(client, path)  # content types and the like, cached once per process
    few = _count(client, path)
    _fill(file_report, [operator, operator2, supervisor], 60)
    many = _count(client, path)
    assert many == few
    assert many <= QUEUE_MAX_QUERIES
    assert _count(client, path, HTTP_HX_REQUEST="true") <= many


def test_the_shift_view_costs_the_same_few_queries_with_2_or_60_cases(
    file_report, operator, operator2, supervisor, staff_client
):
    start_shift(operator)
    start_shift(supervisor)
    client = staff_client(supervisor)
    path = "/en/staff/cases/shift/"
    _fill(file_report, [operator, operator2], 2)
    _answer_some()
    _count(client, path)
    few = _count(client, path)
    _fill(file_report, [operator, operator2, supervisor], 60)
    _answer_some()
    many = _count(client, path)
    assert many == few
    assert many <= SHIFT_VIEW_MAX_QUERIES
