"""What the case page needs to show a report's pictures safely: which are withheld, which
matched a list, at what size the thumbnail comes, and how this user wants them shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from himoya.cases.views.attachments import THUMBNAIL_EDGE
from himoya.hashes import actions
from himoya.hashes.models import HashBank, ImageHash, Match
from himoya.triage.engine.images import fitted

register = template.Library()


@dataclass
class Picture:
    attachment: object
    quarantined: bool
    frames: int
    width: int
    height: int
    banks: list[str] = field(default_factory=list)


@register.simple_tag(takes_context=True)
def pictures_of(context, report) -> list[Picture]:
    """The report's pictures with their hash state. The states of the whole case are read
    once per page (two queries), so a case with many reports costs no more."""
    attachments = list(report.attachments.all())
    if not attachments:
        return []
    hashes, banks = _case_states(context["request"], report.case_id)
    pictures = []
    for attachment in attachments:
        found = hashes.get(attachment.pk)
        width, height = fitted(attachment.width, attachment.height, THUMBNAIL_EDGE)
        pictures.append(
            Picture(
                attachment=attachment,
                quarantined=bool(found and found.quarantined),
                frames=found.frames if found else 1,
                width=width,
                height=height,
                banks=list(dict.fromkeys(banks.get(attachment.pk, []))),
            )
        )
    return pictures


def _case_states(request, case_id: int) -> tuple[dict[int, ImageHash], dict[int, list[str]]]:
    cached = getattr(request, "_picture_states", {})
    if case_id not in cached:
        hashes = {h.attachment_id: h for h in ImageHash.objects.filter(attachment__report__case_id=case_id)}
        banks: dict[int, list[str]] = {}
        matches = Match.objects.filter(attachment__report__case_id=case_id).order_by("distance")
        for attachment_id, name in matches.values_list("attachment_id", "bank__name"):
            banks.setdefault(attachment_id, []).append(name)
        cached[case_id] = (hashes, banks)
        request._picture_states = cached
    return cached[case_id]


@register.simple_tag(takes_context=True)
def picture_settings(context):
    """This user's picture settings, read once per page."""
    request = context["request"]
    if not hasattr(request, "_picture_settings"):
        request._picture_settings = actions.viewing_preference(request.user)
    return request._picture_settings


@register.simple_tag(takes_context=True)
def banks_in_use(context) -> list[HashBank]:
    """Lists a picture can be added to, read once per page."""
    request = context["request"]
    if not hasattr(request, "_banks_in_use"):
        request._banks_in_use = list(HashBank.objects.filter(enabled=True))
    return request._banks_in_use
