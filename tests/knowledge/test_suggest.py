"""After a report: the reporter's harm, audience and language decide what is offered."""

from __future__ import annotations

import pytest

from himoya.knowledge.suggest import audiences_for, suggest, suggest_for_report, suggestion_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "age", "expected"),
    [
        ("child", "8_12", ["child"]),
        ("friend", "13_17", ["teen"]),
        ("child", "unknown", ["child", "teen"]),
        ("parent", "8_12", ["parent", "teacher"]),
        ("teacher", "unknown", ["teacher", "parent"]),
        ("", "unknown", ["child", "teen", "parent"]),
    ],
)
def test_audiences_follow_who_reported(role, age, expected):
    assert audiences_for(role, age) == expected


def test_a_child_gets_the_child_article_and_a_parent_the_parent_one(starter):
    starter(["az", "en"], ["sextortion-child", "sextortion-parent", "other-child", "other-parent"])
    assert [a.key for a in suggest("sextortion", "az", ["teen"])] == ["sextortion-child"]
    assert [a.key for a in suggest("sextortion", "az", ["parent"])] == ["sextortion-parent"]
    assert [a.key for a in suggest("sextortion", "az", ["teen", "parent"])] == ["sextortion-child", "sextortion-parent"]
    assert {a.language for a in suggest("sextortion", "az", ["teen"])} == {"az"}


def test_a_harm_without_articles_gets_the_general_advice(starter):
    starter(["en"], ["other-child"])
    assert [a.key for a in suggest("hate_speech", "en", ["child"])] == ["other-child"]
    assert [a.key for a in suggest(None, "en", ["child"])] == ["other-child"]
    assert suggest("hate_speech", "xx", ["child"]) == []


def test_the_bot_gets_a_message_with_links_in_the_reporters_language(starter, file_report, contacts):
    starter(["ru"], ["grooming-child"])
    submission = file_report(harm="grooming", language="ru", age_group="13_17", reporter_role="child")
    assert [a.key for a in suggest_for_report(submission.report)] == ["grooming-child"]
    text = suggestion_text(submission.report)
    assert "https://himoya.example/ru/advice/grooming-child/" in text
    assert "Взрослый из интернета" in text
