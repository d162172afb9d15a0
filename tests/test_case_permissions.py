"""Who sees and works which case page, per role, and the audit row every look leaves.

- An operator works ordinary cases; a case of a restricted harm (CSAM) does not exist for
  them (404) unless they are granted ``cases.view_restricted``.
- A supervisor sees and works every case.
- An analyst produces statistics and reads no child's words: the case page and every
  action on it are refused (403), and no staff page shows them a narrative, a message, a
  note, a referral or a contact.
- Staff with no role (the outsider) get nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils.html import escape

from himoya.audit.models import Action, AuditEntry
from himoya.cases import actions
from himoya.cases.models import Case, Note
from himoya.conversations.actions import receive_message, send_reply
from himoya.conversations.models import Message
from himoya.referrals.actions import refer_case
from himoya.referrals.loader import load_partner_directory
from himoya.referrals.models import PartnerOrganisation, Referral
from himoya.reports.models import Channel
from himoya.reports.validation import check_image

pytestmark = pytest.mark.django_db

NARRATIVE = "Nigar from 6A keeps writing that she will hurt me after school."
OTHER_NARRATIVE = "Same girl, now in the class chat."
FROM_REPORTER = "She wrote again tonight, I am scared."
REPLY = "You did right to tell us. Is an adult with you now?"
NOTE = "Mother called, school informed."
SENT = "Passed to the education ministry hotline."
CONTACT = "+998 90 123 45 67"
SECRETS = (NARRATIVE, OTHER_NARRATIVE, FROM_REPORTER, REPLY, NOTE, SENT, CONTACT)

WORK_ACTIONS = ("claim", "note", "close", "correct", "merge", "split", "refer", "takedown", "reply")


def _page(case) -> str:
    return f"/en/staff/cases/{case.pk}/"


def _action(case, action: str) -> str:
    if action == "reply":
        return f"/en/staff/conversations/cases/{case.pk}/reply/"
    return f"{_page(case)}{action}/"


@pytest.fixture
def case(file_report, images, operator):
    """A case with everything an analyst must not read: two reports, messages, a note, a referral."""
    first = file_report(NARRATIVE, links=["https://t.me/class6a"], contact=CONTACT, images=[check_image(images.png())])
    second = file_report(OTHER_NARRATIVE)
    receive_message(first.report, FROM_REPORTER, Channel.WEB)
    send_reply(first.case, operator, REPLY)
    merged = actions.merge_cases(first.case, second.case, operator)
    actions.add_note(merged, operator, NOTE)
    load_partner_directory(["AZ", "UZ"])
    refer_case(merged, operator, PartnerOrganisation.objects.get(code="az-education"), SENT)
    return Case.objects.get(pk=merged.pk)


@pytest.fixture
def restricted_case(file_report):
    return file_report("Someone sent me pictures of a small child.", harm="csam", links=["https://t.me/bad"]).case


@pytest.fixture
def granted_operator(operator2):
    operator2.user_permissions.add(Permission.objects.get(codename="view_restricted", content_type__app_label="cases"))
    return operator2


# (status of the case page for an ordinary case, for a restricted one)
PAGE_STATUS = {
    "operator": (200, 404),
    "granted_operator": (200, 200),
    "supervisor": (200, 200),
    "analyst": (403, 403),
    "outsider": (403, 403),
}


@pytest.mark.parametrize("persona", sorted(PAGE_STATUS))
def test_the_case_page_per_role(persona, case, restricted_case, staff_client, request):
    user = request.getfixturevalue(persona)
    client = staff_client(user)
    ordinary, restricted = PAGE_STATUS[persona]
    assert client.get(_page(case)).status_code == ordinary
    assert client.get(_page(restricted_case)).status_code == restricted
    viewed = AuditEntry.objects.filter(action=Action.CASE_VIEWED, actor=user)
    # Every page shown is one audit row; a refused page leaves none.
    assert viewed.filter(case=case).count() == (ordinary == 200)
    assert viewed.filter(case=restricted_case).count() == (restricted == 200)


@pytest.mark.parametrize("persona", ["operator", "supervisor"])
def test_every_view_of_the_case_page_is_audited(persona, case, staff_client, request):
    user = request.getfixturevalue(persona)
    client = staff_client(user)
    for _ in range(3):
        client.get(_page(case))
    entries = AuditEntry.objects.filter(action=Action.CASE_VIEWED, case=case, actor=user)
    assert entries.count() == 3
    assert all(entry.detail == {} for entry in entries)


def test_the_case_page_shows_the_narratives_to_those_who_work_it(case, operator, staff_client):
    page = staff_client(operator).get(_page(case)).content.decode()
    for text in SECRETS:
        assert escape(text) in page


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
@pytest.mark.parametrize("action", WORK_ACTIONS)
def test_staff_without_the_case_cannot_act_on_it(persona, action, case, staff_client, request):
    user = request.getfixturevalue(persona)
    before = (AuditEntry.objects.count(), Case.objects.count(), Note.objects.count(), Message.objects.count())
    state = Case.objects.filter(pk=case.pk).values("assignee", "status", "outcome", "harm", "urgency").get()
    response = staff_client(user).post(_action(case, action), _anything(case))
    assert response.status_code == 403
    assert (AuditEntry.objects.count(), Case.objects.count(), Note.objects.count(), Message.objects.count()) == before
    assert Case.objects.filter(pk=case.pk).values("assignee", "status", "outcome", "harm", "urgency").get() == state


@pytest.mark.parametrize("action", WORK_ACTIONS)
def test_a_restricted_case_does_not_exist_for_an_operator_acting_on_it(action, restricted_case, operator, staff_client):
    before = AuditEntry.objects.count()
    response = staff_client(operator).post(_action(restricted_case, action), _anything(restricted_case))
    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


def test_an_operator_granted_restricted_access_works_a_restricted_case(restricted_case, granted_operator, staff_client):
    client = staff_client(granted_operator)
    assert client.post(f"{_page(restricted_case)}note/", {"text": "Reported to the hotline."}).status_code == 302
    assert restricted_case.notes.get().author == granted_operator


def _anything(case) -> dict:
    """Form data that would pass for any of the case page's actions."""
    report = case.reports.first()
    referral = case.referrals.first()
    return {
        "text": "x",
        "body": "x",
        "outcome": "advice_given",
        "harm": case.harm_id,
        "urgency": "P1",
        "other": str(case.pk + 1000),
        "survivor": "older",
        "report": report.pk if report else "",
        "partner": PartnerOrganisation.objects.values_list("pk", flat=True).first() or "",
        "sent": "x",
        "answer": "x",
        "language": "en",
        "referral": referral.pk if referral else "",
    }


def _staff_urls(ids: dict[str, int]):
    """Every staff URL, with its numbers filled from ``ids`` (by argument name, else the case's)."""

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            else:
                yield prefix + str(entry.pattern), entry.pattern.converters

    for route, converters in walk(get_resolver()):
        if not route.startswith("en/staff/") or route.startswith(("en/staff/admin", "en/staff/log")):
            continue
        if any(type(converter).__name__ != "IntConverter" for converter in converters.values()):
            continue
        url = "/" + route
        for name in converters:
            key = "attachment" if "attachments/" in route or "pictures/" in route else name
            url = url.replace(f"<int:{name}>", str(ids.get(key, ids["pk"])))
        yield url


def test_an_analyst_reads_no_childs_words_on_any_staff_page(case, analyst, staff_client):
    client = staff_client(analyst)
    ids = {
        "pk": case.pk,
        "referral": case.referrals.get().pk,
        "attachment": case.reports.first().attachments.get().pk,
    }
    counts = {model: model.objects.count() for model in (Note, Message, Referral, Case)}
    before = AuditEntry.objects.count()
    seen = []
    for url in _staff_urls(ids):
        for response in (client.get(url), client.post(url, _anything(case))):
            body = response.content.decode(errors="replace")
            leaked = [text for text in SECRETS if text in body or escape(text) in body]
            assert not leaked, f"{response.request['REQUEST_METHOD']} {url} shows the analyst {leaked}"
            seen.append(url)
    assert _page(case) in seen and f"{_page(case)}takedown/" in seen
    assert {model: model.objects.count() for model in counts} == counts
    assert not AuditEntry.objects.filter(actor=analyst).exclude(action=Action.STAFF_SIGNED_IN).exists()
    assert AuditEntry.objects.count() == before


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_case_action(case):
    client = Client()
    for action in ("", *WORK_ACTIONS):
        response = client.post(_action(case, action)) if action else client.get(_page(case))
        assert response.status_code == 302
        assert response["Location"].startswith("/en/staff/login/")
