"""The staff editor: list with missing translations, write with preview, history, leaflets.

Everyone with ``knowledge.edit_article`` writes and proposes; what needs
``knowledge.publish_article`` is checked by the actions themselves (PermissionDenied → 403).
Articles are fetched through ``_get_article`` only.
"""

from __future__ import annotations

import difflib
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from himoya.accounts.decorators import staff_required
from himoya.knowledge import actions, leaflets
from himoya.knowledge.content import article_url, body_html
from himoya.knowledge.forms import ArticleForm, LeafletForm
from himoya.knowledge.models import Article, ArticleVersion, Audience, Status, VersionState
from himoya.knowledge.search import search

KEYS_PER_PAGE = 40
EDIT = "knowledge.edit_article"


def _get_article(pk: int) -> Article:
    article = Article.objects.filter(pk=pk).prefetch_related("harms").first()
    if article is None:
        raise Http404
    return article


def _get_version(article: Article, number: int) -> ArticleVersion:
    version = article.versions.select_related("created_by").filter(number=number).first()
    if version is None:
        raise Http404
    return version


def _languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


@staff_required(EDIT)
@require_GET
def article_list(request):
    """Articles grouped by key, one column per language: what exists, in what state, what is missing."""
    show = request.GET.get("show", "")
    query = request.GET.get("q", "").strip()[:100]
    articles = Article.objects.all()
    if query:
        articles = articles.filter(Q(title__icontains=query) | Q(key__icontains=query))
    if show in Status.values:
        articles = articles.filter(status=show)
    elif show == "pending":
        articles = articles.filter(versions__state=VersionState.PENDING)
    elif show == "overdue":
        articles = articles.filter(review_due__lt=timezone.localdate())
    elif show.startswith("missing-") and show.removeprefix("missing-") in dict(_languages()):
        articles = articles.exclude(
            key__in=Article.objects.filter(language=show.removeprefix("missing-")).values("key")
        )
    keys = articles.values_list("key", flat=True).distinct().order_by("key")
    page = Paginator(keys, KEYS_PER_PAGE).get_page(request.GET.get("page"))
    rows_by_key: dict[str, dict] = {key: {"key": key, "cells": {}} for key in page.object_list}
    pending = dict(
        ArticleVersion.objects.filter(state=VersionState.PENDING, article__key__in=rows_by_key)
        .values_list("article")
        .annotate(n=Count("pk"))
    )
    for article in Article.objects.filter(key__in=rows_by_key).prefetch_related("harms"):
        article.pending = pending.get(article.pk, 0)
        rows_by_key[article.key]["cells"][article.language] = article
    rows = []
    for row in rows_by_key.values():
        cells = row["cells"]
        first = next(iter(cells.values()), None)
        source = cells.get(request.LANGUAGE_CODE) or first
        row["source"] = source
        row["columns"] = [(code, cells.get(code)) for code, _name in _languages()]
        row["missing"] = [code for code, _name in _languages() if code not in cells]
        rows.append(row)
    counts = {
        "in_review": Article.objects.filter(status=Status.IN_REVIEW).count(),
        "pending": ArticleVersion.objects.filter(state=VersionState.PENDING).count(),
        "overdue": Article.objects.filter(review_due__lt=timezone.localdate()).count(),
    }
    return render(
        request,
        "knowledge/staff/list.html",
        {
            "rows": rows,
            "page": page,
            "show": show,
            "query": query,
            "languages": _languages(),
            "counts": counts,
            "leaflet_form": LeafletForm(),
        },
    )


def _preview(form: ArticleForm, article: Article | None, language: str):
    if not form.is_valid():
        return None
    content = form.content()
    stand_in = article or Article(key=form.cleaned_data.get("key", ""), language=language)
    return {"title": content.title, "summary": content.summary, "body": body_html(stand_in, content.body)}


@staff_required(EDIT)
@require_http_methods(["GET", "POST"])
def article_new(request):
    """A new article; with ``?from=<pk>&language=xx``, a translation of article ``pk``."""
    source = None
    initial: dict = {"review_due": date(timezone.localdate().year + 1, 1, 1)}
    if request.GET.get("from"):
        source = _get_article(int(request.GET["from"]))
        initial = ArticleForm.initial_for(actions.Content.of(source), key=source.key)
        initial["language"] = request.GET.get("language", "")
    form = ArticleForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST":
        language = request.POST.get("language", "")
        if "preview" in request.POST:
            preview = _preview(form, None, language)
        elif form.is_valid():
            article = actions.create_article(
                form.cleaned_data["key"],
                form.cleaned_data["language"],
                form.content(),
                by=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Draft saved."))
            return redirect("knowledge_staff:edit", pk=article.pk)
    return render(
        request,
        "knowledge/staff/edit.html",
        {"form": form, "article": None, "source": source, "preview": preview},
        status=400 if form.errors else 200,
    )


@staff_required(EDIT)
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    article = _get_article(pk)
    initial = ArticleForm.initial_for(actions.Content.of(article))
    form = ArticleForm(request.POST or None, initial=initial, article=article)
    preview = None
    if request.method == "POST":
        if "preview" in request.POST:
            preview = _preview(form, article, article.language)
        elif form.is_valid():
            version = actions.save_changes(article, form.content(), by=request.user, note=form.cleaned_data["note"])
            if version is None:
                messages.info(request, _("Nothing changed."))
            elif version.state == VersionState.PENDING:
                messages.success(
                    request, _("Your change is saved as a proposal. A content editor will review and publish it.")
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("knowledge_staff:edit", pk=article.pk)
    translations = {a.language: a for a in Article.objects.filter(key=article.key)}
    return render(
        request,
        "knowledge/staff/edit.html",
        {
            "form": form,
            "article": article,
            "preview": preview,
            "translations": [(code, name, translations.get(code)) for code, name in _languages()],
            "proposals": article.versions.filter(state=VersionState.PENDING).select_related("created_by"),
            "may_publish": request.user.has_perm("knowledge.publish_article"),
            "public_url": article_url(article),
        },
        status=400 if form.errors else 200,
    )


def _status_action(request, pk: int, act, done: str):
    article = _get_article(pk)
    act(article)
    messages.success(request, done)
    return redirect("knowledge_staff:edit", pk=article.pk)


@staff_required(EDIT)
@require_POST
def article_submit(request, pk: int):
    return _status_action(
        request, pk, lambda a: actions.submit_for_review(a, by=request.user), _("Sent to a content editor for review.")
    )


@staff_required(EDIT)
@require_POST
def article_publish(request, pk: int):
    return _status_action(request, pk, lambda a: actions.publish_article(a, by=request.user), _("Published."))


@staff_required(EDIT)
@require_POST
def article_unpublish(request, pk: int):
    return _status_action(
        request, pk, lambda a: actions.unpublish_article(a, by=request.user), _("Taken off the public pages.")
    )


@staff_required(EDIT)
@require_GET
def article_history(request, pk: int):
    article = _get_article(pk)
    versions = article.versions.select_related("created_by")
    return render(request, "knowledge/staff/history.html", {"article": article, "versions": versions})


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """Lines of a line-by-line comparison: ("add" | "del" | "same", text)."""
    kinds = {"+": "add", "-": "del", " ": "same"}
    out = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line[:1] in kinds:
            out.append((kinds[line[:1]], line[2:]))
    return out


@staff_required(EDIT)
@require_GET
def version_detail(request, pk: int, number: int):
    article = _get_article(pk)
    version = _get_version(article, number)
    before = article.versions.filter(number__lt=number, state=VersionState.APPLIED).first()
    if version.state == VersionState.PENDING:
        # A proposal is read against what the public sees now.
        before_text = (article.title, article.summary, article.body)
    elif before is not None:
        before_text = (before.title, before.summary, before.body)
    else:
        before_text = ("", "", "")
    diff = {
        "title": _diff(before_text[0], version.title),
        "summary": _diff(before_text[1], version.summary),
        "body": _diff(before_text[2], version.body),
    }
    return render(
        request,
        "knowledge/staff/version.html",
        {
            "article": article,
            "version": version,
            "diff": diff,
            "is_current": version.state == VersionState.APPLIED and version.number == article.version,
            "may_publish": request.user.has_perm("knowledge.publish_article"),
            "audience_labels": [Audience(a).label for a in version.audiences],
        },
    )


@staff_required(EDIT)
@require_POST
def version_restore(request, pk: int, number: int):
    article = _get_article(pk)
    version = _get_version(article, number)
    result = actions.restore_version(article, version, by=request.user)
    if result is None:
        messages.info(request, _("This version is already the current text."))
    elif result.state == VersionState.PENDING:
        messages.success(request, _("Restoring this version is proposed. A content editor will review it."))
    else:
        messages.success(request, _("Version %(number)s restored.") % {"number": number})
    return redirect("knowledge_staff:edit", pk=article.pk)


@staff_required(EDIT)
@require_POST
def version_publish(request, pk: int, number: int):
    article = _get_article(pk)
    version = _get_version(article, number)
    if version.state != VersionState.PENDING:
        raise Http404
    actions.publish_article(article, by=request.user, proposal=version)
    messages.success(request, _("The proposed change is published."))
    return redirect("knowledge_staff:edit", pk=article.pk)


@staff_required(EDIT)
@require_POST
def version_decline(request, pk: int, number: int):
    article = _get_article(pk)
    version = _get_version(article, number)
    if version.state != VersionState.PENDING:
        raise Http404
    actions.decline_proposal(version, by=request.user)
    messages.success(request, _("The proposed change is declined."))
    return redirect("knowledge_staff:edit", pk=article.pk)


def _pdf_response(data: bytes, filename: str, content_type: str = "application/pdf") -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required(EDIT)
@require_GET
def article_leaflet(request, pk: int, size: str):
    """A draft's leaflet too, to check it before printing."""
    article = _get_article(pk)
    if size not in leaflets.SIZES:
        raise Http404
    return _pdf_response(leaflets.leaflet_pdf([article], size), f"{article.language}-{article.key}-{size}.pdf")


@staff_required(EDIT)
@require_http_methods(["GET", "POST"])
def leaflet_batch(request):
    """A campaign: many articles as one PDF for the printer, or a ZIP of one PDF each."""
    form = LeafletForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = form.selected()
        if chosen:
            size = form.cleaned_data["size"]
            stamp = timezone.localdate().isoformat()
            if form.cleaned_data["bundle"] == "zip":
                return _pdf_response(leaflets.leaflet_zip(chosen, size), f"leaflets-{stamp}.zip", "application/zip")
            return _pdf_response(leaflets.leaflet_pdf(chosen, size), f"leaflets-{stamp}-{size}.pdf")
        form.add_error(None, _("No published article matches. Choose other filters."))
    return render(request, "knowledge/staff/leaflets.html", {"form": form}, status=400 if form.errors else 200)


@staff_required()
@require_GET
def pick(request):
    """Published articles for an operator's reply: a list of links to insert (HTML fragment)."""
    if not (request.user.has_perm("cases.work_case") or request.user.has_perm(EDIT)):
        raise PermissionDenied
    language = request.GET.get("language", "")
    if language not in dict(_languages()):
        language = request.LANGUAGE_CODE
    query = request.GET.get("q", "").strip()[:200]
    harm = request.GET.get("harm", "")[:40] or None
    if query:
        found = search(query, language, limit=8)
    else:
        found = list(
            Article.objects.published().filter(language=language).for_harm(harm or "other").order_by("key")[:8]
        )
    items = [{"article": article, "url": article_url(article)} for article in found]
    return render(request, "knowledge/staff/_pick_results.html", {"items": items, "query": query})
