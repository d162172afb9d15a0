"""The filter for personal data and abuse in what pupils type."""

from __future__ import annotations

import pytest

from himoya.awareness import screening


@pytest.mark.parametrize(
    "text",
    [
        "call me on +994 50 123 45 67",
        "my number is 90-123-45-67 ok",
        "write to ali.k@mail.ru",
        "follow @ali_2011 on insta",
        "see instagram.com/ali2011",
        "My name is Aygun and I am in 7B",
        "меня зовут Дима",
        "mening ismim Jasur",
        "I live at 12 Nizami street",
    ],
)
def test_it_finds_personal_data(text):
    assert screening.screen(text, "en").personal_data


@pytest.mark.parametrize(
    "text",
    ["You are an 1d10t", "ты ДУРАК", "sen axmaqsan", "siz ahmoqsiz", "f u c k this"],
)
def test_it_finds_abuse_in_four_languages_and_their_disguises(text):
    assert screening.screen(text, "en").abuse


@pytest.mark.parametrize(
    "text",
    [
        "What do I do if a stranger asks for my photo?",
        "Is it safe to play games in grade 7?",
        "Как заблокировать человека в Telegram?",
        "Parolumu necə qoruyum?",
        "Qanday qilib akkauntimni himoya qilaman?",
        "In 2024 we had 3 lessons",
    ],
)
def test_ordinary_questions_pass(text):
    assert screening.screen(text, "en").clean


def test_the_plain_matcher_works_without_the_engine():
    matcher = screening._PlainMatcher(screening._read_phrases())
    assert matcher("you IDIOT")
    assert matcher("тупой")
    assert not matcher("the idea is good")


def test_the_engines_own_screen_is_used_when_it_has_one(monkeypatch):
    class Verdict:
        personal_data = True
        abuse = False

    monkeypatch.setattr(screening, "_engine_screen", lambda: lambda text, language: Verdict())
    assert screening.screen("hello", "en").flags == ["personal_data"]


def test_the_engines_personal_data_detector_is_used(monkeypatch):
    assert screening._engine_pii() is not None
    assert screening.screen("my card is 4111 1111 1111 1111", "en").personal_data
    monkeypatch.setattr(screening, "_engine_pii", lambda: lambda text: ["something"])
    assert screening.screen("nothing personal here", "en").personal_data
