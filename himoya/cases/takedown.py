"""Takedown notices: a letter asking a platform to remove the content a case is about (PDF).

The letter names the center, the date, the case reference (``#123``, never the reporter's
secret code), the harm in the letter's language and the links. It carries nothing a child
wrote or gave: no narrative, no messages, no contact, no names, not even the operator's,
so it can be sent to a company abroad. It is rendered like the knowledge leaflets
(WeasyPrint, DejaVu or Noto Sans for every Azerbaijani, Uzbek and Cyrillic letter).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.actions import CaseRefused
from himoya.cases.models import Case
from himoya.triage.engine.links import normalize_link


def case_links(case: Case) -> list[str]:
    """Every web link the case's reports carry, in their link field or in their text, each
    once (compared in normal form), in the order they came in."""
    seen: dict[str, str] = {}
    reports = case.reports.order_by("received_at", "id").prefetch_related("found_links")
    for report in reports:
        for link in report.links or []:
            seen.setdefault(normalize_link(link) or link, link)
        for found in report.found_links.all():
            if found.kind != "handle":
                seen.setdefault(found.normalized, found.original)
    return list(seen.values())


def takedown_html(case: Case, language: str, partner=None) -> str:
    """The notice as HTML in ``language``; ``partner`` (a platform's team) is whom it addresses."""
    with translation.override(language):
        return render_to_string(
            "cases/takedown_pdf.html",
            {
                "language": language,
                "reference": case.reference,
                "harm": case.harm.name(language),
                "links": case_links(case),
                "partner": partner,
                "today": timezone.localdate(),
                "CENTER_NAME": settings.CENTER_NAME,
                "CENTER_EMAIL": settings.CENTER_EMAIL,
                "CENTER_PHONE": settings.CENTER_PHONE,
                "SITE_URL": settings.SITE_URL,
            },
        )


def takedown_pdf(case: Case, user, language: str | None = None, partner=None) -> bytes:
    """Render the notice for ``user`` and record that it was made; refuses a case with no links."""
    from weasyprint import HTML  # imported here: it loads Pango, which only printing needs

    if not can_work(user, case):
        raise PermissionDenied
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    links = case_links(case)
    if not links:
        raise CaseRefused(_("This case has no links, so there is nothing to ask a platform to take down."))
    pdf = HTML(string=takedown_html(case, language, partner), base_url=settings.SITE_URL).write_pdf()
    with transaction.atomic():
        log(
            Action.TAKEDOWN_GENERATED,
            actor=user,
            case=case,
            language=language,
            links=len(links),
            partner=partner.pk if partner else None,
        )
    return pdf
