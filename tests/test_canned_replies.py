"""Canned replies: shipped per language and harm, edited by supervisors, offered in the reply box
in the reporter's language; and the reply itself, in the language the operator chose."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import translation
from django.utils.html import escape

from himoya.audit.models import Action, AuditEntry
from himoya.conversations.loader import DATA, load_canned_replies
from himoya.conversations.models import CannedReply, Message
from himoya.reference.models import HarmCategory
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

LANGUAGES = {"en", "ru", "az", "uz"}
COMMON_HARMS = {"cyberbullying", "sextortion", "grooming", "self_harm", "ncii", "scam"}


def _offered(page: str) -> list[dict]:
    found = re.search(r'<script id="canned-replies" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the reply box has no canned replies"
    return json.loads(found.group(1))


def test_the_shipped_set_covers_every_language_and_the_common_harms(reference):
    entries = json.loads(DATA.read_text(encoding="utf-8"))
    harms = set(HarmCategory.objects.values_list("code", flat=True))
    for entry in entries:
        assert set(entry["texts"]) == LANGUAGES, entry["key"]
        assert entry["harm"] is None or entry["harm"] in harms, entry["key"]
        assert all(text["title"].strip() and text["body"].strip() for text in entry["texts"].values())
    assert COMMON_HARMS <= {entry["harm"] for entry in entries}

    assert load_canned_replies() == len(entries) * len(LANGUAGES)
    assert load_canned_replies() == 0  # idempotent
    assert CannedReply.objects.filter(language="uz", harm__code="sextortion").exists()


def test_bootstrap_loads_them_in_the_sites_languages(reference, settings):
    from himoya.ops.bootstrap import bootstrap

    settings.LANGUAGES = [("az", "Azerbaijani"), ("ru", "Russian")]
    bootstrap()
    assert set(CannedReply.objects.values_list("language", flat=True)) == {"az", "ru"}


def test_a_reload_keeps_what_a_supervisor_changed_and_refreshes_the_rest(reference, supervisor, tmp_path):
    load_canned_replies()
    edited = CannedReply.objects.get(key="welcome", language="en")
    client = verified_client(supervisor)
    client.post(
        f"/en/staff/conversations/canned/{edited.pk}/",
        {"language": "en", "harm": "", "title": "Hello", "body": "Our own words.", "active": "on"},
    )
    changed = json.loads(DATA.read_text(encoding="utf-8"))
    for entry in changed:
        if entry["key"] == "welcome":
            entry["texts"]["en"]["body"] = "A new shipped text."
            entry["texts"]["ru"]["body"] = "Новый текст."
    newer = tmp_path / "canned.json"
    newer.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")

    assert load_canned_replies(path=newer) == 1
    assert CannedReply.objects.get(key="welcome", language="en").body == "Our own words."
    assert CannedReply.objects.get(key="welcome", language="ru").body == "Новый текст."


def test_a_supervisor_adds_and_edits_replies_from_a_staff_page_and_each_change_is_audited(reference, supervisor):
    client = verified_client(supervisor)
    assert 'href="/en/staff/conversations/canned/"' in client.get("/en/staff/cases/").content.decode()
    assert client.get("/en/staff/conversations/canned/new/").status_code == 200

    scam = HarmCategory.objects.get(code="scam")
    response = client.post(
        "/en/staff/conversations/canned/new/",
        {"language": "uz", "harm": scam.pk, "title": "Parol", "body": "Parolni almashtir.", "active": "on"},
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(title="Parol")
    assert (reply.language, reply.harm, reply.active, reply.edited, reply.updated_by) == (
        "uz",
        scam,
        True,
        True,
        supervisor,
    )
    # Withdrawn: kept, no longer offered.
    client.post(
        f"/en/staff/conversations/canned/{reply.pk}/",
        {"language": "uz", "harm": "", "title": "Parol", "body": "Parolni hozir almashtir."},
    )
    reply.refresh_from_db()
    assert (reply.harm, reply.body, reply.active) == (None, "Parolni hozir almashtir.", False)
    entries = AuditEntry.objects.filter(action=Action.CANNED_REPLY_CHANGED, actor=supervisor).order_by("pk")
    assert [entry.detail for entry in entries] == [
        {"reply": reply.pk, "created": True, "language": "uz", "harm": "scam", "active": True},
        {"reply": reply.pk, "created": False, "language": "uz", "harm": None, "active": False},
    ]

    page = client.get("/en/staff/conversations/canned/?language=uz&harm=any").content.decode()
    assert "Parolni hozir almashtir." in page


def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(reference, supervisor):
    client = verified_client(supervisor)
    response = client.post(
        "/ru/staff/conversations/canned/new/", {"language": "xx", "harm": "999999", "title": " ", "body": "\x00"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override("ru"):
        assert escape(translation.gettext("Give the reply a title.")) in page
        assert escape(translation.gettext("Write the reply's text.")) in page
    assert not CannedReply.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.CANNED_REPLY_CHANGED).exists()


def test_operators_read_the_replies_but_only_supervisors_change_them(reference, operator, outsider):
    load_canned_replies(["en"])
    reply = CannedReply.objects.first()
    client = verified_client(operator)
    page = client.get("/en/staff/conversations/canned/").content.decode()
    assert reply.title in page and f"/canned/{reply.pk}/" not in page
    assert 'href="/en/staff/conversations/canned/"' not in client.get("/en/staff/cases/").content.decode()
    assert client.get(f"/en/staff/conversations/canned/{reply.pk}/").status_code == 403
    assert client.post("/en/staff/conversations/canned/new/", {"title": "x"}).status_code == 403
    assert verified_client(outsider).get("/en/staff/conversations/canned/").status_code == 403


def test_the_reply_box_offers_replies_for_the_cases_harm_in_every_language_and_starts_in_the_reporters(
    reference, operator, file_report
):
    load_canned_replies()
    submission = file_report(
        harm="sextortion", language="uz", narrative="Kimdir rasmlarimni tarqataman deb pul soʻrayapti."
    )
    page = verified_client(operator).get(f"/en/staff/cases/{submission.case.pk}/").content.decode()
    offered = _offered(page)
    keys = {(item["language"], item["title"]) for item in offered}
    assert ("uz", "Shantaj: pul toʻlama") in keys and ("en", "Blackmail: do not pay") in keys
    assert ("uz", "Bezorilik: birinchi qadamlar") not in keys  # another harm's
    assert ("en", "Thank you for writing") in keys  # for any harm
    assert offered[0]["harm"]  # the case's own harm first
    assert "Replying in Uzbek (Latin)" in page
    assert '<option value="uz" data-name="Uzbek" selected>' in page
    assert 'lang="uz"' in page


def test_a_reply_goes_out_in_the_language_the_operator_chose(reference, operator, file_report):
    submission = file_report(language="az", narrative="Mənə hər gün pis mesajlar yazırlar.")
    client = verified_client(operator)
    response = client.post(
        f"/en/staff/conversations/cases/{submission.case.pk}/reply/",
        {"body": "Мы здесь, напиши нам.", "language": "ru", "report": submission.report.pk},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json()["message"] == message.pk
    assert 'lang="ru"' in response.json()["html"] and "Мы здесь, напиши нам." in response.json()["html"]
    assert (message.language, message.report_id, message.author) == ("ru", submission.report.pk, operator)
    assert AuditEntry.objects.get(action=Action.MESSAGE_SENT).detail == {"message": message.pk, "language": "ru"}

    # Without script the form posts and the page comes back with a message; the language defaults to the reporter's.
    response = client.post(f"/en/staff/conversations/cases/{submission.case.pk}/reply/", {"body": "Salam!"})
    assert response.status_code == 302 and response.url == f"/en/staff/cases/{submission.case.pk}/"
    assert Message.objects.latest("pk").language == "az"


def test_a_bad_reply_is_refused_with_reasons_and_nothing_is_sent(reference, operator, file_report, stored_counts):
    submission = file_report()
    other = file_report()
    client = verified_client(operator)
    url = f"/en/staff/conversations/cases/{submission.case.pk}/reply/"
    before = stored_counts()
    for data, reason in [
        ({"body": "  "}, "Write a reply first."),
        ({"body": "ok", "language": "tlh"}, "Choose a language from the list."),
        ({"body": "ok", "report": other.report.pk}, "That reporter is not in this case any more. Reload the page."),
    ]:
        response = client.post(url, data, headers={"X-Requested-With": "fetch"})
        assert response.status_code == 400
        assert response.json() == {"ok": False, "errors": [reason]}
    assert client.post(url, {"body": "x" * 5000}, headers={"X-Requested-With": "fetch"}).status_code == 400
    assert stored_counts() == before


def test_only_staff_who_may_work_the_case_can_reply(reference, analyst, operator, file_report):
    restricted = file_report(harm="csam", narrative="Someone sent me pictures of a child.")
    assert (
        verified_client(analyst)
        .post(f"/en/staff/conversations/cases/{restricted.case.pk}/reply/", {"body": "hi"})
        .status_code
        == 403
    )
    assert (
        verified_client(operator)
        .post(f"/en/staff/conversations/cases/{restricted.case.pk}/reply/", {"body": "hi"})
        .status_code
        == 404
    )
    assert not Message.objects.exists()
