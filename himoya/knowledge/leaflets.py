"""Articles printed as A4 or A5 leaflets (PDF, WeasyPrint), one or many at once.

Each leaflet carries the center's name, its contacts and two QR codes, to the Telegram bot
and to the web form in the article's language; its fixed words are in the article's
language too. Text is set in DejaVu Sans (or Noto Sans), which have every Azerbaijani,
Uzbek and Cyrillic letter; ``bin/setup`` installs the fonts and Pango that WeasyPrint needs.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence

import segno
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation

from himoya.knowledge.content import article_url, body_html, center_contacts
from himoya.knowledge.models import Article

SIZES = {"a4": "A4", "a5": "A5"}
CACHE_SECONDS = 24 * 60 * 60


def _qr(url: str) -> str:
    # PNG at ~300 dpi for the printed size: crisp on paper, and readable back from the PDF.
    return segno.make(url, error="m").png_data_uri(scale=10, border=2)


def _page(article: Article) -> str:
    contacts = center_contacts(article.language)
    with translation.override(article.language):
        return render_to_string(
            "knowledge/leaflet_article.html",
            {
                "article": article,
                "body": body_html(article),
                "contacts": contacts,
                "web_qr": _qr(contacts.web),
                "bot_qr": _qr(contacts.bot) if contacts.bot else "",
                "url": article_url(article),
                "CENTER_NAME": settings.CENTER_NAME,
            },
        )


def leaflet_html(articles: Sequence[Article], size: str = "a5") -> str:
    language = articles[0].language if articles else settings.LANGUAGE_CODE
    return render_to_string(
        "knowledge/leaflet.html",
        {
            "pages": [_page(article) for article in articles],
            "page_size": SIZES[size],
            "size": size,
            "language": language,
            "CENTER_NAME": settings.CENTER_NAME,
        },
    )


def leaflet_pdf(articles: Sequence[Article], size: str = "a5") -> bytes:
    """One PDF with each article starting on a new page."""
    from weasyprint import HTML  # imported here: it loads Pango, which only leaflets need

    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    return HTML(string=leaflet_html(articles, size), base_url=settings.SITE_URL).write_pdf()


def leaflet_zip(articles: Sequence[Article], size: str = "a5") -> bytes:
    """One PDF per article, named ``<language>/<key>-<size>.pdf``, in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for article in articles:
            archive.writestr(f"{article.language}/{article.key}-{size}.pdf", leaflet_pdf([article], size))
    return buffer.getvalue()


def cached_leaflet(article: Article, size: str) -> bytes:
    """The leaflet of one published article, rendered once per version and contacts."""
    contacts = center_contacts(article.language)
    digest = hashlib.sha256(repr(contacts).encode()).hexdigest()[:16]
    key = f"knowledge:leaflet:{article.pk}:{article.version}:{size}:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = leaflet_pdf([article], size)
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf
