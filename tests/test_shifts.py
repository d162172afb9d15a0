"""Operators start and end their shift from the console; that is who the supervisor sees as on."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from himoya.audit.models import Action, AuditEntry
from himoya.shifts.actions import current_shift, end_shift, start_shift
from himoya.shifts.models import Shift

pytestmark = pytest.mark.django_db

START = "/en/staff/cases/duty/start/"
END = "/en/staff/cases/duty/end/"


def test_an_operator_starts_and_ends_a_shift_from_the_queue(operator, staff_client):
    client = staff_client(operator)
    assert "Start shift" in client.get("/en/staff/cases/").content.decode()
    response = client.post(START, {"next": "/en/staff/cases/?who=mine"}, follow=True)
    assert response.redirect_chain[-1][0] == "/en/staff/cases/?who=mine"
    page = response.content.decode()
    assert "Your shift has started." in page and "On shift since" in page and "End shift" in page
    shift = Shift.objects.get(user=operator)
    assert shift.ended_at is None
    response = client.post(END, follow=True)
    assert "Your shift has ended." in response.content.decode()
    shift.refresh_from_db()
    assert shift.ended_at is not None
    shifts = AuditEntry.objects.filter(actor=operator, action__startswith="shift.")
    actions = list(shifts.order_by("id").values_list("action", "detail"))
    assert actions == [(Action.SHIFT_STARTED, {"shift": shift.pk}), (Action.SHIFT_ENDED, {"shift": shift.pk})]


def test_starting_twice_keeps_one_shift(operator, staff_client):
    client = staff_client(operator)
    client.post(START)
    client.post(START)
    assert Shift.objects.on_duty().filter(user=operator).count() == 1
    assert AuditEntry.objects.filter(action=Action.SHIFT_STARTED).count() == 1


def test_the_database_refuses_two_open_shifts_for_one_person(operator):
    start_shift(operator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(user=operator)


def test_ending_when_not_on_shift_says_so_and_writes_nothing(operator, staff_client):
    response = staff_client(operator).post(END, follow=True)
    assert "You were not on shift." in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.SHIFT_ENDED).exists()
    assert end_shift(operator) is None


def test_a_new_shift_after_an_ended_one(operator):
    first = start_shift(operator)
    end_shift(operator)
    second = start_shift(operator)
    assert second.pk != first.pk
    assert current_shift(operator) == second


def test_the_shift_buttons_do_not_redirect_elsewhere(operator, staff_client):
    response = staff_client(operator).post(START, {"next": "https://evil.example/"})
    assert response["Location"] == "/en/staff/cases/"


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_staff_who_do_not_work_cases_cannot_go_on_shift(persona, request, staff_client):
    client = staff_client(request.getfixturevalue(persona))
    assert client.post(START).status_code == 403
    assert not Shift.objects.exists()


def test_shift_buttons_need_a_post(operator, staff_client):
    assert staff_client(operator).get(START).status_code == 405
    assert not Shift.objects.exists()
