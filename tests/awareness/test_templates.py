"""Shipped session templates: in all four languages, the same activities, loaded idempotently."""

from __future__ import annotations

import json
from datetime import date

import pytest

from himoya.awareness import actions
from himoya.awareness.models import SessionTemplate
from himoya.awareness.shipped import (
    LANGUAGES,
    TEMPLATES_DIR,
    TemplateFileError,
    load_shipped_templates,
    read_template_file,
)

FILES = sorted(TEMPLATES_DIR.glob("*.json"))


def test_there_is_a_template_for_grades_7_to_11():
    assert "safe-online-7-11.json" in [path.name for path in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_shipped_template_is_complete_in_every_language(path):
    data = read_template_file(path)
    assert set(data["languages"]) == set(LANGUAGES)
    english = data["languages"]["en"]["activities"]
    for code in LANGUAGES:
        body = data["languages"][code]
        # Written in that language, not copied from English.
        if code != "en":
            assert body["title"] != data["languages"]["en"]["title"]
            for mine, theirs in zip(body["activities"], english, strict=True):
                assert mine["prompt"] != theirs["prompt"], (code, mine["prompt"])


def test_a_template_whose_languages_disagree_is_refused(tmp_path):
    data = json.loads((TEMPLATES_DIR / "safe-online-7-11.json").read_text())
    data["languages"]["az"]["activities"][3]["correct"] = [0]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(TemplateFileError, match="az"):
        read_template_file(broken)


@pytest.mark.django_db
def test_loading_twice_gives_the_same_rows():
    load_shipped_templates()
    first = SessionTemplate.objects.count()
    load_shipped_templates()
    assert SessionTemplate.objects.count() == first == len(FILES) * 4
    assert SessionTemplate.objects.filter(key="safe-online-7-11", language="uz").get().title.startswith("Internetda")


@pytest.mark.django_db
def test_bootstrap_loads_them(reference):
    from himoya.ops.bootstrap import bootstrap

    bootstrap()
    assert SessionTemplate.objects.filter(shipped=True, language="az").count() == len(FILES)


@pytest.mark.django_db
def test_a_session_made_from_a_template_copies_its_activities(trainer):
    load_shipped_templates()
    template = SessionTemplate.objects.get(key="safe-online-7-11", language="ru")
    session = actions.create_session(
        trainer, actions.SessionDetails(template.title, "ru", date.today(), template.audience), template
    )
    activities = list(session.activities.order_by("position"))
    assert len(activities) == len(template.activities)
    assert activities[3].kind == "quiz" and activities[3].correct == [2] and activities[3].seconds == 20
    assert session.template_key == "safe-online-7-11"
