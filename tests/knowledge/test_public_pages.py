"""The public advice pages, and the articles offered after a report on the web."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from himoya.knowledge import actions
from himoya.knowledge.models import Article
from himoya.reference.models import HarmCategory

pytestmark = pytest.mark.django_db


def harm_pk(code: str) -> int:
    return HarmCategory.objects.get(code=code).pk


@pytest.fixture
def articles(starter):
    starter(["en", "az", "ru"], ["sextortion-child", "sextortion-parent", "cyberbullying-child", "other-child"])


def test_the_index_lists_articles_in_the_page_language(articles):
    page = Client().get("/az/advice/").content.decode()
    assert "Kimsə şəkillərini yaymaqla hədələyir" in page
    assert "Someone threatens to share your photos" not in page
    assert 'href="/az/advice/sextortion-child/"' in page


def test_it_browses_by_audience_and_harm(articles):
    client = Client()
    parents = client.get("/en/advice/?audience=parent").content.decode()
    assert "When a child is blackmailed" in parents and "Someone threatens to share" not in parents
    bullying = client.get("/en/advice/?harm=cyberbullying").content.decode()
    assert "Someone is being mean to you online" in bullying and "blackmailed" not in bullying
    assert 'aria-current="page">Parents<' in parents


def test_it_searches(articles):
    page = Client().get("/ru/advice/", {"q": "шантаж"}).content.decode()
    assert "Тебе угрожают выложить твои фото" in page
    empty = Client().get("/en/advice/", {"q": "qwertyuiop"}).content.decode()
    assert "We found no advice for this yet" in empty


def test_an_article_page_shows_safe_html_with_the_centers_contacts(articles, contacts):
    page = Client().get("/az/advice/sextortion-child/").content.decode()
    assert '<html lang="az">' in page
    assert "<h1>Kimsə şəkillərini yaymaqla hədələyir</h1>" in page
    assert "Himoya Test Center" in page
    assert 'href="https://himoya.example/az/report/"' in page
    assert 'href="https://t.me/HimoyaTestBot"' in page
    assert "{{" not in page
    assert 'href="/az/advice/sextortion-child/leaflet-a5.pdf"' in page
    assert "Uşağı intim şəkillərlə şantaj edəndə" in page  # the parent article, as related advice


def test_a_contact_the_center_does_not_have_is_left_out(articles, settings):
    settings.CENTER_BOT_URL = ""
    settings.CENTER_PHONE = ""
    page = Client().get("/en/advice/sextortion-child/").content.decode()
    assert "Our Telegram bot" not in page and "Phone:" not in page
    assert "/en/report/" in page


def test_an_editors_html_never_reaches_the_page(articles, editor):
    article = Article.objects.get(key="other-child", language="en")
    content = actions.Content.of(article)
    evil = content.body + '\n<script>alert("x")</script>\n\n[click](javascript:alert(1))\n'
    actions.save_changes(article, actions.Content(**{**content.__dict__, "body": evil}), by=editor)
    page = Client().get("/en/advice/other-child/").content.decode()
    assert '<script>alert("x")' not in page and "javascript:alert" not in re.sub(r"\[click\]\([^)]*\)", "", page)
    assert "&lt;script&gt;" in page


def test_a_missing_translation_shows_the_languages_it_exists_in(articles):
    response = Client().get("/uz/advice/sextortion-child/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'href="/az/advice/sextortion-child/"' in page and 'href="/ru/advice/sextortion-child/"' in page
    assert Client().get("/en/advice/no-such-article/").status_code == 404


def test_drafts_are_not_public(articles, editor):
    actions.unpublish_article(Article.objects.get(key="other-child", language="en"), by=editor)
    assert Client().get("/en/advice/other-child/").status_code == 404
    assert "Something online worries you" not in Client().get("/en/advice/").content.decode()


def test_a_leaflet_downloads_as_pdf(articles):
    response = Client().get("/ru/advice/sextortion-child/leaflet-a4.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Client().get("/ru/advice/sextortion-child/leaflet-a3.pdf").status_code == 404


def test_pages_take_a_fixed_number_of_queries(articles):
    client = Client()
    client.get("/en/advice/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/en/advice/")
    assert len(captured.captured_queries) <= 6
    with CaptureQueriesContext(connection) as captured:
        client.get("/en/advice/sextortion-child/")
    assert len(captured.captured_queries) <= 6


def test_the_site_header_links_to_advice(reference):
    assert 'href="/en/advice/"' in Client().get("/en/").content.decode()


def test_after_a_web_report_the_reporter_is_offered_articles_for_their_harm_audience_and_language(articles):
    client = Client()
    response = client.post(
        "/az/report/",
        {
            "narrative": "Biri şəkillərimi yaymaqla hədələyir.",
            "harm": harm_pk("sextortion"),
            "age_group": "13_17",
            "reporter_role": "child",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'href="/az/advice/sextortion-child/"' in page
    assert "sextortion-parent" not in page


def test_a_parent_is_offered_the_parent_article(articles):
    client = Client()
    response = client.post(
        "/en/report/",
        {"narrative": "My son is being blackmailed.", "harm": harm_pk("sextortion"), "reporter_role": "parent"},
    )
    page = client.get(response["Location"]).content.decode()
    assert 'href="/en/advice/sextortion-parent/"' in page
    assert 'href="/en/advice/sextortion-child/"' not in page
