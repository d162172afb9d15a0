"""Leaflets: the PDF read back has the article's words, in the right letters, with the contacts."""

from __future__ import annotations

import io

import pypdf
import pytest

from himoya.knowledge.leaflets import leaflet_pdf
from himoya.knowledge.models import Article

pytestmark = pytest.mark.django_db

A4 = (595, 842)
A5 = (420, 595)


def qr_codes(reader: pypdf.PdfReader) -> int:
    """Distinct images in the document (pages share their resources)."""
    return len({image.data for page in reader.pages for image in page.images})


def read(pdf: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_an_azerbaijani_leaflet_keeps_every_letter(starter, contacts):
    starter(["az"], ["sextortion-child"])
    article = Article.objects.get()
    reader, text = read(leaflet_pdf([article], "a5"))
    size = reader.pages[0].mediabox
    assert (round(size.width), round(size.height)) == A5
    text = flat(text)
    assert "Kimsə şəkillərini yaymaqla hədələyir" in text
    letters = {ch for ch in article.title + article.summary + article.body if ch.isalpha() and not ch.isascii()}
    assert letters >= set("əışçöü")
    assert letters <= set(text)  # every Azerbaijani letter of the article came back
    assert "Himoya Test Center" in text
    joined = text.replace(" ", "")  # addresses wrap anywhere in the narrow QR captions
    assert "https://himoya.example/az/report/" in joined
    assert "https://t.me/HimoyaTestBot" in joined
    assert "+998 71 000 00 00" in text
    assert "{{" not in text


def test_a_russian_leaflet_on_a4_has_cyrillic_text_and_two_qr_codes(starter, contacts):
    starter(["ru"], ["grooming-parent"])
    reader, text = read(leaflet_pdf([Article.objects.get()], "a4"))
    size = reader.pages[0].mediabox
    assert (round(size.width), round(size.height)) == A4
    assert "Если взрослый склоняет ребёнка в интернете" in flat(text)
    assert qr_codes(reader) == 2  # the web form and the bot


def test_without_a_bot_there_is_one_qr_code(starter, contacts):
    contacts.CENTER_BOT_URL = ""
    starter(["uz"], ["scam-child"])
    reader, text = read(leaflet_pdf([Article.objects.get()], "a5"))
    assert "Seni aldashdi yoki pul, kod, parol soʻrashyapti" in flat(text)
    assert qr_codes(reader) == 1


def test_a_campaign_prints_each_article_from_a_new_page(starter, contacts):
    starter(["en", "az"], ["scam-child"])
    articles = list(Article.objects.order_by("language", "key"))
    reader, _text = read(leaflet_pdf(articles, "a5"))
    starts = [i for i, page in enumerate(reader.pages) if any(a.title in flat(page.extract_text()) for a in articles)]
    assert len(reader.pages) >= 2 and len(starts) == 2
