"""The supervisors' page for known-link lists: search, add, delete, import and export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.lib.imports import read_progress
from himoya.links import actions
from himoya.links.forms import ImportForm, KnownLinkForm, SearchForm
from himoya.links.listfile import ListFileError
from himoya.links.models import KnownLink, LinkImport
from himoya.links.tasks import PROGRESS
from himoya.triage.engine.links import normalize_link

PAGE_SIZE = 50
# Line errors listed after an import; the rest are counted.
ERRORS_SHOWN = 100
RECENT_IMPORTS = 5
# Where each refusal of check_entry belongs on the add form.
_ERROR_FIELDS = {"match": "match_type", "harm": "harm"}


@staff_required("links.view_knownlink")
def known_links(request):
    form = KnownLinkForm()
    if request.method == "POST":
        if not request.user.has_perm("links.add_knownlink"):
            raise PermissionDenied
        form = KnownLinkForm(request.POST)
        if form.is_valid() and _add(request, form):
            return redirect("links:list")
    return _page(request, add_form=form)


def _add(request, form: KnownLinkForm) -> bool:
    data = form.cleaned_data
    try:
        entry = actions.add_known_link(
            request.user,
            value=data["value"],
            match_type=data["match_type"],
            harm=data["harm"].code,
            source=data["source"],
            note=data["note"],
        )
    except ValidationError as exc:
        form.add_error(_ERROR_FIELDS.get(exc.code, "value"), exc)
        return False
    messages.success(request, _("Saved: %(value)s") % {"value": entry.value})
    return True


@require_POST
@staff_required("links.add_knownlink")
def import_list(request):
    """Keep the file and let the worker apply it; its page follows the progress. A file that
    cannot be read at all is refused here, with the reason on the form."""
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = actions.start_import(
                request.user,
                file_name=upload.name,
                data=upload.read(),
                strict=form.cleaned_data["strict"],
                source=form.cleaned_data["source"],
            )
        except ListFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("links:import-status", pk=job.pk)
    return _page(request, import_form=form, status=400)


@staff_required("links.view_knownlink")
def import_status(request, pk: int):
    job = get_object_or_404(LinkImport, pk=pk)
    line_errors = [error for error in job.errors if error["line"]][:ERRORS_SHOWN]
    context = {
        "job": job,
        "progress": read_progress(PROGRESS, job.pk),
        "line_errors": line_errors,
        "errors_more": max(job.error_count - len(line_errors), 0) if line_errors else 0,
    }
    template = "links/_import_status.html" if request.headers.get("HX-Request") else "links/import.html"
    return render(request, template, context)


@staff_required("links.view_knownlink")
def export_list(request):
    response = StreamingHttpResponse(actions.export_known_links(request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="known-links-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@require_POST
@staff_required("links.delete_knownlink")
def delete(request, pk: int):
    entry = get_object_or_404(KnownLink, pk=pk)
    actions.delete_known_links(request.user, [entry])
    messages.success(request, _("Deleted: %(value)s") % {"value": entry.value})
    return redirect("links:list")


def _page(request, *, add_form=None, import_form=None, status=200):
    search = SearchForm(request.GET)
    entries = KnownLink.objects.select_related("harm", "added_by")
    if search.is_valid():
        query = search.cleaned_data["q"].strip()
        if query:
            matches = Q(value__icontains=query) | Q(source__icontains=query) | Q(note__icontains=query)
            normalized = normalize_link(query)
            if normalized:
                matches |= Q(key=KnownLink.key_for(normalized))
            entries = entries.filter(matches)
        if search.cleaned_data["harm"]:
            entries = entries.filter(harm=search.cleaned_data["harm"])
        if search.cleaned_data["match_type"]:
            entries = entries.filter(match_type=search.cleaned_data["match_type"])
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "links/known_links.html",
        {
            "page": page,
            "search": search,
            "query_string": query_string.urlencode(),
            "add_form": add_form or KnownLinkForm(),
            "import_form": import_form or ImportForm(),
            "imports": LinkImport.objects.filter(requested_by=request.user)[:RECENT_IMPORTS],
        },
        status=status,
    )
