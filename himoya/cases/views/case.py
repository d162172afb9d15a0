"""The case page and what an operator does on it.

Every POST fetches the case through ``get_case_for_user(..., work=True)``, hands validated
data to one action, and comes back to the page with a message. Refusals from the actions
(a merged case, a case with one report to split) are shown as translated messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.cases import actions
from himoya.cases.access import can_work, get_case_for_user
from himoya.cases.forms import (
    CloseForm,
    CorrectionForm,
    MergeForm,
    NoteForm,
    SplitForm,
    Survivor,
    TakedownForm,
)
from himoya.cases.models import Case, Outcome
from himoya.cases.takedown import case_links, takedown_pdf
from himoya.referrals.actions import ReferralError, record_answer, refer_case
from himoya.referrals.forms import AnswerForm, ReferralForm
from himoya.referrals.models import Referral
from himoya.triage.actions import correct_triage


@staff_required("cases.view_case")
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk)
    actions.view_case(case, request.user)
    reports = list(
        case.reports.select_related("harm", "region", "partner").prefetch_related("attachments").order_by("id")
    )
    referrals = list(case.referrals.select_related("partner", "sent_by", "answered_by"))
    for referral in referrals:
        referral.answer_form = AnswerForm(auto_id=f"id_answer_{referral.pk}_%s")
    workable = can_work(request.user, case) and case.merged_into_id is None
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "reports": reports,
            "notes": case.notes.select_related("author"),
            "audit": case.audit_entries.select_related("actor")[:50],
            "can_work": workable,
            "note_form": NoteForm(),
            "close_form": CloseForm(initial={"outcome": case.outcome or (Outcome.REFERRED if referrals else None)}),
            "correct_form": CorrectionForm(initial={"harm": case.harm_id, "urgency": case.urgency}),
            "merge_form": MergeForm(auto_id="merge_%s"),
            "referral_form": ReferralForm(auto_id="referral_%s"),
            "takedown_form": TakedownForm(auto_id="takedown_%s"),
            "referrals": referrals,
            "links": case_links(case),
            "merged_cases": case.merged_cases.order_by("pk").values_list("pk", flat=True),
            "signals": case.signals.select_related("report", "message"),
        },
    )


def _workable_case(request, pk: int) -> Case:
    """The case to act on: visible and workable by the user (404/403 otherwise), and not merged away."""
    case = get_case_for_user(request.user, pk, work=True)
    actions.check_not_merged(case)
    return case


def _run(request, pk: int, act, success: str | None = None, form=None):
    """Fetch the case, validate ``form`` if given, run ``act(case, data)``; back to a case page.

    ``act`` may return a case to go to (a split's new case, a merge's survivor).
    """
    goto = pk
    try:
        case = _workable_case(request, pk)
        if form is not None and not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("cases:detail", pk=pk)
        result = act(case, form.cleaned_data if form is not None else {})
        if isinstance(result, Case):
            goto = result.pk
        if success:
            messages.success(request, success)
    except actions.CaseConflict:
        messages.error(request, _("Someone else has just taken this case."))
    except actions.CaseRefused as refused:
        messages.error(request, str(refused))
    return redirect("cases:detail", pk=goto)


@require_POST
@staff_required("cases.work_case")
def claim(request, pk: int):
    return _run(request, pk, lambda case, data: actions.claim_case(case, request.user))


@require_POST
@staff_required("cases.work_case")
def release(request, pk: int):
    return _run(request, pk, lambda case, data: actions.release_case(case, request.user))


@require_POST
@staff_required("cases.work_case")
def reopen(request, pk: int):
    return _run(request, pk, lambda case, data: actions.reopen_case(case, request.user), _("Case reopened."))


@require_POST
@staff_required("cases.work_case")
def note(request, pk: int):
    return _run(
        request,
        pk,
        lambda case, data: actions.add_note(case, request.user, data["text"]),
        _("Note added."),
        NoteForm(request.POST),
    )


@require_POST
@staff_required("cases.work_case")
def close(request, pk: int):
    return _run(
        request,
        pk,
        lambda case, data: actions.close_case(case, request.user, data["outcome"]),
        _("Case closed."),
        CloseForm(request.POST),
    )


@require_POST
@staff_required("cases.work_case")
def outcome(request, pk: int):
    return _run(
        request,
        pk,
        lambda case, data: actions.set_outcome(case, request.user, data["outcome"]),
        _("Outcome changed."),
        CloseForm(request.POST),
    )


@require_POST
@staff_required("cases.work_case")
def correct(request, pk: int):
    return _run(
        request,
        pk,
        lambda case, data: correct_triage(case, request.user, harm=data["harm"], urgency=data["urgency"]),
        _("Harm and urgency updated."),
        CorrectionForm(request.POST),
    )


def _merge(request, case: Case, data) -> Case:
    try:
        other = get_case_for_user(request.user, data["other"], work=True)
    except (Http404, PermissionDenied):
        # The same answer for a case that does not exist and one the user may not see.
        raise actions.CaseRefused(
            _("There is no case %(ref)s that you can work on.") % {"ref": f"#{data['other']}"}
        ) from None
    survivor = {Survivor.THIS: case, Survivor.OTHER: other}.get(data["survivor"])
    return actions.merge_cases(case, other, request.user, survivor=survivor)


@require_POST
@staff_required("cases.work_case")
def merge(request, pk: int):
    return _run(
        request, pk, lambda case, data: _merge(request, case, data), _("Cases merged."), MergeForm(request.POST)
    )


def _split(request, case: Case, data) -> Case:
    report = case.reports.filter(pk=data["report"]).first()
    if report is None:
        raise actions.CaseRefused(_("That report is not in this case any more. Reload the page."))
    return actions.split_report(report, request.user)


@require_POST
@staff_required("cases.work_case")
def split(request, pk: int):
    return _run(
        request,
        pk,
        lambda case, data: _split(request, case, data),
        _("The report is now a case of its own."),
        SplitForm(request.POST),
    )


@require_POST
@staff_required("cases.work_case")
def takedown(request, pk: int):
    """The notice as a PDF download; a case with no links, or bad input, comes back with a message."""
    form = TakedownForm(request.POST)
    try:
        case = _workable_case(request, pk)
        if form.is_valid():
            language = form.cleaned_data["language"]
            pdf = takedown_pdf(case, request.user, language, form.cleaned_data["partner"])
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="takedown-{case.pk}-{language}.pdf"'
            response["Cache-Control"] = "no-store"
            return response
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    except actions.CaseRefused as refused:
        messages.error(request, str(refused))
    return redirect("cases:detail", pk=pk)


@require_POST
@staff_required("cases.work_case")
def refer(request, pk: int):
    return _run(
        request,
        pk,
        lambda case, data: refer_case(case, request.user, data["partner"], data["sent"]),
        _("Referral recorded."),
        ReferralForm(request.POST),
    )


def _answer(request, case: Case, referral_pk: int, data) -> None:
    referral = Referral.objects.filter(pk=referral_pk, case=case).select_related("case__harm").first()
    if referral is None:
        raise Http404
    try:
        record_answer(referral, request.user, data["answer"])
    except ReferralError as error:
        raise actions.CaseRefused(str(error)) from None


@require_POST
@staff_required("cases.work_case")
def referral_answer(request, pk: int, referral: int):
    return _run(
        request,
        pk,
        lambda case, data: _answer(request, case, referral, data),
        _("Answer recorded."),
        AnswerForm(request.POST),
    )
