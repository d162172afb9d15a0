"""Advice for the bot: articles from the knowledge base when it is installed.

Until the knowledge base has an article for a harm, the bot shows the short guidance in
``texts.ADVICE_BY_HARM``; the articles found here are offered as links beside it.
"""

from __future__ import annotations

from django.apps import apps


def _knowledge() -> bool:
    return apps.is_installed("himoya.knowledge")


def articles(harm_code: str, language: str) -> list[tuple[str, str]]:
    """``(title, address)`` of published articles about the harm in the language."""
    if not _knowledge():
        return []
    from himoya.knowledge.content import article_url
    from himoya.knowledge.suggest import audiences_for, suggest

    return [(article.title, article_url(article)) for article in suggest(harm_code, language, audiences_for())]


def after_report(report) -> str:
    """What to read while waiting, after a report ("" when there is nothing)."""
    if not _knowledge():
        return ""
    from himoya.knowledge.suggest import suggestion_text

    return suggestion_text(report)
