"""Writing many rows of one model at once (``himoya.lib.rows``), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from himoya.cases.models import Case
from himoya.lib.rows import insert_rows, update_rows
from himoya.reference.models import HarmCategory

pytestmark = pytest.mark.django_db


def _cases(count: int) -> list[Case]:
    other = HarmCategory.objects.get(code="other")
    cases = [Case(harm=other, language="en", deadline=timezone.now() + timedelta(days=3)) for _ in range(count)]
    insert_rows(cases, returning=True)
    return cases


def test_update_rows_writes_the_fields_named_for_each_row_in_one_statement(reference, operator):
    first, second, untouched = _cases(3)
    grooming, scam = HarmCategory.objects.get(code="grooming"), HarmCategory.objects.get(code="scam")
    soon = timezone.now() + timedelta(minutes=15)
    before = Case.objects.get(pk=first.pk).updated_at
    first.urgency, first.harm, first.deadline, first.assignee = "P1", grooming, soon, operator
    second.urgency, second.harm, second.assignee = "P2", scam, None
    second.language = "ru"  # not named: stays as stored
    with CaptureQueriesContext(connection) as queries:
        update_rows([first, second], ["urgency", "harm", "deadline", "assignee", "updated_at"])
    assert len(queries.captured_queries) == 1
    stored = {case.pk: case for case in Case.objects.all()}
    assert (stored[first.pk].urgency, stored[first.pk].harm_id, stored[first.pk].assignee_id) == (
        "P1",
        grooming.pk,
        operator.pk,
    )
    assert stored[first.pk].deadline == soon
    # An ``auto_now`` field takes the time of the update, as with ``save()``.
    assert stored[first.pk].updated_at > before
    assert stored[first.pk].updated_at == first.updated_at
    assert (stored[second.pk].urgency, stored[second.pk].harm_id, stored[second.pk].assignee_id) == (
        "P2",
        scam.pk,
        None,
    )
    assert stored[second.pk].language == "en"
    assert (stored[untouched.pk].urgency, stored[untouched.pk].harm.code) == ("P3", "other")


def test_update_rows_cuts_a_large_update_into_statements_the_database_accepts(reference):
    cases = _cases(700)
    for number, case in enumerate(cases):
        case.urgency = ("P1", "P2", "P4")[number % 3]
    update_rows(cases, ["urgency"])
    stored = dict(Case.objects.values_list("pk", "urgency"))
    assert [stored[case.pk] for case in cases] == [case.urgency for case in cases]


def test_update_rows_skips_rows_no_longer_in_the_table(reference):
    kept, gone = _cases(2)
    Case.objects.filter(pk=gone.pk).delete()
    kept.urgency = gone.urgency = "P1"
    update_rows([kept, gone], ["urgency"])
    assert list(Case.objects.values_list("pk", "urgency")) == [(kept.pk, "P1")]
    update_rows([], ["urgency"])
