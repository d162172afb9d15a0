"""The supervisor's shift view: who is on, what each holds, deadlines at risk, median first
response today, and reassigning a case in one step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from himoya.audit.models import Action, AuditEntry
from himoya.cases.actions import claim_case, close_case
from himoya.cases.models import Case
from himoya.cases.shift import median_first_response_today
from himoya.shifts.actions import end_shift, start_shift

pytestmark = pytest.mark.django_db

SHIFT = "/en/staff/cases/shift/"


@pytest.fixture
def make_case(file_report):
    def _make(urgency: str = "P3", minutes_left: float = 60, **report):
        case = file_report(**report).case
        Case.objects.filter(pk=case.pk).update(
            urgency=urgency, deadline=timezone.now() + timedelta(minutes=minutes_left)
        )
        case.refresh_from_db()
        return case

    return _make


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_only_those_who_assign_cases_see_the_shift_view(operator, analyst, outsider, supervisor, staff_client):
    for user in (operator, analyst, outsider):
        assert staff_client(user).get(SHIFT).status_code == 403
        assert staff_client(user).get(f"{SHIFT}body/").status_code == 403
    page = staff_client(supervisor).get(SHIFT)
    assert page.status_code == 200
    assert 'href="/en/staff/cases/shift/"' in page.content.decode()


def test_it_shows_who_is_on_and_what_each_holds(make_case, operator, operator2, supervisor, staff_client):
    start_shift(operator)
    start_shift(operator2)
    end_shift(operator2)
    held = make_case("P2", -10)
    claim_case(held, operator2)
    mine = make_case("P1", 20)
    claim_case(mine, operator)
    page = staff_client(supervisor).get(SHIFT).content.decode()
    people = _section(page, "who-is-on")
    olga = people.split(f'id="person-{operator.pk}">')[1].split("</article>")[0]
    oybek = people.split(f'id="person-{operator2.pk}">')[1].split("</article>")[0]
    assert "on shift since" in olga and "Holds 1 open case" in olga and mine.reference in olga
    assert "off shift, still holding cases" in oybek and held.reference in oybek and "1 overdue" in oybek
    assert olga.startswith("olga") and oybek.startswith("oybek")
    assert people.index(f'id="person-{operator.pk}"') < people.index(f'id="person-{operator2.pk}"')


def test_it_counts_open_cases_by_urgency_and_lists_missed_and_coming_deadlines(
    make_case, operator, supervisor, staff_client
):
    late = make_case("P1", -3)
    soon = make_case("P2", 10)
    later = make_case("P2", 120)
    closed = make_case("P1", -30)
    close_case(closed, operator, "advice_given")
    claim_case(soon, operator)
    page = staff_client(supervisor).get(SHIFT).content.decode()
    figures = _section(page, "by-urgency")
    p1 = figures.split('badge P1">P1</span>')[1].split("</tr>")[0]
    p2 = figures.split('badge P2">P2</span>')[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in p1.split("<td>")[1:]] == ["1", "1", "", "0"]
    assert '<strong class="overdue-count">1</strong>' in p1
    assert [cell.split("<")[0] for cell in p2.split("<td>")[1:]] == ["2", "1", "0", "1"]
    breached = _section(page, "breached")
    coming = _section(page, "soon")
    assert late.reference in breached and soon.reference not in breached and closed.reference not in breached
    assert soon.reference in coming and later.reference not in coming


def test_median_first_response_is_over_cases_opened_today(make_case, operator):
    now = timezone.now()
    waits = [3, 7, 20, 60]
    for minutes in waits:
        case = make_case()
        Case.objects.filter(pk=case.pk).update(first_response_at=case.opened_at + timedelta(minutes=minutes))
    yesterday = make_case()
    Case.objects.filter(pk=yesterday.pk).update(
        opened_at=now - timedelta(days=2), first_response_at=now - timedelta(days=2) + timedelta(minutes=1)
    )
    make_case()  # not answered yet
    median, answered = median_first_response_today(now)
    assert answered == 4
    assert median == timedelta(minutes=13.5)


def test_the_page_shows_the_median_or_says_there_is_none(make_case, supervisor, staff_client):
    client = staff_client(supervisor)
    assert "no case opened today has been answered yet" in client.get(SHIFT).content.decode()
    case = make_case()
    Case.objects.filter(pk=case.pk).update(first_response_at=case.opened_at + timedelta(minutes=4, seconds=5))
    assert "Median first response today: 0:04:05 (over 1 answered case)." in client.get(SHIFT).content.decode()


def test_a_supervisor_reassigns_a_case_in_one_step(make_case, operator, operator2, supervisor, staff_client):
    case = make_case()
    claim_case(case, operator)
    response = staff_client(supervisor).post(
        f"/en/staff/cases/{case.pk}/assign/", {"assignee": operator2.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == SHIFT
    assert f"{case.reference} is now held by oybek." in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == operator2
    [entry] = AuditEntry.objects.filter(case=case, action=Action.CASE_ASSIGNED)
    assert (entry.actor, entry.detail) == (supervisor, {"assignee": operator2.pk})


def test_choosing_nobody_puts_the_case_back_in_the_queue(make_case, operator, supervisor, staff_client):
    case = make_case()
    claim_case(case, operator)
    response = staff_client(supervisor).post(f"/en/staff/cases/{case.pk}/assign/", {"assignee": "nobody"}, follow=True)
    assert f"{case.reference} is back in the queue." in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None
    assert AuditEntry.objects.filter(case=case, action=Action.CASE_RELEASED, actor=supervisor).exists()


def test_choosing_nobody_for_a_case_nobody_holds_changes_nothing(make_case, supervisor, staff_client):
    case = make_case()
    response = staff_client(supervisor).post(f"/en/staff/cases/{case.pk}/assign/", {"assignee": "nobody"}, follow=True)
    assert f"{case.reference} is already in the queue." in response.content.decode()
    assert not AuditEntry.objects.filter(case=case, action=Action.CASE_RELEASED).exists()


@pytest.mark.parametrize("assignee", ["", "abc", "999999", "-1", "²", "9" * 30, "1.5"])
def test_an_unknown_assignee_is_refused_with_a_message(assignee, make_case, operator, supervisor, staff_client):
    case = make_case()
    claim_case(case, operator)
    response = staff_client(supervisor).post(f"/en/staff/cases/{case.pk}/assign/", {"assignee": assignee}, follow=True)
    assert response.status_code == 200
    assert f"Choose someone from the list to assign {case.reference} to." in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == operator


def test_a_restricted_case_cannot_go_to_someone_without_restricted_access(
    make_case, operator, supervisor, analyst, staff_client
):
    case = make_case(harm="csam")
    for user in (operator, analyst):
        response = staff_client(supervisor).post(
            f"/en/staff/cases/{case.pk}/assign/", {"assignee": user.pk}, follow=True
        )
        assert "may not work" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None
    assert not AuditEntry.objects.filter(case=case, action=Action.CASE_ASSIGNED).exists()


def test_the_reassign_choices_for_a_restricted_case_leave_out_those_who_may_not_work_it(
    make_case, operator, supervisor, staff_client
):
    restricted = make_case("P1", -5, harm="csam")
    ordinary = make_case("P1", -4)
    page = staff_client(supervisor).get(SHIFT).content.decode()
    restricted_select = page.split(f'id="assign-breached-{restricted.pk}"')[1].split("</select>")[0]
    ordinary_select = page.split(f'id="assign-breached-{ordinary.pk}"')[1].split("</select>")[0]
    assert f'value="{operator.pk}"' not in restricted_select
    assert f'value="{supervisor.pk}"' in restricted_select
    assert f'value="{operator.pk}"' in ordinary_select


def test_operators_cannot_assign(make_case, operator, operator2, staff_client):
    case = make_case()
    assert (
        staff_client(operator).post(f"/en/staff/cases/{case.pk}/assign/", {"assignee": operator2.pk}).status_code == 403
    )
    case.refresh_from_db()
    assert case.assignee is None


def test_assigning_needs_a_post(make_case, operator, supervisor, staff_client):
    case = make_case()
    assert staff_client(supervisor).get(f"/en/staff/cases/{case.pk}/assign/?assignee={operator.pk}").status_code == 405
