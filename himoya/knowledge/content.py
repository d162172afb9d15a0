"""An article as readers see it: its HTML with the center's contacts filled in."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from himoya.knowledge.models import Article
from himoya.knowledge.rendering import Contacts, fill_placeholders, render_markdown


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def report_form_url(language: str) -> str:
    with translation.override(language):
        return absolute(reverse("web:report"))


def center_contacts(language: str) -> Contacts:
    """The center's contacts from settings; the web form in ``language``."""
    return Contacts(
        center=settings.CENTER_NAME,
        web=report_form_url(language),
        bot=settings.CENTER_BOT_URL,
        phone=settings.CENTER_PHONE,
        email=settings.CENTER_EMAIL,
    )


def body_html(article: Article, body: str | None = None) -> SafeString:
    """The article's text (or ``body``, for a preview) as sanitised HTML."""
    markdown = fill_placeholders(article.body if body is None else body, center_contacts(article.language))
    return mark_safe(render_markdown(markdown))  # noqa: S308 - cleaned by nh3 in render_markdown


def article_url(article: Article) -> str:
    return absolute(article.get_absolute_url())
