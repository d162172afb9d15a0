"""The console's "start shift" and "end shift" buttons."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himoya.accounts.decorators import staff_required
from himoya.shifts import actions


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("cases:list")


@require_POST
@staff_required(actions.ON_DUTY_PERMISSION)
def start(request):
    actions.start_shift(request.user)
    messages.success(request, _("Your shift has started. Supervisors see you as on duty."))
    return _back(request)


@require_POST
@staff_required(actions.ON_DUTY_PERMISSION)
def end(request):
    if actions.end_shift(request.user) is None:
        messages.error(request, _("You were not on shift."))
    else:
        messages.success(request, _("Your shift has ended."))
    return _back(request)
