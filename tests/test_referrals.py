"""The partner directory, and referring a case to a partner and recording their answer."""

from __future__ import annotations

import pytest

from himoya.audit.models import Action, AuditEntry
from himoya.referrals.actions import ReferralError, record_answer, refer_case
from himoya.referrals.loader import load_partner_directory
from himoya.referrals.models import PartnerKind, PartnerOrganisation, Referral

pytestmark = pytest.mark.django_db

SENT = "Sent the link and the age group to the cyber unit by e-mail."
ANSWER = "The cyber unit opened an investigation, number 12/345."


def _page(case) -> str:
    return f"/en/staff/cases/{case.pk}/"


def _flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def partners(reference):
    load_partner_directory(["AZ", "UZ"])


@pytest.fixture
def police(partners):
    return PartnerOrganisation.objects.get(code="az-police-cyber")


@pytest.fixture
def case(file_report):
    return file_report("He says he will send my photos to everyone.", harm="sextortion").case


def test_the_directory_ships_every_kind_of_partner_for_both_countries(partners):
    for country in ("AZ", "UZ"):
        kinds = set(PartnerOrganisation.objects.filter(country=country).values_list("kind", flat=True))
        assert kinds == set(PartnerKind.values) - {PartnerKind.PLATFORM}
    assert PartnerOrganisation.objects.filter(kind=PartnerKind.PLATFORM, country="").exists()


def test_loading_again_keeps_what_an_administrator_changed(partners, police):
    police.email = "cyber@example.az"
    police.save()
    assert load_partner_directory(["AZ", "UZ"]) == 0
    police.refresh_from_db()
    assert police.email == "cyber@example.az"


def test_a_deployment_gets_only_its_countries_partners(reference):
    load_partner_directory(["UZ"])
    assert not PartnerOrganisation.objects.filter(country="AZ").exists()
    assert PartnerOrganisation.objects.filter(country="UZ").exists()
    assert PartnerOrganisation.objects.filter(country="").exists()


def test_bootstrap_loads_the_directory(reference, settings):
    from himoya.ops.bootstrap import bootstrap

    settings.COUNTRIES = ["AZ"]
    bootstrap()
    assert PartnerOrganisation.objects.filter(code="az-ombudsman").exists()
    assert not PartnerOrganisation.objects.filter(country="UZ").exists()


def test_an_administrator_edits_the_directory_in_the_admin(partners, police, staff_client):
    from himoya.accounts import roles
    from tests.conftest import make_staff

    admin = make_staff("ada", roles.ADMINISTRATOR)
    client = staff_client(admin)
    url = f"/en/staff/admin/referrals/partnerorganisation/{police.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": police.kind,
            "country": "AZ",
            "name": police.name,
            "email": "cyber-unit@example.az",
            "url": police.url,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    police.refresh_from_db()
    assert police.email == "cyber-unit@example.az"


def test_an_operator_refers_a_case_and_records_the_answer(case, police, operator, staff_client):
    client = staff_client(operator)
    response = client.post(f"{_page(case)}refer/", {"partner": police.pk, "sent": SENT}, follow=True)
    assert "Referral recorded." in _flash(response)
    referral = Referral.objects.get()
    assert (referral.case, referral.partner, referral.sent, referral.sent_by) == (case, police, SENT, operator)
    assert referral.answered_at is None
    page = response.content.decode()
    assert SENT in page
    assert "Waiting for an answer" in page

    response = client.post(f"{_page(case)}referrals/{referral.pk}/answer/", {"answer": ANSWER}, follow=True)
    assert "Answer recorded." in _flash(response)
    referral.refresh_from_db()
    assert (referral.answer, referral.answered_by) == (ANSWER, operator)
    assert referral.answered_at is not None
    assert ANSWER in response.content.decode()

    [referred] = AuditEntry.objects.filter(action=Action.CASE_REFERRED)
    [answered] = AuditEntry.objects.filter(action=Action.REFERRAL_ANSWERED)
    assert referred.detail == {"referral": referral.pk, "partner": police.pk, "kind": "police_cyber"}
    assert answered.detail == {"referral": referral.pk}
    assert referred.case == answered.case == case
    # The audit trail holds ids only, never what was written.
    assert SENT not in str(referred.detail) and ANSWER not in str(answered.detail)


def test_what_was_sent_and_the_answer_are_encrypted_at_rest(case, police, operator, tables_containing):
    referral = refer_case(case, operator, police, SENT)
    record_answer(referral, operator, ANSWER)
    assert tables_containing("cyber unit by e-mail") == []
    assert tables_containing("investigation, number") == []


def test_a_referral_is_answered_once(case, police, operator, operator2, staff_client):
    referral = refer_case(case, operator, police, SENT)
    record_answer(referral, operator, ANSWER)
    with pytest.raises(ReferralError):
        record_answer(referral, operator2, "Another answer.")
    response = staff_client(operator2).post(
        f"{_page(case)}referrals/{referral.pk}/answer/", {"answer": "Another answer."}, follow=True
    )
    assert "This referral has an answer already." in _flash(response)
    referral.refresh_from_db()
    assert (referral.answer, referral.answered_by) == (ANSWER, operator)
    assert AuditEntry.objects.filter(action=Action.REFERRAL_ANSWERED).count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"partner": "", "sent": SENT}, "Choose the organisation the case goes to."),
        ({"partner": "999999", "sent": SENT}, "Choose an organisation from the list."),
        ({"partner": "not a number", "sent": SENT}, "Choose an organisation from the list."),
        ({"sent": "   "}, "Write what was sent to the partner."),
        ({"sent": "x" * 20_001}, "Please keep it under 20000 characters (this is 20001)."),
    ],
)
def test_a_bad_referral_gets_a_clear_error_and_nothing_is_stored(case, police, operator, staff_client, data, error):
    data = {"partner": police.pk, **data}
    response = staff_client(operator).post(f"{_page(case)}refer/", data, follow=True)
    assert response.status_code == 200
    assert error in _flash(response)
    assert not Referral.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.CASE_REFERRED).exists()


def test_an_inactive_partner_is_not_offered_and_cannot_be_chosen(case, police, operator, staff_client):
    police.active = False
    police.save()
    client = staff_client(operator)
    page = client.get(_page(case)).content.decode()
    assert police.name not in page
    response = client.post(f"{_page(case)}refer/", {"partner": police.pk, "sent": SENT}, follow=True)
    assert "Choose an organisation from the list." in _flash(response)
    assert not Referral.objects.exists()


def test_a_partner_of_a_country_the_center_does_not_serve_is_not_offered(
    case, partners, operator, staff_client, settings
):
    settings.COUNTRIES = ["AZ"]
    page = staff_client(operator).get(_page(case)).content.decode()
    assert PartnerOrganisation.objects.get(code="az-ombudsman").name in page
    assert PartnerOrganisation.objects.get(code="uz-ombudsman").name not in page


def test_an_answer_cannot_be_recorded_on_another_cases_referral(file_report, case, police, operator, staff_client):
    referral = refer_case(case, operator, police, SENT)
    other = file_report().case
    response = staff_client(operator).post(f"{_page(other)}referrals/{referral.pk}/answer/", {"answer": ANSWER})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.answered_at is None


def test_an_empty_answer_gets_a_clear_error(case, police, operator, staff_client):
    referral = refer_case(case, operator, police, SENT)
    response = staff_client(operator).post(
        f"{_page(case)}referrals/{referral.pk}/answer/", {"answer": "  "}, follow=True
    )
    assert "Write the partner's answer first." in _flash(response)
    referral.refresh_from_db()
    assert referral.answered_at is None
