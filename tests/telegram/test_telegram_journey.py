"""A child reports through the bot in Uzbek, an operator answers, the child deletes their data."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.utils import translation

from himoya.audit.models import AuditEntry
from himoya.cases.models import Case
from himoya.channels.telegram.identity import chat_key
from himoya.channels.telegram.models import ChatCase, Outbound, TelegramChat, TelegramUpdate
from himoya.conversations.models import DeliveryState, Direction, Message
from himoya.reports.models import Attachment, Report
from tests.conftest import verified_client
from tests.telegram.conftest import png

pytestmark = pytest.mark.django_db(transaction=True)

CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){3}\b")
CHAT = 555000111


def said(english: str, **values) -> str:
    """What the bot says in Uzbek for the message whose English source contains ``english``.

    With ``values`` the whole message is formatted; without, its longest fixed piece is
    returned (so it can be found inside a longer reply).
    """
    with translation.override("uz"):
        catalog = translation.trans_real.catalog()._catalog
        msgid = next(key for key in catalog.keys() if isinstance(key, str) and english in key)
        text = catalog[msgid]
    if values:
        return text % values
    return max(re.split(r"%\(\w+\)s|\{\w+\}", text), key=len).strip()


def _raw_rows_containing(needle: str) -> list[str]:
    """Tables with a text or binary column holding ``needle``, read with raw SQL."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for value in row:
                    raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    if needle.encode() in raw:
                        found.append(table)
    return found


def test_a_child_reports_in_uzbek_gets_a_reply_and_deletes_their_data(person, fake_api, operator):
    """End to end with real commits: nothing here runs inside a test transaction."""
    child = person(CHAT)

    # /start: the language question, in every language, with one button per language.
    shown = child.says("/start")
    assert "Please choose your language." in shown[-1]
    assert {b["callback_data"] for b in child.buttons()} == {"lang:en", "lang:ru", "lang:az", "lang:uz"}

    # Uzbek: a short note on privacy and what the center does, then the menu.
    shown = child.taps("lang:uz")
    assert said("keep it safe") in shown[-1]
    assert [b["callback_data"] for b in child.buttons()][:2] == ["m:report", "m:live"]

    # Report: harms in a child's words, in Uzbek (from the taxonomy).
    shown = child.taps("m:report")
    assert "Internetda kimdir meni xafa qilyapti" in shown[-1]
    child.taps("harm:cyberbullying")

    # In their own words, over several messages; a forwarded message keeps its origin.
    assert said("Got it") in child.says("Sinfdoshim har kuni guruhda meni haqorat qilyapti.")[-1]
    child.says(
        "Sen hech kimsan",
        forward_origin={
            "type": "user",
            "date": 1760000000,
            "sender_user": {"id": 424242, "is_bot": False, "first_name": "Bully", "username": "bully_boy"},
        },
    )
    shown = child.says(
        "Mana uning kanali: https://t.me/bad_channel",
        entities=[{"type": "url", "offset": 19, "length": 24}],
    )
    shown = child.sends_photo(png(), caption="Skrinshot")
    assert said("Picture added. Send more") in shown[-1]

    child.taps("story:done")
    child.taps("age:13_17")
    shown = child.taps("reg:skip")
    summary = shown[-1]
    assert said("Pictures: %(count)s", count=1) in summary and said("Links: %(count)s", count=1) in summary

    shown = child.taps("ok:send")
    code = next(CODE.search(text).group(0) for text in shown if CODE.search(text))
    assert any(said("What happens next") in text for text in shown)

    # The case is there for operators, with everything the child sent.
    report = Report.objects.get()
    assert report.channel == "telegram" and report.language == "uz"
    assert report.harm.code == "cyberbullying" and report.age_group == "13_17"
    assert "Sinfdoshim" in report.narrative
    assert "Bully (@bully_boy) [Telegram id 424242]" in report.narrative
    assert "Sen hech kimsan" in report.narrative
    assert report.links == ["https://t.me/bad_channel"]
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png" and len(attachment.sha256) == 64
    case = report.case
    console = verified_client(operator)
    assert f"/staff/cases/{case.pk}/" in console.get("/en/staff/cases/").content.decode()

    # Later messages in the chat go to the same case, live.
    child.says("U yana yozdi")
    assert Message.objects.get(direction=Direction.INBOUND).body == "U yana yozdi"

    # The operator answers from the console; the child receives it in the chat.
    response = console.post(f"/en/staff/conversations/cases/{case.pk}/reply/", {"body": "Salom! Biz yordam beramiz."})
    assert response.status_code == 302
    assert "Salom! Biz yordam beramiz." in fake_api.texts_to(CHAT)[-1]
    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert reply.state == DeliveryState.SENT

    # The status, with the code.
    child.taps_data("m:status")
    child.taps("st:code")
    shown = child.says(code)
    assert said("working on your report") in shown[-1]
    assert fake_api.calls_to(CHAT, "deleteMessage"), "the code is taken out of the chat's history"

    # Nothing stored says who the child is on Telegram.
    assert not _raw_rows_containing(str(CHAT))

    # Delete my data: asked first, then done, and told what stays.
    shown = child.taps_data("m:delete")
    assert said("What stays") in shown[-1]
    shown = child.taps("del:yes")
    assert said("What stays") in shown[-1]
    assert not TelegramChat.objects.exists()
    assert not ChatCase.objects.exists()
    assert not TelegramUpdate.objects.filter(payload__isnull=False).exists()
    assert not Outbound.objects.exclude(state="sent").exists()
    assert not TelegramChat.objects.filter(key=chat_key(CHAT)).exists()
    # What the law needs stays, anonymised: the case, report and messages, and the audit trail.
    assert Case.objects.filter(pk=case.pk).exists()
    assert Report.objects.get().contact is None
    assert AuditEntry.objects.filter(case=case, action="reporter.data_erased").exists()

    # Writing again starts afresh.
    assert "Please choose your language." in child.says("salom")[-1]
