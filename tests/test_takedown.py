"""Takedown notices: a PDF letter to a platform with the links and the case reference, and nothing about the child.

The PDF's text is read back with ``pdftotext`` (poppler-utils), as a platform would read it.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from himoya.audit.models import Action, AuditEntry
from himoya.cases import actions
from himoya.cases.models import Case
from himoya.cases.takedown import takedown_pdf
from himoya.conversations.actions import receive_message
from himoya.referrals.loader import load_partner_directory
from himoya.referrals.models import PartnerOrganisation
from himoya.reports.models import Channel, Report

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]

NARRATIVE = "Kamila from 7B sends me threats on Instagram every night."
CONTACT = "kamila.mother@example.com"
LINKS = ["https://www.instagram.com/fake_page_7b/", "https://t.me/class7b_chat"]


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def _page(case) -> str:
    return f"/en/staff/cases/{case.pk}/"


def _flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def submission(file_report):
    return file_report(NARRATIVE, links=LINKS, contact=CONTACT)


@pytest.fixture
def case(submission):
    receive_message(submission.report, "My name is Aylin and I am in 7B.", Channel.WEB)
    return Case.objects.get(pk=submission.case.pk)


def test_an_operator_downloads_a_notice_with_the_links_and_the_case_reference(case, operator, staff_client, settings):
    settings.CENTER_NAME = "Safe Internet Center of Azerbaijan"
    response = staff_client(operator).post(f"{_page(case)}takedown/", {"language": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="takedown-{case.pk}-en.pdf"'
    assert response["Cache-Control"] == "no-store"
    text = _text(response.content)
    for link in LINKS:
        assert link in text
    assert "Safe Internet Center of Azerbaijan" in text
    assert f"Case reference {case.reference}" in " ".join(text.split())
    assert "Cyberbullying and harassment" in text
    assert "Request to remove content harmful to children" in text


def test_the_notice_holds_nothing_the_reporter_wrote_or_gave(case, submission, operator):
    text = _text(takedown_pdf(case, operator, "en"))
    flat = " ".join(text.split())
    assert "Kamila" not in flat
    assert "threats" not in flat
    assert CONTACT not in flat
    assert "Aylin" not in flat
    assert submission.code not in flat
    assert submission.code.replace("-", "") not in flat.replace("-", "")
    # Not the operator's name either: the letter goes to a company abroad.
    assert operator.username not in flat


@pytest.mark.parametrize(
    ("language", "harm_name"),
    [("ru", "Кибербуллинг и травля"), ("az", "Kiberzorakılıq və təhqir"), ("uz", "Kiberbulling va tahqirlash")],
)
def test_the_notice_is_in_the_chosen_language(case, operator, language, harm_name, translated):
    translated(language, {"Request to remove content harmful to children": f"[{language}] request"})
    text = " ".join(_text(takedown_pdf(case, operator, language)).split())
    assert harm_name in text
    assert f"[{language}] request" in text
    assert LINKS[0] in text


def test_without_a_language_the_notice_is_in_the_platforms_default(case, operator, settings):
    settings.LANGUAGE_CODE = "ru"
    text = " ".join(_text(takedown_pdf(case, operator)).split())
    assert "Кибербуллинг и травля" in text


def test_a_notice_can_be_addressed_to_a_platform_from_the_directory(case, operator, staff_client):
    load_partner_directory(["AZ"])
    telegram = PartnerOrganisation.objects.get(code="platform-telegram")
    response = staff_client(operator).post(f"{_page(case)}takedown/", {"language": "en", "partner": telegram.pk})
    assert "To: Telegram — abuse team" in " ".join(_text(response.content).split())
    [entry] = AuditEntry.objects.filter(action=Action.TAKEDOWN_GENERATED)
    assert entry.detail == {"language": "en", "links": 2, "partner": telegram.pk}


def test_every_notice_is_audited(case, operator, staff_client):
    staff_client(operator).post(f"{_page(case)}takedown/", {"language": "az"})
    [entry] = AuditEntry.objects.filter(action=Action.TAKEDOWN_GENERATED)
    assert (entry.actor, entry.case, entry.detail["language"], entry.detail["links"]) == (operator, case, "az", 2)


def test_the_links_of_every_report_in_a_case_are_listed_once(case, operator):
    # A second reporter sends the same page and another one; their report is in the same case.
    Report.objects.create(
        case=case,
        code_digest="0" * 64,
        channel=Channel.WEB,
        language="en",
        narrative="The same page again.",
        links=[LINKS[0], "https://vk.com/id000"],
    )
    text = _text(takedown_pdf(case, operator, "en"))
    assert text.count(LINKS[0]) == 1
    assert "https://vk.com/id000" in text


def test_the_links_of_a_merged_case_come_with_its_reports(case, file_report, operator):
    other = file_report("Another page.", links=["https://vk.com/id000"]).case
    survivor = actions.merge_cases(case, other, operator)
    text = _text(takedown_pdf(survivor, operator, "en"))
    for link in [*LINKS, "https://vk.com/id000"]:
        assert link in text


def test_a_case_without_links_gets_a_clear_error_and_no_notice(file_report, operator, staff_client):
    case = file_report().case
    response = staff_client(operator).post(f"{_page(case)}takedown/", {"language": "en"}, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "This case has no links, so there is nothing to ask a platform to take down." in _flash(response)
    assert not AuditEntry.objects.filter(action=Action.TAKEDOWN_GENERATED).exists()


@pytest.mark.parametrize("data", [{"language": "xx"}, {}, {"language": "en", "partner": "999999"}])
def test_bad_input_gets_a_clear_error_and_no_notice(case, operator, staff_client, data):
    response = staff_client(operator).post(f"{_page(case)}takedown/", data, follow=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert _flash(response)
    assert not AuditEntry.objects.filter(action=Action.TAKEDOWN_GENERATED).exists()


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_staff_who_cannot_work_the_case_get_no_notice(case, persona, staff_client, request):
    response = staff_client(request.getfixturevalue(persona)).post(f"{_page(case)}takedown/", {"language": "en"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=Action.TAKEDOWN_GENERATED).exists()


def test_a_restricted_case_has_no_notice_for_an_operator(file_report, operator, supervisor, staff_client):
    case = file_report("A channel shares abuse pictures.", harm="csam", links=["https://t.me/bad_channel"]).case
    assert staff_client(operator).post(f"{_page(case)}takedown/", {"language": "en"}).status_code == 404
    response = staff_client(supervisor).post(f"{_page(case)}takedown/", {"language": "en"})
    assert response.status_code == 200
    assert "https://t.me/bad_channel" in _text(response.content)


def test_a_link_written_only_in_the_report_text_is_listed(file_report, operator):
    case = file_report("They post about me at https://t.me/mockingchannel/12 every day.").case
    text = _text(takedown_pdf(case, operator, "en"))
    assert "t.me/mockingchannel/12" in text
    assert "every day" not in text
