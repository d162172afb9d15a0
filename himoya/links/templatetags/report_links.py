"""The case page's links, computed once per page for all its reports (see ``overview``)."""

from django import template

from himoya.links.overview import CaseLinks

register = template.Library()


def _overview(context) -> CaseLinks:
    case = context["case"]
    overview = getattr(case, "_links_overview", None)
    if overview is None:
        overview = CaseLinks(case, context["user"])
        case._links_overview = overview
    return overview


@register.simple_tag(takes_context=True)
def links_of(context, report):
    """The links of ``report`` with what is known about each (``FoundLink``)."""
    return _overview(context).for_report(report.pk)


@register.simple_tag(takes_context=True)
def possible_duplicates(context):
    """Open cases that may be about the same thing as this one (``Suggestion``)."""
    return _overview(context).suggestions
