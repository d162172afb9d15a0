"""Merging two cases into one, and splitting a report out into a case of its own.

Reporters' codes belong to their reports, so whatever happens to cases, each reporter
keeps reaching their own conversation, and only theirs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from himoya.audit.models import Action, AuditEntry
from himoya.cases import actions
from himoya.cases.models import Case, Note, Outcome, Status
from himoya.conversations.actions import receive_message, send_reply
from himoya.conversations.models import Message
from himoya.reference.models import HarmCategory
from himoya.referrals.actions import refer_case
from himoya.referrals.loader import load_partner_directory
from himoya.referrals.models import PartnerOrganisation
from himoya.reports.models import Channel
from himoya.triage.models import Signal

pytestmark = pytest.mark.django_db


def _page(case) -> str:
    return f"/en/staff/cases/{case.pk}/"


def _flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _open_conversation(code: str) -> str:
    """What a reporter sees after typing their code on the public status page."""
    client = Client()
    response = client.post("/en/status/", {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/en/status/case/"
    return response.content.decode()


@pytest.fixture
def two_cases(file_report, operator):
    """An older and a newer case, each with a reporter who wrote and got an answer."""
    older = file_report("They post my photo with rude words in the class group.")
    newer = file_report("Someone made a fake page with my classmate's photo.", harm="privacy")
    for submission, words in ((older, "ALPHA"), (newer, "BRAVO")):
        receive_message(submission.report, f"{words} from the reporter", Channel.WEB)
        send_reply(submission.case, operator, f"{words} answer from the center")
    Case.objects.filter(pk=older.case.pk).update(opened_at=timezone.now() - timedelta(hours=2))
    return older, newer


@pytest.fixture
def merged(two_cases, operator):
    """The two cases merged (the older survives); returns (older, newer) submissions."""
    older, newer = two_cases
    actions.merge_cases(Case.objects.get(pk=newer.case.pk), Case.objects.get(pk=older.case.pk), operator)
    return older, newer


def test_merging_moves_reports_messages_notes_signals_and_referrals_to_the_older_case(
    two_cases, operator, staff_client
):
    older, newer = two_cases
    actions.add_note(newer.case, operator, "Spoke to the school about the fake page.")
    load_partner_directory(["AZ"])
    refer_case(newer.case, operator, PartnerOrganisation.objects.get(code="az-education"), "Sent to the ministry.")
    moving = {
        "reports": set(newer.case.reports.values_list("pk", flat=True)),
        "messages": set(newer.case.messages.values_list("pk", flat=True)),
        "signals": set(newer.case.signals.values_list("pk", flat=True)),
    }
    assert all(moving.values())

    client = staff_client(operator)
    response = client.post(f"{_page(newer.case)}merge/", {"other": f"#{older.case.pk}", "survivor": "older"})
    assert response.status_code == 302
    assert response["Location"] == _page(older.case)

    survivor = Case.objects.get(pk=older.case.pk)
    assert moving["reports"] <= set(survivor.reports.values_list("pk", flat=True))
    assert moving["messages"] <= set(survivor.messages.values_list("pk", flat=True))
    assert moving["signals"] <= set(survivor.signals.values_list("pk", flat=True))
    assert survivor.notes.get().text == "Spoke to the school about the fake page."
    assert survivor.referrals.get().sent == "Sent to the ministry."
    gone = Case.objects.get(pk=newer.case.pk)
    assert not gone.reports.exists() and not gone.messages.exists() and not gone.signals.exists()

    page = client.get(_page(survivor)).content.decode()
    assert "They post my photo with rude words" in page
    assert "Someone made a fake page" in page
    assert "Spoke to the school about the fake page." in page


def test_the_merged_case_is_closed_as_a_duplicate_pointing_to_the_survivor(merged, operator, staff_client):
    older, newer = merged
    gone = Case.objects.get(pk=newer.case.pk)
    assert (gone.status, gone.outcome, gone.merged_into_id) == (Status.CLOSED, Outcome.DUPLICATE, older.case.pk)
    page = staff_client(operator).get(_page(gone)).content.decode()
    assert f'href="{_page(older.case)}"' in page
    assert "This case was merged into" in page


def test_the_survivor_takes_the_more_urgent_urgency_the_earlier_deadline_and_keeps_its_assignee(
    two_cases, operator, operator2
):
    older, newer = two_cases
    soon = timezone.now() + timedelta(minutes=10)
    Case.objects.filter(pk=older.case.pk).update(urgency="P4", deadline=timezone.now() + timedelta(days=3))
    Case.objects.filter(pk=newer.case.pk).update(urgency="P1", deadline=soon)
    actions.claim_case(Case.objects.get(pk=newer.case.pk), operator2)
    survivor = actions.merge_cases(Case.objects.get(pk=older.case.pk), Case.objects.get(pk=newer.case.pk), operator)
    survivor.refresh_from_db()
    assert survivor.pk == older.case.pk
    assert (survivor.urgency, survivor.deadline, survivor.assignee) == ("P1", soon, operator2)


def test_without_a_choice_the_older_case_stays_open(two_cases, operator, staff_client):
    older, newer = two_cases
    response = staff_client(operator).post(f"{_page(newer.case)}merge/", {"other": str(older.case.pk)})
    assert response["Location"] == _page(older.case)
    assert Case.objects.get(pk=newer.case.pk).merged_into_id == older.case.pk


def test_the_operator_chooses_which_case_stays_open(two_cases, operator, staff_client):
    older, newer = two_cases
    response = staff_client(operator).post(
        f"{_page(older.case)}merge/", {"other": str(newer.case.pk), "survivor": "other"}
    )
    assert response["Location"] == _page(newer.case)
    assert Case.objects.get(pk=older.case.pk).merged_into_id == newer.case.pk
    assert Case.objects.get(pk=newer.case.pk).reports.count() == 2


def test_both_cases_record_the_merge(merged, operator):
    older, newer = merged
    [kept] = AuditEntry.objects.filter(case=older.case, action=Action.CASE_MERGED)
    [gone] = AuditEntry.objects.filter(case=newer.case, action=Action.CASE_MERGED)
    assert kept.actor == gone.actor == operator
    assert kept.detail["merged"] == newer.case.pk
    assert gone.detail["into"] == older.case.pk
    assert kept.detail["reports"] == gone.detail["reports"] == [newer.report.pk]


def test_each_reporter_of_a_merged_case_still_reaches_only_their_own_conversation(merged):
    older, newer = merged
    newer_page = _open_conversation(newer.code)
    assert "BRAVO from the reporter" in newer_page
    assert "BRAVO answer from the center" in newer_page
    assert "ALPHA" not in newer_page
    older_page = _open_conversation(older.code)
    assert "ALPHA answer from the center" in older_page
    assert "BRAVO" not in older_page


def test_a_reporter_writing_after_the_merge_reaches_the_surviving_case(merged):
    older, newer = merged
    client = Client()
    client.post("/en/status/", {"code": newer.code})
    assert client.post("/en/status/case/", {"body": "Is anyone there?"}).status_code == 302
    message = Message.objects.latest("pk")
    assert (message.body, message.case_id, message.report_id) == ("Is anyone there?", older.case.pk, newer.report.pk)
    assert Case.objects.get(pk=newer.case.pk).status == Status.CLOSED


def test_a_closed_survivor_reopens_when_an_open_case_is_merged_into_it(two_cases, operator):
    older, newer = two_cases
    actions.close_case(Case.objects.get(pk=older.case.pk), operator, Outcome.ADVICE_GIVEN)
    survivor = actions.merge_cases(Case.objects.get(pk=older.case.pk), Case.objects.get(pk=newer.case.pk), operator)
    survivor.refresh_from_db()
    assert (survivor.status, survivor.outcome, survivor.closed_at) == (Status.OPEN, "", None)


def test_a_merge_with_a_restricted_case_keeps_its_reports_restricted(file_report, operator, supervisor, staff_client):
    bullying = file_report().case
    csam = file_report("I saw pictures of a child in a channel.", harm="csam").case
    # An operator is told the restricted case does not exist, and nothing moves.
    response = staff_client(operator).post(
        f"{_page(bullying)}merge/", {"other": str(csam.pk), "survivor": "this"}, follow=True
    )
    assert response.status_code == 200
    assert f"There is no case #{csam.pk} that you can work on." in _flash(response)
    assert Case.objects.get(pk=csam.pk).merged_into_id is None

    # A supervisor may merge; the survivor takes the restricted harm, so operators stop seeing the child's report.
    staff_client(supervisor).post(f"{_page(bullying)}merge/", {"other": str(csam.pk), "survivor": "this"})
    survivor = Case.objects.get(pk=bullying.pk)
    assert survivor.harm == HarmCategory.objects.get(code="csam")
    assert survivor.reports.count() == 2
    assert staff_client(operator).get(_page(survivor)).status_code == 404


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Type the number of the case to merge with."),
        ("abc", "Type a case number, for example #123."),
        ("#99999999", "There is no case #99999999 that you can work on."),
    ],
)
def test_a_bad_case_number_gets_a_clear_error_and_changes_nothing(two_cases, operator, staff_client, typed, error):
    older, _newer = two_cases
    client = staff_client(operator)
    before = AuditEntry.objects.count()
    response = client.post(f"{_page(older.case)}merge/", {"other": typed, "survivor": "older"}, follow=True)
    assert response.status_code == 200
    assert error in _flash(response)
    assert AuditEntry.objects.filter(action=Action.CASE_MERGED).count() == 0
    assert AuditEntry.objects.count() == before + 1  # only the page view after the redirect
    assert Case.objects.filter(merged_into__isnull=False).count() == 0


def test_an_unknown_choice_of_case_to_keep_gets_a_clear_error(two_cases, operator, staff_client):
    older, newer = two_cases
    response = staff_client(operator).post(
        f"{_page(older.case)}merge/", {"other": str(newer.case.pk), "survivor": "both"}, follow=True
    )
    assert "Choose which case stays open." in _flash(response)
    assert not Case.objects.filter(merged_into__isnull=False).exists()


def test_a_case_cannot_be_merged_with_itself_or_with_a_merged_case(merged, file_report, operator, staff_client):
    older, newer = merged
    client = staff_client(operator)
    response = client.post(
        f"{_page(older.case)}merge/", {"other": str(older.case.pk), "survivor": "older"}, follow=True
    )
    assert "A case cannot be merged with itself." in _flash(response)
    third = file_report().case
    response = client.post(f"{_page(third)}merge/", {"other": str(newer.case.pk), "survivor": "older"}, follow=True)
    assert f"This case was merged into #{older.case.pk}. Work on that case." in _flash(response)
    assert Case.objects.get(pk=third.pk).merged_into_id is None


def test_a_merged_case_takes_no_more_work(merged, operator, staff_client):
    _older, newer = merged
    client = staff_client(operator)
    response = client.post(f"{_page(newer.case)}note/", {"text": "Lost note"}, follow=True)
    assert response.status_code == 200
    assert not Note.objects.exists()
    response = client.post(f"{_page(newer.case)}reopen/", follow=True)
    assert Case.objects.get(pk=newer.case.pk).status == Status.CLOSED
    assert any("merged into" in message for message in _flash(response))
    page = client.get(_page(newer.case)).content.decode()
    assert f'action="{_page(newer.case)}note/"' not in page


def test_every_relation_to_a_case_is_decided_for_a_merge():
    related = {
        relation.get_accessor_name()
        for relation in Case._meta.related_objects
        if relation.one_to_many or relation.one_to_one
    }
    decided = set(actions.MOVED_ON_MERGE) | set(actions.KEPT_ON_MERGE) | set(actions.SETTLED_ON_MERGE)
    assert related == decided, "decide in himoya/cases/actions.py whether a merge moves or keeps each relation"


def test_a_merge_settles_the_suggestions_that_the_cases_are_duplicates(two_cases, file_report, operator):
    from himoya.links.models import PossibleDuplicate, Similarity

    older, newer = two_cases
    third, fourth = file_report().case, file_report().case

    def suggest(case, other):
        report = case.reports.first()
        return PossibleDuplicate.objects.create(case=case, other=other, report=report, reason=Similarity.SAME_SITE)

    suggest(newer.case, older.case)  # answered by the merge
    suggest(newer.case, third)  # now about the survivor
    suggest(fourth, newer.case)  # the survivor has it already
    suggest(older.case, fourth)
    actions.merge_cases(Case.objects.get(pk=older.case.pk), Case.objects.get(pk=newer.case.pk), operator)
    pairs = set(PossibleDuplicate.objects.values_list("case_id", "other_id"))
    assert pairs == {(older.case.pk, third.pk), (older.case.pk, fourth.pk)}


@pytest.fixture
def break_audit():
    def _break():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'audit unavailable'; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditentry "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditentry "
                    "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END"
                )

    return _break


def test_a_merge_is_undone_when_its_audit_row_cannot_be_written(two_cases, operator, break_audit):
    older, newer = two_cases
    break_audit()
    with pytest.raises(DatabaseError):
        actions.merge_cases(Case.objects.get(pk=older.case.pk), Case.objects.get(pk=newer.case.pk), operator)
    assert Case.objects.get(pk=newer.case.pk).reports.get() == newer.report
    assert Case.objects.get(pk=newer.case.pk).merged_into_id is None


# --- splitting ------------------------------------------------------------------------------


def test_splitting_moves_one_report_with_its_conversation_and_signals_to_a_new_case(merged, operator, staff_client):
    older, newer = merged
    survivor = Case.objects.get(pk=older.case.pk)
    actions.add_note(survivor, operator, "A note about both.")
    response = staff_client(operator).post(f"{_page(survivor)}split/", {"report": newer.report.pk})
    new = Case.objects.exclude(pk__in=[older.case.pk, newer.case.pk]).get()
    assert response["Location"] == _page(new)

    assert list(new.reports.all()) == [newer.report]
    assert {m.body for m in new.messages.all()} == {"BRAVO from the reporter", "BRAVO answer from the center"}
    assert set(new.signals.values_list("report_id", "message__report_id")) <= {
        (newer.report.pk, None),
        (None, newer.report.pk),
    }
    assert new.signals.filter(report=newer.report).exists()
    assert list(survivor.reports.all()) == [older.report]
    assert not survivor.messages.filter(report=newer.report).exists()
    assert not Signal.objects.filter(case=survivor, report=newer.report).exists()
    # Notes were written about the case as it was: they stay.
    assert survivor.notes.count() == 1 and not new.notes.exists()


def test_the_new_case_starts_with_the_old_ones_harm_urgency_and_deadline(merged, operator):
    older, newer = merged
    survivor = Case.objects.get(pk=older.case.pk)
    new = actions.split_report(newer.report, operator)
    assert (new.harm, new.urgency, new.deadline) == (survivor.harm, survivor.urgency, survivor.deadline)
    assert (new.status, new.assignee, new.merged_into) == (Status.NEW, None, None)
    assert (new.channel, new.language) == (newer.report.channel, newer.report.language)


def test_the_split_reporter_follows_their_report_to_the_new_case_with_the_same_code(merged, operator):
    older, newer = merged
    new = actions.split_report(newer.report, operator)
    send_reply(new, operator, "CHARLIE only for the split reporter")
    page = _open_conversation(newer.code)
    assert "CHARLIE only for the split reporter" in page
    assert "BRAVO answer from the center" in page
    assert "CHARLIE" not in _open_conversation(older.code)


def test_both_cases_record_the_split(merged, operator):
    older, newer = merged
    new = actions.split_report(newer.report, operator)
    [source] = AuditEntry.objects.filter(case=older.case, action=Action.REPORT_SPLIT)
    [target] = AuditEntry.objects.filter(case=new, action=Action.REPORT_SPLIT)
    assert source.detail == {"report": newer.report.pk, "new_case": new.pk}
    assert target.detail == {"report": newer.report.pk, "from_case": older.case.pk}
    assert source.actor == target.actor == operator


def test_a_case_with_one_report_cannot_be_split(file_report, operator, staff_client):
    submission = file_report()
    response = staff_client(operator).post(
        f"{_page(submission.case)}split/", {"report": submission.report.pk}, follow=True
    )
    assert response.status_code == 200
    assert "This is the case's only report, so there is nothing to split it from." in _flash(response)
    assert Case.objects.count() == 1
    assert not AuditEntry.objects.filter(action=Action.REPORT_SPLIT).exists()


@pytest.mark.parametrize("report", ["", "abc", "999999"])
def test_splitting_a_report_that_is_not_in_the_case_is_refused(merged, operator, staff_client, report):
    older, _newer = merged
    response = staff_client(operator).post(f"{_page(older.case)}split/", {"report": report}, follow=True)
    assert response.status_code == 200
    assert _flash(response)
    assert Case.objects.count() == 2
