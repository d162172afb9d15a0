"""Fetching cases for a user: access is checked where objects are fetched."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from himoya.cases.models import Case


def can_work(user, case: Case) -> bool:
    return user.has_perm("cases.work_case") and (not case.harm.restricted or user.has_perm("cases.view_restricted"))


def get_case_for_user(user, pk: int, *, work: bool = False) -> Case:
    """The case ``pk`` if ``user`` may see it (and, with ``work``, act on it); 404 otherwise.

    A case the user may not see answers 404, not 403, so its existence is not revealed.
    """
    if not user.has_perm("cases.view_case"):
        raise PermissionDenied
    try:
        case = Case.objects.visible_to(user).select_related("harm", "assignee").get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None
    if work and not can_work(user, case):
        raise PermissionDenied
    return case
