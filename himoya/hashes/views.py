"""Staff pages for hash lists (supervisors), adding a case's picture to a list, and each
member of staff's picture settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.cases.access import get_case_for_user
from himoya.hashes import actions, csvio
from himoya.hashes.forms import BankAttachmentForm, HashBankForm, ImportForm, ViewingPreferenceForm
from himoya.hashes.models import BankImport, HashBank
from himoya.hashes.tasks import PROGRESS
from himoya.lib.imports import read_progress
from himoya.reports.models import Attachment


@staff_required("hashes.view_hashbank")
def bank_list(request):
    banks = HashBank.objects.select_related("harm").annotate(size=Count("hashes", distinct=True))
    return render(request, "hashes/list.html", {"banks": banks})


@staff_required("hashes.add_hashbank")
def bank_create(request):
    form = HashBankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        bank = actions.create_bank(request.user, **form.cleaned_data)
        messages.success(request, _("Hash list created."))
        return redirect("hashes:detail", pk=bank.pk)
    return render(request, "hashes/form.html", {"form": form})


@staff_required("hashes.view_hashbank")
def bank_detail(request, pk: int):
    bank = get_object_or_404(HashBank.objects.select_related("harm"), pk=pk)
    can_change = request.user.has_perm("hashes.change_hashbank")
    form = HashBankForm(request.POST or None, instance=HashBank.objects.get(pk=pk))
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            actions.change_bank(request.user, bank, **form.cleaned_data)
            messages.success(request, _("Hash list saved."))
            return redirect("hashes:detail", pk=bank.pk)
    return render(
        request,
        "hashes/detail.html",
        {
            "bank": bank,
            "form": form,
            "can_change": can_change,
            "import_form": ImportForm(),
            "size": bank.hashes.count(),
            "matches": bank.matches.count(),
            "imports": bank.imports.select_related("requested_by")[:10],
            "formats": csvio.EXPORT_FORMATS,
        },
    )


@require_POST
@staff_required("hashes.change_hashbank")
def bank_import(request, pk: int):
    bank = get_object_or_404(HashBank, pk=pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("hashes:detail", pk=bank.pk)
    upload = form.cleaned_data["file"]
    job = actions.start_import(request.user, bank, file_name=upload.name, data=upload.read())
    return redirect("hashes:import", pk=job.pk)


def _import_context(job: BankImport) -> dict:
    progress = read_progress(PROGRESS, job.pk)
    return {
        "job": job,
        "phase": progress.phase,
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        "problems": [{"line": e["line"], "text": csvio.describe(e)} for e in job.errors],
        "more_problems": max(job.error_count - len(job.errors), 0),
    }


@staff_required("hashes.view_hashbank")
def import_status(request, pk: int):
    job = get_object_or_404(BankImport.objects.select_related("bank", "requested_by"), pk=pk)
    template = "hashes/_import_status.html" if request.headers.get("HX-Request") else "hashes/import.html"
    return render(request, template, _import_context(job))


@staff_required("hashes.view_hashbank")
def bank_export(request, pk: int):
    bank = get_object_or_404(HashBank, pk=pk)
    form = request.GET.get("format", "simple")
    if form not in csvio.EXPORT_FORMATS:
        raise Http404
    lines = csvio.export(actions.export_rows(request.user, bank), form=form, bank_name=bank.name)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = slugify(bank.name) or f"list-{bank.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{form}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required("hashes.bank_attachment")
def bank_attachment(request, pk: int):
    attachment = get_object_or_404(Attachment.objects.select_related("report"), pk=pk)
    case = get_case_for_user(request.user, attachment.report.case_id, work=True)
    form = BankAttachmentForm(request.POST)
    if form.is_valid():
        bank = form.cleaned_data["bank"]
        try:
            actions.bank_attachment(request.user, attachment, bank, label=form.cleaned_data["label"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The picture was added to “%(bank)s”.") % {"bank": bank.name})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("cases:detail", pk=case.pk)


@staff_required("cases.view_case")
def preferences(request):
    current = actions.viewing_preference(request.user)
    form = ViewingPreferenceForm(request.POST or None, initial={"blur": current.blur, "greyscale": current.greyscale})
    if request.method == "POST" and form.is_valid():
        actions.save_viewing_preference(request.user, **form.cleaned_data)
        messages.success(request, _("Picture settings saved."))
        return redirect("hashes:preferences")
    return render(request, "hashes/preferences.html", {"form": form})
