"""The operators' queue: filters, counts per urgency, claiming from a row, and the alerts strip."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.cases import actions, alerts
from himoya.cases.access import get_case_for_user
from himoya.cases.queue import QueueFilter, queue_page
from himoya.shifts.actions import current_shift

# Alerts shown at once; a longer list says how many more there are.
ALERTS_SHOWN = 10


def alert_context(user) -> dict:
    """Unclaimed overdue P1 cases, for those who answer for the shift (see himoya/cases/alerts.py)."""
    if not user.has_perm("cases.assign_case"):
        return {"show_alerts": False}
    cases = list(alerts.unclaimed_overdue(user).select_related("harm")[: ALERTS_SHOWN + 1])
    return {"show_alerts": True, "alerts": cases[:ALERTS_SHOWN], "more_alerts": len(cases) > ALERTS_SHOWN}


@staff_required("cases.view_case")
def case_list(request):
    form = QueueFilter(request.GET, user=request.user)
    page = queue_page(request.user, form.values(), form.references)
    paging = request.GET.copy()
    paging.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": request.GET.urlencode(),
        "paging_query": f"{paging.urlencode()}&" if paging else "",
        "can_claim": request.user.has_perm("cases.work_case"),
        **alert_context(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "cases/_list.html", context)
    context["shift"] = current_shift(request.user)
    actions.view_queue(request.user, "queue", form.values())
    return render(request, "cases/list.html", context)


@staff_required("cases.view_case")
def alert_list(request):
    """The alerts strip alone, redrawn when the socket reports a new alert."""
    return render(request, "cases/_queue_alerts.html", alert_context(request.user))


@require_POST
@staff_required("cases.work_case")
def claim_from_queue(request, pk: int):
    """Claim straight from a queue row and go to work on the case; if someone was quicker, say who."""
    case = get_case_for_user(request.user, pk, work=True)
    try:
        actions.claim_case(case, request.user)
    except actions.CaseConflict:
        case.refresh_from_db()
        if case.assignee is not None:
            messages.error(
                request,
                _("%(case)s is already held by %(name)s.")
                % {"case": case.reference, "name": case.assignee.get_username()},
            )
        else:
            messages.error(request, _("%(case)s is closed and cannot be claimed.") % {"case": case.reference})
        return _back_to_queue(request)
    return redirect("cases:detail", pk=case.pk)


def _back_to_queue(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("cases:list"))
