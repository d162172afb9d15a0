"""The shipped advice: complete, practical, readable by a child, and loaded idempotently."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from himoya.audit.models import Action, AuditEntry
from himoya.knowledge import actions
from himoya.knowledge.loader import ARTICLES, parse, starter_files
from himoya.knowledge.models import Article, ArticleVersion, Status
from himoya.knowledge.readability import measure_file, sentences
from himoya.reference.loader import DATA as REFERENCE_DATA

LANGUAGES = ["en", "ru", "az", "uz"]
HARMS = [item["code"] for item in json.loads((REFERENCE_DATA / "harms.json").read_text(encoding="utf-8"))]
FILES = sorted(ARTICLES.glob("*/*.md"))

# Words that must appear in each language: the police numbers, and "it is not (your|the child's) fault".
NOT_YOUR_FAULT = {
    "en": ("not your fault", "not the child's fault"),
    "ru": ("не виноват",),
    "az": ("günahın deyil", "günahı deyil", "günahkar deyil"),
    "uz": ("aybing emas", "aybdor emas"),
}


def test_every_harm_has_a_child_and_a_parent_article_in_every_language():
    found = {(path.parent.name, path.stem) for path in FILES}
    wanted = {
        (language, f"{harm}-{audience}") for language in LANGUAGES for harm in HARMS for audience in ("child", "parent")
    }
    assert found == wanted
    assert len(found) == 120


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_article_is_practical_and_names_who_to_contact(path: Path):
    item = parse(path)
    harm, audience = item.key.rsplit("-", 1)
    assert item.content.harm_codes == (harm,)
    assert set(item.content.audiences) == ({"child", "teen"} if audience == "child" else {"parent", "teacher"})
    body = item.content.body
    assert body.count("\n## ") + body.startswith("## ") >= 5, "sections: looks like, do now, evidence, help, fault"
    assert "{{center}}" in body and "{{web}}" in body and "{{bot}}" in body
    assert "112" in body
    assert any(words in body for words in NOT_YOUR_FAULT[item.language])
    assert item.content.review_due is not None


@pytest.mark.parametrize(
    "path", [p for p in FILES if p.stem.endswith("-child")], ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_child_articles_use_short_sentences(path: Path):
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    lengths = [len(sentence) for sentence in sentences(body)]
    assert max(lengths) <= 22
    assert statistics.mean(lengths) <= 8


def test_english_child_articles_are_easy_to_read():
    scores = [measure_file(path).ease for path in (ARTICLES / "en").glob("*-child.md")]
    assert min(scores) >= 80  # Flesch: 80–90 "easy", read by 11-year-olds
    assert statistics.mean(scores) >= 88


def test_russian_child_articles_are_easy_to_read():
    scores = [measure_file(path).ease for path in (ARTICLES / "ru").glob("*-child.md")]
    assert min(scores) >= 50  # Oborneva; Russian words are longer, so the scale sits lower
    assert statistics.mean(scores) >= 57


def test_loading_is_idempotent_and_audited(starter):
    first = starter(["en", "az"])
    assert len(first.created) == 60
    assert Article.objects.filter(status=Status.PUBLISHED).count() == 60
    assert AuditEntry.objects.filter(action=Action.ARTICLE_CREATED, actor_label="system").count() == 60
    rows = AuditEntry.objects.count()
    second = starter(["en", "az"])
    assert (second.created, second.updated, second.unchanged) == ([], [], 60)
    assert AuditEntry.objects.count() == rows
    assert ArticleVersion.objects.count() == 60


def test_a_changed_file_updates_its_article_unless_staff_edited_it(starter, editor, tmp_path, monkeypatch):
    starter(["en"], ["scam-child", "scam-parent"])
    for name in ("scam-child", "scam-parent"):
        (tmp_path / "en").mkdir(exist_ok=True)
        text = (ARTICLES / "en" / f"{name}.md").read_text(encoding="utf-8")
        (tmp_path / "en" / f"{name}.md").write_text(text.replace("## What it looks like", "## How it looks"))
    edited = Article.objects.get(key="scam-parent", language="en")
    content = actions.Content.of(edited)
    actions.save_changes(
        edited,
        actions.Content(**{**content.__dict__, "summary": "Our own summary."}),
        by=editor,
    )
    monkeypatch.setattr("himoya.knowledge.loader.ARTICLES", tmp_path)
    result = starter(["en"])
    assert result.updated == ["en/scam-child"]
    assert result.kept == ["en/scam-parent"]
    assert "## How it looks" in Article.objects.get(key="scam-child", language="en").body
    assert Article.objects.get(key="scam-parent", language="en").summary == "Our own summary."


def test_starter_files_can_be_chosen_by_language_and_key():
    assert {f.key for f in starter_files(["ru"], ["grooming-child"])} == {"grooming-child"}
