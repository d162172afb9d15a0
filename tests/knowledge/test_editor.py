"""The staff editor: who may see and do what, preview, history, translations, leaflets, the picker."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from himoya.knowledge.models import Article, ArticleVersion, Status, VersionState
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

FORM = {
    "title": "A new article",
    "summary": "Short.",
    "body": "## What to do now\n\n1. Tell an adult.\n",
    "audiences": ["child"],
    "harms": ["scam"],
    "review_due": "2027-01-01",
    "note": "",
}


@pytest.fixture
def articles(starter):
    starter(["en", "ru"], ["scam-child", "scam-parent"])
    starter(["en"], ["grooming-child"])


def test_people_without_the_permission_are_kept_out(articles, outsider, analyst):
    assert Client().get("/en/staff/advice/").status_code == 302  # to sign in
    assert verified_client(outsider).get("/en/staff/advice/").status_code == 403
    assert verified_client(analyst).get("/en/staff/advice/").status_code == 403


def test_the_list_shows_each_article_in_every_language_and_what_is_missing(articles, editor):
    page = verified_client(editor).get("/en/staff/advice/").content.decode()
    grooming = Article.objects.get(key="grooming-child")
    assert page.count(f'href="/en/staff/advice/new/?from={grooming.pk}&amp;language=ru"') == 1
    missing = verified_client(editor).get("/en/staff/advice/?show=missing-ru").content.decode()
    assert "grooming-child" in missing and "scam-child" not in missing


def test_an_operator_writes_a_draft_with_preview_and_cannot_publish(articles, operator):
    client = verified_client(operator)
    preview = client.post("/en/staff/advice/new/", {**FORM, "key": "new-child", "language": "en", "preview": "1"})
    assert preview.status_code == 200
    assert "<h2>What to do now</h2>" in preview.content.decode()
    assert not Article.objects.filter(key="new-child").exists()

    saved = client.post("/en/staff/advice/new/", {**FORM, "key": "new-child", "language": "en", "save": "1"})
    article = Article.objects.get(key="new-child")
    assert saved["Location"] == f"/en/staff/advice/{article.pk}/"
    assert article.status == Status.DRAFT
    assert client.post(f"/en/staff/advice/{article.pk}/publish/").status_code == 403
    client.post(f"/en/staff/advice/{article.pk}/submit/")
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_an_operators_edit_of_a_published_article_waits_for_a_content_editor(articles, operator, editor):
    article = Article.objects.get(key="scam-child", language="en")
    client = verified_client(operator)
    page = client.get(f"/en/staff/advice/{article.pk}/").content.decode()
    assert "Propose this change" in page
    client.post(f"/en/staff/advice/{article.pk}/", {**FORM, "title": "Proposed title", "save": "1"})
    assert Article.objects.get(pk=article.pk).title == article.title
    proposal = ArticleVersion.objects.get(article=article, state=VersionState.PENDING)

    editor_client = verified_client(editor)
    review = editor_client.get(f"/en/staff/advice/{article.pk}/versions/{proposal.number}/").content.decode()
    assert "Publish this change" in review and "Proposed title" in review
    editor_client.post(f"/en/staff/advice/{article.pk}/versions/{proposal.number}/publish/")
    assert Article.objects.get(pk=article.pk).title == "Proposed title"


def test_html_in_the_body_is_refused_as_markup_and_unknown_placeholders_are_errors(articles, editor):
    client = verified_client(editor)
    response = client.post(
        "/en/staff/advice/new/", {**FORM, "key": "x-child", "language": "en", "body": "Hi {{phnoe}}", "save": "1"}
    )
    assert response.status_code == 400
    assert "Unknown placeholder: phnoe" in response.content.decode()


def test_the_key_is_unique_per_language(articles, editor):
    response = verified_client(editor).post("/en/staff/advice/new/", {**FORM, "key": "scam-child", "language": "en"})
    assert response.status_code == 400


def test_a_translation_starts_from_the_original(articles, editor):
    source = Article.objects.get(key="grooming-child", language="en")
    page = verified_client(editor).get(f"/en/staff/advice/new/?from={source.pk}&language=uz").content.decode()
    assert "An adult online wants secrets" in page  # the original, shown beside the form
    assert 'value="grooming-child"' in page


def test_history_shows_who_changed_what_and_restores_a_version(articles, editor):
    article = Article.objects.get(key="scam-child", language="en")
    client = verified_client(editor)
    client.post(f"/en/staff/advice/{article.pk}/", {**FORM, "title": "Changed", "note": "shorter title", "save": "1"})
    history = client.get(f"/en/staff/advice/{article.pk}/history/").content.decode()
    assert "elnara" in history and "system" in history and "shorter title" in history
    diff = client.get(f"/en/staff/advice/{article.pk}/versions/2/").content.decode()
    assert 'class="add">+ Changed' in diff
    client.post(f"/en/staff/advice/{article.pk}/versions/1/restore/")
    assert Article.objects.get(pk=article.pk).title == article.title


def test_leaflets_for_a_campaign_download_as_one_pdf_or_a_zip(articles, editor):
    client = verified_client(editor)
    pdf = client.post(
        "/en/staff/advice/leaflets/", {"language": "en", "harms": ["scam"], "size": "a5", "bundle": "pdf"}
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bundle = client.post("/en/staff/advice/leaflets/", {"language": "ru", "size": "a4", "bundle": "zip"})
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert names == ["ru/scam-child-a4.pdf", "ru/scam-parent-a4.pdf"]
    none = client.post(
        "/en/staff/advice/leaflets/", {"language": "en", "harms": ["csam"], "size": "a5", "bundle": "pdf"}
    )
    assert none.status_code == 400


def test_the_operators_picker_lists_articles_in_the_reporters_language(articles, operator, outsider):
    client = verified_client(operator)
    page = client.get("/en/staff/advice/pick/", {"language": "ru", "harm": "scam"}).content.decode()
    assert "Тебя обманули" in page and 'data-url="http://127.0.0.1:8000/ru/advice/scam-child/"' in page
    found = client.get("/en/staff/advice/pick/", {"language": "en", "q": "adult secrets"}).content.decode()
    assert "grooming-child" in found
    assert verified_client(outsider).get("/en/staff/advice/pick/").status_code == 403


def test_the_case_page_offers_the_picker_under_the_reply_box(articles, operator, file_report):
    case = file_report(harm="scam", language="ru").case
    page = verified_client(operator).get(f"/en/staff/cases/{case.pk}/").content.decode()
    assert 'data-article-picker data-target="#id_body"' in page
    assert 'data-language="ru" data-harm="scam"' in page
