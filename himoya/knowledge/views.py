"""Public advice pages: browse by audience and harm, search, read, print as a leaflet.

Only published articles in the page's language are shown. Pages are plain HTML with one
small stylesheet and no script, so they load fast on a cheap phone and on a slow network.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from himoya.knowledge import leaflets
from himoya.knowledge.content import body_html
from himoya.knowledge.forms import BrowseForm
from himoya.knowledge.models import Article, Audience
from himoya.knowledge.search import search
from himoya.reference.models import HarmCategory

PAGE_SIZE = 20


def _language() -> str:
    return (get_language() or "en").split("-")[0]


@require_GET
def index(request):
    language = _language()
    form = BrowseForm(request.GET or None)
    query, audience, harm = "", "", None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        audience = form.cleaned_data["audience"]
        harm = form.cleaned_data["harm"]
    published = Article.objects.published().filter(language=language)
    page = None
    if query:
        articles = search(query, language, audience=audience or None, harm=harm.code if harm else None)
    else:
        listed = published
        if audience:
            listed = listed.for_audience(audience)
        if harm:
            listed = listed.for_harm(harm.code)
        page = Paginator(listed.order_by("title", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        articles = list(page.object_list)
    harms = (
        HarmCategory.objects.filter(active=True)
        .annotate(count=Count("articles", filter=Q(articles__language=language, articles__status="published")))
        .filter(count__gt=0)
    )
    return render(
        request,
        "knowledge/index.html",
        {
            "form": form,
            "query": query,
            "audience": audience,
            "audience_label": Audience(audience).label if audience else "",
            "harm": harm,
            "articles": articles,
            "page": page,
            "audiences": Audience.choices,
            "harms": harms,
        },
    )


@require_GET
def article(request, key: str):
    language = _language()
    item = Article.objects.published().filter(key=key, language=language).prefetch_related("harms").first()
    if item is None:
        elsewhere = list(Article.objects.published().filter(key=key).order_by("language"))
        if not elsewhere:
            raise Http404
        return render(request, "knowledge/not_translated.html", {"elsewhere": elsewhere}, status=404)
    harms = list(item.harms.all())
    related = (
        Article.objects.published()
        .filter(language=language, harms__in=harms)
        .exclude(pk=item.pk)
        .distinct()
        .order_by("key")[:4]
    )
    return render(
        request,
        "knowledge/article.html",
        {"article": item, "body": body_html(item), "harms": harms, "related": related},
    )


@require_GET
def leaflet(request, key: str, size: str):
    item = Article.objects.published().filter(key=key, language=_language()).first()
    if item is None or size not in leaflets.SIZES:
        raise Http404
    response = HttpResponse(leaflets.cached_leaflet(item, size), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{item.language}-{item.key}-{size}.pdf"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
