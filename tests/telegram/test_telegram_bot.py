"""What a person can do with the bot, step by step."""

from __future__ import annotations

import pytest

from himoya.cases.models import Case
from himoya.channels.telegram import flow
from himoya.channels.telegram.models import DraftPicture, State, TelegramChat, TelegramUpdate
from himoya.conversations.models import Direction, Message
from himoya.reports.models import Report
from tests.telegram.conftest import png

pytestmark = pytest.mark.django_db


def _at_menu(person, chat_id=555000222, language="en"):
    someone = person(chat_id)
    someone.says("/start")
    someone.taps(f"lang:{language}")
    return someone


def test_the_language_is_remembered(person):
    child = _at_menu(person, language="ru")
    assert TelegramChat.objects.get().language == "ru"
    shown = child.says("/start")
    assert "Please choose your language." not in shown[-1]
    assert [b["callback_data"] for b in child.buttons()][0] == "m:report"


def test_talking_to_someone_now_opens_an_urgent_case_and_continues_it(person):
    child = _at_menu(person)
    shown = child.taps("m:live")
    assert "112" in shown[-1]
    shown = child.says("Someone says they will post my photos tonight")
    assert any("answer you here soon" in text for text in shown)
    case = Case.objects.get()
    assert case.urgency == "P1"
    assert Report.objects.get().needs_help_now
    child.says("Please help")
    assert list(Message.objects.filter(case=case, direction=Direction.INBOUND).values_list("body", flat=True)) == [
        "Please help"
    ]
    # Tapping "talk now" again continues the same open case.
    child.taps_data("m:live")
    child.says("Still here")
    assert Case.objects.count() == 1
    assert Message.objects.filter(case=case).count() == 2


def test_advice_by_harm(person):
    child = _at_menu(person)
    child.taps("m:advice")
    shown = child.taps("adv:sextortion")
    assert "Don't pay" in shown[-1]
    assert "m:report" in [b["callback_data"] for b in child.buttons()]


def test_the_status_of_their_own_case_in_plain_words(person, file_report):
    child = _at_menu(person)
    child.taps("m:live")
    child.says("help me")
    child.taps_data("m:status")
    shown = child.taps("st:mine")
    assert "We have your report" in shown[-1]


def test_a_wrong_code_is_refused_and_too_many_tries_are_stopped(person, settings):
    settings.CODE_LOOKUPS_PER_HOUR = 2
    child = _at_menu(person)
    child.taps("m:status")
    child.taps("st:code")
    assert "could not find a case" in child.says("2222-2222-2222-2222")[-1]
    child.taps("st:code")
    child.says("3333-3333-3333-3333")
    child.taps("st:code")
    assert "Too many tries" in child.says("4444-4444-4444-4444")[-1]


def test_a_code_from_the_web_shows_that_case(person, file_report):
    submission = file_report()
    child = _at_menu(person)
    child.taps("m:status")
    child.taps("st:code")
    assert "We have your report" in child.says(submission.code.lower())[-1]


def test_an_old_button_says_it_is_no_longer_active(person, fake_api):
    child = _at_menu(person, chat_id=555000333)
    child.taps_data("ok:send")
    texts = [call.params.get("text") for call in fake_api.calls_of("answerCallbackQuery")]
    assert "This button is no longer active." in texts
    assert not Report.objects.exists()


def _in_story(person, chat_id=555000444):
    child = _at_menu(person, chat_id=chat_id)
    child.taps("m:report")
    child.taps("harm:scam")
    return child


def test_done_without_any_words_asks_for_a_few(person):
    child = _in_story(person)
    assert "write a few words" in child.taps("story:done")[-1]
    assert TelegramChat.objects.get().state == State.REPORT_STORY


def test_a_picture_over_the_size_limit_is_refused(person, settings):
    settings.ATTACHMENT_MAX_BYTES = 500
    child = _in_story(person)
    shown = child.sends_photo(png(300, 300, (1, 2, 3)) + b"\0" * 600)
    assert "too large" in shown[-1]
    assert not DraftPicture.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused(person, fake_api):
    child = _in_story(person)
    file_id = fake_api.add_file(b"%PDF-1.7 not an image at all")
    document = {"file_id": file_id, "file_unique_id": file_id, "mime_type": "image/png", "file_size": 28}
    shown = child.says(None, document=document)
    assert "not a picture we can accept" in shown[-1]
    assert not DraftPicture.objects.exists()


def test_voice_messages_are_not_taken(person):
    child = _in_story(person)
    voice = {"file_id": "v1", "file_unique_id": "v1", "duration": 3}
    assert "only take text, links and pictures" in child.says(None, voice=voice)[-1]


def test_start_again_and_cancel_throw_the_draft_away(person):
    child = _in_story(person)
    child.says("They asked me for my card number")
    child.sends_photo(png())
    child.taps("story:done")
    child.taps("age:8_12")
    child.taps("reg:AZ-BA")
    assert "What happened?" in child.taps("ok:again")[-1]
    assert not DraftPicture.objects.exists()
    child.taps_data("menu")
    chat = TelegramChat.objects.get()
    assert chat.state == State.MENU and chat.draft is None


def test_the_report_keeps_the_region_and_every_picture(person):
    child = _in_story(person)
    child.says("They asked me for my card number")
    child.sends_photo(png(colour=(1, 1, 1)))
    child.sends_photo(png(colour=(2, 2, 2)))
    child.taps("story:done")
    child.taps("age:8_12")
    child.taps("reg:AZ-BA")
    child.taps("ok:send")
    report = Report.objects.get()
    assert report.region.code == "AZ-BA" and report.harm.code == "scam"
    assert report.attachments.count() == 2
    assert len(set(report.attachments.values_list("sha256", flat=True))) == 2


def test_group_chats_and_other_bots_are_ignored(bot, fake_api):
    group = fake_api.message(-100200300, "/start")
    group["message"]["chat"] = {"id": -100200300, "type": "group", "title": "Class 7B"}
    fake_api.push(group)
    from_bot = fake_api.message(555000999, "hi")
    from_bot["message"]["from"]["is_bot"] = True
    fake_api.push(from_bot)
    bot.poll()
    assert not TelegramUpdate.objects.exists()
    assert fake_api.calls_of("sendMessage") == []


def test_an_update_that_breaks_the_handler_gets_an_apology_and_the_chat_goes_on(person, monkeypatch):
    child = _at_menu(person)

    def broken(turn, arg):
        raise RuntimeError("boom")

    monkeypatch.setitem(flow.TAPS, "adv", broken)
    child.taps("m:advice")
    assert "something went wrong" in child.taps("adv:scam")[-1]
    monkeypatch.undo()
    assert TelegramUpdate.objects.filter(processed_at__isnull=True).count() == 0
    assert "What would you like to do?" in child.says("/menu")[-1]
