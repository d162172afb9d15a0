"""Operational endpoints and error pages."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def health(request):
    """200 when the database answers; for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "error", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


def _error(request, status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message}, status=status)
    return render(request, "web/error.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _error(
        request, 400, _("Something in the request was not right"), _("Nothing was saved. Please go back and try again.")
    )


def forbidden(request, exception=None):
    return _error(request, 403, _("Not allowed"), _("You do not have access to this page."))


def not_found(request, exception=None):
    return _error(request, 404, _("Page not found"), _("There is nothing at this address."))


def server_error(request):
    return _error(
        request,
        500,
        _("Something went wrong on our side"),
        _("Please try again in a moment. If you need help now, call the helpline."),
    )


def csrf_failure(request, reason=""):
    return _error(
        request,
        403,
        _("This page has expired"),
        _("For your safety, forms stop working after a while. Please go back, reload the page and send it again."),
    )
