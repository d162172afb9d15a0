"""Which articles to offer a reporter after a report: their harm, their audience, their language.

The web channel shows these on the page after a report; the Telegram bot sends
``suggestion_text()`` as a message. Both call ``suggest_for_report()``.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from himoya.knowledge.content import article_url
from himoya.knowledge.models import ARTICLE_LANGUAGES, Article, Audience

GENERAL_HARM = "other"  # articles on "something online worries me" fit every report

_BY_AGE = {"under_8": [Audience.CHILD], "8_12": [Audience.CHILD], "13_17": [Audience.TEEN], "adult": [Audience.PARENT]}
_BY_ROLE = {
    "parent": [Audience.PARENT, Audience.TEACHER],
    "teacher": [Audience.TEACHER, Audience.PARENT],
    "other": [Audience.PARENT, Audience.TEACHER],
}


def audiences_for(reporter_role: str = "", age_group: str = "unknown") -> list[str]:
    """Audiences to offer, best first. A child who says nothing about age gets child and teen."""
    if reporter_role in _BY_ROLE:
        return [str(a) for a in _BY_ROLE[reporter_role]]
    by_age = [str(a) for a in _BY_AGE.get(age_group, [Audience.CHILD, Audience.TEEN])]
    if reporter_role in ("child", "friend"):
        return by_age
    # Nobody said who they are: most reporters are young, but parents should find theirs too.
    return by_age + [str(Audience.PARENT)]


def suggest(harm_code: str | None, language: str, audiences: list[str], *, limit: int = 3) -> list[Article]:
    """Published articles in ``language`` about ``harm_code`` for the first audience that has any.

    Falls back to the general advice when the harm has none.
    """
    if language not in ARTICLE_LANGUAGES:
        return []
    for code in dict.fromkeys([harm_code or GENERAL_HARM, GENERAL_HARM]):
        candidates = list(Article.objects.published().filter(language=language, harms__code=code).distinct())
        ranked: dict[int, tuple[int, str]] = {}
        for rank, audience in enumerate(audiences):
            for article in candidates:
                if audience in article.audiences and article.pk not in ranked:
                    ranked[article.pk] = (rank, article.key)
        if ranked:
            chosen = sorted((a for a in candidates if a.pk in ranked), key=lambda a: ranked[a.pk])
            return chosen[:limit]
    return []


def suggest_for_report(report) -> list[Article]:
    harm = report.harm.code if report.harm_id else None
    return suggest(harm, report.language, audiences_for(report.reporter_role, report.age_group))


def suggestion_text(report) -> str:
    """A plain-text message with the suggested articles, in the report's language; "" if none."""
    articles = suggest_for_report(report)
    if not articles:
        return ""
    with translation.override(report.language):
        lines = [_("While you wait, this may help:")]
        lines += [f"• {article.title}\n{article_url(article)}" for article in articles]
    return "\n\n".join(lines)
