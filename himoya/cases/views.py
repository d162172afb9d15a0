"""The operators' list of cases and the case page (the full console builds on these)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.cases import actions
from himoya.cases.access import can_work, get_case_for_user
from himoya.cases.forms import CloseForm, CorrectionForm, NoteForm, ReplyForm
from himoya.cases.models import Case, Status
from himoya.conversations.actions import send_reply
from himoya.reports.models import Attachment
from himoya.triage.actions import correct_triage

QUEUE_SIZE = 200


@staff_required("cases.view_case")
def case_list(request):
    show = request.GET.get("show", "open")
    cases = Case.objects.visible_to(request.user).select_related("harm", "assignee")
    if show == "mine":
        cases = cases.open().filter(assignee=request.user)
    elif show == "closed":
        cases = cases.filter(status=Status.CLOSED).order_by("-closed_at")
    else:
        show = "open"
        cases = cases.open()
    if show != "closed":
        cases = cases.in_queue_order()
    template = "cases/_list.html" if request.headers.get("HX-Request") else "cases/list.html"
    return render(request, template, {"cases": cases[:QUEUE_SIZE], "show": show})


@staff_required("cases.view_case")
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk)
    actions.view_case(case, request.user)
    reports = case.reports.select_related("harm", "region", "partner").prefetch_related("attachments")
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "reports": reports,
            "chat": case.messages.select_related("author"),
            "notes": case.notes.select_related("author"),
            "audit": case.audit_entries.select_related("actor")[:50],
            "can_work": can_work(request.user, case),
            "reply_form": ReplyForm(),
            "note_form": NoteForm(),
            "close_form": CloseForm(),
            "correct_form": CorrectionForm(initial={"harm": case.harm_id, "urgency": case.urgency}),
            "signals": case.signals.all(),
        },
    )


def _post_action(request, pk: int, act):
    case = get_case_for_user(request.user, pk, work=True)
    try:
        act(case)
    except actions.CaseConflict:
        messages.error(request, _("Someone else has just taken this case."))
    return redirect("cases:detail", pk=case.pk)


@require_POST
@staff_required("cases.work_case")
def claim(request, pk: int):
    return _post_action(request, pk, lambda case: actions.claim_case(case, request.user))


@require_POST
@staff_required("cases.work_case")
def release(request, pk: int):
    return _post_action(request, pk, lambda case: actions.release_case(case, request.user))


@require_POST
@staff_required("cases.work_case")
def reopen(request, pk: int):
    return _post_action(request, pk, lambda case: actions.reopen_case(case, request.user))


def _form_action(request, pk: int, form_class, act, success: str):
    case = get_case_for_user(request.user, pk, work=True)
    form = form_class(request.POST)
    if form.is_valid():
        act(case, form.cleaned_data)
        messages.success(request, success)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("cases:detail", pk=case.pk)


@require_POST
@staff_required("cases.work_case")
def reply(request, pk: int):
    return _form_action(
        request, pk, ReplyForm, lambda case, data: send_reply(case, request.user, data["body"]), _("Reply sent.")
    )


@require_POST
@staff_required("cases.work_case")
def note(request, pk: int):
    return _form_action(
        request, pk, NoteForm, lambda case, data: actions.add_note(case, request.user, data["text"]), _("Note added.")
    )


@require_POST
@staff_required("cases.work_case")
def close(request, pk: int):
    return _form_action(
        request,
        pk,
        CloseForm,
        lambda case, data: actions.close_case(case, request.user, data["outcome"]),
        _("Case closed."),
    )


@require_POST
@staff_required("cases.work_case")
def correct(request, pk: int):
    return _form_action(
        request,
        pk,
        CorrectionForm,
        lambda case, data: correct_triage(case, request.user, harm=data["harm"], urgency=data["urgency"]),
        _("Harm and urgency updated."),
    )


@staff_required("cases.view_case")
def attachment(request, pk: int):
    """The image bytes, to staff who may see the case. Each view is audited."""
    row = Attachment.objects.select_related("report__case").filter(pk=pk).first()
    if row is None:
        return HttpResponse(status=404)
    case = get_case_for_user(request.user, row.report.case_id)
    if not can_work(request.user, case):
        raise PermissionDenied
    actions.view_attachment(case, request.user, row)
    response = HttpResponse(row.data, content_type=row.content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response
