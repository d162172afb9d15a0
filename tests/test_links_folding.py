"""Reports of the same link fold into one open case; less certain likenesses are suggested."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from himoya.audit.models import Action, AuditEntry
from himoya.cases.models import Case, Status
from himoya.links.counts import with_report_count
from himoya.links.models import PossibleDuplicate, ReportLink, Similarity
from himoya.reference.models import HarmCategory
from himoya.reports.models import Report
from tests.conftest import committed, verified_client

pytestmark = pytest.mark.django_db

CHANNEL_SPELLINGS = [
    "https://t.me/BlueWhaleGame",
    "t.me/bluewhalegame/",
    "telegram.me/BlueWhaleGame?utm_source=share",
    "http://www.t.me/BLUEWHALEGAME",
    "https://t.me/s/BlueWhaleGame",
]


def _report_on_the_web(client: Client, links: str, narrative: str) -> str:
    harm = HarmCategory.objects.get(code="dangerous_challenge")
    with committed():
        response = client.post(
            "/en/report/",
            {"narrative": narrative, "links": links, "harm": harm.pk, "age_group": "adult"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    done = client.get(response["Location"]).content.decode()
    return re.search(r'id="case-code">([A-Z0-9-]+)<', done).group(1)


def test_forty_reports_of_one_channel_through_the_web_form_make_one_case_of_forty(reference, operator):
    codes = []
    for number in range(40):
        spelling = CHANNEL_SPELLINGS[number % len(CHANNEL_SPELLINGS)]
        codes.append(_report_on_the_web(Client(), spelling, f"Parent {number}: this channel dares children."))

    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.reports.count() == 40
    assert len(set(codes)) == 40  # every reporter keeps a code of their own
    assert AuditEntry.objects.filter(action=Action.REPORT_FOLDED, case=case).count() == 39
    assert with_report_count(Case.objects.all()).get().report_count == 40

    # Each code opens its own report and conversation, in the one case.
    client = Client()
    assert client.post("/en/status/", {"code": codes[17]}).status_code == 302
    client.post("/en/status/case/", {"body": "Any news about the channel?"})
    message = case.messages.get()
    assert message.report.narrative.startswith("Parent 17:")

    page = verified_client(operator).get(f"/en/staff/cases/{case.pk}/").content.decode()
    assert "39 other reports mention this link." in page


def test_a_link_written_in_the_text_folds_too(file_report):
    first = file_report(narrative="They share https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10 in class.")
    second = file_report(narrative="Look at youtu.be/dQw4w9WgXcQ please remove it")
    assert second.report.case_id == first.case.pk


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("youtube.com", "https://www.youtube.com/"),  # a whole platform is not one place
        ("@some_user", "@some_user"),  # a bare user name could be anyone's, on any platform
    ],
)
def test_what_is_not_specific_does_not_fold(file_report, first, second):
    one = file_report(links=[first])
    two = file_report(links=[second])
    assert one.case.pk != two.case.pk


def test_a_closed_case_is_not_joined(file_report, operator):
    first = file_report(links=["t.me/bad_channel"])
    Case.objects.filter(pk=first.case.pk).update(status=Status.CLOSED)
    second = file_report(links=["t.me/bad_channel"])
    assert second.case.pk != first.case.pk
    assert not PossibleDuplicate.objects.exists()


def test_the_oldest_open_case_is_joined_and_the_other_suggested(file_report):
    first = file_report(links=["t.me/bad_channel"])
    second = file_report(links=["t.me/bad_channel"], needs_help_now=True)  # kept apart
    third = file_report(links=["t.me/bad_channel"])
    assert third.report.case_id == first.case.pk
    suggestion = PossibleDuplicate.objects.get(report=third.report)
    assert (suggestion.case_id, suggestion.other_id, suggestion.reason) == (
        first.case.pk,
        second.case.pk,
        Similarity.SAME_LINK,
    )


@pytest.mark.parametrize(
    "keep_apart",
    [{"needs_help_now": True}, {"harm": "csam"}],
)
def test_an_urgent_or_restricted_report_keeps_its_own_case_with_a_suggestion(file_report, keep_apart):
    first = file_report(links=["t.me/bad_channel"])
    second = file_report(links=["t.me/bad_channel"], **keep_apart)
    assert second.case.pk != first.case.pk
    suggestion = PossibleDuplicate.objects.get()
    assert (suggestion.case_id, suggestion.other_id, suggestion.reason) == (
        second.case.pk,
        first.case.pk,
        Similarity.SAME_LINK,
    )


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("t.me/bad_channel/5", "t.me/bad_channel/9", Similarity.SAME_ACCOUNT),
        ("instagram.com/bad.user", "tiktok.com/@bad.user", Similarity.SAME_HANDLE),
        ("@bad_user_x", "t.me/bad_user_x", Similarity.SAME_HANDLE),
        ("evil-challenge.site/day1", "www.evil-challenge.site/day2", Similarity.SAME_SITE),
    ],
)
def test_a_less_certain_likeness_opens_a_new_case_and_suggests_the_other(file_report, first, second, reason):
    one = file_report(links=[first])
    two = file_report(links=[second])
    assert one.case.pk != two.case.pk
    suggestion = PossibleDuplicate.objects.get()
    assert (suggestion.case_id, suggestion.other_id, suggestion.reason) == (two.case.pk, one.case.pk, reason)


def test_the_newest_few_likely_cases_are_suggested_whichever_link_holds_them(file_report):
    # Posts of one channel in three open cases and a closed one; an account of another name
    # in four newer cases. A report of another post of the channel that also names that
    # account is offered five cases: the channel's, then the newest of the account's.
    channel = [file_report(links=[f"t.me/bad_channel/{post}"]).case.pk for post in range(1, 5)]
    Case.objects.filter(pk=channel[0]).update(status=Status.CLOSED)  # closed: not offered
    account = [file_report(links=[f"tiktok.com/@other.name/video/{n}"]).case.pk for n in range(1, 5)]
    new = file_report(links=["t.me/bad_channel/99", "@other.name"])
    offered = dict(PossibleDuplicate.objects.filter(report=new.report).values_list("other_id", "reason"))
    assert offered == {
        **{pk: Similarity.SAME_ACCOUNT for pk in channel[1:]},
        **{pk: Similarity.SAME_HANDLE for pk in account[2:]},
    }


def test_a_suggestion_is_shown_on_both_case_pages_with_a_link(file_report, operator):
    one = file_report(links=["t.me/bad_channel/5"])
    two = file_report(links=["t.me/bad_channel/9"])
    client = verified_client(operator)
    newer = client.get(f"/en/staff/cases/{two.case.pk}/").content.decode()
    older = client.get(f"/en/staff/cases/{one.case.pk}/").content.decode()
    assert f'href="/en/staff/cases/{one.case.pk}/"' in newer and "That case was opened first." in newer
    assert f'href="/en/staff/cases/{two.case.pk}/"' in older and "That case was opened later." in older
    assert "A link to the same account, channel or page" in older


def test_a_restricted_case_is_neither_named_nor_counted_for_those_who_may_not_see_it(file_report, operator, supervisor):
    restricted = file_report(links=["t.me/bad_channel"], harm="csam")
    other = file_report(links=["t.me/bad_channel"])
    page = verified_client(operator).get(f"/en/staff/cases/{other.case.pk}/").content.decode()
    assert f"#{restricted.case.pk}" not in page and "Possible duplicates" not in page
    assert "other report mentions this link" not in page
    page = verified_client(supervisor).get(f"/en/staff/cases/{other.case.pk}/").content.decode()
    assert f'href="/en/staff/cases/{restricted.case.pk}/"' in page
    assert "1 other report mentions this link." in page


def test_the_database_holds_report_links_only_as_keyed_hashes_and_ciphertext(file_report, tables_containing):
    file_report(links=["instagram.com/child.profile.name"])
    row = ReportLink.objects.get()
    assert row.normalized == "instagram.com/child.profile.name"
    assert "links_reportlink" not in tables_containing("child.profile.name")
    assert re.fullmatch(r"[0-9a-f]{64}", row.key) and re.fullmatch(r"[0-9a-f]{64}", row.handle_key)


def test_a_changed_secret_key_is_recovered_by_reindexing(file_report, settings):
    from django.core.management import call_command

    first = file_report(links=["t.me/bad_channel"])
    settings.SECRET_KEY = "another secret key, long enough to be a real one 0123456789"
    call_command("index_links", verbosity=0)
    second = file_report(links=["t.me/bad_channel"])
    assert second.report.case_id == first.case.pk
    assert ReportLink.objects.filter(report__case=first.case).count() == 2


def test_the_report_count_helper_counts_each_case_in_one_query(file_report, django_assert_num_queries):
    first = file_report(links=["t.me/bad_channel"])
    file_report(links=["t.me/bad_channel"])
    lonely = file_report(links=["t.me/other_channel"])
    with django_assert_num_queries(1):
        counts = dict(with_report_count(Case.objects.all()).values_list("pk", "report_count"))
    assert counts == {first.case.pk: 2, lonely.case.pk: 1}


def test_a_folded_report_can_only_raise_the_cases_urgency(file_report):
    first = file_report(links=["t.me/bad_channel"], harm="misinformation")
    before = Case.objects.get(pk=first.case.pk)
    second = file_report(links=["t.me/bad_channel"], harm="self_harm")
    case = Case.objects.get(pk=first.case.pk)
    assert second.report.case_id == case.pk
    assert Report.objects.filter(case=case).count() == 2
    assert case.urgency <= before.urgency and case.deadline <= before.deadline
