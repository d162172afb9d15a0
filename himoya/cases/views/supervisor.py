"""The supervisor's shift view: who is on, what each holds, deadlines, and reassigning in one step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.cases import actions
from himoya.cases.access import get_case_for_user
from himoya.cases.queue import clock
from himoya.cases.shift import SOON, shift_overview
from himoya.cases.views.queue import alert_context
from himoya.shifts.actions import current_shift

ASSIGN = "cases.assign_case"
NOBODY = "nobody"


def assign_options(workers, *, restricted: bool) -> str:
    """The choices of every reassign select, built once per page rather than once per row.

    Nothing is preselected: a supervisor who presses "Assign" without choosing is asked to choose.
    """
    on_shift = _("%(name)s — on shift")
    options = [
        format_html('<option value="" selected disabled>{}</option>', _("Choose…")),
        format_html('<option value="{}">{}</option>', NOBODY, _("Nobody (back to the queue)")),
    ]
    for worker in workers:
        if restricted and not worker.restricted:
            continue
        name = worker.user.get_username()
        label = on_shift % {"name": name} if worker.on_duty else name
        options.append(format_html('<option value="{}">{}</option>', worker.user.pk, label))
    return mark_safe("".join(options))  # noqa: S308 - every part escaped by format_html


def _context(request) -> dict:
    overview = shift_overview(request.user)
    median = overview.median_first_response
    return {
        "overview": overview,
        "assign_options": assign_options(overview.workers, restricted=False),
        "assign_options_restricted": assign_options(overview.workers, restricted=True),
        "soon_minutes": int(SOON.total_seconds() // 60),
        "median_text": clock(median) if median is not None else "",
        **alert_context(request.user),
    }


@staff_required(ASSIGN)
def shift_view(request):
    actions.view_queue(request.user, "shift", {})
    return render(request, "cases/supervisor.html", {**_context(request), "shift": current_shift(request.user)})


@staff_required(ASSIGN)
def shift_body(request):
    """The view's body alone, redrawn when the socket reports a change."""
    return render(request, "cases/supervisor_body.html", _context(request))


def _active_user(choice: str):
    try:
        pk = int(choice)
    except ValueError:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


@require_POST
@staff_required(ASSIGN)
def assign(request, pk: int):
    """Hand a case to someone, or back to the queue: one select and one button per case."""
    case = get_case_for_user(request.user, pk)
    choice = request.POST.get("assignee", "")
    if choice == NOBODY and case.assignee is None:
        messages.info(request, _("%(case)s is already in the queue.") % {"case": case.reference})
        return redirect("cases:supervisor")
    if choice == NOBODY:
        actions.release_case(case, request.user)
        messages.success(request, _("%(case)s is back in the queue.") % {"case": case.reference})
        return redirect("cases:supervisor")
    assignee = _active_user(choice)
    if assignee is None:
        messages.error(request, _("Choose someone from the list to assign %(case)s to.") % {"case": case.reference})
        return redirect("cases:supervisor")
    try:
        actions.assign_case(case, request.user, assignee)
    except PermissionDenied:
        messages.error(
            request,
            _("%(name)s may not work %(case)s (its harm is restricted or they have no operator role).")
            % {"name": assignee.get_username(), "case": case.reference},
        )
        return redirect("cases:supervisor")
    messages.success(
        request, _("%(case)s is now held by %(name)s.") % {"case": case.reference, "name": assignee.get_username()}
    )
    return redirect("cases:supervisor")
